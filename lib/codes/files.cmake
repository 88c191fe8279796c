# Sources of the codes module (paths relative to lib/).
list(APPEND ERRKB_CORE_SOURCES
  codes/tables.cc
  codes/readings.cc
  codes/grammar.cc
  codes/taught_catalogue.cc
  codes/scanner/tokens.cc
  codes/scanner/words.cc
  codes/scanner/numbers.cc
  codes/scanner/dotted.cc
  codes/scanner/hex.cc
  codes/scanner/letter_codes.cc
  codes/scanner/context.cc)
