#include "errkb/text.h"
#include "ingest/catalogue.h"
#include "ingest/internal.h"

namespace errkb::ingest {

void vendor_product_from_file_name(std::string_view rel, std::string& vendor, std::string& product) {
  const size_t slash = rel.rfind('/');
  std::string_view name = slash == std::string_view::npos ? rel : rel.substr(slash + 1);
  name = name.substr(0, name.rfind('.'));
  const size_t dash = name.find('-');
  vendor = std::string(name.substr(0, dash));
  product = dash == std::string_view::npos ? "" : std::string(name.substr(dash + 1));
}

bool accept_catalogue_text(std::string_view rel, std::string_view& text, FileReadResult& result) {
  if (auto err = check_encoding(rel, text)) {
    result.errors.push_back(std::move(*err));
    result.complete = false;
    return false;
  }
  return true;
}

void CatalogueCollector::error(int line, std::string message) {
  out_.errors.push_back(make_error(rel_, line, std::move(message)));
  out_.complete = false;
}

void CatalogueCollector::add(CatalogueEntry e, int line, std::string_view where) {
  const std::string prefix = where.empty() ? "" : std::string(where) + ": ";
  e.code = trim(e.code);
  e.vendor = trim(e.vendor);
  if (e.code.empty()) {
    error(line, prefix + "entry without a code");
    return;
  }
  if (e.vendor.empty()) {
    error(line,
          prefix + "entry " + e.code + " has no vendor (set \"vendor\" or name the file <vendor>.<ext>)");
    return;
  }
  const std::string here = line > 0 ? "line " + std::to_string(line) : std::string(where);
  if (auto [it, fresh] = seen_.emplace(e.code, here); !fresh) {
    error(line,
          prefix + "duplicate code " + e.code + (it->second.empty() ? "" : " (first at " + it->second + ")"));
    return;
  }

  const std::string vendor_key = to_lower_ascii(e.vendor);
  std::vector<std::string> causes;
  for (const auto& c : e.causes) {
    std::string t = trim(c);
    if (!t.empty()) causes.push_back(std::move(t));
  }
  const std::string name = trim(e.name);
  const std::string head = join_nonempty({e.code, name}, " ");
  const std::string message = trim(e.message);

  Passage p;
  p.id = vendor_key + ":" + e.code;
  p.doc_id = p.id;
  p.kind = SourceKind::kCatalogue;
  p.title = message.empty() ? head : head + ": " + message;
  // Listed causes are causes. A description says what the code means, not why it happened: it is the
  // body, and an entry with no causes is presented as the code's meaning (Cause::catalogue_only).
  p.cause = join_nonempty(causes, "\n");
  p.body = join_nonempty({trim(e.description), trim(e.extra)}, "\n");
  p.resolutions = split_trimmed(e.resolution, "\n");
  p.vendor = e.vendor;
  p.product = trim(e.product);
  p.language = normalize_language(e.language);
  const std::string language_sample =
      p.title + "\n" + p.cause + "\n" + trim(e.description) + "\n" + e.resolution;
  if (p.language.empty()) p.language = detect_language(language_sample);
  if (p.language.empty() && undetected_text_.size() < 64 * 1024) undetected_text_ += language_sample + "\n";
  const bool needs_language = p.language.empty();
  p.codes = {e.code};
  p.code_name = name;
  p.severity = trim(e.severity);
  p.category = trim(e.category);
  p.url = trim(e.url);

  // The signature covers every field that reaches the passage, in a fixed order.
  std::string serialized;
  for (const std::string* f : {&e.vendor, &e.product, &e.language, &e.code, &e.name, &e.severity, &e.category,
                               &e.message, &e.description, &e.resolution, &e.url, &e.extra}) {
    serialized += *f;
    serialized += '\x1f';
  }
  for (const auto& c : e.causes) {
    serialized += c;
    serialized += '\x1e';
  }

  Item item;
  item.uid = "catalogue:" + p.id;
  item.container = rel_;
  item.signature = signature_of(serialized);
  item.passages.push_back(std::move(p));
  if (std::string problem = oversized_field(item); !problem.empty()) return error(line, prefix + problem);
  if (needs_language) without_language_.push_back(out_.items.size());
  out_.items.push_back(std::move(item));
}

void CatalogueCollector::finish() {
  if (without_language_.empty()) return;
  const std::string language = detect_language(undetected_text_);
  if (language.empty()) return;
  for (size_t i : without_language_) {
    for (Passage& p : out_.items[i].passages) p.language = language;
  }
  without_language_.clear();
}

}  // namespace errkb::ingest
