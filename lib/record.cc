#include "errkb/record.h"

namespace errkb {

std::string_view to_string(SourceKind kind) {
  switch (kind) {
    case SourceKind::kArticle:
      return "article";
    case SourceKind::kForum:
      return "forum";
    case SourceKind::kCatalogue:
      return "catalogue";
  }
  return "article";
}

std::optional<SourceKind> parse_source_kind(std::string_view s) {
  if (s == "article") return SourceKind::kArticle;
  if (s == "forum") return SourceKind::kForum;
  if (s == "catalogue") return SourceKind::kCatalogue;
  return std::nullopt;
}

std::string InputError::to_string() const {
  std::string out = path;
  if (line > 0) out += ":" + std::to_string(line);
  out += ": ";
  out += message;
  return out;
}

}  // namespace errkb
