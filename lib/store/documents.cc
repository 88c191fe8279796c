#include "store/documents.h"

#include <xxhash.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "errkb/schema.h"
#include "errkb/text.h"
#include "rank/ranking.h"
#include "store/stopwords.h"

namespace errkb::store {

std::string bounded_term(std::string term) {
  constexpr size_t kMaxTermBytes = 245;
  if (term.size() <= kMaxTermBytes) return term;
  const uint64_t hash = XXH3_64bits(term.data(), term.size());
  size_t cut = kMaxTermBytes - 17;
  while (cut > 0 && (static_cast<unsigned char>(term[cut]) & 0xC0) == 0x80) --cut;
  char suffix[18];
  std::snprintf(suffix, sizeof suffix, "~%016llx", static_cast<unsigned long long>(hash));
  term.resize(cut);
  return term + suffix;
}

namespace {

// A passage's data (its record in the passage file): a format byte, then the fields below in this
// order. Strings and lists are length-prefixed (LEB128 varints), integers are varints (votes zig-zag),
// authority is a float. Binary rather than JSON: a third of the bytes to compress and decompress, and
// no parser on either side.
constexpr char kDataFormat = 'b';

class DataWriter {
 public:
  void varint(uint64_t v) {
    while (v >= 0x80) {
      out_ += static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    out_ += static_cast<char>(v);
  }
  void str(std::string_view s) {
    varint(s.size());
    out_.append(s);
  }
  void list(const std::vector<std::string>& v) {
    varint(v.size());
    for (const auto& s : v) str(s);
  }
  void byte(char c) { out_ += c; }
  void real(float f) {
    char raw[sizeof f];
    std::memcpy(raw, &f, sizeof f);
    out_.append(raw, sizeof f);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class DataReader {
 public:
  explicit DataReader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return fail();
      auto b = static_cast<uint8_t>(in_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    return fail();
  }
  std::string str() {
    uint64_t n = varint();
    if (!ok_ || n > in_.size() - pos_) return fail(), std::string();
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  std::vector<std::string> list() {
    uint64_t n = varint();
    std::vector<std::string> v;
    if (!ok_ || n > in_.size() - pos_) return fail(), v;  // each entry takes at least one byte
    v.reserve(n);
    for (uint64_t i = 0; i < n && ok_; ++i) v.push_back(str());
    return v;
  }
  char byte() {
    if (pos_ >= in_.size()) return fail(), '\0';
    return in_[pos_++];
  }
  float real() {
    float f = 0;
    if (in_.size() - pos_ < sizeof f) return fail(), 0.0f;
    std::memcpy(&f, in_.data() + pos_, sizeof f);
    pos_ += sizeof f;
    return f;
  }
  bool at_end() const { return pos_ == in_.size(); }

 private:
  uint64_t fail() {
    ok_ = false;
    return 0;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

uint64_t zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t unzigzag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

}  // namespace

std::string encode_passage(const StoredPassage& s) {
  const Passage& p = s.passage;
  DataWriter w;
  w.byte(kDataFormat);
  for (const std::string* f : {&p.id, &p.doc_id, &p.title, &p.heading, &p.symptoms, &p.cause}) w.str(*f);
  w.list(p.checks);
  w.list(p.resolutions);
  for (const std::string* f : {&p.prevention, &p.body, &p.url, &p.vendor, &p.product, &p.language}) w.str(*f);
  w.list(p.codes);
  w.str(p.code_name);
  w.list(p.tags);
  for (const std::string* f : {&p.severity, &p.category, &p.created, &p.updated, &p.author, &s.item_uid})
    w.str(*f);
  w.byte(static_cast<char>(p.kind));
  w.varint(zigzag(p.votes));
  w.byte(p.accepted ? 1 : 0);
  w.list(s.code_terms);
  w.list(s.weak_code_terms);
  w.list(s.primary_code_terms);
  w.real(static_cast<float>(s.authority));
  return w.take();
}

bool decode_passage(const std::string& data, StoredPassage& out) {
  DataReader r(data);
  if (r.byte() != kDataFormat) return false;
  Passage& p = out.passage;
  for (std::string* f : {&p.id, &p.doc_id, &p.title, &p.heading, &p.symptoms, &p.cause}) *f = r.str();
  p.checks = r.list();
  p.resolutions = r.list();
  for (std::string* f : {&p.prevention, &p.body, &p.url, &p.vendor, &p.product, &p.language}) *f = r.str();
  p.codes = r.list();
  p.code_name = r.str();
  p.tags = r.list();
  for (std::string* f : {&p.severity, &p.category, &p.created, &p.updated, &p.author, &out.item_uid})
    *f = r.str();
  char kind = r.byte();
  if (kind != static_cast<char>(SourceKind::kArticle) && kind != static_cast<char>(SourceKind::kForum) &&
      kind != static_cast<char>(SourceKind::kCatalogue))
    return false;
  p.kind = static_cast<SourceKind>(kind);
  p.votes = static_cast<int>(unzigzag(r.varint()));
  p.accepted = r.byte() != 0;
  out.code_terms = r.list();
  out.weak_code_terms = r.list();
  out.primary_code_terms = r.list();
  out.authority = r.real();
  return r.ok() && r.at_end();
}

double source_authority(const Passage& p) {
  switch (p.kind) {
    // An article has causes, checks and fixes; a catalogue entry says what the code means.
    case SourceKind::kArticle:
      return 1.0;
    case SourceKind::kCatalogue:
      return 0.85;
    case SourceKind::kForum:
      if (p.accepted) return 0.7;
      if (!p.cause.empty())
        return 0.45 + 0.15 * std::min(1.0, std::log1p(std::max(0, p.votes)) / std::log1p(20));
      return 0.2;  // an unanswered question: evidence of the symptom, not of a cause
  }
  return 0.5;
}

std::string date_key(const std::string& iso) {
  std::string digits;
  for (char c : iso) {
    if (c >= '0' && c <= '9')
      digits += c;
    else if (c == 'T' || c == ' ')
      break;
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

std::string encode_rank_record(const Passage& p, double authority, double focus, const std::string& date,
                               uint64_t data_offset, const std::vector<std::string>& primary,
                               const std::vector<std::string>& named) {
  char num[96];
  std::snprintf(num, sizeof num, "\t%.3f\t%.3f\t%d\t", authority, focus, p.votes);
  std::string out = without_tabs(p.id) + num + date + "\t" + without_tabs(p.language) + "\t" +
                    std::string(to_string(p.kind)) + "\t" + without_tabs(facet_vendor(p.vendor)) + "\t" +
                    without_tabs(p.product) + "\t" + without_tabs(p.severity) + "\t" +
                    std::to_string(data_offset);
  for (const auto& c : primary) {
    out += '\t';
    if (std::find(named.begin(), named.end(), c) == named.end()) out += kDeclaredMark;
    out += c;
  }
  return out;
}

namespace {
// The tab-separated field of `text` at `start` (to the next tab or the end); `start` moves past its tab.
std::string_view next_field(std::string_view text, size_t& start) {
  const size_t tab = std::min(text.find('\t', start), text.size());
  const std::string_view field = text.substr(start, tab - start);
  start = tab + 1;
  return field;
}
}  // namespace

namespace {
constexpr size_t kRankRecordFields = 11;  // before the primary codes
constexpr size_t kDataOffsetField = 10;

// The fixed fields of a rank record; `start` ends at the primary codes. False when there are fewer.
// One pass over the bytes: ranking splits a record per candidate, and a search of its own for each
// short field's tab cost more than the record's bytes.
bool split_rank_record(std::string_view text, std::string_view (&fields)[kRankRecordFields], size_t& start) {
  size_t count = 0, begin = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\t') continue;
    fields[count++] = text.substr(begin, i - begin);
    begin = i + 1;
    if (count == kRankRecordFields) {
      start = begin;
      return true;
    }
  }
  fields[count++] = text.substr(begin);  // the last field runs to the end
  start = text.size() + 1;
  return count == kRankRecordFields;
}
}  // namespace

bool decode_rank_record(std::string_view text, RankRecord& out) {
  // Eleven tab-separated fields, then the primary codes (each after a tab of its own).
  std::string_view fields[kRankRecordFields];
  size_t start = 0;
  if (!split_rank_record(text, fields, start)) return false;
  const std::string_view offset = fields[kDataOffsetField];
  if (std::from_chars(offset.data(), offset.data() + offset.size(), out.data_offset).ptr !=
      offset.data() + offset.size())
    return false;
  out.passage_id = fields[0];
  out.authority = 0;
  out.focus = 0;
  out.votes = 0;
  std::from_chars(fields[1].data(), fields[1].data() + fields[1].size(), out.authority);
  std::from_chars(fields[2].data(), fields[2].data() + fields[2].size(), out.focus);
  std::from_chars(fields[3].data(), fields[3].data() + fields[3].size(), out.votes);
  out.date = fields[4];
  out.language = fields[5];
  out.kind = fields[6];
  out.vendor = fields[7];
  out.product = fields[8];
  out.severity = fields[9];
  out.primary_codes = start < text.size() ? text.substr(start) : std::string_view();
  return true;
}

bool read_passage(PassageFileReader& passages, uint64_t data_offset, StoredPassage& out) {
  thread_local std::string data;  // a passage is decoded on every shown result: keep the buffer
  return passages.read(data_offset, data) && decode_passage(data, out);
}

bool read_passage(PassageFileReader& passages, const Xapian::Document& doc, StoredPassage& out) {
  const std::string text = doc.get_value(schema::kSlotRankRecord);
  RankRecord record;
  return decode_rank_record(text, record) && read_passage(passages, record.data_offset, out);
}

std::string with_data_offset(std::string_view text, uint64_t data_offset) {
  std::string_view fields[kRankRecordFields];
  size_t start = 0;
  if (!split_rank_record(text, fields, start)) return {};
  const size_t offset_begin = static_cast<size_t>(fields[kDataOffsetField].data() - text.data());
  std::string out(text.substr(0, offset_begin));
  out += std::to_string(data_offset);
  out.append(text.substr(offset_begin + fields[kDataOffsetField].size()));
  return out;
}

rank::CodeHold RankRecord::primary_hold(std::string_view code) const {
  if (primary_codes.empty() || code.empty()) return rank::CodeHold::kNone;
  for (size_t start = 0; start <= primary_codes.size();) {
    const std::string_view field = next_field(primary_codes, start);
    if (field == code) return rank::CodeHold::kAbout;
    if (field.size() == code.size() + 1 && field[0] == kDeclaredMark && field.substr(1) == code)
      return rank::CodeHold::kDeclared;
  }
  return rank::CodeHold::kNone;
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

DocumentBuilder::DocumentBuilder(const CodeGrammar& grammar, bool learn_spelling, PassageFileWriter& passages)
    : grammar_(grammar), learn_spelling_(learn_spelling), passages_(passages) {}

void DocumentBuilder::flush_spelling(Xapian::WritableDatabase& db) {
  for (const auto& [word, count] : spelling_) db.add_spelling(word, count);
  spelling_.clear();
}

DocumentBuilder::PassageCodes DocumentBuilder::collect_codes(const Passage& p) const {
  PassageCodes codes;
  // References, not a structured binding: lambdas below capture them (clang before 16 cannot).
  auto& certain = codes.certain;
  auto& weak = codes.weak;
  auto& primary = codes.primary;
  auto& named = codes.named;
  auto& families = codes.families;
  auto& primary_vendors = codes.primary_vendors;
  CodeContext ctx{p.vendor, p.product};
  auto add_unique = [](std::vector<std::string>& v, const std::string& s) {
    if (!s.empty() && std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
  };
  auto add_primary = [&](const CodeInterpretation& r) {
    add_unique(primary, r.canonical);
    add_unique(primary_vendors, reading_vendor(r));
  };
  // Declared codes are authoritative: their best reading counts as certain, and so does their first
  // reading that a table or catalogue knows when the best is a guess ("21917091" declared on a ShopFlow
  // page reads first as a ShopFlow code no catalogue has, and as the eBay warning the eBay catalogue has).
  for (const auto& code : p.codes) {
    auto readings = p.kind == SourceKind::kCatalogue
                        ? grammar_.interpret_catalogue_code(p.vendor, code, p.code_name)
                        : grammar_.interpret(code, ctx);
    const auto first_known = std::find_if(readings.begin(), readings.end(), [](const CodeInterpretation& r) {
      return !r.message.empty() || !r.name.empty();
    });
    for (size_t i = 0; i < readings.size(); ++i) {
      if (i == 0 || readings[i].certain || readings.begin() + i == first_known) {
        add_unique(certain, readings[i].canonical);
        add_primary(readings[i]);
      } else {
        add_unique(weak, readings[i].canonical);
      }
      add_unique(families, readings[i].family);
    }
  }
  // One scan of the whole prose. Codes in the title or heading (which passage_text puts first) make
  // the passage about them, not merely mentioning them.
  const size_t head_end = p.title.size() + (p.title.empty() || p.heading.empty() ? 0 : 1) + p.heading.size();
  // A declared code that the title or heading spells, in whatever reading, is named there too.
  std::vector<std::string> head_readings;
  const size_t declared_end = certain.size();
  const auto declared = [&](const CodeInterpretation& r) {
    return std::find(certain.begin(), certain.begin() + declared_end, r.canonical) !=
           certain.begin() + declared_end;
  };
  for (const auto& occ : grammar_.find_codes(passage_text(p), ctx)) {
    // The passage's own code written another way ("Win32 error 209 (0x000000D1)"): the declaration
    // says which family its digits belong to, so their other readings are not held.
    const bool own_code = std::any_of(occ.interpretations.begin(), occ.interpretations.end(), declared);
    for (const auto& r : occ.interpretations) {
      if (own_code && !declared(r)) continue;
      if (occ.begin < head_end) {
        add_unique(head_readings, r.canonical);
        if (r.certain) add_primary(r);
      }
      add_unique(r.certain ? certain : weak, r.canonical);
      add_unique(families, r.family);
    }
  }
  // A title or heading that opens with a letters+digits code names it, though no cue is before it.
  for (const std::string* head : {&p.title, &p.heading}) {
    const auto r = grammar_.title_code(*head);
    if (!r) continue;
    add_unique(head_readings, r->canonical);
    add_primary(*r);
    add_unique(certain, r->canonical);
    add_unique(families, r->family);
  }
  for (const auto& code : primary)
    if (std::find(head_readings.begin(), head_readings.end(), code) != head_readings.end())
      named.push_back(code);
  // A reading that is certain somewhere in the passage is not also weak.
  std::erase_if(weak, [&](const std::string& w) {
    return std::find(certain.begin(), certain.end(), w) != certain.end();
  });
  return codes;
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
    case schema::PassageField::kTitle:
      return p.title;
    case schema::PassageField::kHeading:
      return p.heading;
    case schema::PassageField::kSymptoms:
      return p.symptoms;
    case schema::PassageField::kCause:
      return p.cause;
    case schema::PassageField::kChecks:
      return joined(p.checks);
    case schema::PassageField::kResolutions:
      return joined(p.resolutions);
    case schema::PassageField::kPrevention:
      return p.prevention;
    case schema::PassageField::kBody:
      return p.body;
    default:
      return kEmpty;
  }
}

// The code samples written in a text field of the passage ("" for none).
const std::string& code_in_field(const Passage& p, schema::PassageField f) {
  static const std::string kEmpty;
  switch (f) {
    case schema::PassageField::kSymptoms:
      return p.code.symptoms;
    case schema::PassageField::kCause:
      return p.code.cause;
    case schema::PassageField::kChecks:
      return p.code.checks;
    case schema::PassageField::kResolutions:
      return p.code.resolutions;
    case schema::PassageField::kPrevention:
      return p.code.prevention;
    case schema::PassageField::kBody:
      return p.code.body;
    default:
      return kEmpty;
  }
}

// Takes the counts of `part` (a text within the text `stems` counts) out of `stems`, stem by stem, and
// returns what it took: a stem that `stems` counts less often than `part` (code the reader placed in
// another field) is taken only as often as `stems` has it, so no word is counted twice.
StemCounts take_stems(StemCounts& stems, const StemCounts& part) {
  std::unordered_map<const std::string*, StemCount*> in_stems;
  for (auto& c : stems) in_stems.emplace(c.z_stem, &c);
  StemCounts taken;
  for (const auto& c : part) {
    auto it = in_stems.find(c.z_stem);
    if (it == in_stems.end()) continue;
    StemCount& have = *it->second;
    StemCount take{c.z_stem, std::min(have.words, c.words), std::min(have.parts, c.parts)};
    have.words -= take.words;
    have.parts -= take.parts;
    if (take.words || take.parts) taken.push_back(take);
  }
  std::erase_if(stems, [](const StemCount& c) { return c.words == 0 && c.parts == 0; });
  return taken;
}

std::vector<std::string> filter_values(const Passage& p, schema::PassageField f) {
  switch (f) {
    case schema::PassageField::kKind:
      return {std::string(to_string(p.kind))};
    case schema::PassageField::kVendor:
      return {facet_vendor(p.vendor)};  // a code family is not a vendor
    case schema::PassageField::kProduct:
      return {p.product};
    case schema::PassageField::kLanguage:
      return {p.language};
    case schema::PassageField::kSeverity:
      return {p.severity};
    case schema::PassageField::kTag:
      return p.tags;
    default:
      return {};
  }
}

}  // namespace

const DocumentBuilder::FieldCache& DocumentBuilder::analysed_field(size_t field, const std::string& text,
                                                                   const std::string& code,
                                                                   const std::string& language,
                                                                   bool learn_spelling) {
  // Passages of one item are built one after another and share their title and symptoms: analyse
  // such a field once. (Spelling is learned from an item's first passage, so a reused analysis never
  // needed to learn.)
  FieldCache& cache = field_cache_[field];
  if (cache.valid && !learn_spelling && cache.text == text && cache.code == code &&
      cache.language == language)
    return cache;
  cache.stems = prose_.analyse(text, language, learn_spelling ? &spelling_ : nullptr);
  cache.code_stems.clear();
  if (!code.empty()) cache.code_stems = take_stems(cache.stems, prose_.analyse(code, language, nullptr));
  cache.pairs.clear();
  if (schema::kFields[field].word_pairs)
    cache.pairs = prose_.word_pairs(text, language, schema::kMaxPairWords);
  cache.text = text;
  cache.code = code;
  cache.language = language;
  cache.valid = true;
  return cache;
}

Xapian::Document DocumentBuilder::build(const Item& item, const Passage& p) {
  Xapian::Document doc;
  if (prose_.trim_cache())
    for (auto& cache : field_cache_) cache.valid = false;
  // The spelling table learns the words people type: titles, headings and symptoms. All passages of
  // an item share title and symptoms: learn them from the first passage only.
  const bool first_of_item =
      p.id.size() < 2 || p.id.compare(p.id.size() - 2, 2, "#1") == 0 || p.kind == SourceKind::kCatalogue;

  // Analyse every text field first: the wdfs are scaled by the passage's whole raw length (schema.h).
  std::string scratch;
  std::array<const FieldCache*, std::size(schema::kFields)> analysed{};
  unsigned raw_length = 0;
  for (size_t i = 0; i < std::size(schema::kFields); ++i) {
    const auto& spec = schema::kFields[i];
    if (spec.type == schema::FieldType::kText) {
      const std::string& text = field_text(p, spec.source, scratch);
      if (text.empty()) continue;
      bool learn =
          learn_spelling_ && first_of_item &&
          (spec.source == schema::PassageField::kTitle || spec.source == schema::PassageField::kHeading ||
           spec.source == schema::PassageField::kSymptoms);
      analysed[i] = &analysed_field(i, text, code_in_field(p, spec.source), p.language, learn);
      raw_length += ProseTerms::raw_length(analysed[i]->stems, spec.prose_weight, spec.prefix);
      raw_length += static_cast<unsigned>(
          std::lround(ProseTerms::raw_length(analysed[i]->code_stems, 1, "") * schema::kCodeSampleWeight));
    } else {
      for (const auto& value : filter_values(p, spec.source))
        if (!value.empty()) doc.add_boolean_term(bounded_term(std::string(spec.prefix) + lower_ascii(value)));
    }
  }

  StoredPassage stored{p, item.uid, {}, {}, {}, source_authority(p)};
  PassageCodes codes = collect_codes(p);
  stored.code_terms = std::move(codes.certain);
  stored.weak_code_terms = std::move(codes.weak);
  stored.primary_code_terms = codes.primary;
  const auto& families = codes.families;
  const auto& code_vendors = codes.primary_vendors;
  // A passage about a vendor's code is that vendor's too for the vendor filter ("vendor=ShopFlow" finds the
  // eBay page about SF-2004); the facet counts it under its own vendor only.
  for (const auto& vendor : code_vendors)
    doc.add_boolean_term(bounded_term(schema::filter_term("vendor", lower_ascii(vendor))));
  const double focus = rank::focus_prior(p, stored.primary_code_terms.size(), stored.code_terms.size());
  raw_length += static_cast<unsigned>(stored.code_terms.size() + stored.weak_code_terms.size());

  const double scale = schema::wdf_scale(raw_length);
  for (size_t i = 0; i < std::size(schema::kFields); ++i) {
    if (!analysed[i]) continue;
    ProseTerms::add_to(doc, analysed[i]->stems, schema::kFields[i].prose_weight, schema::kFields[i].prefix,
                       scale);
    ProseTerms::add_to(doc, analysed[i]->code_stems, 1, "", scale * schema::kCodeSampleWeight);
    for (const auto& pair : analysed[i]->pairs) doc.add_boolean_term(pair);
  }
  const unsigned code_wdf = schema::scaled_wdf(1, scale);
  for (const auto& c : stored.code_terms) {
    const bool about = std::find(stored.primary_code_terms.begin(), stored.primary_code_terms.end(), c) !=
                       stored.primary_code_terms.end();
    doc.add_term(bounded_term(std::string(schema::kCodePrefix) + c),
                 about ? schema::kAboutCodeWdf + code_wdf : code_wdf);
  }
  for (const auto& c : stored.weak_code_terms)
    doc.add_term(bounded_term(std::string(schema::kWeakCodePrefix) + c), code_wdf);
  for (const auto& f : families)
    doc.add_boolean_term(bounded_term(std::string(schema::kCodeFamilyPrefix) + f));

  doc.add_boolean_term(bounded_term(std::string(schema::kIdPrefix) + p.id));
  doc.add_boolean_term(bounded_term(std::string(schema::kItemPrefix) + item.uid));

  doc.add_value(schema::kSlotSignature, item.signature);
  std::string date = date_key(p.updated.empty() ? p.created : p.updated);
  const uint64_t data_offset = passages_.append(encode_passage(stored));
  doc.add_value(schema::kSlotRankRecord, encode_rank_record(p, stored.authority, focus, date, data_offset,
                                                            codes.primary, codes.named));
  return doc;
}

}  // namespace errkb::store
