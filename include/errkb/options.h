// The settings of an Engine (engine.h), each with its default. errkb-server's configuration embeds
// them (server/config.h), so each default is written once, here.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>

namespace errkb {

class FeedbackStore;

struct EngineOptions {
  std::filesystem::path index_dir;    // the live index path (as given to the indexer)
  FeedbackStore* feedback = nullptr;  // optional; not owned; used by diagnose() ranking
  // lookup_code() results (catalogue entries and top causes) kept per code reading for the open index
  // revision: they depend on nothing else. 0 = computed every time.
  size_t code_cache_readings = 4096;
  // Spelling suggestions kept per word for the open index revision (the spelling table's search is the
  // dearest part of analysing a query with an unknown word). 0 = looked up every time.
  size_t spelling_memo_words = 8192;
  // Postings one prose query may read while matching (store/scan_plan.h), which bounds the time of a
  // query of common words: within it a query is exact BM25 over every passage it matches (always, on a
  // KB of some thousands of passages); beyond it, its rarer words choose the candidates, or a spread
  // sample of the index does. 0 = no limit.
  uint64_t prose_scan_budget = 60'000;
  // How long a thread's handle trusts that the index has not changed before it looks again (a stat of
  // the stub and a read of the revision, per query when 0). invalidate() makes every handle look at
  // its next query whatever the interval; the server calls it when its watcher sees a change.
  std::chrono::milliseconds change_check_interval{0};
  // Ranking reads every candidate's rank record (schema slot 20). When true, a background thread loads
  // the records of each index revision into memory (some 100 bytes a passage) and queries read them
  // there once it is done; when false, always from the index.
  bool rank_records_in_memory = true;
  // Memory for bitsets of the commonest prose words' posting lists (store/common_terms.h), loaded in the
  // background like the rank records: ranking then tests whether a candidate contains such a word
  // instead of skipping through its long posting list. 0 = none.
  size_t common_term_bits_bytes = size_t{32} << 20;
  uint64_t common_term_min_postings = 10'000;  // words in fewer passages keep their posting lists
  // Memory for every prose word's posting list, the long code lists and the filters' passages
  // (store/postings_in_memory.h), loaded in the background like the rank records: queries are then
  // matched there instead of through Xapian's B-tree reads (a few hundred bytes a passage). An index
  // whose lists need more keeps matching through Xapian. 0 = off.
  size_t prose_postings_bytes = size_t{1} << 30;
  // diagnose(): the calibrated confidence of the top cause from which it is an answer (Diagnosis::answered;
  // below it, no_answer), and how evenly a next question's answer must split the top causes to be asked.
  // Negative = the fitted defaults (rank/calibration_fit.h, rank::kDefaultQuestionMinSplit).
  double answer_threshold = -1;
  double question_min_split = -1;

  friend bool operator==(const EngineOptions&, const EngineOptions&) = default;
};

}  // namespace errkb
