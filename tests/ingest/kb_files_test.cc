// The KB folder: listing and dispatch to readers.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <thread>

#include "errkb/ingest.h"
#include "fixtures.h"

namespace errkb {
namespace {

namespace fs = std::filesystem;
using testing::errors_of;
using testing::fixture_root;

// A fresh directory under the system temp dir, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("errkb-ingest-" + std::to_string(::getpid()) + "-" +
                                         std::to_string(rd()) + "-" + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  void write(const std::string& rel, const std::string& content) const {
    fs::create_directories((path_ / rel).parent_path());
    std::ofstream(path_ / rel, std::ios::binary) << content;
  }

 private:
  fs::path path_;
};

std::vector<std::string> rels(const std::vector<KbFile>& files) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(f.rel);
  return out;
}

TEST(ListKbFiles, FixtureKbSortedByPath) {
  const auto files = list_kb_files(fixture_root() / "kb");
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  const std::vector<std::string> expected = {"articles/en/custom-domain-dns.md",
                                             "articles/en/no-sections.md",
                                             "articles/en/payment-declined.md",
                                             "articles/html/template-blank.html",
                                             "articles/it/sincronizzazione-ebay.md",
                                             "articles/ro/eroare-smtp-535.md",
                                             "articles/ru/oshibka-ssl.md",
                                             "articles/txt/shipping-label.txt",
                                             "catalogues/acme-payments.json",
                                             "catalogues/ebay-response.xml",
                                             "catalogues/ebay-trading.json",
                                             "catalogues/shipfast-labels.csv",
                                             "forums/se/Posts.xml",
                                             "forums/shop-community.jsonl"};
  EXPECT_EQ(rels(*files), expected);
  for (const auto& f : *files) {
    EXPECT_TRUE(f.path.is_absolute());
    EXPECT_GT(f.size, 0u);
    EXPECT_GT(f.mtime_ns, 0);
  }
  EXPECT_EQ(files->front().kind, SourceKind::kArticle);
  EXPECT_EQ(files->back().kind, SourceKind::kForum);
}

TEST(ListKbFiles, SkipsUnknownExtensionsHiddenFilesAndOtherFolders) {
  TempDir kb;
  kb.write("articles/a.md", "# A\n");
  kb.write("articles/sub/deeper/b.HTM", "<p>b</p>");
  kb.write("articles/notes.docx", "binary");
  kb.write("articles/.draft.md", "# hidden\n");
  kb.write("articles/.git/c.md", "# in a hidden folder\n");
  kb.write("forums/f.jsonl", "");
  kb.write("catalogues/c.csv", "code\n");
  kb.write("other/x.md", "# not a KB folder\n");
  kb.write("synonyms.txt", "a, b\n");
  const auto files = list_kb_files(kb.path());
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(rels(*files), (std::vector<std::string>{"articles/a.md", "articles/sub/deeper/b.HTM",
                                                    "catalogues/c.csv", "forums/f.jsonl"}));
}

TEST(ListKbFiles, MissingFolderIsNotFound) {
  TempDir tmp;
  const auto files = list_kb_files(tmp.path() / "nope");
  ASSERT_FALSE(files.ok());
  EXPECT_EQ(files.status().code(), Status::Code::kNotFound);
}

TEST(ReadKbFile, DispatchesEveryFixtureToItsReader) {
  const auto files = list_kb_files(fixture_root() / "kb");
  ASSERT_TRUE(files.ok());
  size_t items = 0;
  for (const KbFile& f : *files) {
    const FileReadResult r = read_kb_file(f);
    EXPECT_FALSE(r.items.empty()) << f.rel << "\n" << errors_of(r);
    for (const Item& item : r.items) {
      EXPECT_EQ(item.container, f.rel);
      EXPECT_FALSE(item.passages.empty());
      const std::string prefix = std::string(to_string(f.kind)) + ":";
      EXPECT_EQ(item.uid.rfind(prefix, 0), 0u) << item.uid;
      for (const Passage& p : item.passages) EXPECT_EQ(p.kind, f.kind);
    }
    items += r.items.size();
  }
  // 8 articles, 4 good JSONL threads + 2 SE threads, 3 + 2 + 3 + 3 catalogue entries.
  EXPECT_EQ(items, 8u + 6u + 11u);
}

