// The JSON shapes of the API, in one place: the hot responses (search, diagnose, code lookup) written
// straight to text, the others (index info, jobs, gaps) through nlohmann::json. The OpenAPI document
// (openapi.json) describes exactly these shapes.
#pragma once

#include <nlohmann/json.hpp>

#include "errkb/engine.h"
#include "errkb/feedback.h"
#include "errkb/indexer.h"

namespace errkb::server {

nlohmann::json to_json(const IndexInfo& info);
nlohmann::json to_json(const IndexProgress& progress);
nlohmann::json to_json(const UpdateReport& report);
nlohmann::json gaps_to_json(const std::vector<Gap>& gaps);  // {"queries":[...], "causes":[...]}

// Serialises for the wire; invalid UTF-8 from indexed text is replaced, never thrown on.
std::string dump(const nlohmann::json& value);

}  // namespace errkb::server

namespace errkb::server {

// The hot responses written straight to text, without building a json tree first: the same bytes as
// dumping the equivalent nlohmann::json (keys in sorted order, nlohmann's number format, the same
// escaping and replacement of invalid UTF-8; tests/server/json_mapping_test.cc builds that tree and
// compares), at a fraction of the cost. Facets are {"kind":[{"value","count"}...], ...}, by count.
std::string to_json_text(const SearchResponse& response);
std::string to_json_text(const Diagnosis& diagnosis);
std::string to_json_text(const CodeLookup& lookup);

}  // namespace errkb::server
