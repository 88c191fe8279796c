// The JSON shapes of the engine's answers, as the HTTP API sends them and `errkb-indexer explain`
// prints them: one serialiser for every program. Written straight to text, without building a json
// tree first: the same bytes as dumping the equivalent nlohmann::json (keys in sorted order,
// nlohmann's number format, the same escaping and replacement of invalid UTF-8;
// tests/server/json_mapping_test.cc builds that tree and compares). server/openapi.json describes
// these shapes. Facets are {"kind":[{"value","count"}...], ...}, by count.
#pragma once

#include <string>
#include <vector>

#include "errkb/codes.h"
#include "errkb/engine.h"

namespace errkb {

std::string to_json_text(const SearchResponse& response);
std::string to_json_text(const Diagnosis& diagnosis);
std::string to_json_text(const CodeLookup& lookup);

// The codes found in a text, as the `codes` of /v1/search and /v1/diagnose: an array of
// {"raw","begin","end","interpretations"}. `indent` >= 0 pretty-prints with that many spaces.
std::string codes_to_json(const std::vector<CodeOccurrence>& occurrences, int indent = -1);

}  // namespace errkb
