#include "json_mapping.h"

namespace errkb::server {

using nlohmann::json;

json to_json(const IndexInfo& i) {
  return {{"path", i.path},
          {"revision", i.revision},
          {"documents", i.documents},
          {"schema_version", i.schema_version},
          {"reopen_count", i.reopen_count},
          {"warm", i.warm},
          {"tables_source", i.tables_source}};
}

json to_json(const IndexProgress& p) {
  return {{"files_done", p.files_done},
          {"files_total", p.files_total},
          {"passages_written", p.passages_written},
          {"current", p.current}};
}

json to_json(const UpdateReport& r) {
  json errors = json::array();
  for (const auto& e : r.errors)
    errors.push_back({{"path", e.path}, {"line", e.line}, {"message", e.message}});
  return {
      {"files_seen", r.files_seen},
      {"files_skipped", r.files_skipped},
      {"items_added", r.items_added},
      {"items_updated", r.items_updated},
      {"items_removed", r.items_removed},
      {"items_unchanged", r.items_unchanged},
      {"items_kept_after_error", r.items_kept_after_error},
      {"files_rejected", r.files_rejected},
      {"passages_written", r.passages_written},
      {"errors", std::move(errors)},
      {"elapsed_ms", r.elapsed.count()},
      {"revision", r.revision},
  };
}

json gaps_to_json(const std::vector<Gap>& gaps) {
  json queries = json::array(), causes = json::array();
  for (const auto& g : gaps) {
    if (g.cause_id.empty()) {
      queries.push_back({{"query", g.query},
                         {"count", g.count},
                         {"best_confidence", g.best_confidence},
                         {"reason", g.reason}});
    } else {
      causes.push_back(
          {{"cause_id", g.cause_id}, {"count", g.count}, {"last_query", g.query}, {"reason", g.reason}});
    }
  }
  return {{"queries", std::move(queries)}, {"causes", std::move(causes)}};
}

std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace errkb::server
