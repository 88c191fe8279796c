// The server's log lines: plain text, or one JSON object per line (log_format: json, UTC timestamps);
// every line written while a request is served carries that request's id (X-Request-Id).
#pragma once

#include <string>
#include <string_view>

#include "config.h"

namespace errkb::server {

// The id of the request this thread is serving, "" between requests. An event loop serves one
// request at a time, from the pre-routing handler to the request's log line (routes.cc).
std::string& current_request_id();

// The client's X-Request-Id when it is usable (1-128 of A-Z a-z 0-9 . _ : -, so it cannot forge log
// lines or JSON), else a fresh random one.
std::string request_id_for(std::string_view presented);

// Makes the default logger write to `fd` in batches (log_sink.h) at config.log_level, formatted as
// config.log_format says.
void install_logger(int fd, const ServerConfig& config);

}  // namespace errkb::server
