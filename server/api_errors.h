// API errors, from the one table in api_errors.def, sent as application/problem+json (RFC 9457):
// {"type","title","status","detail","code","param"}.
#pragma once

#include <httplib.h>

#include <string>
#include <string_view>
#include <vector>

#include "errkb/status.h"

namespace errkb::server {

enum class ApiError {
#define API_ERROR(code, status, title) code,
#include "api_errors.def"
#undef API_ERROR
};

struct ApiErrorInfo {
  ApiError error;
  std::string_view code;
  int status;
  std::string_view title;
};

const ApiErrorInfo& error_info(ApiError error);
// Every row of the table, in table order (for the OpenAPI test and docs).
const std::vector<ApiErrorInfo>& all_api_errors();

// Writes the problem+json body and status. `param` names the offending parameter ("" = none).
void send_problem(httplib::Response& res, ApiError error, std::string_view detail,
                  std::string_view param = {});

// Maps a core Status to the API error it means for a client. InvalidArgument -> bad_parameter,
// NotFound -> `not_found`, Unavailable/Locked -> index_unavailable, anything else -> internal.
ApiError api_error_for(const Status& status, ApiError not_found);

// Sends the problem for a failed core call; logs internal ones (they are bugs).
void send_status_problem(httplib::Response& res, const Status& status, ApiError not_found,
                         std::string_view param = {});

}  // namespace errkb::server
