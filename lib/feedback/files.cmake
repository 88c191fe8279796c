# Sources of the feedback module (paths relative to lib/).
list(APPEND ERRKB_CORE_SOURCES feedback/feedback_rules.cc feedback/feedback_store.cc feedback/feedback_postgres.cc
  feedback/backup.cc)
