# Sources of the store module (paths relative to lib/): the only code that includes <xapian.h>.
list(APPEND ERRKB_CORE_SOURCES
  store/index_dir.cc
  store/stopwords.cc
  store/prose_terms.cc
  store/documents.cc
  store/passage_file.cc
  store/catalogue_codes.cc
  store/update.cc
  store/backup.cc
  store/replica.cc
  store/scan_plan.cc
  store/spelling.cc
  store/common_terms.cc
  store/postings_in_memory.cc
  store/snippet.cc
  store/cause_level.cc
  store/generation.cc
  store/query_analysis.cc
  store/match/matched_terms.cc
  store/match/xapian_pass.cc
  store/match/memory_pass.cc
  store/match/candidates.cc
  store/answers.cc
  store/engine.cc
)
