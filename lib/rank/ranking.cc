#include "rank/ranking.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "rank/phrases.h"

namespace errkb::rank {

double combine(const ScoreParts& p, const Weights& w) {
  return w.code * p.code + w.text * text_match(p.coverage, p.relative) + w.title * p.title +
         w.phrase * p.phrase + w.authority * p.authority + w.focus * p.focus + w.votes * p.votes +
         w.freshness * p.freshness + w.feedback * p.feedback + w.language * p.language;
}

double code_match(double confidence, CodeHold hold) {
  switch (hold) {
    case CodeHold::kAbout:
      return confidence;
    case CodeHold::kDeclared:
      return kDeclaredCodeFactor * confidence;
    case CodeHold::kMention:
      return kCodeMentionFactor * confidence;
    case CodeHold::kWeak:
      return kWeakCodeFactor * confidence;
    case CodeHold::kNone:
      break;
  }
  return 0;
}

double text_match(double coverage, double relative_weight) {
  return kCoverageWeight * coverage + kRelativeWeight * std::min(1.0, relative_weight);
}

double answer_strength(double code, double coverage) {
  return std::max(code, std::pow(std::min(1.0, coverage * 1.1), 1.5));
}

double focus_prior(const Passage& p, size_t primary_codes, size_t codes) {
  if (codes >= kListingCodes) return kListingFocus;
  if (p.kind != SourceKind::kArticle || primary_codes > 0) return 1;
  // Symptoms are left out: a page's lead stands for them when it has no such section (ingest).
  const bool structured = !p.cause.empty() || !p.resolutions.empty() || !p.checks.empty();
  return structured ? 1 : kGeneralFocus;
}

std::string join(const std::vector<std::string>& v, const char* sep, size_t max_items) {
  std::string out;
  for (size_t i = 0; i < v.size() && i < max_items; ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

namespace {

std::string percent(double x) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", x * 100);
  return buf;
}

}  // namespace

std::vector<WhyPart> explain(const ScoreParts& p, const Weights& w) {
  std::vector<WhyPart> why;
  if (p.code > 0) why.push_back({"exact_code", w.code * p.code, p.code_detail});
  if (p.coverage > 0)
    why.push_back(
        {"symptoms", w.text * kCoverageWeight * p.coverage,
         p.matched_words.empty() ? "text similarity" : "words matched: " + join(p.matched_words, ", ")});
  if (p.relative > 0)
    why.push_back({"word_weight", w.text * kRelativeWeight * std::min(1.0, p.relative),
                   "BM25 weight " + percent(std::min(1.0, p.relative)) + " of the best candidate's"});
  if (p.title > 0)
    why.push_back({"title", w.title * p.title, percent(p.title) + " of the query's words in the title"});
  if (p.phrase > 0)
    why.push_back(
        {"phrase", w.phrase * p.phrase, percent(p.phrase) + " of the query's word pairs as written"});
  why.push_back({"authority", w.authority * p.authority, "source authority " + percent(p.authority)});
  if (p.focus < 1)
    why.push_back({"focus", w.focus * p.focus,
                   p.focus <= kListingFocus ? "lists many codes" : "general page, about no error"});
  if (p.votes > 0) why.push_back({"votes", w.votes * p.votes, "community votes"});
  if (p.freshness > 0) why.push_back({"freshness", w.freshness * p.freshness, "recently updated content"});
  if (p.feedback != 0) why.push_back({"feedback", w.feedback * p.feedback, p.feedback_detail});
  if (p.language > 0) why.push_back({"language", w.language * p.language, "in the query's language"});
  return why;
}

double why_part(const Cause& cause, std::string_view factor, double weight) {
  for (const auto& w : cause.why)
    if (w.factor == factor) return weight > 0 ? w.value / weight : w.value;
  return 0;
}

double coverage_of(const Cause& cause) {
  return why_part(cause, "symptoms", Weights{}.text * kCoverageWeight);
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
  for (size_t i = 0; i < 8; ++i)
    key = (key << 8) | (i < word.size() ? static_cast<unsigned char>(word[i]) : 0);
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
         {"the",    "and",  "for",  "are", "was",  "with", "that",  "this", "from",  "you",   "your", "not",
          "but",    "can",  "have", "has", "will", "when", "which", "into", "its",   "their", "they", "there",
          "then",   "been", "also", "una", "che",  "per",  "con",   "del",  "della", "non",   "sono", "care",
          "pentru", "este", "sau",  "din", "sunt", "что",  "это",   "как",  "для",   "при",   "или",  "если"})
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
      if (c >= 'A' && c <= 'Z')
        table[c] = static_cast<char>(c - 'A' + 'a');
      else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80)
        table[c] = static_cast<char>(c);
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
  for (std::string_view text : texts)
    for_each_content_word(text, [&](std::string_view w) { out.push_back(packed_word(w)); });
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

// Whether the Jaccard similarity of the sorted sets a and b reaches `at_least`. It is at most
// min(|a|, |b|) / max(|a|, |b|): two sets of very different sizes are told apart without a walk, and
// most pairs of a query's candidates are.
template <typename T>
bool jaccard_reaches(const std::vector<T>& a, const std::vector<T>& b, double at_least) {
  if (a.empty() || b.empty()) return false;
  if (static_cast<double>(std::min(a.size(), b.size())) / static_cast<double>(std::max(a.size(), b.size())) <
      at_least)
    return false;
  size_t common = 0;
  // Without branches on the comparisons: which side moves is unpredictable, and a mispredicted branch
  // per step made this loop most of merge_causes' time.
  for (size_t i = 0, j = 0; i < a.size() && j < b.size();) {
    const T x = a[i], y = b[j];
    common += x == y;
    i += x <= y;
    j += y <= x;
  }
  return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common) >= at_least;
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
  double lift = 0;  // added to come before a catalogue's meaning of the same code
};

