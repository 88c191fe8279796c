#include "rank/ranking.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string_view>

namespace errkb::rank {

double combine(const ScoreParts& p, const Weights& w) {
  return w.code * p.code + w.text * p.text + w.title * p.title + w.phrase * p.phrase + w.authority * p.authority +
         w.focus * p.focus + w.votes * p.votes + w.freshness * p.freshness + w.feedback * p.feedback + w.language * p.language;
}

double focus_prior(const Passage& p, size_t primary_codes, size_t codes) {
  if (codes >= kListingCodes) return kListingFocus;
  if (p.kind != SourceKind::kArticle || primary_codes > 0) return 1;
  // Symptoms are left out: a page's lead stands for them when it has no such section (ingest).
  const bool structured = !p.cause.empty() || !p.resolutions.empty() || !p.checks.empty();
  return structured ? 1 : kGeneralFocus;
}

namespace {

std::string join(const std::vector<std::string>& v, const char* sep, size_t max_items = 8) {
  std::string out;
  for (size_t i = 0; i < v.size() && i < max_items; ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

std::string percent(double x) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", x * 100);
  return buf;
}

}  // namespace

std::vector<WhyPart> explain(const ScoreParts& p, const Weights& w) {
  std::vector<WhyPart> why;
  if (p.code > 0) why.push_back({"exact_code", w.code * p.code, p.code_detail});
  if (p.text > 0)
    why.push_back({"symptoms", w.text * p.text,
                   p.matched_words.empty() ? "text similarity" : "words matched: " + join(p.matched_words, ", ")});
  if (p.title > 0) why.push_back({"title", w.title * p.title, percent(p.title) + " of the query's words in the title"});
  if (p.phrase > 0)
    why.push_back({"phrase", w.phrase * p.phrase, percent(p.phrase) + " of the query's word pairs as written"});
  why.push_back({"authority", w.authority * p.authority, "source authority " + percent(p.authority)});
  if (p.focus < 1) why.push_back({"focus", w.focus * p.focus, p.focus <= kListingFocus ? "lists many codes"
                                                                                     : "general page, about no error"});
  if (p.votes > 0) why.push_back({"votes", w.votes * p.votes, "community votes"});
  if (p.freshness > 0) why.push_back({"freshness", w.freshness * p.freshness, "recently updated content"});
  if (p.feedback != 0) why.push_back({"feedback", w.feedback * p.feedback, p.feedback_detail});
  if (p.language > 0) why.push_back({"language", w.language * p.language, "in the query's language"});
  return why;
}

double votes_prior(int votes) {
  if (votes <= 0) return 0;
  return std::min(1.0, std::log1p(votes) / std::log1p(50));
}

double freshness_prior(std::string_view date_key, std::string_view today_key) {
  auto is_key = [](std::string_view k) {
    return k.size() == 8 && std::all_of(k.begin(), k.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!is_key(date_key) || !is_key(today_key)) return 0;
  auto number = [](std::string_view digits) {
    int v = 0;
    for (char c : digits) v = v * 10 + (c - '0');
    return v;
  };
  auto days = [&](std::string_view k) {
    return number(k.substr(0, 4)) * 365.25 + (number(k.substr(4, 2)) - 1) * 30.44 + number(k.substr(6, 2));
  };
  double age_years = (days(today_key) - days(date_key)) / 365.25;
  if (age_years <= 1) return 1;
  return std::max(0.0, 1 - (age_years - 1) / 4);
}

double feedback_prior(const FeedbackTally& t) {
  return std::tanh(t.resolved - 0.5 * t.not_resolved - t.not_relevant);
}

namespace {

// A word of at most 8 bytes as one integer: its bytes from the high end down, zeros after. Words hold
// no NUL byte, so two words have the same key only if they are the same word.
uint64_t packed_word(std::string_view word) {
  uint64_t key = 0;
  for (size_t i = 0; i < 8; ++i) key = (key << 8) | (i < word.size() ? static_cast<unsigned char>(word[i]) : 0);
  return key;
}

// Calls `emit` with each content word of `text`: lower-cased ASCII letters and digits, UTF-8 letters
// kept whole (crude prefix stemming), stop words and words under 3 bytes dropped, cut to 6 bytes.
// The view `emit` gets lives until it returns. No allocation: only a word's first 8 bytes are kept,
// enough for the stop words (at most 8 bytes) and the 6-byte cut.
template <typename Emit>
void for_each_content_word(std::string_view text, Emit&& emit) {
  // Packed (packed_word) and sorted: a lookup compares integers.
  static const std::vector<uint64_t> kStop = [] {
    std::vector<uint64_t> keys;
    for (std::string_view w :
         {"the", "and", "for", "are", "was", "with", "that", "this", "from", "you", "your", "not", "but", "can",
          "have", "has", "will", "when", "which", "into", "its", "their", "they", "there", "then", "been", "also",
          "una", "che", "per", "con", "del", "della", "non", "sono", "care", "pentru", "este", "sau", "din", "sunt",
          "что", "это", "как", "для", "при", "или", "если"})
      keys.push_back(packed_word(w));
    std::sort(keys.begin(), keys.end());
    return keys;
  }();
  char head[8];
  size_t length = 0;  // of the whole word; head holds its first 8 bytes
  auto flush = [&] {
    if (length >= 3) {
      const std::string_view word(head, std::min(length, sizeof head));
      if (length > sizeof head || !std::binary_search(kStop.begin(), kStop.end(), packed_word(word)))
        emit(word.substr(0, 6));
    }
    length = 0;
  };
  // Each byte's lower-case form, or 0 for a byte that ends a word: one lookup instead of four ranges.
  static const std::array<char, 256> kWordByte = [] {
    std::array<char, 256> table{};
    for (int c = 0; c < 256; ++c) {
      if (c >= 'A' && c <= 'Z') table[c] = static_cast<char>(c - 'A' + 'a');
      else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80) table[c] = static_cast<char>(c);
    }
    return table;
  }();
  for (char ch : text) {
    const char lower = kWordByte[static_cast<unsigned char>(ch)];
    if (lower == 0) {
      flush();
      continue;
    }
    if (length < sizeof head) head[length] = lower;
    ++length;
  }
  flush();
}

// The content words of a passage's texts as a sorted set of packed words (at most 6 bytes each), so
// that comparing two passages' words compares integers.
std::vector<uint64_t> content_word_keys(std::initializer_list<std::string_view> texts) {
  std::vector<uint64_t> out;
  for (std::string_view text : texts) for_each_content_word(text, [&](std::string_view w) { out.push_back(packed_word(w)); });
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

std::vector<std::string> content_words(const std::string& text) {
  std::vector<std::string> words;
  for_each_content_word(text, [&](std::string_view w) { words.emplace_back(w); });
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  return words;
}

namespace {

template <typename T>
double jaccard(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.empty() || b.empty()) return 0;
  size_t common = 0;
  // Without branches on the comparisons: which side moves is unpredictable, and a mispredicted branch
  // per step made this loop most of merge_causes' time.
  for (size_t i = 0, j = 0; i < a.size() && j < b.size();) {
    const T x = a[i], y = b[j];
    common += x == y;
    i += x <= y;
    j += y <= x;
  }
  return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

bool share_code(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (const auto& x : a)
    if (std::find(b.begin(), b.end(), x) != b.end()) return true;
  return false;
}

std::string cause_text(const Passage& p) {
  if (!p.cause.empty()) return p.cause;
  if (!p.heading.empty()) return p.heading;
  std::string text = p.body.empty() ? p.symptoms : p.body;
  if (text.size() > 400) {
    size_t cut = text.rfind(' ', 400);
    text = text.substr(0, cut == std::string::npos ? 400 : cut) + "…";
  }
  return text;
}

struct Cluster {
  std::vector<const ScoredPassage*> members;
  std::vector<uint64_t> words;  // content_word_keys
  std::vector<std::string> codes;
  double score = 0;
};

void add_unique(std::vector<std::string>& into, const std::vector<std::string>& from) {
  for (const auto& s : from)
    if (!s.empty() && std::find(into.begin(), into.end(), s) == into.end()) into.push_back(s);
}

}  // namespace

std::vector<Cause> merge_causes(const std::vector<ScoredPassage>& passages, size_t limit, double answer_strength) {
  std::vector<const ScoredPassage*> order;
  for (const auto& p : passages) order.push_back(&p);
  std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->score > b->score; });

  std::vector<Cluster> clusters;
  for (const ScoredPassage* sp : order) {
    const Passage& p = sp->passage;
    std::vector<uint64_t> words =
        content_word_keys({p.heading, cause_text(p), p.resolutions.empty() ? std::string_view() : p.resolutions.front()});
    Cluster* home = nullptr;
    for (auto& c : clusters) {
      bool same_item = std::any_of(c.members.begin(), c.members.end(),
                                   [&](auto* m) { return m->passage.doc_id == p.doc_id; });
      if (same_item) continue;  // one source's distinct causes stay distinct
      bool codes_agree = (c.codes.empty() && sp->code_terms.empty()) || share_code(c.codes, sp->code_terms);
      double sim = jaccard(c.words, words);
      if ((codes_agree && sim >= 0.3) || sim >= 0.55) {
        home = &c;
        break;
      }
    }
    if (!home) {
      clusters.push_back({});
      home = &clusters.back();
      home->score = sp->score;
      home->words = words;
      home->codes = sp->code_terms;
    } else {
      // Each confirming source adds a little: agreement is evidence. Less and less: a dozen near-copies of
      // one templated page are not a dozen witnesses, and must not outweigh the one page about the problem.
      const double n = static_cast<double>(home->members.size());
      home->score += 0.1 * sp->score / ((1 + n) * (1 + n));
    }
    home->members.push_back(sp);
  }
  std::stable_sort(clusters.begin(), clusters.end(), [](auto& a, auto& b) { return a.score > b.score; });

  // Softmax over all clusters (not only the returned ones), so the returned confidences sum to <= 1.
  const double kTemperature = 0.2;
  double total = 0;
  double best = clusters.empty() ? 0 : clusters.front().score;
  for (auto& c : clusters) total += std::exp((c.score - best) / kTemperature);

  std::vector<Cause> causes;
  for (size_t i = 0; i < clusters.size() && causes.size() < limit; ++i) {
    const Cluster& c = clusters[i];
    const ScoredPassage& lead = *c.members.front();
    const Passage& p = lead.passage;
    Cause cause;
    cause.id = p.id;
    cause.title = p.heading.empty() ? p.title : p.heading;
    cause.cause = cause_text(p);
    cause.prevention = p.prevention;
    cause.language = p.language;
    cause.vendor = p.vendor;
    cause.product = p.product;
    cause.score = c.score;
    cause.confidence = answer_strength * std::exp((c.score - best) / kTemperature) / total;
    for (const ScoredPassage* m : c.members) {
      add_unique(cause.checks, m->passage.checks);
      add_unique(cause.resolutions, m->passage.resolutions);
      if (cause.prevention.empty()) cause.prevention = m->passage.prevention;
      cause.evidence.push_back({m->passage.id, m->passage.doc_id, std::string(to_string(m->passage.kind)),
                                m->passage.title, m->passage.url, m->snippet});
    }
    if (cause.resolutions.empty() && p.kind == SourceKind::kForum && !p.cause.empty()) cause.resolutions.push_back(p.cause);
    cause.catalogue_only = std::all_of(c.members.begin(), c.members.end(), [](const ScoredPassage* m) {
      return m->passage.kind == SourceKind::kCatalogue && m->passage.cause.empty();
    });
    cause.why = explain(lead.parts);
    if (c.members.size() > 1)
      cause.why.push_back({"confirmations", c.score - lead.score,
                           std::to_string(c.members.size() - 1) + " more source(s) describe the same cause"});
    causes.push_back(std::move(cause));
  }
  return causes;
}

namespace {

// When the best answer is a catalogue's meaning of the code, what the customer saw and did is what the KB
// lacks: the symptoms find articles and threads, and the agent can add the case to the KB.
NextQuestion ask_for_symptoms(const std::string& language) {
  std::string q = "Ask the customer what they were doing when the error appeared and what happens exactly (steps, "
                  "what changed recently).";
  if (language == "ro")
    q = "Întrebați clientul ce făcea când a apărut eroarea și ce se întâmplă exact (pași, ce s-a schimbat recent).";
  else if (language == "it")
    q = "Chiedete al cliente cosa stava facendo quando è comparso l'errore e cosa succede esattamente (passi, cosa è "
        "cambiato di recente).";
  else if (language == "ru")
    q = "Спросите клиента, что он делал, когда появилась ошибка, и что именно происходит (шаги, что недавно "
        "менялось).";
  return {q, "the KB knows what this code means but holds no known causes for it yet; the symptoms point to one", 1.0};
}

}  // namespace

std::vector<NextQuestion> next_questions(const std::vector<Cause>& causes, bool has_code, const std::string& language) {
  std::vector<NextQuestion> out;
  if (!causes.empty() && causes.front().catalogue_only) out.push_back(ask_for_symptoms(language));
  if (!has_code) {
    std::string q = "Ask the customer for the exact error code or the full error message (a screenshot helps).";
    if (language == "ro") q = "Cereți clientului codul exact al erorii sau mesajul complet (o captură de ecran ajută).";
    else if (language == "it") q = "Chiedete al cliente il codice di errore esatto o il messaggio completo (uno screenshot aiuta).";
    else if (language == "ru") q = "Попросите клиента сообщить точный код ошибки или полный текст сообщения (поможет скриншот).";
    out.push_back({q, "an exact code matches causes directly; without one the causes are ranked on symptoms only", 1.0});
  }
  size_t top = std::min<size_t>(causes.size(), 5);
  double mass = 0;
  for (size_t i = 0; i < top; ++i) mass += causes[i].confidence;
  if (top < 2 || mass <= 0) return out;

  // Which product is affected, when the top causes concern different products.
  std::vector<std::pair<std::string, double>> by_product;
  for (size_t i = 0; i < top; ++i) {
    const std::string& prod = causes[i].product.empty() ? causes[i].vendor : causes[i].product;
    if (prod.empty()) continue;
    auto it = std::find_if(by_product.begin(), by_product.end(), [&](auto& e) { return e.first == prod; });
    if (it == by_product.end()) by_product.push_back({prod, causes[i].confidence});
    else it->second += causes[i].confidence;
  }
  std::vector<NextQuestion> candidates;
  double product_mass = 0;
  for (const auto& e : by_product) product_mass += e.second;
  if (by_product.size() >= 2 && product_mass > 0) {
    double gini = 1;
    std::string names;
    for (size_t i = 0; i < by_product.size(); ++i) {
      double share = by_product[i].second / product_mass;
      gini -= share * share;
      names += (i ? (i + 1 == by_product.size() ? " or " : ", ") : "") + by_product[i].first;
    }
    double max_gini = 1 - 1.0 / static_cast<double>(by_product.size());
    candidates.push_back({"Which product or integration is affected: " + names + "?",
                          "the top causes concern different products",
                          max_gini > 0 ? std::clamp(gini / max_gini, 0.0, 1.0) * product_mass / mass : 0});
  }
  // Confirming one cause's check separates it from the rest: best when that cause holds about half the mass.
  for (size_t i = 0; i < top; ++i) {
    if (causes[i].checks.empty()) continue;
    double share = causes[i].confidence / mass;
    candidates.push_back({causes[i].checks.front(), "confirms or rules out: " + causes[i].title,
                          1 - std::fabs(2 * share - 1)});
  }
  std::stable_sort(candidates.begin(), candidates.end(), [](auto& a, auto& b) { return a.split > b.split; });
  for (auto& c : candidates) {
    if (out.size() >= 3) break;
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace errkb::rank
