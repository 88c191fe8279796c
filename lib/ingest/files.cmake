# Sources of the ingest module (paths relative to lib/).
list(APPEND ERRKB_CORE_SOURCES
  ingest/util.cc
  ingest/kb_files.cc
  ingest/front_matter.cc
  ingest/sections.cc
  ingest/markdown.cc
  ingest/html.cc
  ingest/text_article.cc
  ingest/forum_thread.cc
  ingest/forum_jsonl.cc
  ingest/stackexchange.cc
  ingest/catalogue_entry.cc
  ingest/catalogue_json.cc
  ingest/catalogue_csv.cc
  ingest/catalogue_xml.cc
  ingest/synonyms.cc)