void add_unique(std::vector<std::string>& into, const std::vector<std::string>& from) {
  for (const auto& s : from)
    if (!s.empty() && std::find(into.begin(), into.end(), s) == into.end()) into.push_back(s);
}

}  // namespace

namespace {

// A passage's place in its article: n of "<doc_id>#n" (0 when the id has no such number).
int article_position(const Passage& p) {
  const size_t hash = p.id.rfind('#');
  if (hash == std::string::npos) return 0;
  int n = 0;
  for (size_t i = hash + 1; i < p.id.size(); ++i) {
    if (p.id[i] < '0' || p.id[i] > '9') return 0;
    n = n * 10 + (p.id[i] - '0');
  }
  return n;
}

// What chooses among one article's causes: the query's words in the cause's own text and agents' feedback.
double cause_preference(const ScoredPassage& sp, const Weights& w = {}) {
  return sp.own_match + w.feedback * sp.parts.feedback;
}

// Better first among the causes of one article (merge_causes).
bool before_sibling(const ScoredPassage* a, const ScoredPassage* b) {
  const double pa = cause_preference(*a), pb = cause_preference(*b);
  if (std::fabs(pa - pb) > 1e-9) return pa > pb;
  if (a->generic_cause != b->generic_cause) return b->generic_cause;
  return article_position(a->passage) < article_position(b->passage);
}

// The passages best first, each with the score it ranks by: an article's causes ordered by
// before_sibling and given the article's scores in that order.
std::vector<std::pair<const ScoredPassage*, double>> rank_passages(
    const std::vector<ScoredPassage>& passages) {
  std::unordered_map<std::string_view, std::vector<const ScoredPassage*>> by_doc;
  for (const auto& p : passages) by_doc[p.passage.doc_id].push_back(&p);
  std::unordered_map<const ScoredPassage*, double> ranked_score;
  for (auto& [doc, members] : by_doc) {
    std::vector<double> scores;
    for (const ScoredPassage* m : members) scores.push_back(m->score);
    std::sort(scores.begin(), scores.end(), std::greater<>());
    std::stable_sort(members.begin(), members.end(), before_sibling);
    for (size_t i = 0; i < members.size(); ++i) ranked_score[members[i]] = scores[i];
  }
  std::vector<std::pair<const ScoredPassage*, double>> order;
  order.reserve(passages.size());
  for (const auto& p : passages) order.emplace_back(&p, ranked_score[&p]);
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    if (a.second != b.second) return a.second > b.second;
    if (a.first->passage.doc_id == b.first->passage.doc_id) return before_sibling(a.first, b.first);
    return false;
  });
  return order;
}

