// errkb's MCP server driven by the official MCP TypeScript SDK client, over Streamable HTTP and over
// stdio, on the demo KB (data/), with the client configurations of docs/integrations.md.
// Run by ctest (tests/integrations/CMakeLists.txt) after its fixture installed the pinned SDK here.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import Ajv2020 from 'ajv/dist/2020.js';

const binaryDir = process.env.ERRKB_BINARY_DIR;
const sourceDir = process.env.ERRKB_SOURCE_DIR;
assert.ok(binaryDir && sourceDir, 'ERRKB_BINARY_DIR and ERRKB_SOURCE_DIR must be set (ctest sets them)');

// The fenced blocks of docs/integrations.md in `language` that contain `marker`.
function docBlock(language, marker) {
  const text = readFileSync(path.join(sourceDir, 'docs/integrations.md'), 'utf8');
  const blocks = [...text.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map(m => m[1]);
  const found = blocks.filter(b => b.includes(marker));
  assert.equal(found.length, 1, `one ${language} block with ${marker} in docs/integrations.md`);
  return found[0];
}

const work = mkdtempSync(path.join(tmpdir(), 'errkb-mcp-sdk-'));
const index = path.join(work, 'index');
let server;        // the errkb-server process
let baseUrl;       // http://127.0.0.1:<port>
const readerKey = 'reader-secret';  // search scope only

// Starts errkb-server with `configText` and resolves with its URL once it logs where it listens.
function startServer(configText) {
  const configPath = path.join(work, 'server.yaml');
  writeFileSync(configPath, configText);
  server = spawn(path.join(binaryDir, 'errkb-server'), ['--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  return new Promise((resolve, reject) => {
    const onData = chunk => {
      log += chunk;
      const m = log.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) resolve(m[1]);
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', onData);
    server.on('exit', code => reject(new Error(`errkb-server exited with ${code}:\n${log}`)));
  });
}

async function api(method, route, key, body) {
  const response = await fetch(baseUrl + route, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: await response.json() };
}

// The HTTP snippet of the docs, pointed at the test's server: a client connected with its url and headers.
async function connectHttp(headers) {
  const config = JSON.parse(docBlock('json', '"url"')).mcpServers.errkb;
  assert.equal(config.type, 'http');
  const url = new URL(config.url.replace('http://127.0.0.1:8080', baseUrl));
  const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers: headers ?? config.headers } });
  const client = new Client({ name: 'errkb-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

function text(result) {
  return result.content.filter(c => c.type === 'text').map(c => c.text).join('\n');
}

before(async () => {
  execFileSync(path.join(binaryDir, 'errkb-indexer'),
               ['rebuild', '--kb', path.join(sourceDir, 'data'), '--index', index, '--quiet', '--nice', '0', '--threads', '1']);
  // The docs' agent key, and a reader key that may search but not rate.
  const keys = docBlock('yaml', 'support-agent');
  baseUrl = await startServer(`index: ${index}\nlisten: 127.0.0.1:0\nfeedback_db: ${work}/feedback.sqlite\nthreads: 2\n` +
                              `${keys}  - id: reader\n    key: ${readerKey}\n    scopes: [search]\n`);
});

after(() => {
  server?.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
});

// The checks both transports must pass: tools, schemas, each tool on the demo KB, tool errors.
async function checkTools(client) {
  assert.equal(client.getServerVersion().name, 'errkb');
  assert.match(client.getInstructions(), /diagnose/);
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map(t => t.name).sort(), ['diagnose', 'lookup_code', 'record_feedback', 'search_kb']);
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  const validators = {};
  for (const tool of tools) {
    assert.ok(tool.description.length > 200, `${tool.name}: a description a model can act on`);
    assert.equal(tool.inputSchema.type, 'object');
    validators[tool.name] = ajv.compile(tool.inputSchema);  // throws on a schema that is not valid JSON Schema
    ajv.compile(tool.outputSchema);
  }
  assert.ok(validators.diagnose({ code: '0x80070005', symptoms: ['access denied'], limit: 3 }));
  assert.ok(!validators.diagnose({ code: '0x80070005', limit: 'five' }));
  assert.ok(!validators.diagnose({ code: '0x80070005', colour: 'red' }));
  assert.ok(validators.lookup_code({ code: '0x80070005' }));
  assert.ok(!validators.lookup_code({ vendor: 'Microsoft' }));
  assert.ok(validators.search_kb({ q: 'access denied', kind: 'article', limit: 5 }));
  assert.ok(!validators.search_kb({ q: 'access denied', kind: 'page' }));
  assert.ok(validators.record_feedback({ diagnosis_id: 'd', cause_id: 'c', outcome: 'resolved' }));
  assert.ok(!validators.record_feedback({ diagnosis_id: 'd', cause_id: 'c', outcome: 'great' }));

  // A code finds its cause: the demo KB's article about 0x80070005. (The client checks each
  // structuredContent against the tool's outputSchema.)
  const diagnosis = await client.callTool({ name: 'diagnose', arguments: { code: '0x80070005', limit: 3 } });
  assert.equal(diagnosis.isError, false, text(diagnosis));
  const causes = diagnosis.structuredContent.causes;
  assert.ok(causes.length > 0);
  assert.equal(causes[0].catalogue_only, false);
  assert.match(causes[0].evidence[0].url, /0x80070005|access-denied/);
  assert.ok(causes[0].checks.length > 0 && causes[0].resolutions.length > 0);
  assert.equal(diagnosis.structuredContent.codes[0].interpretations[0].canonical, 'hresult:80070005');
  assert.ok(text(diagnosis).includes(causes[0].title));
  assert.ok(text(diagnosis).includes(`diagnosis_id: ${diagnosis.structuredContent.diagnosis_id}`));

  const lookup = await client.callTool({ name: 'lookup_code', arguments: { code: '-2147024891' } });
  assert.equal(lookup.isError, false, text(lookup));
  assert.equal(lookup.structuredContent.interpretations[0].canonical, 'hresult:80070005');
  assert.match(text(lookup), /E_ACCESSDENIED/);

  const search = await client.callTool({ name: 'search_kb', arguments: { q: 'eBay error 21919300', limit: 3 } });
  assert.equal(search.isError, false, text(search));
  assert.ok(search.structuredContent.hits.length > 0);
  assert.ok(search.structuredContent.hits.some(h => h.codes.includes('ebay:21919300')), JSON.stringify(search.structuredContent.hits));

  // Bad arguments come back as tool errors that name the argument, for the model to correct.
  const badLimit = await client.callTool({ name: 'diagnose', arguments: { code: '0x80070005', limit: 'five' } });
  assert.equal(badLimit.isError, true);
  assert.match(text(badLimit), /'limit'/);
  const noCode = await client.callTool({ name: 'lookup_code', arguments: {} });
  assert.equal(noCode.isError, true);
  assert.match(text(noCode), /'code' is required/);
  const unknown = await client.callTool({ name: 'search_kb', arguments: { q: 'dns', page: 2 } });
  assert.equal(unknown.isError, true);
  assert.match(text(unknown), /'page'/);
  return diagnosis.structuredContent;
}

describe('Streamable HTTP', () => {
  test('tools answer as /v1 does, on the demo KB', async () => {
    const client = await connectHttp();
    try {
      await checkTools(client);
      const viaMcp = await client.callTool({ name: 'lookup_code', arguments: { code: '0x80070005' } });
      const viaApi = await api('GET', '/v1/codes/0x80070005', readerKey);
      assert.equal(viaApi.status, 200);
      assert.deepEqual(viaMcp.structuredContent, viaApi.body);
      const searched = await client.callTool({ name: 'search_kb', arguments: { q: 'custom domain not verified', limit: 2 } });
      const viaSearch = await api('GET', '/v1/search?q=custom%20domain%20not%20verified&limit=2', readerKey);
      assert.deepEqual(searched.structuredContent, viaSearch.body);
    } finally {
      await client.close();
    }
  });

  test('feedback is recorded and visible through /v1/gaps', async () => {
    const client = await connectHttp();
    try {
      let causeId;
      for (let i = 0; i < 2; i++) {  // the gaps report lists a cause marked not relevant twice
        const d = await client.callTool({ name: 'diagnose', arguments: { text: 'order emails not sent, SMTP 535 authentication failed' } });
        causeId ??= d.structuredContent.causes[0].id;
        const stored = await client.callTool({
          name: 'record_feedback',
          arguments: { diagnosis_id: d.structuredContent.diagnosis_id, cause_id: causeId, outcome: 'not_relevant', note: 'wrong mailbox' },
        });
        assert.equal(stored.isError, false, text(stored));
        assert.equal(stored.structuredContent.stored, true);
        assert.equal(stored.structuredContent.diagnosis_id, d.structuredContent.diagnosis_id);
        assert.equal(stored.structuredContent.cause_id, causeId);
        assert.equal(stored.structuredContent.outcome, 'not_relevant');
      }
      const agentKey = JSON.parse(docBlock('json', '"url"')).mcpServers.errkb.headers.Authorization.replace('Bearer ', '');
      const gaps = await api('GET', '/v1/gaps', agentKey);
      assert.equal(gaps.status, 200);
      const listed = gaps.body.causes.find(c => c.cause_id === causeId);
      assert.ok(listed, JSON.stringify(gaps.body));
      assert.equal(listed.count, 2);
    } finally {
      await client.close();
    }
  });

  test('a search-scoped key may read but not rate', async () => {
    const client = await connectHttp({ Authorization: `Bearer ${readerKey}` });
    try {
      const d = await client.callTool({ name: 'diagnose', arguments: { code: '0x80070005' } });
      assert.equal(d.isError, false);
      const refused = await client.callTool({
        name: 'record_feedback',
        arguments: { diagnosis_id: d.structuredContent.diagnosis_id, cause_id: d.structuredContent.causes[0].id, outcome: 'resolved' },
      });
      assert.equal(refused.isError, true);
      assert.match(text(refused), /missing_scope/);
    } finally {
      await client.close();
    }
  });

  test('a missing or wrong key is refused', async () => {
    await assert.rejects(connectHttp({}), /401/);
    await assert.rejects(connectHttp({ Authorization: 'Bearer not-a-key' }), /401/);
  });
});

describe('stdio', () => {
  test('errkb-server --mcp-stdio serves the same tools over a local index', async () => {
    const config = JSON.parse(docBlock('json', '"command"')).mcpServers.errkb;
    assert.equal(config.command, 'errkb-server');
    const args = config.args.map(a => (a === '/var/lib/errkb/index' ? index : a));
    args.push('--feedback-db', path.join(work, 'stdio-feedback.sqlite'));
    const transport = new StdioClientTransport({ command: path.join(binaryDir, config.command), args, stderr: 'pipe' });
    let stderr = '';
    transport.stderr.on('data', chunk => { stderr += chunk; });
    const client = new Client({ name: 'errkb-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const diagnosis = await checkTools(client);
      // Locally every tool may be called: the user runs the server.
      const stored = await client.callTool({
        name: 'record_feedback',
        arguments: { diagnosis_id: diagnosis.diagnosis_id, cause_id: diagnosis.causes[0].id, outcome: 'resolved' },
      });
      assert.equal(stored.isError, false, text(stored));
    } finally {
      await client.close();
    }
    assert.match(stderr, /serving MCP on stdio/);  // logs on stderr, never on the protocol's stdout
  });
});
