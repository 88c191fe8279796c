#!/usr/bin/env python3
"""Builds errkb JSON catalogues from error catalogues that Debian packages install.

Usage: import_system.py [--root DIR] [--only VENDOR[,VENDOR...]] OUT_KB_DIR

Writes OUT_KB_DIR/catalogues/<vendor>.json (and hresult-windows-update.json for wuerror.h) in
errkb's catalogue format:
  {"vendor","product","language","errors":[{"code","name","severity","category","message",
   "description","causes":[],"resolution","url"}]}

Only facts found in the installed files are written (numbers, symbolic names, and the message
texts those files carry); nothing is invented. A missing source is skipped with a one-line
notice. Output is deterministic: entries sorted by numeric code, keys in a fixed order, files
written atomically. `--root` prefixes every source path (used by tests with fake sources).

Python standard library only.
"""

import gzip
import html
import json
import os
import re
import sys
from html.parser import HTMLParser

ROOT = ""  # set by --root


def src(path):
    return ROOT + path if ROOT else path


def read_text(path):
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".gz"):
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace")


class Skip(Exception):
    """A source is missing or unusable: the vendor is skipped with a notice."""


def need(path):
    p = src(path)
    if not os.path.isfile(p):
        raise Skip("%s not found" % p)
    return p


def entry(code, name="", severity="Error", category="", message="", description="", url=""):
    # Fixed key order: the output must be byte-identical between runs.
    return {
        "code": code,
        "name": name,
        "severity": severity,
        "category": category,
        "message": message,
        "description": description,
        "causes": [],
        "resolution": "",
        "url": url,
    }


def c_int(tok):
    tok = tok.strip().rstrip("uUlL")
    if re.fullmatch(r"0[xX][0-9a-fA-F]+", tok):
        return int(tok, 16)
    if re.fullmatch(r"-?[0-9]+", tok):
        return int(tok, 10)
    return None


def hex8(v):
    return "0x%08X" % (v & 0xFFFFFFFF)


DEFINE_RE = re.compile(r"^\s*#\s*define\s+([A-Za-z_][A-Za-z0-9_]*)\s+(.*?)\s*$")


def iter_defines(text):
    """(name, value text, trailing comment) for every object-like #define, in file order."""
    for line in text.splitlines():
        m = DEFINE_RE.match(line)
        if not m:
            continue
        name, rest = m.group(1), m.group(2)
        if line.lstrip().startswith("#") and re.match(r"^\s*#\s*define\s+\w+\(", line):
            continue  # function-like macro
        comment = ""
        cm = re.search(r"/\*(.*?)\*/", rest)
        if cm:
            comment = cm.group(1).strip()
            rest = (rest[: cm.start()] + rest[cm.end():]).strip()
        rest = re.sub(r"//.*$", "", rest).strip()
        yield name, rest, comment


# ---------------------------------------------------------------------------------------------
# Windows: winerror.h (Win32 + HRESULT), wuerror.h (Windows Update HRESULT), ntstatus.h

WINERROR = "/usr/share/mingw-w64/include/winerror.h"
WUERROR = "/usr/share/mingw-w64/include/wuerror.h"
NTSTATUS = "/usr/share/mingw-w64/include/ntstatus.h"

# Names that are ranges, masks or bases, not error codes.
NOT_A_CODE = re.compile(r"(^FACILITY_|^SEVERITY_|^_|_FIRST$|_LAST$|_BASE$|_MASK$|^WSABASEERR$|_END$|_START$)")


