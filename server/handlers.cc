#include "handlers.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <filesystem>
#include <initializer_list>
#include <set>

#include "api_errors.h"
#include "errkb/text.h"
#include "index_facts.h"
#include "json_mapping.h"

namespace errkb::server {
namespace {

using nlohmann::json;

constexpr size_t kMaxFilterBytes = 200;
constexpr size_t kMaxCodeBytes = 256;
constexpr size_t kMaxTextBytes = 64 * 1024;  // a pasted ticket or raw error payload
constexpr size_t kMaxSymptoms = 50;
constexpr size_t kMaxNoteBytes = 4096;
constexpr size_t kMaxIdBytes = 512;
constexpr int kMaxCausesPerDiagnosis = 20;
const std::set<std::string> kKinds = {"article", "forum", "catalogue"};

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(dump(body), "application/json");
}

void send_json_text(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "application/json");
}

bool is_language_code(std::string_view s) {
  return s.size() == 2 && s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z';
}

// Query-string parameters, checked one by one; the first problem is sent and later calls do
// nothing, so a handler reads all its parameters and then checks ok() once.
class QueryParams {
 public:
  QueryParams(const httplib::Request& req, httplib::Response& res,
              std::initializer_list<std::string_view> known)
      : req_(req), res_(res) {
    for (const auto& [name, value] : req.params) {
      if (std::find(known.begin(), known.end(), name) == known.end()) {
        fail(ApiError::unknown_parameter, "unknown parameter '" + name + "'", name);
        return;
      }
      if (req.get_param_value_count(name) > 1) {
        fail(ApiError::bad_parameter, "'" + name + "' is given more than once", name);
        return;
      }
    }
  }

  bool ok() const { return ok_; }

  std::string text(const std::string& name, size_t max_bytes, bool required = false) {
    if (!ok_) return {};
    std::string value = req_.get_param_value(name);
    if (required && collapse_whitespace(value).empty()) {
      fail(ApiError::bad_parameter, "'" + name + "' is required", name);
    } else if (value.size() > max_bytes) {
      fail(ApiError::bad_parameter,
           "'" + name + "' is " + std::to_string(value.size()) + " bytes; the limit is " +
               std::to_string(max_bytes),
           name);
    } else if (!is_valid_utf8(value)) {
      fail(ApiError::bad_parameter, "'" + name + "' is not valid UTF-8", name);
    }
    return value;
  }

  std::string language(const std::string& name) {
    std::string value = text(name, 8);
    if (ok_ && !value.empty() && !is_language_code(value)) {
      fail(ApiError::bad_parameter, "'" + name + "' must be an ISO 639-1 code such as en, ro, it, ru", name);
    }
    return value;
  }

  std::string one_of(const std::string& name, const std::set<std::string>& allowed) {
    std::string value = text(name, 64);
    if (ok_ && !value.empty() && !allowed.count(value)) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      fail(ApiError::bad_parameter, "'" + name + "' must be one of " + list, name);
    }
    return value;
  }

  int integer(const std::string& name, int fallback, int min, int max) {
    if (!ok_ || !req_.has_param(name)) return fallback;
    const std::string value = req_.get_param_value(name);
    int parsed = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
    if (ec != std::errc() || ptr != value.data() + value.size() || parsed < min || parsed > max) {
      fail(ApiError::bad_parameter,
           "'" + name + "' must be an integer from " + std::to_string(min) + " to " + std::to_string(max),
           name);
      return fallback;
    }
    return parsed;
  }

 private:
  void fail(ApiError error, const std::string& detail, const std::string& param) {
    ok_ = false;
    send_problem(res_, error, detail, param);
  }
  const httplib::Request& req_;
  httplib::Response& res_;
  bool ok_ = true;
};

// A JSON request body: Content-Type, syntax, an object, known fields, each field's type and size.
class JsonBody {
 public:
  // `allow_empty`: an empty body (with or without a Content-Type) reads as {}.
  JsonBody(const httplib::Request& req, httplib::Response& res, std::initializer_list<std::string_view> known,
           bool allow_empty = false)
      : res_(res) {
    if (req.body.empty() && allow_empty) {
      body_ = json::object();
      return;
    }
    if (!is_json_content_type(req.get_header_value("Content-Type"))) {
      fail(ApiError::unsupported_media_type,
           "send the body as Content-Type: application/json (got '" + req.get_header_value("Content-Type") +
               "')",
           "");
      return;
    }
    try {
      body_ = json::parse(req.body);
    } catch (const json::exception& e) {  // parse_error, and out_of_range for numbers like 1e400
      fail(ApiError::bad_json, e.what(), "");
      return;
    }
    if (!body_.is_object()) {
      fail(ApiError::bad_json, "the body must be a JSON object", "");
      return;
    }
    for (const auto& [name, value] : body_.items()) {
      if (std::find(known.begin(), known.end(), name) == known.end()) {
        fail(ApiError::unknown_parameter, "unknown field '" + name + "'", name);
        return;
      }
    }
  }

