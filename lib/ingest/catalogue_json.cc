// Catalogues in JSON: our own shape {"vendor","product","language","code_pattern","errors":[...]}
// and eBay's ErrorType shape (a JSON array, or {"Errors":[...]}) with ErrorCode, ShortMessage,
// LongMessage, SeverityCode, ErrorClassification and ErrorParameters.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "errkb/ingest.h"
#include "ingest/catalogue.h"
#include "ingest/internal.h"

namespace errkb {
namespace ingest {
namespace {

using nlohmann::json;

// A scalar field as text; numbers are accepted for codes ("code": 21919300). False on a wrong type.
bool text_field(const json& obj, const char* key, std::string& out, std::string& error) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return true;
  if (it->is_string()) {
    out = it->get<std::string>();
  } else if (it->is_number_integer()) {
    out = std::to_string(it->get<long long>());
  } else if (it->is_number()) {
    out = it->dump();
  } else {
    error = std::string("\"") + key + "\" must be a string, not " + it->type_name();
    return false;
  }
  return true;
}

void read_own_shape(const json& root, std::string_view text, CatalogueCollector& collector,
                    FileReadResult& result, std::string_view rel) {
  std::string vendor, product, language, pattern, error;
  if (!text_field(root, "vendor", vendor, error) || !text_field(root, "product", product, error) ||
      !text_field(root, "language", language, error) || !text_field(root, "code_pattern", pattern, error)) {
    collector.error(0, error);
    return;
  }
  if (trim(vendor).empty()) {
    std::string file_product;
    vendor_product_from_file_name(rel, vendor, file_product);
    if (trim(product).empty()) product = file_product;
  }
  result.catalogue_vendor = trim(vendor);
  result.code_pattern = trim(pattern);
  if (!result.code_pattern.empty()) result.code_pattern_line = json_member_line(text, "code_pattern");
  if (result.code_pattern.size() > kMaxPatternBytes) {
    collector.error(result.code_pattern_line,
                    "\"code_pattern\" is " + std::to_string(result.code_pattern.size()) +
                        " bytes long (at most " + std::to_string(kMaxPatternBytes) + ")");
    result.code_pattern.clear();
  }
  auto errors = root.find("errors");
  if (errors == root.end() || !errors->is_array()) {
    collector.error(0, errors == root.end() ? "missing \"errors\" list" : "\"errors\" must be a list");
    return;
  }
  for (size_t i = 0; i < errors->size(); ++i) {
    const json& ej = (*errors)[i];
    const std::string where = "errors[" + std::to_string(i) + "]";
    if (!ej.is_object()) {
      collector.error(0, where + ": must be an object");
      continue;
    }
    CatalogueEntry e;
    e.vendor = vendor;
    e.product = product;
    e.language = language;
    if (!text_field(ej, "code", e.code, error) || !text_field(ej, "name", e.name, error) ||
        !text_field(ej, "severity", e.severity, error) || !text_field(ej, "category", e.category, error) ||
        !text_field(ej, "message", e.message, error) ||
        !text_field(ej, "description", e.description, error) || !text_field(ej, "url", e.url, error) ||
        !text_field(ej, "product", e.product, error)) {
      collector.error(0, where + ": " + error);
      continue;
    }
    // "resolution" may be one string or a list of steps.
    if (auto r = ej.find("resolution"); r != ej.end() && r->is_array()) {
      for (const auto& step : *r) {
        if (step.is_string()) e.resolution += step.get<std::string>() + "\n";
      }
    } else if (!text_field(ej, "resolution", e.resolution, error)) {
      collector.error(0, where + ": " + error);
      continue;
    }
    if (auto c = ej.find("causes"); c != ej.end() && !c->is_null()) {
      if (c->is_string()) {
        e.causes.push_back(c->get<std::string>());
      } else if (c->is_array() &&
                 std::all_of(c->begin(), c->end(), [](const json& v) { return v.is_string(); })) {
        for (const auto& v : *c) e.causes.push_back(v.get<std::string>());
      } else {
        collector.error(0, where + ": \"causes\" must be a list of strings");
        continue;
      }
    }
    collector.add(std::move(e), 0, where);
  }
}

void read_ebay_shape(const json& list, CatalogueCollector& collector, FileReadResult& result) {
  result.catalogue_vendor = "eBay";
  for (size_t i = 0; i < list.size(); ++i) {
    const json& ej = list[i];
    const std::string where = "Errors[" + std::to_string(i) + "]";
    if (!ej.is_object()) {
      collector.error(0, where + ": must be an ErrorType object");
      continue;
    }
    CatalogueEntry e;
    e.vendor = "eBay";
    std::string error;
    if (!text_field(ej, "ErrorCode", e.code, error) || !text_field(ej, "ShortMessage", e.message, error) ||
        !text_field(ej, "LongMessage", e.description, error) ||
        !text_field(ej, "SeverityCode", e.severity, error) ||
        !text_field(ej, "ErrorClassification", e.category, error)) {
      collector.error(0, where + ": " + error);
      continue;
    }
    if (auto params = ej.find("ErrorParameters"); params != ej.end() && !params->is_null()) {
      const json list_of_params = params->is_array() ? *params : json::array({*params});
      for (const auto& pj : list_of_params) {
        if (!pj.is_object()) continue;
        std::string id, value;
        (void)text_field(pj, "ParamID", id, error);
        (void)text_field(pj, "Value", value, error);
        if (!value.empty()) e.extra += "Parameter " + id + ": " + value + "\n";
      }
    }
    collector.add(std::move(e), 0, where);
  }
}

}  // namespace
}  // namespace ingest

FileReadResult read_catalogue_json(std::string_view rel, std::string_view text) {
  using namespace ingest;
  FileReadResult result;
  if (!accept_catalogue_text(rel, text, result)) return result;
  auto reject = [&](int line, std::string message) {
    result.errors.push_back(make_error(rel, line, std::move(message)));
    result.complete = false;
    return result;
  };
  if (auto problem = json_shape_problem(text))
    return reject(line_of_offset(text, problem->offset), problem->message);
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    const int line = e.byte > 0 ? line_of_offset(text, e.byte - 1) : 0;
    std::string what = e.what();
    if (auto p = what.find("parse error"); p != std::string::npos) what = what.substr(p);
    return reject(line, "broken JSON: " + what);
  } catch (const nlohmann::json::exception& e) {
    return reject(0, std::string("broken JSON: ") + e.what());
  }
  CatalogueCollector collector(rel, result);
  if (root.is_array()) {
    read_ebay_shape(root, collector, result);
  } else if (root.is_object() && root.contains("Errors")) {
    const auto& errors = root["Errors"];
    read_ebay_shape(errors.is_array() ? errors : nlohmann::json::array({errors}), collector, result);
  } else if (root.is_object()) {
    read_own_shape(root, text, collector, result, rel);
  } else {
    collector.error(0, "a catalogue must be a JSON object or an array of eBay ErrorType objects");
  }
  collector.finish();
  return result;
}

}  // namespace errkb