def parse_winerror_values(text):
    """name -> (value, kind) with kind 'win32' or 'hresult', in file order, aliases resolved."""
    values = {}
    order = []
    raw = []
    for name, rest, _ in iter_defines(text):
        raw.append((name, rest))
    known = {}
    for name, rest in raw:
        v = None
        kind = None
        m = re.fullmatch(r"__MSABI_LONG\(\s*([0-9xXa-fA-F]+)[uUlL]*\s*\)", rest)
        if m:
            v = c_int(m.group(1))
            kind = "hresult" if v is not None and v > 0xFFFF else "win32"
        if v is None:
            m2 = re.fullmatch(r"_HRESULT_TYPEDEF_\(\s*([0-9xXa-fA-F]+)[uUlL]*\s*\)", rest) or \
                re.fullmatch(r"\(\s*\(\s*HRESULT\s*\)\s*([0-9xXa-fA-F]+)[uUlL]*\s*\)", rest)
            if m2:
                v = c_int(m2.group(1))
                kind = "hresult"
        if v is None:
            v0 = c_int(rest)
            if v0 is not None:
                v = v0
                kind = "hresult" if v > 0xFFFF else "win32"
        if v is None:
            m3 = re.fullmatch(r"\(\s*([A-Za-z_]\w*)\s*\+\s*([0-9]+)\s*\)", rest)
            if m3 and m3.group(1) in known:
                v = known[m3.group(1)][0] + int(m3.group(2))
                kind = "win32"
        if v is None:
            m4 = re.fullmatch(r"\(?\s*([A-Za-z_]\w*)\s*\)?", rest)
            if m4 and m4.group(1) in known:
                v, kind = known[m4.group(1)]
        if v is None:
            continue
        if name.startswith("FACILITY_"):
            continue
        if name not in known:
            known[name] = (v, kind)
            if not NOT_A_CODE.search(name):
                order.append(name)
    for name in order:
        values[name] = known[name]
    return values


def parse_facilities(text, base):
    fac = {}
    for name, rest, _ in iter_defines(text):
        if name.startswith("FACILITY_"):
            v = c_int(rest)
            if v is not None and v not in fac:
                fac[v] = name
    return fac


def group_by_value(names_values):
    """value -> [names] keeping file order; the preferred name first."""
    by = {}
    for name, v in names_values:
        by.setdefault(v, []).append(name)
    return by


def prefer(names, prefixes):
    for p in prefixes:
        for n in names:
            if n.startswith(p):
                return [n] + [x for x in names if x != n]
    return names


def win32_category(name):
    if name.startswith("ERROR_") or name == "NO_ERROR":
        return "Win32 system error"
    if name.startswith("WSA"):
        return "Windows Sockets (Winsock)"
    if name.startswith("DNS_"):
        return "DNS"
    if name.startswith("RPC_") or name.startswith("EPT_"):
        return "RPC"
    if name.startswith("SCHED_"):
        return "Task Scheduler"
    return "Win32"


def build_win32():
    path = need(WINERROR)
    vals = parse_winerror_values(read_text(path))
    pairs = [(n, v) for n, (v, k) in vals.items() if k == "win32"]
    by = group_by_value(pairs)
    errors = []
    for v in sorted(by):
        names = prefer(by[v], ("ERROR_", "WSA", "NO_ERROR"))
        name = names[0]
        desc = "Win32 error %d (0x%08X), defined in winerror.h as %s." % (v, v, name)
        if len(names) > 1:
            desc += " Also defined as: %s." % ", ".join(names[1:])
        if 0 < v <= 0xFFFF:
            desc += " As an HRESULT (HRESULT_FROM_WIN32): %s." % hex8(0x80070000 | v)
        errors.append(entry(str(v), name, "Success" if v == 0 else "Error", win32_category(name), "", desc,
                            "https://learn.microsoft.com/en-us/windows/win32/debug/system-error-codes"))
    return [("win32", {"vendor": "win32", "product": "Windows", "language": "en", "errors": errors})]


def hresult_entries(pairs, facilities, win32_names, source):
    by = group_by_value(pairs)
    errors = []
    for v in sorted(by):
        names = prefer(by[v], ("S_OK", "E_", "S_", "WU_E_", "WU_S_"))
        name = names[0]
        sev_bit = (v >> 31) & 1
        fac = (v >> 16) & 0x1FFF
        low = v & 0xFFFF
        fac_name = facilities.get(fac, "")
        category = "%s (%d)" % (fac_name, fac) if fac_name else "facility %d" % fac
        desc = "HRESULT %s (%d as a signed 32-bit value), defined in %s as %s. Severity bit %d (%s), facility %d%s, code %d." % (
            hex8(v), v - (1 << 32) if v >= 1 << 31 else v, source, name, sev_bit,
            "failure" if sev_bit else "success", fac, (" " + fac_name) if fac_name else "", low)
        if len(names) > 1:
            desc += " Also defined as: %s." % ", ".join(names[1:])
        if sev_bit and fac == 7:
            w = win32_names.get(low)
            desc += " Wraps Win32 error %d%s." % (low, (" " + w) if w else "")
        errors.append(entry(hex8(v), name, "Error" if sev_bit else "Success", category, "", desc,
                            "https://learn.microsoft.com/en-us/windows/win32/com/com-error-codes"))
    return errors


