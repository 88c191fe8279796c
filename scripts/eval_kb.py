"""Reads an errkb KB folder in Python, one record per source item, for the baseline engines.

A baseline indexes what a team would load without errkb's work: one row per source item
(article, forum thread, catalogue entry) holding its doc id, title and all its text. Doc ids are
the ones errkb reports as `doc_id`:
  article    front-matter `id`, else the path under articles/ without extension
  thread     the thread's `id` (JSON Lines); "se:<Id>" for a Stack Exchange question (Posts.xml)
  catalogue  "<vendor lower-case>:<code>" (JSON, CSV, eBay JSON array and eBay XML: "ebay:<code>")
"""
import csv
import html
import json
import os
import re
import xml.etree.ElementTree as ET

_TAG = re.compile(r"<[^>]+>")


def strip_html(s):
    return html.unescape(_TAG.sub(" ", s or ""))


def _front_matter(text):
    """Returns (dict of simple top-level scalars, body). Enough for id/title/vendor/language."""
    meta = {}
    if not text.startswith("---"):
        return meta, text
    end = text.find("\n---", 3)
    if end < 0:
        return meta, text
    for line in text[3:end].splitlines():
        m = re.match(r"^([A-Za-z_]+):\s*(.*)$", line)
        if m:
            v = m.group(2).strip()
            if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
                v = v[1:-1]
            meta[m.group(1)] = v
    body = text[end + 4:]
    return meta, body


def read_articles(root):
    base = os.path.join(root, "articles")
    for d, dirs, files in os.walk(base):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(d, name)
            stem, ext = os.path.splitext(os.path.relpath(path, base))
            ext = ext.lower()
            if ext not in (".md", ".html", ".htm", ".txt"):
                continue
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
            meta, body = ({}, text)
            if ext in (".md", ".txt"):
                meta, body = _front_matter(text)
            if ext in (".html", ".htm"):
                m = re.search(r"<title>(.*?)</title>", text, re.S | re.I)
                title = strip_html(m.group(1)).strip() if m else ""
                body = strip_html(text)
            else:
                title = meta.get("title", "")
                if not title:
                    first = body.strip().splitlines()[0] if body.strip() else ""
                    title = first.lstrip("# ").strip()
            doc_id = meta.get("id") or stem.replace(os.sep, "/")
            yield {"id": doc_id, "title": title, "text": body, "vendor": meta.get("vendor", ""),
                   "lang": meta.get("language", ""), "kind": "article"}


def _read_jsonl(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                t = json.loads(line)
            except ValueError:
                continue
            posts = t.get("posts") or []
            text = "\n".join(strip_html(p.get("body", "")) for p in posts)
            yield {"id": str(t.get("id", "")), "title": t.get("title", ""), "text": text,
                   "vendor": t.get("vendor", ""), "lang": t.get("language", ""), "kind": "forum"}


def _read_posts_xml(path):
    questions, answers = {}, {}
    for _, el in ET.iterparse(path, events=("end",)):
        if el.tag != "row":
            continue
        a = el.attrib
        if a.get("PostTypeId") == "1":
            questions[a["Id"]] = (a.get("Title", ""), strip_html(a.get("Body", "")), a.get("Tags", ""))
        elif a.get("PostTypeId") == "2" and a.get("ParentId"):
            answers.setdefault(a["ParentId"], []).append(strip_html(a.get("Body", "")))
        el.clear()
    for qid, (title, body, tags) in questions.items():
        text = "\n".join([body, tags.replace("<", " ").replace(">", " ")] + answers.get(qid, []))
        yield {"id": "se:" + qid, "title": title, "text": text, "vendor": "", "lang": "", "kind": "forum"}


def read_forums(root):
    base = os.path.join(root, "forums")
    for d, dirs, files in os.walk(base):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(d, name)
            if name.lower().endswith(".jsonl"):
                yield from _read_jsonl(path)
            elif name.lower().endswith(".xml"):
                yield from _read_posts_xml(path)


def _entry(vendor, product, lang, e):
    code = str(e.get("code", "")).strip()
    causes = e.get("causes") or []
    if isinstance(causes, str):
        causes = [causes]
    parts = [e.get("name", ""), e.get("message", ""), e.get("description", ""), " ".join(causes),
             e.get("resolution", ""), e.get("category", ""), product]
    title = " ".join(x for x in (code, e.get("name", ""), e.get("message", "")) if x)
    return {"id": "%s:%s" % (vendor.lower(), code), "title": title, "text": "\n".join(str(p) for p in parts if p),
            "vendor": vendor, "lang": lang, "kind": "catalogue"}


def _ebay(e):
    return _entry("eBay", "eBay API", "en", {
        "code": e.get("ErrorCode", ""), "name": e.get("ShortMessage", ""), "message": e.get("ShortMessage", ""),
        "description": e.get("LongMessage", ""), "category": e.get("ErrorClassification", ""),
        "severity": e.get("SeverityCode", "")})


def read_catalogues(root):
    base = os.path.join(root, "catalogues")
    for d, dirs, files in os.walk(base):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(d, name)
            low = name.lower()
            stem = os.path.splitext(name)[0]
            file_vendor = stem.split("-")[0]
            try:
                if low.endswith(".json"):
                    with open(path, encoding="utf-8") as f:
                        doc = json.load(f)
                    if isinstance(doc, list):
                        for e in doc:
                            yield _ebay(e)
                    else:
                        v = doc.get("vendor") or file_vendor
                        for e in doc.get("errors", []):
                            yield _entry(e.get("vendor") or v, doc.get("product", ""), doc.get("language", ""), e)
                elif low.endswith(".csv"):
                    with open(path, encoding="utf-8", newline="") as f:
                        for row in csv.DictReader(f):
                            row = {k: (v or "") for k, v in row.items() if k}
                            row["causes"] = [c.strip() for c in row.get("causes", "").split(";") if c.strip()]
                            yield _entry(row.get("vendor") or file_vendor, row.get("product", ""),
                                         row.get("language", ""), row)
                elif low.endswith(".xml"):
                    for _, el in ET.iterparse(path, events=("end",)):
                        if el.tag.split("}")[-1] == "Errors":
                            e = {c.tag.split("}")[-1]: (c.text or "") for c in el}
                            yield _ebay(e)
            except (ValueError, ET.ParseError, OSError):
                continue


def read_kb(root):
    """All items of one KB folder."""
    yield from read_articles(root)
    yield from read_forums(root)
    yield from read_catalogues(root)
