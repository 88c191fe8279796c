# Sources of the text module (paths relative to lib/).
list(APPEND ERRKB_CORE_SOURCES text/text.cc)