def build_hresult():
    path = need(WINERROR)
    text = read_text(path)
    vals = parse_winerror_values(text)
    facilities = parse_facilities(text, 10)
    win32_names = {}
    for n, (v, k) in vals.items():
        if k == "win32" and (v not in win32_names or (n.startswith("ERROR_") and not win32_names[v].startswith("ERROR_"))):
            win32_names[v] = n
    pairs = [(n, v & 0xFFFFFFFF) for n, (v, k) in vals.items() if k == "hresult"]
    out = [("hresult", {"vendor": "hresult", "product": "Windows", "language": "en",
                        "errors": hresult_entries(pairs, facilities, win32_names, "winerror.h")})]
    seen = {v for _, v in pairs}
    wu = src(WUERROR)
    if os.path.isfile(wu):
        wpairs = []
        for name, rest, _ in iter_defines(read_text(wu)):
            m = re.fullmatch(r"_HRESULT_TYPEDEF_\(\s*([0-9xXa-fA-F]+)[uUlL]*\s*\)", rest)
            if m and not NOT_A_CODE.search(name):
                v = c_int(m.group(1)) & 0xFFFFFFFF
                if v not in seen:  # winerror.h wins if both define it: one entry per id
                    wpairs.append((name, v))
        out.append(("hresult-windows-update",
                    {"vendor": "hresult", "product": "Windows Update", "language": "en",
                     "errors": hresult_entries(wpairs, facilities, win32_names, "wuerror.h")}))
    else:
        print("notice: %s not found; Windows Update HRESULTs skipped" % wu)
    return out


NT_SEVERITY = {0: "Success", 1: "Informational", 2: "Warning", 3: "Error"}


def build_ntstatus():
    path = need(NTSTATUS)
    text = read_text(path)
    facilities = {}
    pairs = []
    seen_names = set()
    for name, rest, _ in iter_defines(text):
        if name.startswith("FACILITY_"):
            v = c_int(rest)
            if v is not None and v not in facilities:
                facilities[v] = name
            continue
        m = re.fullmatch(r"\(\s*\(\s*NTSTATUS\s*\)\s*([0-9xXa-fA-F]+)[uUlL]*\s*\)", rest)
        if m and name not in seen_names and not NOT_A_CODE.search(name):
            seen_names.add(name)
            pairs.append((name, c_int(m.group(1)) & 0xFFFFFFFF))
    by = group_by_value(pairs)
    errors = []
    for v in sorted(by):
        names = prefer(by[v], ("STATUS_",))
        sev = NT_SEVERITY[(v >> 30) & 3]
        fac = (v >> 16) & 0xFFF
        fac_name = facilities.get(fac, "")
        desc = "NTSTATUS %s, defined in ntstatus.h as %s. Severity %s, facility %d%s, code %d." % (
            hex8(v), names[0], sev.lower(), fac, (" " + fac_name) if fac_name else "", v & 0xFFFF)
        if len(names) > 1:
            desc += " Also defined as: %s." % ", ".join(names[1:])
        desc += " As an HRESULT (HRESULT_FROM_NT): %s." % hex8(v | 0x10000000)
        category = "%s (%d)" % (fac_name, fac) if fac_name else "NTSTATUS facility %d" % fac
        errors.append(entry(hex8(v), names[0], sev, category, "", desc,
                            "https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-erref/596a1078-e883-4972-9bbc-49e60bebca55"))
    return [("ntstatus", {"vendor": "ntstatus", "product": "Windows NT kernel", "language": "en", "errors": errors})]