  bool ok() const { return ok_; }

  std::string text(const std::string& name, size_t max_bytes, bool required = false) {
    if (!ok_) return {};
    auto it = body_.find(name);
    if (it == body_.end() || it->is_null()) {
      if (required) fail(ApiError::bad_parameter, "'" + name + "' is required", name);
      return {};
    }
    if (!it->is_string()) {
      fail(ApiError::bad_parameter, "'" + name + "' must be a string", name);
      return {};
    }
    std::string value = it->get<std::string>();
    if (value.size() > max_bytes) {
      fail(ApiError::bad_parameter,
           "'" + name + "' is " + std::to_string(value.size()) + " bytes; the limit is " +
               std::to_string(max_bytes),
           name);
    } else if (required && value.empty()) {
      fail(ApiError::bad_parameter, "'" + name + "' must not be empty", name);
    }
    return value;
  }

  std::vector<std::string> text_list(const std::string& name, size_t max_items, size_t max_bytes) {
    std::vector<std::string> out;
    if (!ok_) return out;
    auto it = body_.find(name);
    if (it == body_.end() || it->is_null()) return out;
    if (!it->is_array() || it->size() > max_items) {
      fail(ApiError::bad_parameter,
           "'" + name + "' must be an array of at most " + std::to_string(max_items) + " strings", name);
      return out;
    }
    for (const auto& v : *it) {
      if (!v.is_string() || v.get_ref<const std::string&>().size() > max_bytes) {
        fail(ApiError::bad_parameter,
             "'" + name + "' must hold strings of at most " + std::to_string(max_bytes) + " bytes", name);
        return {};
      }
      out.push_back(v.get<std::string>());
    }
    return out;
  }

  bool boolean(const std::string& name, bool fallback) {
    if (!ok_) return fallback;
    auto it = body_.find(name);
    if (it == body_.end() || it->is_null()) return fallback;
    if (!it->is_boolean()) {
      fail(ApiError::bad_parameter, "'" + name + "' must be true or false", name);
      return fallback;
    }
    return it->get<bool>();
  }

  int integer(const std::string& name, int fallback, int min, int max) {
    if (!ok_) return fallback;
    auto it = body_.find(name);
    if (it == body_.end() || it->is_null()) return fallback;
    if (!it->is_number_integer() || it->get<int64_t>() < min || it->get<int64_t>() > max) {
      fail(ApiError::bad_parameter,
           "'" + name + "' must be an integer from " + std::to_string(min) + " to " + std::to_string(max),
           name);
      return fallback;
    }
    return static_cast<int>(it->get<int64_t>());
  }

  void fail(ApiError error, const std::string& detail, const std::string& param) {
    if (!ok_) return;
    ok_ = false;
    send_problem(res_, error, detail, param);
  }

 private:
  httplib::Response& res_;
  json body_;
  bool ok_ = true;
};

bool engine_ready(Services& s, httplib::Response& res) {
  if (s.engine) return true;
  res.set_header("Retry-After", "1");
  send_problem(res, ApiError::index_unavailable, "the index is not open");
  return false;
}

// What the feedback store keeps of a diagnosis: the best reading of each code (the canonical
// terms ranking compares), the symptom terms, the causes in order, and the request's words.
DiagnosisRecord diagnosis_record(const DiagnoseRequest& request, const Diagnosis& diagnosis) {
  DiagnosisRecord record;
  record.diagnosis_id = diagnosis.diagnosis_id;
  for (const auto& occurrence : diagnosis.codes) {
    if (!occurrence.interpretations.empty())
      record.code_terms.push_back(occurrence.interpretations.front().canonical);
  }
  record.symptom_terms = diagnosis.symptom_terms;
  for (const auto& cause : diagnosis.causes) record.cause_ids.push_back(cause.id);
  // A catalogue's meaning is no known cause: the gaps report lists the query ("no known causes").
  const bool known_cause = !diagnosis.causes.empty() && !diagnosis.causes.front().catalogue_only;
  record.top_confidence = known_cause ? diagnosis.causes.front().confidence : 0;
  record.answered = diagnosis.answered && known_cause;
  std::string query = request.code;
  if (!request.text.empty()) query += (query.empty() ? "" : " ") + request.text.substr(0, 512);
  for (const auto& symptom : request.symptoms) query += (query.empty() ? "" : "; ") + symptom;
  record.query_text = collapse_whitespace(query);
  return record;
}

