// The KB folder: which files exist and which reader each one needs.
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>

#include "errkb/ingest.h"
#include "ingest/internal.h"

namespace errkb {
namespace {

namespace fs = std::filesystem;

std::string extension_of(const fs::path& p) { return ingest::to_lower_ascii(p.extension().string()); }

bool readable_extension(SourceKind kind, const fs::path& p) {
  const std::string ext = extension_of(p);
  switch (kind) {
    case SourceKind::kArticle: return ext == ".md" || ext == ".markdown" || ext == ".html" || ext == ".htm" || ext == ".txt";
    case SourceKind::kForum: return ext == ".jsonl" || ext == ".ndjson" || ext == ".xml";
    case SourceKind::kCatalogue: return ext == ".json" || ext == ".csv" || ext == ".xml";
  }
  return false;
}

bool hidden(const fs::path& p) {
  const std::string name = p.filename().string();
  return !name.empty() && name[0] == '.';
}

}  // namespace

Result<std::vector<KbFile>> list_kb_files(const fs::path& kb_root) {
  std::error_code ec;
  if (!fs::is_directory(kb_root, ec)) return Status::NotFound("no KB folder at " + kb_root.string());
  const fs::path root = fs::absolute(kb_root, ec);
  std::vector<KbFile> files;
  const std::pair<const char*, SourceKind> kFolders[] = {
      {"articles", SourceKind::kArticle}, {"forums", SourceKind::kForum}, {"catalogues", SourceKind::kCatalogue}};
  for (const auto& [folder, kind] : kFolders) {
    const fs::path dir = root / folder;
    if (!fs::is_directory(dir, ec)) continue;
    fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
    if (ec) return Status::IOError("cannot list " + dir.string() + ": " + ec.message());
    for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
      if (ec) return Status::IOError("cannot list " + dir.string() + ": " + ec.message());
      const fs::path& p = it->path();
      if (hidden(p)) {
        if (it->is_directory(ec)) it.disable_recursion_pending();
        continue;
      }
      if (!it->is_regular_file(ec) || !readable_extension(kind, p)) continue;
      KbFile f;
      f.path = p;
      f.rel = p.lexically_relative(root).generic_string();
      f.kind = kind;
      struct stat st {};
      if (::stat(p.c_str(), &st) == 0) {
        f.size = static_cast<uintmax_t>(st.st_size);
        f.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
      }
      files.push_back(std::move(f));
    }
  }
  std::sort(files.begin(), files.end(), [](const KbFile& a, const KbFile& b) { return a.rel < b.rel; });
  return files;
}

FileReadResult read_kb_file(const KbFile& file) {
  using namespace ingest;
  const std::string ext = extension_of(file.path);
  // Stack Exchange dumps can be large: streamed from disk, never loaded whole.
  if (file.kind == SourceKind::kForum && ext == ".xml") return read_stackexchange_posts(file.path, file.rel);

  std::ifstream in(file.path, std::ios::binary);
  std::ostringstream buffer;
  if (in) buffer << in.rdbuf();
  if (!in || in.bad()) {
    FileReadResult result;
    result.errors.push_back(make_error(file.rel, 0, "cannot read the file"));
    result.complete = false;
    return result;
  }
  const std::string text = buffer.str();
  switch (file.kind) {
    case SourceKind::kArticle:
      if (ext == ".html" || ext == ".htm") return read_html_article(file.rel, text);
      if (ext == ".txt") return read_text_article(file.rel, text);
      return read_markdown_article(file.rel, text);
    case SourceKind::kForum: return read_forum_jsonl(file.rel, text);
    case SourceKind::kCatalogue:
      if (ext == ".csv") return read_catalogue_csv(file.rel, text);
      if (ext == ".xml") return read_catalogue_xml(file.rel, text);
      return read_catalogue_json(file.rel, text);
  }
  return {};
}

}  // namespace errkb