# ---------------------------------------------------------------------------------------------
# Linux errno

ERRNO_FILES = ["/usr/include/asm-generic/errno-base.h", "/usr/include/asm-generic/errno.h"]


def build_errno():
    paths = [src(p) for p in ERRNO_FILES if os.path.isfile(src(p))]
    if not paths:
        raise Skip("%s not found" % src(ERRNO_FILES[0]))
    known = {}
    order = []
    comments = {}
    for p in paths:
        for name, rest, comment in iter_defines(read_text(p)):
            if not re.fullmatch(r"E[A-Z0-9]+", name):
                continue
            v = c_int(rest)
            if v is None and rest in known:
                v = known[rest]
            if v is None or name in known:
                continue
            known[name] = v
            order.append(name)
            comments[name] = comment
    by = group_by_value([(n, known[n]) for n in order])
    errors = []
    for v in sorted(by):
        names = by[v]
        name = names[0]
        msg = comments.get(name, "")
        desc = "Linux errno %d, %s." % (v, name)
        if len(names) > 1:
            desc += " Also defined as: %s." % ", ".join(
                "%s (%s)" % (n, comments[n]) if comments.get(n) and comments[n] != msg else n for n in names[1:])
        errors.append(entry(str(v), name, "Error", "POSIX errno (Linux)", msg, desc,
                            "https://man7.org/linux/man-pages/man3/errno.3.html"))
    return [("errno", {"vendor": "errno", "product": "Linux", "language": "en", "errors": errors})]


# ---------------------------------------------------------------------------------------------
# libcurl: libcurl-errors.3.gz (troff)

CURL_MAN = "/usr/share/man/man3/libcurl-errors.3.gz"


def troff_to_text(lines):
    out = []
    for line in lines:
        if line.startswith('.\\"'):
            continue
        if line.startswith("."):
            # A request line: keep the argument text of font macros, drop the rest.
            m = re.match(r"^\.(B|I|BR|IR|RB|RI|BI|IB)\s+(.*)$", line)
            if not m:
                continue
            line = m.group(2).replace('"', "")
        line = re.sub(r"\\f(\[[^\]]*\]|\(..|.)", "", line)  # font changes
        line = line.replace("\\-", "-").replace("\\(aq", "'").replace("\\(dq", '"')
        line = line.replace("\\(em", "-").replace("\\(en", "-").replace("\\e", "\\").replace("\\\\", "\\")
        line = line.replace("\\&", "").replace("\\ ", " ").replace("\\(co", "(c)")
        out.append(line.strip())
    return re.sub(r"\s+", " ", " ".join(out)).strip()


def first_sentence(text):
    m = re.match(r"^(.+?[.!?])(\s|$)", text)
    return m.group(1) if m else text


def build_curl():
    path = need(CURL_MAN)
    lines = read_text(path).splitlines()
    errors = []
    in_curlcode = False
    cur = None
    body = []

    def flush():
        if cur is not None:
            name, v = cur
            text = troff_to_text(body)
            errors.append(entry(str(v), name, "Success" if v == 0 else "Error", "libcurl CURLcode",
                                first_sentence(text), text,
                                "https://curl.se/libcurl/c/libcurl-errors.html"))

    for line in lines:
        if line.startswith(".SH"):
            flush()
            cur, body = None, []
            in_curlcode = line.strip() == '.SH "CURLcode"'
            continue
        if not in_curlcode:
            continue
        if line.startswith(".IP"):
            flush()
            cur, body = None, []
            m = re.match(r'^\.IP\s+"(CURLE_[A-Z0-9_]+)\s+\((\d+)\)"', line)
            if m:
                cur = (m.group(1), int(m.group(2)))
            continue
        if cur is not None:
            body.append(line)
    flush()
    dedup = {}
    for e in errors:
        dedup.setdefault(int(e["code"]), e)
    if not dedup:
        raise Skip("%s: no CURLE entries found" % path)
    return [("curl", {"vendor": "curl", "product": "libcurl", "language": "en",
                      "errors": [dedup[k] for k in sorted(dedup)]})]