double top_confidence(const Diagnosis& diagnosis) {
  return diagnosis.causes.empty() ? 0.0 : diagnosis.causes.front().confidence;
}

// When the open index was switched in and last changed, how long ago it changed, and its size.
std::string index_age_metrics(const IndexFolderFacts& facts) {
  std::string out;
  if (facts.built) {
    append_metric_header(out, "errkb_index_built_timestamp_seconds", "gauge",
                         "When the index's generation was switched in (Unix time).");
    append_sample(out, "errkb_index_built_timestamp_seconds", "", unix_seconds(*facts.built));
  }
  if (facts.changed) {
    const double changed = unix_seconds(*facts.changed);
    append_metric_header(out, "errkb_index_last_change_timestamp_seconds", "gauge",
                         "When the index last changed: its last commit or switch (Unix time).");
    append_sample(out, "errkb_index_last_change_timestamp_seconds", "", changed);
    append_metric_header(out, "errkb_index_age_seconds", "gauge", "Seconds since the index last changed.");
    append_sample(out, "errkb_index_age_seconds", "",
                  unix_seconds(std::chrono::system_clock::now()) - changed);
  }
  append_metric_header(out, "errkb_index_size_bytes", "gauge", "Bytes the index folder holds on disk.");
  append_sample(out, "errkb_index_size_bytes", "", static_cast<double>(facts.size_bytes));
  return out;
}

}  // namespace

bool is_json_content_type(std::string type) {
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type == "application/json" || (type.rfind("application/", 0) == 0 && type.size() > 5 &&
                                        type.compare(type.size() - 5, 5, "+json") == 0);
}

RequestLog& current_request_log() {
  thread_local RequestLog log;
  return log;
}

void get_search(Services& s, const httplib::Request& req, httplib::Response& res) {
  QueryParams p(req, res, {"q", "lang", "vendor", "product", "kind", "limit", "offset"});
  SearchRequest request;
  request.q = p.text("q", kMaxQueryBytes, /*required=*/true);
  request.lang = p.language("lang");
  request.vendor = p.text("vendor", kMaxFilterBytes);
  request.product = p.text("product", kMaxFilterBytes);
  request.kind = p.one_of("kind", kKinds);
  request.limit = p.integer("limit", 10, 1, kMaxLimit);
  request.offset = p.integer("offset", 0, 0, kMaxOffset);
  if (!p.ok() || !engine_ready(s, res)) return;
  auto result = s.engine->search(request);
  if (!result.ok()) return send_status_problem(res, result.status(), ApiError::index_unavailable, "q");
  if (result->total == 0 && s.feedback) {
    if (auto st = s.feedback->record_unanswered_search(request.q); !st.ok())
      spdlog::warn("gaps: {}", st.ToString());
  }
  current_request_log().result_count = static_cast<int64_t>(result->hits.size());
  send_json_text(res, 200, to_json_text(*result));
}

void get_code(Services& s, const httplib::Request& req, httplib::Response& res) {
  QueryParams p(req, res, {"vendor"});
  const std::string vendor = p.text("vendor", kMaxFilterBytes);
  const std::string code = req.matches.size() > 1 ? req.matches[1].str() : "";
  if (!p.ok()) return;
  if (code.size() > kMaxCodeBytes || !is_valid_utf8(code)) {
    return send_problem(res, ApiError::bad_parameter, "the code must be valid UTF-8 of at most 256 bytes",
                        "code");
  }
  if (!engine_ready(s, res)) return;
  auto result = s.engine->lookup_code(code, vendor);
  if (!result.ok()) return send_status_problem(res, result.status(), ApiError::code_not_found, "code");
  if (result->interpretations.empty() && result->catalogue_entries.empty()) {
    return send_problem(res, ApiError::code_not_found,
                        "'" + code + "' is not a code errkb can read, and no catalogue lists it", "code");
  }
  current_request_log().result_count = static_cast<int64_t>(result->catalogue_entries.size());
  send_json_text(res, 200, to_json_text(*result));
}

