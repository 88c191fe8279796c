// The agent console's files (server/web/), compiled into the binary by cmake/EmbedWebAssets.cmake,
// and the handlers that serve them with their content type, ETag and Content-Security-Policy.
#pragma once

#include <httplib.h>

#include <string_view>
#include <vector>

#include "handlers.h"

namespace errkb::server {

struct WebAsset {
  std::string_view name;  // file name under server/web/
  std::string_view content_type;
  std::string_view etag;  // quoted, a prefix of the file's SHA-256
  std::string_view body;
};

// Every file of server/web/, sorted by name (generated at build time).
const std::vector<WebAsset>& web_assets();
const WebAsset* find_web_asset(std::string_view name);

// GET / (the agent page), GET /editor (the KB editors' page), GET /console/{file} (scripts, styles).
void get_agent_page(Services& s, const httplib::Request& req, httplib::Response& res);
void get_editor_page(Services& s, const httplib::Request& req, httplib::Response& res);
void get_console_file(Services& s, const httplib::Request& req, httplib::Response& res);

// The console's Content-Security-Policy: its own scripts, styles and API only, no inline code, no
// HTML from strings; framed only by the page itself and the CORS origins (helpdesk side panels).
std::string console_security_policy(const std::vector<std::string>& frame_origins);

}  // namespace errkb::server