# ---------------------------------------------------------------------------------------------
# PostgreSQL SQLSTATE: errcodes.h

ERRCODES = "/usr/include/postgresql/15/server/utils/errcodes.h"


def sqlstate_key(code):
    # SQLSTATEs are alphanumeric; sort by the text, which is their natural order.
    return code


def build_sqlstate():
    path = None
    for cand in (ERRCODES, "/usr/include/postgresql/16/server/utils/errcodes.h",
                 "/usr/include/postgresql/14/server/utils/errcodes.h"):
        if os.path.isfile(src(cand)):
            path = src(cand)
            break
    if path is None:
        raise Skip("%s not found" % src(ERRCODES))
    cls_name = {}
    by_code = {}
    for line in read_text(path).splitlines():
        m = re.match(r"^/\*\s*Class\s+([0-9A-Z]{2})\s+-\s+(.*?)\s*\*/", line)
        if m:
            cls_name.setdefault(m.group(1), re.sub(r"\s*\(.*\)\s*$", "", m.group(2)))
            continue
        m = re.match(r"^#define\s+ERRCODE_(\w+)\s+MAKE_SQLSTATE\(((?:'.'\s*,?\s*){5})\)", line)
        if m:
            code = "".join(re.findall(r"'(.)'", m.group(2)))
            by_code.setdefault(code, []).append(m.group(1).lower())
    errors = []
    for code in sorted(by_code, key=sqlstate_key):
        names = by_code[code]
        cls = code[:2]
        cname = cls_name.get(cls, "")
        category = "Class %s - %s" % (cls, cname) if cname else "Class %s" % cls
        sev = "Success" if cls == "00" else "Warning" if cls in ("01", "02") else "Error"
        desc = "SQLSTATE %s, condition %s (%s), class %s%s." % (
            code, names[0], names[0].replace("_", " "), cls, (" " + cname) if cname else "")
        if len(names) > 1:
            desc += " Also named: %s." % ", ".join(names[1:])
        errors.append(entry(code, names[0], sev, category, "", desc,
                            "https://www.postgresql.org/docs/15/errcodes-appendix.html"))
    if not errors:
        raise Skip("%s: no MAKE_SQLSTATE defines found" % path)
    return [("sqlstate", {"vendor": "sqlstate", "product": "PostgreSQL", "language": "en", "errors": errors})]


# ---------------------------------------------------------------------------------------------
# HTTP status codes: Python's http.HTTPStatus

HTTP_CLASS = {1: "1xx Informational", 2: "2xx Success", 3: "3xx Redirection", 4: "4xx Client Error",
              5: "5xx Server Error"}


def build_http():
    import http
    errors = []
    seen = set()
    for st in sorted(http.HTTPStatus, key=lambda s: s.value):
        if st.value in seen:
            continue
        seen.add(st.value)
        cls = st.value // 100
        sev = "Error" if cls >= 4 else "Warning" if cls == 3 else "Success"
        errors.append(entry(str(st.value), st.name, sev, HTTP_CLASS.get(cls, ""), st.phrase,
                            st.description or "",
                            "https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/%d" % st.value))
    return [("http", {"vendor": "http", "product": "HTTP", "language": "en", "errors": errors})]


# ---------------------------------------------------------------------------------------------
# SQLite: sqlite3.h (numbers) + rescode.html (prose)

SQLITE_H = "/usr/include/sqlite3.h"
SQLITE_DOC = "/usr/share/doc/sqlite3/rescode.html"


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_starttag(self, tag, attrs):
        if tag in ("p", "br", "li", "ul", "ol", "blockquote", "pre", "div"):
            self.parts.append("\n\n")

    def handle_data(self, data):
        self.parts.append(data)


def html_to_paragraphs(fragment):
    p = _Text()
    p.feed(fragment)
    p.close()
    text = "".join(p.parts)
    paras = [re.sub(r"\s+", " ", x).strip() for x in re.split(r"\n\s*\n", text)]
    return "\n\n".join(x for x in paras if x)


