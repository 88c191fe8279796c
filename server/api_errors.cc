#include "api_errors.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

namespace errkb::server {

const std::vector<ApiErrorInfo>& all_api_errors() {
  static const std::vector<ApiErrorInfo> table = {
#define API_ERROR(code, status, title) {ApiError::code, #code, status, title},
#include "api_errors.def"
#undef API_ERROR
  };
  return table;
}

const ApiErrorInfo& error_info(ApiError error) { return all_api_errors()[static_cast<size_t>(error)]; }

void send_problem(httplib::Response& res, ApiError error, std::string_view detail, std::string_view param) {
  const ApiErrorInfo& info = error_info(error);
  nlohmann::json body = {
      {"type", "urn:errkb:error:" + std::string(info.code)},
      {"title", info.title},
      {"status", info.status},
      {"detail", detail},
      {"code", info.code},
  };
  if (!param.empty()) body["param"] = param;
  res.status = info.status;
  // Replace, never dump(): detail may echo user input that is not valid UTF-8.
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/problem+json");
}

ApiError api_error_for(const Status& status, ApiError not_found) {
  switch (status.code()) {
    case Status::Code::kInvalidArgument:
      return ApiError::bad_parameter;
    case Status::Code::kNotFound:
      return not_found;
    case Status::Code::kUnavailable:
    case Status::Code::kLocked:
      return ApiError::index_unavailable;
    default:
      return ApiError::internal;
  }
}

void send_status_problem(httplib::Response& res, const Status& status, ApiError not_found,
                         std::string_view param) {
  ApiError error = api_error_for(status, not_found);
  if (error == ApiError::internal) {
    spdlog::error("internal error: {}", status.ToString());
    send_problem(res, error, "the server failed to answer; the error has been logged");
    return;
  }
  if (error == ApiError::index_unavailable) res.set_header("Retry-After", "1");
  const bool names_param =
      error == ApiError::bad_parameter || (error == not_found && error != ApiError::index_unavailable);
  send_problem(res, error, status.message(), names_param ? param : std::string_view{});
}

}  // namespace errkb::server
