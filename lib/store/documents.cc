#include "store/documents.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "errkb/schema.h"
#include "errkb/text.h"
#include "store/stopwords.h"

namespace errkb::store {

using nlohmann::json;

std::string lower_ascii(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string encode_passage(const StoredPassage& s) {
  const Passage& p = s.passage;
  json j = {{"id", p.id},           {"doc_id", p.doc_id},     {"kind", to_string(p.kind)},
            {"title", p.title},     {"heading", p.heading},   {"symptoms", p.symptoms},
            {"cause", p.cause},     {"checks", p.checks},     {"resolutions", p.resolutions},
            {"prevention", p.prevention}, {"body", p.body},   {"url", p.url},
            {"vendor", p.vendor},   {"product", p.product},   {"language", p.language},
            {"codes", p.codes},     {"code_name", p.code_name}, {"tags", p.tags},
            {"severity", p.severity}, {"category", p.category}, {"created", p.created},
            {"updated", p.updated}, {"votes", p.votes},       {"accepted", p.accepted},
            {"author", p.author},   {"item", s.item_uid},     {"code_terms", s.code_terms},
            {"weak_code_terms", s.weak_code_terms}, {"primary_code_terms", s.primary_code_terms},
            {"authority", s.authority}};
  // Empty fields are left out: smaller documents, less to compress.
  for (auto it = j.begin(); it != j.end();) {
    bool empty = (it->is_string() && it->get_ref<const std::string&>().empty()) || (it->is_array() && it->empty()) ||
                 (it->is_boolean() && !it->get<bool>()) || (it->is_number_integer() && it->get<int>() == 0);
    it = empty ? j.erase(it) : std::next(it);
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool decode_passage(const std::string& data, StoredPassage& out) {
  json j = json::parse(data, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  Passage& p = out.passage;
  auto str = [&](const char* k) { return j.value(k, std::string()); };
  auto list = [&](const char* k) {
    std::vector<std::string> v;
    if (auto it = j.find(k); it != j.end() && it->is_array())
      for (const auto& e : *it)
        if (e.is_string()) v.push_back(e.get<std::string>());
    return v;
  };
  p.id = str("id");
  p.doc_id = str("doc_id");
  p.kind = parse_source_kind(str("kind")).value_or(SourceKind::kArticle);
  p.title = str("title");
  p.heading = str("heading");
  p.symptoms = str("symptoms");
  p.cause = str("cause");
  p.checks = list("checks");
  p.resolutions = list("resolutions");
  p.prevention = str("prevention");
  p.body = str("body");
  p.url = str("url");
  p.vendor = str("vendor");
  p.product = str("product");
  p.language = str("language");
  p.codes = list("codes");
  p.code_name = str("code_name");
  p.tags = list("tags");
  p.severity = str("severity");
  p.category = str("category");
  p.created = str("created");
  p.updated = str("updated");
  p.votes = j.value("votes", 0);
  p.accepted = j.value("accepted", false);
  p.author = str("author");
  out.item_uid = str("item");
  out.code_terms = list("code_terms");
  out.weak_code_terms = list("weak_code_terms");
  out.primary_code_terms = list("primary_code_terms");
  out.authority = j.value("authority", 0.0);
  return true;
}

double source_authority(const Passage& p) {
  switch (p.kind) {
    // An article has causes, checks and fixes; a catalogue entry says what the code means.
    case SourceKind::kArticle: return 1.0;
    case SourceKind::kCatalogue: return 0.85;
    case SourceKind::kForum:
      if (p.accepted) return 0.7;
      if (!p.cause.empty()) return 0.45 + 0.15 * std::min(1.0, std::log1p(std::max(0, p.votes)) / std::log1p(20));
      return 0.2;  // an unanswered question: evidence of the symptom, not of a cause
  }
  return 0.5;
}

std::string date_key(const std::string& iso) {
  std::string digits;
  for (char c : iso) {
    if (c >= '0' && c <= '9') digits += c;
    else if (c == 'T' || c == ' ') break;
    if (digits.size() == 8) break;
  }
  return digits.size() == 8 ? digits : std::string();
}

namespace {
std::string without_tabs(std::string s) {
  for (auto& c : s)
    if (c == '\t') c = ' ';
  return s;
}
}  // namespace

std::string encode_rank_record(const Passage& p, double authority, const std::string& date,
                               const std::vector<std::string>& primary_codes) {
  char num[64];
  std::snprintf(num, sizeof num, "\t%.3f\t%d\t", authority, p.votes);
  std::string out = without_tabs(p.id) + num + date + "\t" + without_tabs(p.language) + "\t" +
                    std::string(to_string(p.kind)) + "\t" + without_tabs(p.vendor) + "\t" + without_tabs(p.product) +
                    "\t" + without_tabs(p.severity);
  for (const auto& c : primary_codes) out += "\t" + c;
  return out;
}

bool decode_rank_record(std::string_view text, RankRecord& out) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (start <= text.size()) {
    size_t tab = text.find('\t', start);
    if (tab == std::string_view::npos) tab = text.size();
    fields.push_back(text.substr(start, tab - start));
    start = tab + 1;
  }
  if (fields.size() < 9) return false;
  out.passage_id.assign(fields[0]);
  out.authority = std::atof(std::string(fields[1]).c_str());
  out.votes = std::atoi(std::string(fields[2]).c_str());
  out.date.assign(fields[3]);
  out.language.assign(fields[4]);
  out.kind.assign(fields[5]);
  out.vendor.assign(fields[6]);
  out.product.assign(fields[7]);
  out.severity.assign(fields[8]);
  out.primary_codes.clear();
  for (size_t i = 9; i < fields.size(); ++i) out.primary_codes.emplace_back(fields[i]);
  return true;
}

std::string passage_text(const Passage& p) {
  std::string out;
  auto add = [&](const std::string& s) {
    if (s.empty()) return;
    if (!out.empty()) out += "\n";
    out += s;
  };
  add(p.title);
  add(p.heading);
  add(p.symptoms);
  add(p.cause);
  for (const auto& c : p.checks) add(c);
  for (const auto& r : p.resolutions) add(r);
  add(p.prevention);
  add(p.body);
  return out;
}

DocumentBuilder::DocumentBuilder(const CodeGrammar& grammar, Xapian::WritableDatabase* spelling_db)
    : grammar_(grammar) {
  // Only Z-stemmed terms: half the postings of STEM_SOME, and the query side stems every word too.
  generator_.set_stemming_strategy(Xapian::TermGenerator::STEM_ALL_Z);
  if (spelling_db) {
    generator_.set_database(*spelling_db);
    spelling_ = true;
  }
}

void DocumentBuilder::collect_codes(const Passage& p, std::vector<std::string>& certain,
                                    std::vector<std::string>& weak, std::vector<std::string>& primary,
                                    std::vector<std::string>& families) const {
  CodeContext ctx{p.vendor, p.product};
  auto add_unique = [](std::vector<std::string>& v, const std::string& s) {
    if (!s.empty() && std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
  };
  // Declared codes are authoritative: their best reading counts as certain.
  for (const auto& code : p.codes) {
    auto readings = p.kind == SourceKind::kCatalogue ? grammar_.interpret_catalogue_code(p.vendor, code, p.code_name)
                                                     : grammar_.interpret(code, ctx);
    for (size_t i = 0; i < readings.size(); ++i) {
      if (i == 0 || readings[i].certain) {
        add_unique(certain, readings[i].canonical);
        add_unique(primary, readings[i].canonical);
      } else {
        add_unique(weak, readings[i].canonical);
      }
      add_unique(families, readings[i].family);
    }
  }
  // Codes in the title or heading: the passage is about them, not merely mentioning them.
  for (const auto& occ : grammar_.find_codes(p.title + "\n" + p.heading, ctx))
    for (const auto& r : occ.interpretations)
      if (r.certain) add_unique(primary, r.canonical);
  for (const auto& occ : grammar_.find_codes(passage_text(p), ctx)) {
    for (const auto& r : occ.interpretations) {
      add_unique(r.certain ? certain : weak, r.canonical);
      add_unique(families, r.family);
    }
  }
  // A reading that is certain somewhere in the passage is not also weak.
  std::erase_if(weak, [&](const std::string& w) { return std::find(certain.begin(), certain.end(), w) != certain.end(); });
}

namespace {

const std::string& field_text(const Passage& p, schema::PassageField f, std::string& scratch) {
  static const std::string kEmpty;
  auto joined = [&](const std::vector<std::string>& v) -> const std::string& {
    scratch.clear();
    for (const auto& s : v) {
      scratch += s;
      scratch += '\n';
    }
    return scratch;
  };
  switch (f) {
    case schema::PassageField::kTitle: return p.title;
    case schema::PassageField::kHeading: return p.heading;
    case schema::PassageField::kSymptoms: return p.symptoms;
    case schema::PassageField::kCause: return p.cause;
    case schema::PassageField::kChecks: return joined(p.checks);
    case schema::PassageField::kResolutions: return joined(p.resolutions);
    case schema::PassageField::kPrevention: return p.prevention;
    case schema::PassageField::kBody: return p.body;
    default: return kEmpty;
  }
}

std::vector<std::string> filter_values(const Passage& p, schema::PassageField f) {
  switch (f) {
    case schema::PassageField::kKind: return {std::string(to_string(p.kind))};
    case schema::PassageField::kVendor: return {p.vendor};
    case schema::PassageField::kProduct: return {p.product};
    case schema::PassageField::kLanguage: return {p.language};
    case schema::PassageField::kSeverity: return {p.severity};
    case schema::PassageField::kTag: return p.tags;
    default: return {};
  }
}

}  // namespace

Xapian::Document DocumentBuilder::build(const Item& item, const Passage& p) {
  Xapian::Document doc;
  generator_.set_document(doc);
  generator_.set_stemmer(stemmer_for(p.language));
  generator_.set_stopper(stopper_for(p.language));
  generator_.set_stopper_strategy(Xapian::TermGenerator::STOP_ALL);

  std::string scratch;
  for (const auto& spec : schema::kFields) {
    if (spec.type == schema::FieldType::kText) {
      const std::string& text = field_text(p, spec.source, scratch);
      if (text.empty()) continue;
      // The spelling table learns the words people type: titles, headings and symptoms.
      // All passages of an item share title and symptoms: learn them from the first passage only.
      bool first_of_item = p.id.size() < 2 || p.id.compare(p.id.size() - 2, 2, "#1") == 0 ||
                           p.kind == SourceKind::kCatalogue;
      bool learn_spelling = spelling_ && first_of_item && (spec.source == schema::PassageField::kTitle ||
                                          spec.source == schema::PassageField::kHeading ||
                                          spec.source == schema::PassageField::kSymptoms);
      generator_.set_flags(learn_spelling ? Xapian::TermGenerator::FLAG_SPELLING : 0);
      generator_.index_text_without_positions(text, spec.prose_weight);
      if (!spec.prefix.empty()) generator_.index_text_without_positions(text, 1, std::string(spec.prefix));
    } else {
      for (const auto& value : filter_values(p, spec.source))
        if (!value.empty()) doc.add_boolean_term(std::string(spec.prefix) + lower_ascii(value));
    }
  }

  StoredPassage stored{p, item.uid, {}, {}, {}, source_authority(p)};
  std::vector<std::string> families;
  collect_codes(p, stored.code_terms, stored.weak_code_terms, stored.primary_code_terms, families);
  for (const auto& c : stored.code_terms) doc.add_term(std::string(schema::kCodePrefix) + c, 1);
  for (const auto& c : stored.weak_code_terms) doc.add_term(std::string(schema::kWeakCodePrefix) + c, 1);
  for (const auto& f : families) doc.add_boolean_term(std::string(schema::kCodeFamilyPrefix) + f);

  doc.add_boolean_term(std::string(schema::kIdPrefix) + p.id);
  doc.add_boolean_term(std::string(schema::kItemPrefix) + item.uid);

  doc.add_value(schema::kSlotSignature, item.signature);
  doc.add_value(schema::kSlotKind, std::string(to_string(p.kind)));
  doc.add_value(schema::kSlotAuthority, Xapian::sortable_serialise(stored.authority));
  std::string date = date_key(p.updated.empty() ? p.created : p.updated);
  if (!date.empty()) doc.add_value(schema::kSlotDate, date);
  doc.add_value(schema::kSlotVotes, Xapian::sortable_serialise(p.votes));
  if (!p.language.empty()) doc.add_value(schema::kSlotLanguage, p.language);
  if (!p.vendor.empty()) doc.add_value(schema::kSlotVendor, p.vendor);
  if (!p.product.empty()) doc.add_value(schema::kSlotProduct, p.product);
  if (!p.severity.empty()) doc.add_value(schema::kSlotSeverity, p.severity);
  doc.add_value(schema::kSlotDocId, p.doc_id);
  doc.add_value(schema::kSlotRankRecord, encode_rank_record(p, stored.authority, date, stored.primary_code_terms));
  doc.set_data(encode_passage(stored));
  return doc;
}

}  // namespace errkb::store
