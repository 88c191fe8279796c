#include <nlohmann/json.hpp>

#include "errkb/codes.h"

namespace errkb {

// Keys keep their order (ordered_json) so that the JSON reads like err.exe's output.
std::string codes_to_json(const std::vector<CodeOccurrence>& occurrences, int indent) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& o : occurrences) {
    nlohmann::ordered_json occ;
    occ["raw"] = o.raw;
    occ["span"] = {o.begin, o.end};
    nlohmann::ordered_json readings = nlohmann::ordered_json::array();
    for (const auto& r : o.interpretations) {
      nlohmann::ordered_json j;
      j["family"] = r.family;
      j["ns"] = r.ns;
      j["canonical"] = r.canonical;
      j["name"] = r.name;
      j["value"] = r.value ? nlohmann::ordered_json(*r.value) : nlohmann::ordered_json(nullptr);
      nlohmann::ordered_json parts = nlohmann::ordered_json::object();
      for (const auto& [k, v] : r.parts) parts[k] = v;
      j["parts"] = std::move(parts);
      j["message"] = r.message;
      j["confidence"] = r.confidence;
      j["certain"] = r.certain;
      readings.push_back(std::move(j));
    }
    occ["interpretations"] = std::move(readings);
    out.push_back(std::move(occ));
  }
  // Text from users may hold invalid UTF-8: replace rather than throw.
  return out.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace errkb