void post_diagnose(Services& s, const httplib::Request& req, httplib::Response& res) {
  JsonBody body(req, res, {"text", "code", "symptoms", "vendor", "product", "language", "limit", "reply"});
  DiagnoseRequest request;
  request.text = body.text("text", kMaxTextBytes);
  request.code = body.text("code", kMaxCodeBytes);
  request.symptoms = body.text_list("symptoms", kMaxSymptoms, kMaxFilterBytes);
  request.vendor = body.text("vendor", kMaxFilterBytes);
  request.product = body.text("product", kMaxFilterBytes);
  request.language = body.text("language", 8);
  request.limit = body.integer("limit", 5, 1, kMaxCausesPerDiagnosis);
  request.reply = body.boolean("reply", false);
  if (body.ok() && !request.language.empty() && !is_language_code(request.language)) {
    body.fail(ApiError::bad_parameter, "'language' must be an ISO 639-1 code such as en, ro, it, ru",
              "language");
  }
  if (body.ok() && collapse_whitespace(request.text).empty() && collapse_whitespace(request.code).empty() &&
      request.symptoms.empty()) {
    body.fail(ApiError::bad_parameter, "give at least one of 'text', 'code' or 'symptoms'", "text");
  }
  if (!body.ok() || !engine_ready(s, res)) return;
  auto result = s.engine->diagnose(request);
  if (!result.ok()) return send_status_problem(res, result.status(), ApiError::index_unavailable, "text");
  Diagnosis& diagnosis = *result;
  if (s.feedback) {
    // Without the record, feedback on this diagnosis would be refused; the answer itself is still good.
    // The status may be an earlier queued record's failure (FeedbackStore::record_diagnosis).
    if (auto st = s.feedback->record_diagnosis(diagnosis_record(request, diagnosis)); !st.ok()) {
      spdlog::error("recording diagnoses: {}", st.ToString());
    }
  }
  if (s.metrics) s.metrics->observe_diagnosis(diagnosis.answered, top_confidence(diagnosis));
  current_request_log().result_count = static_cast<int64_t>(diagnosis.causes.size());
  send_json_text(res, 200, to_json_text(diagnosis));
}

namespace {

// The feedback database is shared by the servers (a postgresql:// feedback_db) and cannot be reached
// now: nothing was stored, and the client may send the same request again.
void send_feedback_unavailable(httplib::Response& res, const Status& status) {
  spdlog::warn("feedback: {}", status.ToString());
  res.set_header("Retry-After", "1");
  send_problem(res, ApiError::feedback_unavailable, status.message());
}

}  // namespace

void post_feedback(Services& s, const httplib::Request& req, httplib::Response& res) {
  JsonBody body(req, res, {"diagnosis_id", "cause_id", "outcome", "note"});
  FeedbackEntry entry;
  entry.diagnosis_id = body.text("diagnosis_id", kMaxIdBytes, /*required=*/true);
  entry.cause_id = body.text("cause_id", kMaxIdBytes, /*required=*/true);
  const std::string outcome = body.text("outcome", 32, /*required=*/true);
  entry.note = body.text("note", kMaxNoteBytes);
  if (!body.ok()) return;
  const std::optional<FeedbackOutcome> parsed = parse_outcome(outcome);
  if (!parsed) {
    return send_problem(res, ApiError::bad_parameter,
                        "'outcome' must be resolved, not_resolved or not_relevant", "outcome");
  }
  entry.outcome = *parsed;
  if (!s.feedback) return send_problem(res, ApiError::internal, "no feedback store is open");
  bool replaced = false;
  Status status = s.feedback->record_feedback(entry, &replaced);
  if (status.code() == Status::Code::kNotFound) {
    return send_problem(res, ApiError::diagnosis_not_found, status.message(), "diagnosis_id");
  }
  if (status.code() == Status::Code::kUnavailable) return send_feedback_unavailable(res, status);
  if (!status.ok()) return send_status_problem(res, status, ApiError::diagnosis_not_found, "cause_id");
  if (s.metrics) s.metrics->observe_feedback(outcome_name(entry.outcome));
  current_request_log().result_count = 1;
  send_json(res, 201,
            {{"stored", true},
             {"diagnosis_id", entry.diagnosis_id},
             {"cause_id", entry.cause_id},
             {"outcome", outcome_name(entry.outcome)},
             {"replaced", replaced}});
}