def sqlite_doc_sections(path):
    """name -> (anchor, text) from rescode.html's '<h3>(N) NAME</h3>' sections."""
    s = read_text(path)
    out = {}
    heads = list(re.finditer(r"<h3>\((\d+)\)\s*(SQLITE_\w+)\s*</h3>", s))
    for i, m in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(s)
        chunk = s[m.end():end]
        # stop at the next section's anchor / rule comment / any h2
        cut = re.search(r"<!--|<a name=|<h2", chunk)
        if cut:
            chunk = chunk[: cut.start()]
        am = re.findall(r'<a name="([^"]+)"></a>\s*$', s[max(0, m.start() - 200):m.start()])
        out[m.group(2)] = (am[-1] if am else "", html_to_paragraphs(chunk))
    return out


def build_sqlite():
    path = need(SQLITE_H)
    prim = {}
    prim_order = []
    comments = {}
    ext = []
    in_block = False
    for name, rest, comment in iter_defines(read_text(path)):
        if name == "SQLITE_OK" and c_int(rest) == 0:
            in_block = True
        if in_block:
            v = c_int(rest)
            if v is not None and name not in prim:
                prim[name] = v
                prim_order.append(name)
                comments[name] = comment
            if name == "SQLITE_DONE":
                in_block = False
            continue
        m = re.fullmatch(r"\(\s*(SQLITE_[A-Z_]+)\s*\|\s*\(\s*(\d+)\s*<<\s*8\s*\)\s*\)", rest)
        if m and m.group(1) in prim and name not in prim:
            ext.append((name, prim[m.group(1)] | (int(m.group(2)) << 8), m.group(1), comment))
    if not prim:
        raise Skip("%s: no result codes found" % path)
    docs = {}
    doc = src(SQLITE_DOC)
    if os.path.isfile(doc):
        docs = sqlite_doc_sections(doc)
    else:
        print("notice: %s not found; SQLite entries without descriptions" % doc)
    rows = {}
    for n in prim_order:
        rows.setdefault(prim[n], (n, None, comments[n]))
    for n, v, base, comment in ext:
        rows.setdefault(v, (n, base, comment))
    errors = []
    for v in sorted(rows):
        name, base, comment = rows[v]
        anchor, text = docs.get(name, ("", ""))
        primary = rows[v & 0xFF][0] if (v & 0xFF) in rows else base
        if name in ("SQLITE_OK", "SQLITE_ROW", "SQLITE_DONE") or (base == "SQLITE_OK"):
            sev = "Success"
        elif name.startswith("SQLITE_NOTICE") or name.startswith("SQLITE_WARNING"):
            sev = "Warning"
        else:
            sev = "Error"
        category = "primary result code" if base is None else "extended result code of %s (%d)" % (primary, v & 0xFF)
        msg = comment if base is None else ""
        if comment.lower().startswith("internal use only"):
            msg = ""
        url = "https://www.sqlite.org/rescode.html" + ("#" + anchor if anchor else "")
        errors.append(entry(str(v), name, sev, category, msg, text, url))
    return [("sqlite", {"vendor": "sqlite", "product": "SQLite", "language": "en", "errors": errors})]


# ---------------------------------------------------------------------------------------------
# MySQL / MariaDB: mysqld_error.h (+ errmsg.h client errors, + errmsg.sys texts when installed)

MYSQLD_ERROR = "/usr/include/mariadb/mysqld_error.h"
MYSQL_ERRMSG_H = "/usr/include/mariadb/errmsg.h"
MYSQL_ERRMSG_SYS = "/usr/share/mysql/english/errmsg.sys"


def read_errmsg_sys(path, sections):
    """Message texts of MariaDB's errmsg.sys mapped to numbers via the header's section starts."""
    import struct
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 32 or data[:4] != b"\xfe\xfe\x02\x05":
        return {}
    count, nsect = struct.unpack_from("<HH", data, 12)
    off = 32
    sizes = struct.unpack_from("<%dH" % nsect, data, off)
    off += 2 * nsect
    off += 2 * count  # string lengths; the texts are NUL-terminated anyway
    texts = data[off:].split(b"\0")
    if len(sizes) != len(sections) or sum(sizes) != count:
        return {}
    out = {}
    i = 0
    for start, size in zip(sections, sizes):
        for k in range(size):
            if i < len(texts):
                out[start + k] = texts[i].decode("utf-8", errors="replace")
            i += 1
    return out


