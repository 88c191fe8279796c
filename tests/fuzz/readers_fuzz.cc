// libFuzzer targets for the KB readers, the synonyms file and the analysis of query text: one
// source, one binary per target (ERRKB_FUZZ_TARGET picks it). Whatever the bytes, a reader returns
// items and errors without crashing, hanging or growing without bound, and what it returns keeps the
// readers' promises: every error names the file and says something, a file with errors is not
// complete, every item has passages, and passage text is UTF-8 (it goes out as JSON).
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "errkb/ingest.h"
#include "errkb/text.h"
#include "ingest/internal.h"
#include "store/prose_terms.h"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

constexpr std::string_view kRel = "fuzz/input";

void check_text(const std::string& s) { check(errkb::is_valid_utf8(s)); }

// One source builds every target: each uses some of these helpers.
[[maybe_unused]] void check_result(const errkb::FileReadResult& r) {
  for (const auto& e : r.errors) {
    check(e.path == kRel);
    check(!e.message.empty());
    check(!r.complete);
  }
  for (const auto& item : r.items) {
    check(!item.uid.empty());
    check(!item.passages.empty());
    for (const auto& p : item.passages) {
      for (const std::string* f : {&p.id, &p.title, &p.heading, &p.symptoms, &p.cause, &p.prevention, &p.body,
                                   &p.vendor, &p.product, &p.language})
        check_text(*f);
      for (const auto& list : {&p.checks, &p.resolutions, &p.codes, &p.tags})
        for (const auto& s : *list) check_text(s);
    }
  }
}

// Posts.xml is streamed from a file: the input goes to an in-memory one.
[[maybe_unused]] errkb::FileReadResult read_posts(std::string_view bytes) {
  static const int fd = memfd_create("posts", 0);
  check(fd >= 0);
  check(ftruncate(fd, 0) == 0);
  check(pwrite(fd, bytes.data(), bytes.size(), 0) == static_cast<ssize_t>(bytes.size()));
  return errkb::read_stackexchange_posts("/proc/self/fd/" + std::to_string(fd), kRel);
}

[[maybe_unused]] void analyse_query(std::string_view text) {
  static errkb::store::ProseTerms prose;
  (void)errkb::detect_language(text);
  if (!errkb::is_valid_utf8(text)) return;  // the server rejects requests that are not UTF-8
  for (const char* language : {"en", "ro", "it", "ru", ""}) (void)prose.analyse(text, language, nullptr);
  (void)prose.trim_cache();
}

}  // namespace

#define ERRKB_FUZZ_markdown 1
#define ERRKB_FUZZ_html 2
#define ERRKB_FUZZ_text 3
#define ERRKB_FUZZ_forum_jsonl 4
#define ERRKB_FUZZ_posts_xml 5
#define ERRKB_FUZZ_catalogue_json 6
#define ERRKB_FUZZ_catalogue_csv 7
#define ERRKB_FUZZ_catalogue_xml 8
#define ERRKB_FUZZ_synonyms 9
#define ERRKB_FUZZ_query 10
#define ERRKB_FUZZ_SELECT(name) ERRKB_FUZZ_##name
#define ERRKB_FUZZ_PICK(name) ERRKB_FUZZ_SELECT(name)

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
#if ERRKB_FUZZ_PICK(ERRKB_FUZZ_TARGET) == ERRKB_FUZZ_markdown
  check_result(errkb::read_markdown_article(kRel, bytes));
#elif ERRKB_FUZZ_PICK(ERRKB_FUZZ_TARGET) == ERRKB_FUZZ_html
  check_result(errkb::read_html_article(kRel, bytes));
#elif ERRKB_FUZZ_PICK(ERRKB_FUZZ_TARGET) == ERRKB_FUZZ_text
  check_result(errkb::read_text_article(kRel, bytes));
#elif ERRKB_FUZZ_PICK(ERRKB_FUZZ_TARGET) == ERRKB_FUZZ_forum_jsonl
  check_result(errkb::read_forum_jsonl(kRel, bytes));
#elif ERRKB_FUZZ_PICK(ERRKB_FUZZ_TARGET) == ERRKB_FUZZ_posts_xml
  check_result(read_posts(bytes));
#elif ERRKB_FUZZ_PICK(ERRKB_FUZZ_TARGET) == ERRKB_FUZZ_catalogue_json
  check_result(errkb::read_catalogue_json(kRel, bytes));
#elif ERRKB_FUZZ_PICK(ERRKB_FUZZ_TARGET) == ERRKB_FUZZ_catalogue_csv
  check_result(errkb::read_catalogue_csv(kRel, bytes));
#elif ERRKB_FUZZ_PICK(ERRKB_FUZZ_TARGET) == ERRKB_FUZZ_catalogue_xml
  check_result(errkb::read_catalogue_xml(kRel, bytes));
#elif ERRKB_FUZZ_PICK(ERRKB_FUZZ_TARGET) == ERRKB_FUZZ_synonyms
  const errkb::SynonymsResult r = errkb::read_synonyms(kRel, bytes);
  for (const auto& e : r.errors) check(e.path == kRel && !e.message.empty());
  for (const auto& g : r.groups) {
    check(!g.term.empty() && !g.synonyms.empty());
    check_text(g.term);
  }
#elif ERRKB_FUZZ_PICK(ERRKB_FUZZ_TARGET) == ERRKB_FUZZ_query
  analyse_query(bytes);
#else
#error "ERRKB_FUZZ_TARGET names no target"
#endif
  return 0;
}
