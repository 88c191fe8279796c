// The JSON shapes of the API, in one place: the hot responses (search, diagnose, code lookup) written
// straight to text by the engine's serialiser (errkb/api_json.h, shared with errkb-indexer), the
// others (index info, jobs, gaps) through nlohmann::json. The OpenAPI document (openapi.json)
// describes exactly these shapes.
#pragma once

#include <nlohmann/json.hpp>

#include "errkb/api_json.h"
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
