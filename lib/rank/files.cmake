# Sources of the rank module (paths relative to lib/).
list(APPEND ERRKB_CORE_SOURCES rank/ranking.cc rank/phrases.cc rank/calibration.cc rank/reply.cc rank/answer.cc)
