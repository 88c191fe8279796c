// Section recognition and the split of an article into cause passages.
#include <algorithm>
#include <cstdint>
#include <map>
#include <set>

#include "errkb/text.h"
#include "ingest/article.h"
#include "ingest/internal.h"

namespace errkb::ingest {
namespace {

// ---- heading words ----------------------------------------------------------------------------

uint32_t decode_utf8(std::string_view s, size_t& i) {
  const auto c = static_cast<unsigned char>(s[i]);
  int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  if (i + len > s.size()) len = 1;
  uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
  for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i += len;
  return cp;
}

// Lower-cases and strips the diacritics that spellings of our keywords vary in
// (Romanian ț/ţ, ș/ş, ă, â, î; Italian accents; Russian ё). 0 = not a word character.
uint32_t fold_char(uint32_t cp) {
  if (cp < 0x80) {
    if (cp >= 'A' && cp <= 'Z') return cp + 32;
    if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) return cp;
    return 0;
  }
  if (cp >= 0xC0 && cp <= 0x17F) {
    static constexpr std::pair<std::u32string_view, char32_t> kGroups[] = {
        {U"ÀÁÂÃÄÅàáâãäåĂăĄąĀā", U'a'},
        {U"ÇçĆćČč", U'c'},
        {U"ÈÉÊËèéêëĘęĚěĒē", U'e'},
        {U"ÌÍÎÏìíîïĪī", U'i'},
        {U"ÑñŃńŇň", U'n'},
        {U"ÒÓÔÕÖòóôõöŌōŐő", U'o'},
        {U"ÙÚÛÜùúûüŪūŮůŰű", U'u'},
        {U"ŞşŠšŚś", U's'},
        {U"ŢţŤť", U't'},
        {U"ÝýŸÿ", U'y'},
        {U"ŽžŹźŻż", U'z'},
        {U"Ðđ", U'd'},
        {U"Łł", U'l'},
        {U"Řř", U'r'},
        {U"Ğğ", U'g'},
    };
    for (const auto& [chars, base] : kGroups) {
      if (chars.find(static_cast<char32_t>(cp)) != std::u32string_view::npos) return base;
    }
    if (cp == 0xD7 || cp == 0xF7) return 0;
    return cp;
  }
  if (cp == 0x1CD || cp == 0x1CE) return 'a';        // Ǎ ǎ, typed for Romanian ă
  if (cp == 0x218 || cp == 0x219) return 's';        // Ș ș (comma below)
  if (cp == 0x21A || cp == 0x21B) return 't';        // Ț ț
  if (cp >= 0x410 && cp <= 0x42F) return cp + 0x20;  // А-Я
  if (cp == 0x401 || cp == 0x451) return 0x435;      // Ё ё -> е
  if (cp >= 0x400 && cp <= 0x40F) return cp + 0x50;  // Ѐ-Џ
  if (cp >= 0x430 && cp <= 0x45F) return cp;
  if (cp >= 0x2000 && cp <= 0x206F) return 0;  // dashes, quotes, spaces
  if (cp == 0xA0 || cp == 0xAB || cp == 0xBB || cp == 0xB7) return 0;
  return cp;
}

struct Word {
  std::string folded;
  size_t begin = 0, end = 0;  // byte span in the original heading
};

std::vector<Word> split_words(std::string_view s) {
  std::vector<Word> words;
  size_t i = 0;
  Word current;
  bool in_word = false;
  while (i < s.size()) {
    const size_t start = i;
    const uint32_t folded = fold_char(decode_utf8(s, i));
    if (folded == 0) {
      if (in_word) words.push_back(std::move(current));
      current = Word{};
      in_word = false;
      continue;
    }
    if (!in_word) current.begin = start;
    in_word = true;
    append_utf8(current.folded, folded);
    current.end = i;
  }
  if (in_word) words.push_back(std::move(current));
  return words;
}

struct Keyword {
  std::vector<std::string> words;  // folded
  SectionType type;
};

const std::vector<Keyword>& keywords() {
  static const std::vector<Keyword> table = [] {
    const std::vector<std::pair<SectionType, std::vector<std::string_view>>> phrases = {
        {SectionType::kSymptoms,
         {"symptom", "symptoms", "simptom", "simptome", "simptomele", "sintomo", "sintomi", "симптом",
          "симптомы", "признаки", "проявления"}},
        {SectionType::kCause,
         {"cause",
          "causes",
          "root cause",
          "root causes",
          "possible cause",
          "possible causes",
          "reason",
          "reasons",
          "common cause",
          "common causes",
          "likely cause",
          "likely causes",
          "why this happens",
          "why it happens",
          "cauza",
          "cauze",
          "cauzele",
          "cauza principala",
          "cauze posibile",
          "cauzele posibile",
          "de ce apare",
          "causa",
          "causa principale",
          "possibili cause",
          "cause possibili",
          "cause principali",
          "perche succede",
          "причина",
          "причины",
          "возможная причина",
          "возможные причины",
          "почему это происходит"}},
        {SectionType::kResolution,
         {"resolution",     "resolutions",    "solution",      "solutions",  "fix",
          "fixes",          "workaround",     "workarounds",   "method",     "methods",
          "how to fix",     "how to resolve", "how to solve",  "what to do", "rezolvare",
          "rezolvarea",     "solutie",        "solutia",       "solutii",    "solutiile",
          "remediere",      "remedierea",     "metoda",        "metode",     "metodele",
          "cum se rezolva", "cum remediati",  "risoluzione",   "soluzione",  "soluzioni",
          "rimedio",        "rimedi",         "metodo",        "metodi",     "come risolvere",
          "cosa fare",      "решение",        "решения",       "устранение", "способ",
          "способы",        "как исправить",  "как устранить", "метод",      "что делать"}},
        {SectionType::kPrevention,
         {"prevention", "how to prevent", "how to avoid", "avoiding", "prevenire", "prevenirea", "preventie",
          "preventia", "cum se previne", "prevenzione", "come prevenire", "come evitare", "come evitarlo",
          "профилактика", "предотвращение", "как избежать", "как предотвратить"}},
        {SectionType::kChecks,
         {"check",          "checks",          "diagnosis",  "diagnostics", "how to check", "how to verify",
          "verification",   "verificari",      "verificare", "verificarea", "diagnostic",   "diagnosticare",
          "diagnosticarea", "verifica",        "verifiche",  "diagnosi",    "diagnostica",  "controllo",
          "controlli",      "come verificare", "проверка",   "проверки",    "диагностика",  "как проверить"}},
    };
    std::vector<Keyword> out;
    for (const auto& [type, list] : phrases) {
      for (std::string_view phrase : list) {
        Keyword k{{}, type};
        for (auto& w : split_words(phrase)) k.words.push_back(std::move(w.folded));
        out.push_back(std::move(k));
      }
    }
    // Longest phrase first, so "root cause" wins over "cause" ... and "how to fix" is tried whole.
    std::stable_sort(out.begin(), out.end(),
                     [](const Keyword& a, const Keyword& b) { return a.words.size() > b.words.size(); });
    return out;
  }();
  return table;
}

bool all_digits(std::string_view s) {
  return !s.empty() && s.size() <= 3 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

HeadingInfo classify_heading(std::string_view heading) {
  HeadingInfo info;
  const std::vector<Word> words = split_words(heading);
  if (words.empty()) return info;
  for (const Keyword& k : keywords()) {
    if (words.size() < k.words.size()) continue;
    bool match = true;
    for (size_t i = 0; i < k.words.size() && match; ++i) match = words[i].folded == k.words[i];
    if (!match) continue;
    // The keyword must open the heading; punctuation before it ("**", "#") is not a word.
    info.type = k.type;
    size_t next = k.words.size();
    if (next < words.size() && all_digits(words[next].folded)) {
      info.number = std::stoi(words[next].folded);
      ++next;
    }
    const size_t rest_begin = words[next - 1].end;
    const std::string trimmed = trim(heading.substr(rest_begin));
    // "Cause 2: DNS" / "Cauza 1 – Parola" have a separator before the rest; "Cause of the error" not.
    info.rest_separated = true;
    if (next < words.size()) {
      std::string_view between = heading.substr(rest_begin, words[next].begin - rest_begin);
      info.rest_separated = between.find_first_of(":-.)\xE2") != std::string_view::npos;  // \xE2: en/em dash
    }
    size_t cut = 0;  // skip the separator itself
    while (cut < trimmed.size()) {
      const unsigned char c = static_cast<unsigned char>(trimmed[cut]);
      if (c == ':' || c == '-' || c == '.' || c == ')' || c == ' ' || c == '#' || c == '*' || c == '_') {
        ++cut;
      } else if (c == 0xE2 && trimmed.compare(cut, 2, "\xE2\x80") == 0 && cut + 2 < trimmed.size()) {
        cut += 3;  // en dash, em dash
      } else {
        break;
      }
    }
    info.rest = trim(std::string_view(trimmed).substr(cut));
    while (!info.rest.empty() && (info.rest.back() == '*' || info.rest.back() == '_')) info.rest.pop_back();
    return info;
  }
  return info;
}

std::string article_id_from_path(std::string_view rel) {
  std::string_view id = rel;
  if (id.substr(0, 9) == "articles/") id.remove_prefix(9);
  const size_t slash = id.rfind('/');
  const size_t dot = id.rfind('.');
  if (dot != std::string_view::npos && (slash == std::string_view::npos || dot > slash + 1))
    id = id.substr(0, dot);
  return std::string(id);
}

namespace {

// ---- sections -------------------------------------------------------------------------------

struct Section {
  HeadingInfo info;
  std::string heading;  // as written; empty for the text before the first heading
  int level = 0;
  std::vector<Block> blocks;
};

std::string list_to_text(const Block& list) {
  std::string out;
  for (size_t i = 0; i < list.items.size(); ++i) {
    if (!out.empty()) out += "\n";
    out += list.ordered ? std::to_string(i + 1) + ". " : "- ";
    out += list.items[i];
  }
  return out;
}

std::string block_text(const Block& b) {
  switch (b.kind) {
    case Block::Kind::kList:
      return list_to_text(b);
    default:
      return b.text;
  }
}

std::string blocks_text(const std::vector<Block>& blocks) {
  std::vector<std::string> parts;
  parts.reserve(blocks.size());
  for (const auto& b : blocks) parts.push_back(block_text(b));
  return join_nonempty(parts, "\n");
}

// Resolutions and checks: items of a bullet list are separate entries; a numbered list is one
// procedure (steps joined by newlines, with the paragraph that introduces it); paragraphs that
// stand alone are one entry together. An intro line ending in ':' with nothing to introduce goes
// to `leftover` so that no text is lost.
std::vector<std::string> section_entries(const std::vector<Block>& blocks, std::string& leftover) {
  std::vector<std::string> entries;
  std::string pending;
  auto flush = [&] {
    std::string t = trim(pending);
    pending.clear();
    if (t.empty()) return;
    if (t.back() == ':') {
      leftover += (leftover.empty() ? "" : "\n") + t;
      return;
    }
    entries.push_back(std::move(t));
  };
  for (const auto& b : blocks) {
    if (b.kind == Block::Kind::kList && b.ordered) {
      if (!pending.empty()) pending += "\n";
      pending += list_to_text(b);
      std::string t = trim(pending);
      pending.clear();
      if (!t.empty()) entries.push_back(std::move(t));
    } else if (b.kind == Block::Kind::kList) {
      flush();
      for (const auto& item : b.items) {
        std::string t = trim(item);
        if (!t.empty()) entries.push_back(std::move(t));
      }
    } else {
      if (!pending.empty()) pending += "\n";
      pending += block_text(b);
    }
  }
  flush();
  return entries;
}

// `code` appended to `dest` on lines of its own.
void append_code(std::string& dest, std::string_view code) {
  if (code.empty()) return;
  if (!dest.empty()) dest += '\n';
  dest += code;
}

// The code samples among `blocks`, one after another ("" for none).
std::string code_of(const std::vector<Block>& blocks) {
  std::string code;
  for (const auto& b : blocks)
    if (b.kind == Block::Kind::kCode) append_code(code, b.text);
  return code;
}

struct CauseUnit {
  size_t section = 0;  // index into sections
  std::optional<int> number;
  std::string heading;
  std::string cause;
  std::vector<std::string> body;
  std::vector<std::string> checks, resolutions, prevention;
  CodeSamples code;
};

// An unnumbered cause section that is (an intro and) one list of several items lists several causes.
bool split_cause_list(const Section& s, std::string& intro, std::vector<std::string>& items) {
  if (s.info.number) return false;
  const Block* list = nullptr;
  std::vector<std::string> intro_parts;
  for (const auto& b : s.blocks) {
    if (b.kind == Block::Kind::kList) {
      if (list) return false;
      list = &b;
    } else if (list) {
      return false;  // text after the list: it is one explanation, not a list of causes
    } else {
      intro_parts.push_back(block_text(b));
    }
  }
  if (!list || list->items.size() < 2) return false;
  intro = join_nonempty(intro_parts, "\n");
  items = list->items;
  return true;
}

std::vector<Section> group_sections(const std::vector<Block>& blocks) {
  std::vector<Section> sections(1);  // the text before the first heading
  for (const Block& b : blocks) {
    if (b.kind != Block::Kind::kHeading) {
      sections.back().blocks.push_back(b);
      continue;
    }
    HeadingInfo info = classify_heading(b.text);
    const Section& current = sections.back();
    if (info.type == SectionType::kOther && current.info.type != SectionType::kOther &&
        b.level > current.level) {
      // A sub-heading inside a recognised section ("### Details" under "## Cause") stays in it.
      Block p;
      p.kind = Block::Kind::kParagraph;
      p.text = b.text;
      sections.back().blocks.push_back(std::move(p));
      continue;
    }
    Section s;
    s.info = std::move(info);
    s.heading = b.text;
    s.level = b.level;
    sections.push_back(std::move(s));
  }
  return sections;
}

// The lead: the text before the first sub-heading (under no heading or the page's one top heading). In a
// page with no Symptoms section it says what the page is about: the error's message, what goes wrong. It
// is taken as the symptoms when short (a long one is an article's whole text, not a summary).
constexpr size_t kMaxLeadBytes = 600;

std::vector<size_t> lead_sections(const std::vector<Section>& sections) {
  for (const auto& s : sections)
    if (s.info.type == SectionType::kSymptoms) return {};
  std::vector<size_t> lead;
  if (!sections[0].blocks.empty()) lead.push_back(0);
  if (sections.size() > 1 && sections[1].level == 1 && sections[1].info.type == SectionType::kOther)
    lead.push_back(1);
  size_t bytes = 0;
  for (size_t si : lead) bytes += blocks_text(sections[si].blocks).size();
  if (bytes == 0 || bytes > kMaxLeadBytes) return {};
  return lead;
}

std::string lead_text(const std::vector<Section>& sections, const std::vector<size_t>& lead) {
  std::vector<std::string> parts;
  parts.reserve(lead.size());
  for (size_t si : lead) parts.push_back(blocks_text(sections[si].blocks));
  return join_nonempty(parts, "\n");
}

}  // namespace

Item build_article_item(const ArticleSource& src) {
  const ArticleMeta& meta = src.meta;
  const std::string doc_id = meta.id.empty() ? article_id_from_path(src.rel) : meta.id;
  std::string title = !meta.title.empty() ? meta.title : src.title;
  if (title.empty()) {
    title = doc_id.substr(doc_id.rfind('/') == std::string::npos ? 0 : doc_id.rfind('/') + 1);
  }

  std::vector<Section> sections = group_sections(src.blocks);

  // Cause units, in order.
  std::vector<CauseUnit> units;
  std::map<size_t, std::vector<size_t>> units_of_section;
  for (size_t si = 0; si < sections.size(); ++si) {
    const Section& s = sections[si];
    if (s.info.type != SectionType::kCause) continue;
    std::string intro;
    std::vector<std::string> items;
    if (split_cause_list(s, intro, items)) {
      for (size_t k = 0; k < items.size(); ++k) {
        CauseUnit u;
        u.section = si;
        u.number = static_cast<int>(k + 1);  // lets "Solution 2" pair with the second listed cause
        u.heading = s.heading;
        u.cause = trim(items[k]);
        if (!intro.empty()) u.body.push_back(intro);
        u.code.body = code_of(s.blocks);  // the list's items are no code samples: the intro's
        units_of_section[si].push_back(units.size());
        units.push_back(std::move(u));
      }
    } else {
      CauseUnit u;
      u.section = si;
      u.number = s.info.number;
      u.heading = s.heading;
      u.cause = blocks_text(s.blocks);
      u.code.cause = code_of(s.blocks);
      if (u.cause.empty()) u.cause = s.info.rest;  // "Cause: DNS not propagated" with no body
      units_of_section[si].push_back(units.size());
      units.push_back(std::move(u));
    }
  }
  const bool has_causes = !units.empty();
  if (!has_causes) {
    CauseUnit u;
    units.push_back(std::move(u));
  }
  std::vector<size_t> all_units(units.size());
  for (size_t i = 0; i < units.size(); ++i) all_units[i] = i;

  size_t first_cause = sections.size(), last_cause = 0;
  for (const auto& [si, _] : units_of_section) {
    first_cause = std::min(first_cause, si);
    last_cause = std::max(last_cause, si);
  }
  // Section types that also appear between causes: a trailing one of those belongs to the last
  // cause; a type that only appears after all causes applies to every cause.
  std::set<SectionType> interleaved;
  for (size_t si = first_cause + 1; si < last_cause && has_causes; ++si)
    interleaved.insert(sections[si].info.type);

  auto targets_of = [&](size_t si) -> std::vector<size_t> {
    if (!has_causes) return all_units;
    const Section& s = sections[si];
    if (s.info.number && s.info.type != SectionType::kOther) {
      std::vector<size_t> numbered;
      for (size_t i = 0; i < units.size(); ++i) {
        if (units[i].number == s.info.number) numbered.push_back(i);
      }
      if (!numbered.empty()) return numbered;
    }
    if (si < first_cause) return all_units;
    if (si > last_cause && !interleaved.contains(s.info.type)) return all_units;
    size_t prev = first_cause;
    for (const auto& [csi, _] : units_of_section) {
      if (csi < si) prev = csi;
    }
    return units_of_section[prev];
  };

  std::vector<std::string> symptoms;
  std::string symptoms_code;
  const std::vector<size_t> lead = lead_sections(sections);
  if (!lead.empty()) symptoms.push_back(lead_text(sections, lead));
  for (size_t si : lead) append_code(symptoms_code, code_of(sections[si].blocks));
  for (size_t si = 0; si < sections.size(); ++si) {
    const Section& s = sections[si];
    const bool in_lead = std::find(lead.begin(), lead.end(), si) != lead.end();
    const std::string code = code_of(s.blocks);
    std::string leftover;
    switch (s.info.type) {
      case SectionType::kCause:
        break;
      case SectionType::kSymptoms: {
        std::string t = blocks_text(s.blocks);
        symptoms.push_back(t.empty() ? s.info.rest : t);
        append_code(symptoms_code, code);
        break;
      }
      case SectionType::kResolution:
      case SectionType::kChecks: {
        std::vector<std::string> entries = section_entries(s.blocks, leftover);
        // A numbered "Method 2: Flush the DNS cache" names the fix even when its body is short.
        if (!s.info.rest.empty() && s.info.number && !entries.empty() && entries.size() == 1) {
          entries[0] = s.info.rest + "\n" + entries[0];
        } else if (entries.empty() && !s.info.rest.empty()) {
          entries.push_back(s.info.rest);
        }
        for (size_t u : targets_of(si)) {
          const bool checks = s.info.type == SectionType::kChecks;
          auto& dest = checks ? units[u].checks : units[u].resolutions;
          dest.insert(dest.end(), entries.begin(), entries.end());
          append_code(checks ? units[u].code.checks : units[u].code.resolutions, code);
          if (!leftover.empty()) units[u].body.push_back(leftover);
        }
        break;
      }
      case SectionType::kPrevention: {
        std::string t = blocks_text(s.blocks);
        if (t.empty()) t = s.info.rest;
        for (size_t u : targets_of(si)) {
          units[u].prevention.push_back(t);
          append_code(units[u].code.prevention, code);
        }
        break;
      }
      case SectionType::kOther: {
        std::string t = join_nonempty({s.heading, in_lead ? std::string() : blocks_text(s.blocks)}, "\n");
        if (t.empty()) break;
        // Text before the first cause or after the last one is about the whole article.
        std::vector<size_t> dest =
            (!has_causes || si < first_cause || si > last_cause) ? all_units : targets_of(si);
        for (size_t u : dest) {
          units[u].body.push_back(t);
          if (!in_lead) append_code(units[u].code.body, code);
        }
        break;
      }
    }
  }

  ArticleMeta m = meta;
  std::string language = m.language;
  if (language.empty()) {
    std::string sample = title;
    for (const auto& b : src.blocks) {
      sample += "\n";
      sample += block_text(b);
      if (sample.size() > 16384) break;
    }
    language = detect_language(sample);
  }

  Item item;
  item.uid = "article:" + doc_id;
  item.container = std::string(src.rel);
  item.signature = signature_of(src.raw);
  const std::string symptom_text = join_nonempty(symptoms, "\n");
  for (size_t i = 0; i < units.size(); ++i) {
    CauseUnit& u = units[i];
    Passage p;
    p.id = doc_id + "#" + std::to_string(i + 1);
    p.doc_id = doc_id;
    p.kind = SourceKind::kArticle;
    p.title = title;
    p.heading = u.heading;
    p.symptoms = symptom_text;
    p.cause = u.cause;
    p.checks = std::move(u.checks);
    p.resolutions = std::move(u.resolutions);
    p.prevention = join_nonempty(u.prevention, "\n");
    p.body = join_nonempty(u.body, "\n");
    p.code = std::move(u.code);
    p.code.symptoms = symptoms_code;
    p.url = m.url;
    p.vendor = m.vendor;
    p.product = m.product;
    p.language = language;
    p.codes = m.codes;
    p.tags = m.tags;
    p.created = m.created;
    p.updated = m.updated;
    item.passages.push_back(std::move(p));
  }
  return item;
}

}  // namespace errkb::ingest
