// Forum threads as JSON Lines: one thread object per line. A bad line is reported with its line
// number and skipped; the other lines are still read.
#include <algorithm>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "errkb/ingest.h"
#include "errkb/text.h"
#include "ingest/forum.h"
#include "ingest/internal.h"

namespace errkb {
namespace ingest {
namespace {

using nlohmann::json;

// Field readers: absent or null is fine (empty), a wrong type is an error naming the field.
bool get_string(const json& obj, const char* key, std::string& out, std::string& error,
                bool required = false) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) error = std::string("missing \"") + key + "\"";
    return !required;
  }
  if (it->is_string()) {
    out = it->get<std::string>();
  } else if (it->is_number_integer()) {
    out = std::to_string(it->get<long long>());  // numeric ids are common in exports
  } else {
    error = std::string("\"") + key + "\" must be a string, not " + it->type_name();
    return false;
  }
  if (required && trim(out).empty()) {
    error = std::string("\"") + key + "\" is empty";
    return false;
  }
  return true;
}

bool get_int(const json& obj, const char* key, int& out, std::string& error) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return true;
  if (!it->is_number()) {
    error = std::string("\"") + key + "\" must be a number, not " + it->type_name();
    return false;
  }
  // Clamped: a vote count beyond int (1e308, 2147483648) is still "many votes".
  const double votes = std::clamp(it->get<double>(), double{std::numeric_limits<int>::min()},
                                  double{std::numeric_limits<int>::max()});
  out = static_cast<int>(votes);
  return true;
}

bool get_bool(const json& obj, const char* key, bool& out, std::string& error) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return true;
  if (!it->is_boolean()) {
    error = std::string("\"") + key + "\" must be true or false, not " + it->type_name();
    return false;
  }
  out = it->get<bool>();
  return true;
}

bool get_string_list(const json& obj, const char* key, std::vector<std::string>& out, std::string& error) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return true;
  if (it->is_string()) {
    out = split_trimmed(it->get<std::string>(), ",");
    return true;
  }
  if (!it->is_array()) {
    error = std::string("\"") + key + "\" must be a list of strings, not " + it->type_name();
    return false;
  }
  for (const auto& v : *it) {
    if (!v.is_string()) {
      error = std::string("\"") + key + "\" must hold strings only";
      return false;
    }
    out.push_back(v.get<std::string>());
  }
  return true;
}

bool parse_thread(const json& j, ForumThread& t, std::string& error) {
  if (!j.is_object()) {
    error = std::string("a thread must be a JSON object, not ") + j.type_name();
    return false;
  }
  if (!get_string(j, "id", t.id, error, true) || !get_string(j, "url", t.url, error) ||
      !get_string(j, "title", t.title, error) || !get_string(j, "language", t.language, error) ||
      !get_string(j, "product", t.product, error) || !get_string(j, "vendor", t.vendor, error) ||
      !get_string(j, "created", t.created, error) || !get_string_list(j, "tags", t.tags, error)) {
    return false;
  }
  t.id = trim(t.id);
  t.language = normalize_language(t.language);
  auto posts = j.find("posts");
  if (posts == j.end() || !posts->is_array()) {
    error = posts == j.end() ? "missing \"posts\""
                             : std::string("\"posts\" must be a list, not ") + posts->type_name();
    return false;
  }
  for (size_t i = 0; i < posts->size(); ++i) {
    const json& pj = (*posts)[i];
    const std::string where = "posts[" + std::to_string(i) + "]: ";
    if (!pj.is_object()) {
      error = where + "must be an object";
      return false;
    }
    ForumPost p;
    std::string body;
    if (!get_string(pj, "id", p.id, error) || !get_string(pj, "author", p.author, error) ||
        !get_string(pj, "created", p.created, error) || !get_string(pj, "body", body, error) ||
        !get_int(pj, "votes", p.votes, error) || !get_bool(pj, "accepted", p.accepted, error) ||
        !get_bool(pj, "is_question", p.is_question, error)) {
      error = where + error;
      return false;
    }
    p.text = post_text(body);
    t.posts.push_back(std::move(p));
  }
  if (t.posts.empty()) {
    error = "\"posts\" is empty";
    return false;
  }
  return true;
}

}  // namespace
}  // namespace ingest

FileReadResult read_forum_jsonl(std::string_view rel, std::string_view text) {
  using namespace ingest;
  FileReadResult result;
  using namespace std::string_view_literals;
  if (text.substr(0, 2) == "\xFF\xFE"sv || text.substr(0, 2) == "\xFE\xFF"sv) {
    result.errors.push_back(
        make_error(rel, 0, "unsupported encoding: UTF-16 byte order mark; save the file as UTF-8"));
    result.complete = false;
    return result;
  }
  if (text.substr(0, 3) == "\xEF\xBB\xBF"sv) text.remove_prefix(3);
  size_t pos = 0;
  int line_no = 0;
  std::map<std::string, int> first_line_of_id;
  while (pos < text.size()) {
    const size_t end = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? text.size() : end + 1;
    ++line_no;
    if (trim(line).empty()) continue;
    auto fail = [&](std::string message) {
      result.errors.push_back(make_error(rel, line_no, std::move(message)));
      result.complete = false;
    };
    if (const size_t bad = first_invalid_utf8(line); bad != std::string_view::npos) {
      fail("invalid UTF-8 at column " + std::to_string(bad + 1));
      continue;
    }
    if (auto problem = json_shape_problem(line)) {
      fail(problem->message + " (at column " + std::to_string(problem->offset + 1) + ")");
      continue;
    }
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      std::string what = e.what();
      if (auto p = what.find("parse error"); p != std::string::npos) what = what.substr(p);
      // The line is parsed on its own: its "line 1" would mislead; the column is what helps.
      if (auto p = what.find("at line 1, column "); p != std::string::npos) what.replace(p, 18, "at column ");
      fail("broken JSON: " + what);
      continue;
    }
    ForumThread thread;
    std::string error;
    if (!parse_thread(j, thread, error)) {
      fail(error);
      continue;
    }
    if (auto [it, fresh] = first_line_of_id.emplace(thread.id, line_no); !fresh) {
      fail("duplicate thread id \"" + thread.id + "\" (first on line " + std::to_string(it->second) + ")");
      continue;
    }
    Item item = build_forum_item(rel, thread, line);
    if (std::string problem = oversized_field(item); !problem.empty()) {
      fail(problem);
      continue;
    }
    result.items.push_back(std::move(item));
  }
  return result;
}

}  // namespace errkb
