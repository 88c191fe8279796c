#include "json_mapping.h"

#include <algorithm>

namespace errkb::server {

using nlohmann::json;

json to_json(const CodeInterpretation& c) {
  json parts = json::object();
  for (const auto& [name, value] : c.parts) parts[name] = value;
  return {
      {"family", c.family},
      {"namespace", c.ns},
      {"canonical", c.canonical},
      {"name", c.name},
      {"value", c.value ? json(*c.value) : json(nullptr)},
      {"parts", std::move(parts)},
      {"message", c.message},
      {"confidence", c.confidence},
      {"certain", c.certain},
  };
}

json to_json(const CodeOccurrence& o) {
  json interpretations = json::array();
  for (const auto& i : o.interpretations) interpretations.push_back(to_json(i));
  return {{"raw", o.raw}, {"begin", o.begin}, {"end", o.end}, {"interpretations", std::move(interpretations)}};
}

json to_json(const Hit& h) {
  return {
      {"id", h.id},         {"doc_id", h.doc_id},     {"kind", h.kind},         {"title", h.title},
      {"heading", h.heading}, {"url", h.url},         {"snippet", h.snippet},   {"score", h.score},
      {"language", h.language}, {"vendor", h.vendor}, {"product", h.product},   {"severity", h.severity},
      {"codes", h.codes},
  };
}

json facets_to_json(const Facets& facets) {
  json out = json::object();
  for (const auto& [name, counts] : facets) {
    std::vector<std::pair<std::string, int64_t>> sorted(counts.begin(), counts.end());
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    json values = json::array();
    for (const auto& [value, count] : sorted) values.push_back({{"value", value}, {"count", count}});
    out[name] = std::move(values);
  }
  return out;
}

template <typename T>
json array_of(const std::vector<T>& items) {
  json out = json::array();
  for (const auto& item : items) out.push_back(to_json(item));
  return out;
}

json to_json(const SearchResponse& r) {
  return {
      {"total", r.total},         {"hits", array_of(r.hits)}, {"facets", facets_to_json(r.facets)},
      {"codes", array_of(r.codes)}, {"suggestion", r.suggestion}, {"language", r.language},
  };
}

json to_json(const Evidence& e) {
  return {{"passage_id", e.passage_id}, {"doc_id", e.doc_id}, {"kind", e.kind},
          {"title", e.title},           {"url", e.url},       {"snippet", e.snippet}};
}

json to_json(const Cause& c) {
  json why = json::array();
  for (const auto& w : c.why) why.push_back({{"factor", w.factor}, {"value", w.value}, {"detail", w.detail}});
  return {
      {"id", c.id},
      {"title", c.title},
      {"cause", c.cause},
      {"checks", c.checks},
      {"resolutions", c.resolutions},
      {"prevention", c.prevention},
      {"confidence", c.confidence},
      {"score", c.score},
      {"evidence", array_of(c.evidence)},
      {"why", std::move(why)},
      {"language", c.language},
      {"vendor", c.vendor},
      {"product", c.product},
  };
}

json to_json(const NextQuestion& q) { return {{"question", q.question}, {"reason", q.reason}, {"split", q.split}}; }

json to_json(const Diagnosis& d) {
  return {
      {"diagnosis_id", d.diagnosis_id}, {"codes", array_of(d.codes)}, {"causes", array_of(d.causes)},
      {"ask", array_of(d.ask)},         {"language", d.language},
  };
}

json to_json(const CodeLookup& l) {
  json causes = json::object();
  for (const auto& [canonical, list] : l.causes) causes[canonical] = array_of(list);
  return {
      {"code", l.code},
      {"interpretations", array_of(l.interpretations)},
      {"catalogue_entries", array_of(l.catalogue_entries)},
      {"causes", std::move(causes)},
  };
}

json to_json(const IndexInfo& i) {
  return {{"path", i.path},
          {"revision", i.revision},
          {"documents", i.documents},
          {"schema_version", i.schema_version},
          {"reopen_count", i.reopen_count}};
}

json to_json(const IndexProgress& p) {
  return {{"files_done", p.files_done},
          {"files_total", p.files_total},
          {"passages_written", p.passages_written},
          {"current", p.current}};
}

json to_json(const UpdateReport& r) {
  json errors = json::array();
  for (const auto& e : r.errors) errors.push_back({{"path", e.path}, {"line", e.line}, {"message", e.message}});
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
      queries.push_back({{"query", g.query}, {"count", g.count}, {"best_confidence", g.best_confidence},
                         {"reason", g.reason}});
    } else {
      causes.push_back({{"cause_id", g.cause_id}, {"count", g.count}, {"last_query", g.query}, {"reason", g.reason}});
    }
  }
  return {{"queries", std::move(queries)}, {"causes", std::move(causes)}};
}

std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace errkb::server