void get_gaps(Services& s, const httplib::Request& req, httplib::Response& res) {
  QueryParams p(req, res, {"limit"});
  const int limit = p.integer("limit", 20, 1, kMaxLimit);
  if (!p.ok()) return;
  if (!s.feedback) return send_problem(res, ApiError::internal, "no feedback store is open");
  auto gaps = s.feedback->gaps(static_cast<size_t>(limit));
  if (gaps.status().code() == Status::Code::kUnavailable)
    return send_feedback_unavailable(res, gaps.status());
  if (!gaps.ok()) return send_status_problem(res, gaps.status(), ApiError::route_not_found);
  current_request_log().result_count = static_cast<int64_t>(gaps->size());
  send_json(res, 200, gaps_to_json(*gaps));
}

void get_healthz(Services&, const httplib::Request&, httplib::Response& res) {
  send_json(res, 200, {{"status", "ok"}});
}

void get_readyz(Services& s, const httplib::Request&, httplib::Response& res) {
  if (!engine_ready(s, res)) return;
  auto info = s.engine->info();
  if (!info.ok()) {
    res.set_header("Retry-After", "1");
    return send_problem(res, ApiError::index_unavailable, info.status().ToString());
  }
  json body = to_json(*info);
  body["status"] = "ready";
  send_json(res, 200, body);
}

void get_metrics(Services& s, const httplib::Request&, httplib::Response& res) {
  std::string out = s.metrics ? s.metrics->render() : std::string();
  out += build_info_metrics();
  out += process_metrics();
  if (s.engine) {
    if (auto info = s.engine->info(); info.ok()) {
      out += index_age_metrics(index_folder_facts(info->path));
      out += "# HELP errkb_index_documents Passages in the open index.\n# TYPE errkb_index_documents gauge\n";
      out += "errkb_index_documents " + std::to_string(info->documents) + "\n";
      out += "# HELP errkb_index_revision Revision of the open index.\n# TYPE errkb_index_revision gauge\n";
      out += "errkb_index_revision " + std::to_string(info->revision) + "\n";
      out += "# HELP errkb_index_reopens_total Times worker handles reopened the index.\n";
      out += "# TYPE errkb_index_reopens_total counter\n";
      out += "errkb_index_reopens_total " + std::to_string(info->reopen_count) + "\n";
      out +=
          "# HELP errkb_prose_postings_bytes Memory of the in-memory posting lists (prose, codes, "
          "filters).\n";
      out += "# TYPE errkb_prose_postings_bytes gauge\n";
      out += "errkb_prose_postings_bytes " + std::to_string(info->prose_postings_bytes) + "\n";
      out +=
          "# HELP errkb_engine_cache_lookups_total Lookups in the engine's per-index-revision caches, by "
          "result.\n";
      out += "# TYPE errkb_engine_cache_lookups_total counter\n";
      out += "# HELP errkb_engine_cache_entries Entries held in the engine's per-index-revision caches.\n";
      out += "# TYPE errkb_engine_cache_entries gauge\n";
      for (const auto& [name, stats] :
           {std::pair{"code_readings", info->code_cache}, std::pair{"spelling", info->spelling_memo}}) {
        out += fmt::format("errkb_engine_cache_lookups_total{{cache=\"{}\",result=\"hit\"}} {}\n", name,
                           stats.hits);
        out += fmt::format("errkb_engine_cache_lookups_total{{cache=\"{}\",result=\"miss\"}} {}\n", name,
                           stats.misses);
        out += fmt::format("errkb_engine_cache_entries{{cache=\"{}\"}} {}\n", name, stats.entries);
      }
    }
  }
  if (s.connections) {
    auto [open, refused] = s.connections();
    out += "# HELP errkb_http_open_connections Connections open now (at most max_connections).\n";
    out += "# TYPE errkb_http_open_connections gauge\n";
    out += "errkb_http_open_connections " + std::to_string(open) + "\n";
    out +=
        "# HELP errkb_http_refused_connections_total Connections closed at once: max_connections were "
        "open.\n";
    out += "# TYPE errkb_http_refused_connections_total counter\n";
    out += "errkb_http_refused_connections_total " + std::to_string(refused) + "\n";
  }
  if (s.invalidations) {
    out +=
        "# HELP errkb_index_changes_total Index changes noticed by the server (each makes workers reopen).\n";
    out += "# TYPE errkb_index_changes_total counter\n";
    out += "errkb_index_changes_total " + std::to_string(s.invalidations->load()) + "\n";
  }
  res.status = 200;
  res.set_content(out, "text/plain; version=0.0.4; charset=utf-8");
}

