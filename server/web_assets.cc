#include "web_assets.h"

#include <algorithm>
#include <regex>

#include "api_errors.h"

namespace errkb::server {
namespace {

// An origin a CSP source list can carry as it is (a scheme, a host and maybe a port).
bool is_plain_origin(const std::string& origin) {
  static const std::regex kOrigin("https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?");
  return std::regex_match(origin, kOrigin);
}

// Whether the client's cached copy (If-None-Match: "a", W/"b" or *) is this version of the file.
bool client_has(const httplib::Request& req, std::string_view etag) {
  const std::string cached = req.get_header_value("If-None-Match");
  return cached == "*" || cached.find(etag) != std::string::npos;
}

void send_asset(Services& s, const httplib::Request& req, httplib::Response& res, std::string_view name) {
  const WebAsset* asset = find_web_asset(name);
  if (!asset) return send_problem(res, ApiError::route_not_found, "no console file " + std::string(name));
  static const std::vector<std::string> kNoOrigins;
  res.set_header("Content-Security-Policy",
                 console_security_policy(s.config ? s.config->cors_origins : kNoOrigins));
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  // Revalidated on every use: the ETag makes that a 304 without a body, and a new build is seen at once.
  res.set_header("Cache-Control", "no-cache");
  res.set_header("ETag", std::string(asset->etag));
  if (client_has(req, asset->etag)) {
    res.status = 304;
    return;
  }
  res.status = 200;
  res.set_content(asset->body.data(), asset->body.size(), std::string(asset->content_type));
}

}  // namespace

const WebAsset* find_web_asset(std::string_view name) {
  const auto& assets = web_assets();
  auto it = std::find_if(assets.begin(), assets.end(), [&](const WebAsset& a) { return a.name == name; });
  return it == assets.end() ? nullptr : &*it;
}

std::string console_security_policy(const std::vector<std::string>& frame_origins) {
  std::string ancestors = "'self'";
  for (const auto& origin : frame_origins) {
    if (origin == "*")
      ancestors = "*";
    else if (ancestors != "*" && is_plain_origin(origin))
      ancestors += " " + origin;
  }
  return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
         "form-action 'self'; base-uri 'none'; frame-ancestors " +
         ancestors + "; require-trusted-types-for 'script'; trusted-types 'none'";
}

void get_agent_page(Services& s, const httplib::Request& req, httplib::Response& res) {
  send_asset(s, req, res, "index.html");
}

void get_editor_page(Services& s, const httplib::Request& req, httplib::Response& res) {
  send_asset(s, req, res, "editor.html");
}

void get_console_file(Services& s, const httplib::Request& req, httplib::Response& res) {
  const std::string name = req.matches.size() > 1 ? req.matches[1].str() : "";
  // The pages have their own addresses; /console/ serves what they load.
  if (name.size() > 5 && name.compare(name.size() - 5, 5, ".html") == 0) {
    return send_problem(res, ApiError::route_not_found, "no console file " + name);
  }
  send_asset(s, req, res, name);
}

}  // namespace errkb::server