bool is_meaning_only(const Cluster& c) {
  return std::all_of(c.members.begin(), c.members.end(), [](const ScoredPassage* m) {
    return m->passage.kind == SourceKind::kCatalogue && m->passage.cause.empty();
  });
}

// A catalogue line without causes gives a code's meaning, not a cause of it. A source that explains a
// cause of the same code comes before it when it scores as well but for how firmly it holds the code (a
// mention against the catalogue's declaration), and takes its score: the meaning stays, as evidence
// after the causes, and is the answer only when nothing richer holds the code.
void put_causes_before_meanings(std::vector<Cluster>& clusters) {
  const double margin = Weights{}.code * (kDeclaredCodeFactor - kCodeMentionFactor);
  for (size_t i = 0; i < clusters.size(); ++i) {
    if (!is_meaning_only(clusters[i])) continue;
    for (size_t j = i + 1; j < clusters.size() && clusters[j].score >= clusters[i].score - margin; ++j) {
      if (is_meaning_only(clusters[j]) || !share_code(clusters[i].codes, clusters[j].codes)) continue;
      clusters[j].lift = clusters[i].score - clusters[j].score;
      clusters[j].score = clusters[i].score;
      std::rotate(clusters.begin() + i, clusters.begin() + j, clusters.begin() + j + 1);
      break;
    }
  }
}

}  // namespace

std::vector<Cause> merge_causes(const std::vector<ScoredPassage>& passages, size_t limit,
                                double answer_strength) {
  const std::vector<std::pair<const ScoredPassage*, double>> order = rank_passages(passages);
  std::unordered_map<const ScoredPassage*, double> ranked_score(order.begin(), order.end());

  std::vector<Cluster> clusters;
  for (const auto& [sp, sp_score] : order) {
    const Passage& p = sp->passage;
    std::vector<uint64_t> words = content_word_keys(
        {p.heading, cause_text(p), p.resolutions.empty() ? std::string_view() : p.resolutions.front()});
    Cluster* home = nullptr;
    for (auto& c : clusters) {
      bool same_item = std::any_of(c.members.begin(), c.members.end(),
                                   [&](auto* m) { return m->passage.doc_id == p.doc_id; });
      if (same_item) continue;  // one source's distinct causes stay distinct
      bool codes_agree = (c.codes.empty() && sp->code_terms.empty()) || share_code(c.codes, sp->code_terms);
      if (jaccard_reaches(c.words, words, codes_agree ? 0.3 : 0.55)) {
        home = &c;
        break;
      }
    }
    if (!home) {
      clusters.push_back({});
      home = &clusters.back();
      home->score = sp_score;
      home->words = words;
      home->codes = sp->code_terms;
    } else if (share_code(home->codes, sp->code_terms)) {
      // Each confirming source adds a little: agreement on a code is evidence. Less and less: a dozen
      // near-copies of one templated page are not a dozen witnesses, and must not outweigh the one page
      // about the problem. Sources without a code agree only in the words that ranked each of them
      // already: they are grouped, but their agreement is not counted again (a reference page and its
      // sibling pages are not witnesses of one cause).
      const double n = static_cast<double>(home->members.size());
      home->score += 0.1 * sp_score / ((1 + n) * (1 + n));
    }
    home->members.push_back(sp);
  }
  std::stable_sort(clusters.begin(), clusters.end(), [](auto& a, auto& b) { return a.score > b.score; });
  put_causes_before_meanings(clusters);

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
    cause.title = lead.cause_title.empty() ? (p.heading.empty() ? p.title : p.heading) : lead.cause_title;
    cause.number = lead.cause_number;
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
    if (cause.resolutions.empty() && p.kind == SourceKind::kForum && !p.cause.empty())
      cause.resolutions.push_back(p.cause);
    cause.catalogue_only = is_meaning_only(c);
    cause.codes = lead.code_terms;
    cause.why = explain(lead.parts);
    if (c.lift > 0)
      cause.why.push_back(
          {"before_meaning", c.lift, "a cause of the code, put before its catalogue meaning"});
    const double lead_score = ranked_score[&lead];
    if (std::fabs(lead_score - lead.score) > 1e-12)
      cause.why.push_back({"cause_order", lead_score - lead.score,
                           lead.own_words.empty()
                               ? "placed among its article's causes in the article's order"
                               : "placed among its article's causes by the query's words in its "
                                 "own text: " +
                                     join(lead.own_words, ", ")});
    if (c.members.size() > 1)
      cause.why.push_back({"confirmations", c.score - c.lift - lead_score,
                           std::to_string(c.members.size() - 1) + " more source(s) describe the same cause"});
    causes.push_back(std::move(cause));
  }
  return causes;
}