void get_jobs(Services& s, const httplib::Request& req, httplib::Response& res) {
  QueryParams p(req, res, {"limit"});
  const int limit = p.integer("limit", kMaxLimit, 1, kMaxLimit);
  if (!p.ok()) return;
  json jobs = json::array();
  if (s.jobs) {
    for (const auto& job : s.jobs->list()) {
      if (jobs.size() == static_cast<size_t>(limit)) break;
      jobs.push_back(to_json(job));
    }
  }
  current_request_log().result_count = static_cast<int64_t>(jobs.size());
  send_json(res, 200, {{"jobs", jobs}});
}

void post_reindex(Services& s, const httplib::Request& req, httplib::Response& res) {
  JsonBody body(req, res, {"mode"}, /*allow_empty=*/true);
  const std::string mode_text = body.text("mode", 16);
  if (!body.ok()) return;
  auto mode = parse_job_mode(mode_text.empty() ? "update" : mode_text);
  if (!mode) return send_problem(res, ApiError::bad_parameter, "'mode' must be update or rebuild", "mode");
  if (!s.jobs || !s.jobs->configured()) {
    return send_problem(res, ApiError::reindex_not_configured,
                        "start the server with --kb DIR to reindex from it");
  }
  auto job = s.jobs->start(*mode);
  if (job.status().code() == Status::Code::kUnavailable) {
    res.set_header("Retry-After", "5");
    return send_problem(res, ApiError::reindex_running, job.status().message());
  }
  if (!job.ok()) return send_status_problem(res, job.status(), ApiError::job_not_found);
  res.set_header("Location", "/v1/admin/jobs/" + job->id);
  send_json(res, 202, to_json(*job));
}

void get_job(Services& s, const httplib::Request& req, httplib::Response& res) {
  const std::string id = req.matches.size() > 1 ? req.matches[1].str() : "";
  auto job = s.jobs ? s.jobs->get(id) : std::nullopt;
  if (!job) return send_problem(res, ApiError::job_not_found, "no job with id '" + id + "'", "id");
  send_json(res, 200, to_json(*job));
}

namespace {

// Passages holding a boolean filter term (schema.h's `kind:` and `lang:`): the filter searched alone,
// whose total the engine counts exactly.
Result<int64_t> passages_matching(Engine& engine, const std::string& filter, Facets* facets = nullptr) {
  SearchRequest request;
  request.q = filter;
  request.limit = 1;
  auto result = engine.search(request);
  if (!result.ok()) return result.status();
  if (facets) *facets = std::move(result->facets);
  return result->total;
}

}  // namespace

void get_index_stats(Services& s, const httplib::Request& req, httplib::Response& res) {
  QueryParams p(req, res, {});
  if (!p.ok() || !engine_ready(s, res)) return;
  auto info = s.engine->info();
  if (!info.ok()) return send_status_problem(res, info.status(), ApiError::index_unavailable);
  json body = to_json(*info);
  json by_kind = json::object(), by_language = json::object();
  std::set<std::string> languages = {"en", "ro", "it", "ru"};
  for (const std::string kind : {"article", "forum", "catalogue"}) {
    Facets facets;
    auto count = passages_matching(*s.engine, "kind:" + kind, &facets);
    if (!count.ok()) return send_status_problem(res, count.status(), ApiError::index_unavailable);
    by_kind[kind] = *count;
    for (const auto& [language, n] : facets["language"]) languages.insert(language);
  }
  for (const auto& language : languages) {
    auto count = passages_matching(*s.engine, "lang:" + language);
    if (!count.ok()) return send_status_problem(res, count.status(), ApiError::index_unavailable);
    if (*count > 0) by_language[language] = *count;
  }
  body["passages"] = {{"by_kind", by_kind}, {"by_language", by_language}};
  const IndexFolderFacts facts = index_folder_facts(info->path);
  body["size_bytes"] = facts.size_bytes;
  if (facts.changed) body["changed"] = iso_utc(*facts.changed);
  if (facts.built) body["built"] = iso_utc(*facts.built);
  if (!facts.generation.empty()) body["generation"] = facts.generation;
  body["kb_dirs"] = info->kb_dirs;
  send_json(res, 200, body);
}

void get_openapi(Services&, const httplib::Request&, httplib::Response& res) {
  res.status = 200;
  res.set_content(std::string(openapi_document()), "application/json");
}

}  // namespace errkb::server