def build_mysql():
    path = need(MYSQLD_ERROR)
    text = read_text(path)
    pairs = []
    seen = set()
    for name, rest, _ in iter_defines(text):
        v = c_int(rest)
        if name.startswith("ER_") and v is not None and name not in seen and not NOT_A_CODE.search(name):
            if name in ("ER_ERROR_FIRST", "ER_ERROR_LAST"):
                continue
            seen.add(name)
            pairs.append((name, v))
    # Section starts: a gap in the numbering starts a new section.
    nums = sorted({v for _, v in pairs})
    sections = [n for i, n in enumerate(nums) if i == 0 or n != nums[i - 1] + 1]
    msgs = {}
    sysf = src(MYSQL_ERRMSG_SYS)
    if os.path.isfile(sysf):
        msgs = read_errmsg_sys(sysf, sections)
    client = []
    eh = src(MYSQL_ERRMSG_H)
    if os.path.isfile(eh):
        for name, rest, _ in iter_defines(read_text(eh)):
            v = c_int(rest)
            if name.startswith("CR_") and v is not None and 2000 <= v < 3000 and not NOT_A_CODE.search(name) \
                    and not re.search(r"_(MIN|MAX)_ERROR$", name):
                client.append((name, v))
    rows = {}
    for n, v in pairs:
        rows.setdefault(v, (n, "server error", msgs.get(v, "")))
    for n, v in client:
        rows.setdefault(v, (n, "client error", ""))
    errors = []
    for v in sorted(rows):
        name, kind, msg = rows[v]
        desc = "MariaDB/MySQL %s %d, %s." % (kind, v, name)
        errors.append(entry(str(v), name, "Error", "MariaDB/MySQL " + kind, msg, desc,
                            "https://mariadb.com/kb/en/mariadb-error-codes/"))
    if not errors:
        raise Skip("%s: no ER_ defines found" % path)
    return [("mysql", {"vendor": "mysql", "product": "MySQL / MariaDB", "language": "en", "errors": errors})]


# ---------------------------------------------------------------------------------------------

BUILDERS = [
    ("win32", build_win32),
    ("hresult", build_hresult),
    ("ntstatus", build_ntstatus),
    ("errno", build_errno),
    ("curl", build_curl),
    ("sqlstate", build_sqlstate),
    ("http", build_http),
    ("sqlite", build_sqlite),
    ("mysql", build_mysql),
]


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def main(argv):
    global ROOT
    args = list(argv)
    only = None
    out = None
    while args:
        a = args.pop(0)
        if a == "--root":
            ROOT = args.pop(0).rstrip("/")
        elif a == "--only":
            only = set(args.pop(0).split(","))
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        elif out is None:
            out = a
        else:
            print("error: unexpected argument %r" % a, file=sys.stderr)
            return 2
    out = out or "./kb-system"
    cat_dir = os.path.join(out, "catalogues")
    try:
        os.makedirs(cat_dir, exist_ok=True)
    except OSError as e:
        print("error: cannot create %s: %s" % (cat_dir, e), file=sys.stderr)
        return 2
    written = 0
    total = 0
    for vendor, build in BUILDERS:
        if only and vendor not in only:
            continue
        try:
            files = build()
        except Skip as e:
            print("notice: %-8s skipped: %s" % (vendor, e))
            continue
        except (OSError, ValueError) as e:
            print("notice: %-8s skipped: %s" % (vendor, e))
            continue
        for fname, cat in files:
            p = os.path.join(cat_dir, fname + ".json")
            write_json(p, cat)
            n = len(cat["errors"])
            total += n
            written += 1
            label = vendor if fname == vendor else "%s (%s)" % (vendor, cat["product"])
            print("%-32s %6d entries -> %s" % (label, n, p))
    print("total: %d entries in %d catalogue files" % (total, written))
    return 0 if written else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