bool prefer_language(std::vector<Cause>& causes, const std::string& language) {
  if (causes.empty() || language.empty()) return false;
  const Cause& top = causes.front();
  const double best = top.score;
  const bool any =
      std::any_of(causes.begin(), causes.end(), [&](const Cause& c) { return c.language == language; });
  // The same kind of source as the best cause: another language's version of the article, not a forum
  // thread or a catalogue line standing in for it.
  const std::string top_kind = top.evidence.empty() ? std::string() : top.evidence.front().kind;
  const bool code_matched = std::any_of(top.why.begin(), top.why.end(), [](const WhyPart& w) {
    return w.factor == "exact_code" && w.value > 0;
  });
  const double margin = language_margin(code_matched);
  const double top_coverage = coverage_of(top);
  std::stable_partition(causes.begin(), causes.end(), [&](const Cause& c) {
    const std::string kind = c.evidence.empty() ? std::string() : c.evidence.front().kind;
    return c.language == language && kind == top_kind && c.score >= best - margin &&
           coverage_of(c) >= top_coverage - kCoverageTie;
  });
  return any;
}

namespace {

// A KB sentence short enough to ask: its first sentence, cut at a word near 140 bytes, without the
// trailing full stop (the question adds its own mark).
std::string short_sentence(std::string_view text) {
  constexpr size_t kMaxBytes = 140;
  std::string_view line = text.substr(0, text.find('\n'));
  for (size_t i = 0; i + 1 < line.size(); ++i)
    if ((line[i] == '.' || line[i] == '!' || line[i] == '?') && line[i + 1] == ' ' && i >= 20) {
      line = line.substr(0, i + 1);
      break;
    }
  std::string out(line);
  if (out.size() > kMaxBytes) {
    size_t cut = out.rfind(' ', kMaxBytes);
    if (cut == std::string::npos || cut < kMaxBytes / 2) cut = kMaxBytes;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80)
      --cut;  // not inside a UTF-8 letter
    out = out.substr(0, cut) + "…";
  }
  while (!out.empty() && (out.back() == '.' || out.back() == ':' || out.back() == ' ' || out.back() == '?'))
    out.pop_back();
  return out;
}

// Two texts that say the same thing: the same content words.
std::string dedupe_key(const std::string& text) {
  std::string key;
  for (const auto& w : content_words(text)) (key += w) += ' ';
  return key;
}

std::vector<std::string> ids_except(const std::vector<const Cause*>& causes, const Cause* except) {
  std::vector<std::string> ids;
  for (const Cause* c : causes)
    if (c != except) ids.push_back(c->id);
  return ids;
}

