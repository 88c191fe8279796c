# Sources of the codes module (paths relative to lib/).
list(APPEND ERRKB_CORE_SOURCES
  codes/tables.cc
  codes/readings.cc
  codes/grammar.cc
  codes/scanner.cc)