TEST(ReadKbFile, StackExchangeXmlAnyNameInForums) {
  TempDir kb;
  kb.write("forums/dump/posts-2025.xml",
           "<posts><row Id=\"9\" PostTypeId=\"1\" Title=\"T\" Body=\"&lt;p&gt;Q&lt;/p&gt;\" /></posts>\n");
  const auto files = list_kb_files(kb.path());
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 1u);
  const auto r = read_kb_file(files->front());
  ASSERT_EQ(r.items.size(), 1u) << errors_of(r);
  EXPECT_EQ(r.items[0].uid, "forum:se:9");
}

TEST(ReadKbFile, MalformedFilesAreErrorsNotExceptions) {
  TempDir kb;
  kb.write("articles/latin1.md", "# T\n\nCaf\xe9\n");
  kb.write("articles/utf16.txt", std::string("\xff\xfe"
                                             "C\0a\0",
                                             6));
  kb.write("catalogues/bad.json", "{\"errors\": [");
  kb.write("catalogues/x.xml", "<Errors><ErrorCode>1</ErrorCode>");
  kb.write("forums/t.jsonl", "not json\n");
  const auto files = list_kb_files(kb.path());
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 5u);
  for (const KbFile& f : *files) {
    const FileReadResult r = read_kb_file(f);
    EXPECT_FALSE(r.complete) << f.rel;
    ASSERT_FALSE(r.errors.empty()) << f.rel;
    EXPECT_EQ(r.errors[0].path, f.rel);
    EXPECT_EQ(r.errors[0].to_string().rfind(f.rel + ":", 0), 0u);
  }
}

// The indexer reads files on several threads: the readers share no mutable state.
TEST(ReadKbFile, ParallelReadsGiveTheSameItems) {
  const auto files = list_kb_files(fixture_root() / "kb");
  ASSERT_TRUE(files.ok());
  auto fingerprint = [&](const KbFile& f) {
    std::string out;
    for (const Item& item : read_kb_file(f).items) {
      out += item.uid + "=" + item.signature + ":" + std::to_string(item.passages.size()) + ";";
      for (const Passage& p : item.passages) out += p.language + p.cause + p.title;
    }
    return out;
  };
  std::vector<std::string> serial;
  for (const KbFile& f : *files) serial.push_back(fingerprint(f));
  constexpr int kThreads = 4;
  std::vector<std::vector<std::string>> parallel(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round) {
        parallel[t].clear();
        for (const KbFile& f : *files) parallel[t].push_back(fingerprint(f));
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(parallel[t], serial) << "thread " << t;
}

TEST(ReadKbFile, WindowsLineEndings) {
  const auto md = read_markdown_article(
      "articles/crlf.md", "---\r\ntitle: CRLF\r\nlanguage: en\r\n---\r\n## Cause\r\n\r\nA reason.\r\n");
  ASSERT_EQ(md.items.size(), 1u) << errors_of(md);
  EXPECT_EQ(md.items[0].passages[0].title, "CRLF");
  EXPECT_EQ(md.items[0].passages[0].cause, "A reason.");
  const auto txt = read_text_article("articles/crlf.txt", "Title\r\n\r\nCause:\r\nA reason.\r\n");
  ASSERT_EQ(txt.items.size(), 1u);
  EXPECT_EQ(txt.items[0].passages[0].cause, "A reason.");
  EXPECT_EQ(txt.items[0].passages[0].title, "Title");
}

}  // namespace
}  // namespace errkb