// Which product is affected, when the top causes concern different products.
std::optional<NextQuestion> product_question(const std::vector<const Cause*>& top, double mass,
                                             const std::string& language) {
  std::vector<std::pair<std::string, double>> by_product;
  std::vector<std::vector<std::string>> ids;
  for (const Cause* c : top) {
    const std::string& product = c->product.empty() ? c->vendor : c->product;
    if (product.empty()) continue;
    auto it = std::find_if(by_product.begin(), by_product.end(), [&](auto& e) { return e.first == product; });
    if (it == by_product.end()) {
      by_product.push_back({product, c->confidence});
      ids.push_back({c->id});
    } else {
      it->second += c->confidence;
      ids[static_cast<size_t>(it - by_product.begin())].push_back(c->id);
    }
  }
  double product_mass = 0;
  for (const auto& e : by_product) product_mass += e.second;
  if (by_product.size() < 2 || product_mass <= 0) return std::nullopt;
  double gini = 1;
  std::string names;
  NextQuestion q;
  for (size_t i = 0; i < by_product.size(); ++i) {
    const double share = by_product[i].second / product_mass;
    gini -= share * share;
    if (i) names += i + 1 == by_product.size() ? phrase(Phrase::kOr, language) : ", ";
    names += by_product[i].first;
    q.answers.push_back({by_product[i].first, ids[i]});
  }
  const double max_gini = 1 - 1.0 / static_cast<double>(by_product.size());
  q.question = phrase(Phrase::kAskProduct, language, {{"products", names}});
  q.reason = phrase(Phrase::kAskProductReason, language);
  q.split = max_gini > 0 ? std::clamp(gini / max_gini, 0.0, 1.0) * product_mass / mass : 0;
  return q;
}

}  // namespace

std::vector<NextQuestion> next_questions(const std::vector<Cause>& causes, bool has_code,
                                         const std::string& language, double min_split) {
  std::vector<NextQuestion> out;
  if (!has_code)
    out.push_back({phrase(Phrase::kAskCode, language), phrase(Phrase::kAskCodeReason, language), 1.0, {}});
  if (!causes.empty() && causes.front().catalogue_only)
    out.push_back(
        {phrase(Phrase::kAskSymptoms, language), phrase(Phrase::kAskSymptomsReason, language), 1.0, {}});
  std::vector<const Cause*> top;
  double mass = 0;
  for (size_t i = 0; i < causes.size() && top.size() < 5; ++i) {
    top.push_back(&causes[i]);
    mass += causes[i].confidence;
  }
  if (top.size() < 2 || mass <= 0) return out;

  std::vector<NextQuestion> candidates;
  if (auto q = product_question(top, mass, language)) candidates.push_back(std::move(*q));
  // Confirming one cause separates it from the rest: best when that cause holds about half the mass. Its
  // first check not asked already, else the cause itself; the same check of several causes points to all.
  std::vector<std::string> asked;
  for (const Cause* c : top) {
    if (c->catalogue_only) continue;
    std::string subject, key;
    for (const auto& check : c->checks) {
      key = dedupe_key(short_sentence(check));
      if (!key.empty() && std::find(asked.begin(), asked.end(), key) == asked.end()) {
        subject = short_sentence(check);
        break;
      }
    }
    const bool by_check = !subject.empty();
    if (!by_check) {
      subject = short_sentence(c->title);
      key = dedupe_key(subject);
      if (key.empty() || std::find(asked.begin(), asked.end(), key) != asked.end()) continue;
    }
    asked.push_back(key);
    NextQuestion q;
    q.question = by_check ? phrase(Phrase::kAskCheck, language, {{"check", subject}})
                          : phrase(Phrase::kAskCause, language, {{"cause", subject}});
    q.reason = phrase(Phrase::kAskPointsTo, language, {{"cause", short_sentence(c->title)}});
    q.answers = {{phrase(Phrase::kYes, language), {c->id}},
                 {phrase(Phrase::kNo, language), ids_except(top, c)}};
    q.split = 1 - std::fabs(2 * c->confidence / mass - 1);
    candidates.push_back(std::move(q));
  }
  std::stable_sort(candidates.begin(), candidates.end(), [](auto& a, auto& b) { return a.split > b.split; });
  for (auto& c : candidates) {
    if (out.size() >= 3) break;
    if (c.split >= min_split) out.push_back(std::move(c));
  }
  return out;
}

}  // namespace errkb::rank
