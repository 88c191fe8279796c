// The KB folder: which files exist and which reader each one needs.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <fstream>
#include <iterator>
#include <mutex>
#include <sstream>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "errkb/ingest.h"
#include "errkb/text.h"
#include "ingest/internal.h"

namespace errkb {
namespace {

namespace fs = std::filesystem;

std::string extension_of(const fs::path& p) { return ingest::to_lower_ascii(p.extension().string()); }

bool readable_extension(SourceKind kind, const fs::path& p) {
  const std::string ext = extension_of(p);
  switch (kind) {
    case SourceKind::kArticle:
      return ext == ".md" || ext == ".markdown" || ext == ".html" || ext == ".htm" || ext == ".txt";
    case SourceKind::kForum:
      return ext == ".jsonl" || ext == ".ndjson" || ext == ".xml";
    case SourceKind::kCatalogue:
      return ext == ".json" || ext == ".csv" || ext == ".xml";
  }
  return false;
}

bool hidden(const fs::path& p) {
  const std::string name = p.filename().string();
  return !name.empty() && name[0] == '.';
}

}  // namespace

namespace {

// A listed folder held open, so that each of its files is looked up by its name in it rather than by
// its whole path: the path walks of a stat and an access a file were most of listing a large KB.
class FolderFd {
 public:
  explicit FolderFd(const fs::path& dir) : fd_(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {}
  ~FolderFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  FolderFd(const FolderFd&) = delete;
  FolderFd& operator=(const FolderFd&) = delete;

  // `file` is an entry of this folder.
  bool stat(const fs::path& file, struct stat& st) const {
    return fd_ >= 0 ? ::fstatat(fd_, file.filename().c_str(), &st, 0) == 0 : ::stat(file.c_str(), &st) == 0;
  }
  bool readable(const fs::path& file) const {
    return fd_ >= 0 ? ::faccessat(fd_, file.filename().c_str(), R_OK, 0) == 0
                    : ::access(file.c_str(), R_OK) == 0;
  }

 private:
  int fd_;
};

// The folders still to list, shared by the threads that list them.
class PendingFolders {
 public:
  struct Folder {
    fs::path dir;
    int depth = 0;
    SourceKind kind = SourceKind::kArticle;
  };
  void push(Folder f) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      pending_.push_back(std::move(f));
    }
    changed_.notify_one();
  }
  // The next folder to list; false once every folder is listed (none waits, none is being listed).
  bool pop(Folder& out) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return !pending_.empty() || listing_ == 0; });
    if (pending_.empty()) return false;
    out = std::move(pending_.back());
    pending_.pop_back();
    ++listing_;
    return true;
  }
  // The folder popped last by the caller is listed: its subfolders are pushed.
  void listed() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      --listing_;
    }
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Folder> pending_;
  size_t listing_ = 0;
};

// Lists folders taken from `pending` until none is left, into its own listing. What cannot be listed
// is reported and kept in `unread_folders`: the update keeps what was indexed below it.
class FolderWalk {
 public:
  FolderWalk(const fs::path& root, const fs::path& canonical_root, KbListing& out)
      : root_(root), canonical_root_(canonical_root), out_(out) {}

  void walk(PendingFolders& pending) {
    PendingFolders::Folder folder;
    while (pending.pop(folder)) {
      // Said even when listing throws: the other walkers wait for every folder taken to be listed.
      struct Listed {
        PendingFolders& pending;
        ~Listed() { pending.listed(); }
      } listed{pending};
      list(folder, pending);
    }
  }

 private:
  void list(const PendingFolders::Folder& at, PendingFolders& pending) {
    if (at.depth > ingest::kMaxFolderDepth) {
      unread(at.dir, "folders nested deeper than " + std::to_string(ingest::kMaxFolderDepth) +
                         " levels are not read");
      return;
    }
    std::error_code ec;
    fs::directory_iterator it(at.dir, ec);
    const FolderFd folder(at.dir);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
      const fs::path& p = it->path();
      if (hidden(p)) continue;
      std::error_code type_ec;
      const bool link = it->is_symlink(type_ec);
      if (it->is_directory(type_ec)) {
        if (!link) pending.push({p, at.depth + 1, at.kind});  // linked folders are not followed
      } else if (it->is_regular_file(type_ec) && readable_extension(at.kind, p)) {
        if (link && !inside_root(p)) {
          report(p, "a symbolic link to a file outside the KB folder: not read");
        } else if (!folder.readable(p)) {
          report(p, "cannot read the file (no permission); what was indexed from it is kept");
          add(p, at.kind, folder).unread = true;
        } else {
          add(p, at.kind, folder);
        }
      }
    }
    if (ec) unread(at.dir, "cannot list the folder: " + ec.message());
  }

  bool inside_root(const fs::path& p) const {
    std::error_code ec;
    const fs::path target = fs::canonical(p, ec);
    if (ec || canonical_root_.empty()) return false;
    const auto rel = target.lexically_relative(canonical_root_);
    return !rel.empty() && *rel.begin() != "..";
  }

  std::string rel_of(const fs::path& p) const { return p.lexically_relative(root_).generic_string(); }

  void report(const fs::path& p, std::string message) {
    out_.errors.push_back(ingest::make_error(ingest::printable(rel_of(p)), 0, std::move(message)));
  }

  void unread(const fs::path& dir, const std::string& why) {
    report(dir, why + "; what was indexed from it is kept");
    out_.unread_folders.push_back(dir);
  }

  KbFile& add(const fs::path& p, SourceKind kind, const FolderFd& folder) {
    KbFile f;
    f.path = p;
    f.rel = rel_of(p);
    f.kind = kind;
    struct stat st {};
    if (folder.stat(p, st)) {
      f.size = static_cast<uintmax_t>(st.st_size);
      f.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    }
    return out_.files.emplace_back(std::move(f));
  }

  const fs::path& root_;
  const fs::path& canonical_root_;
  KbListing& out_;
};

}  // namespace

// Two walkers or more: listing a large KB is a stat and an access a file, which the kernel serves
// on every core.
Result<KbListing> list_kb_folder(const fs::path& kb_root) {
  std::error_code ec;
  if (!fs::is_directory(kb_root, ec)) return Status::NotFound("no KB folder at " + kb_root.string());
  const fs::path root = fs::absolute(kb_root, ec);
  const fs::path canonical_root = fs::canonical(root, ec);
  PendingFolders pending;
  const std::pair<const char*, SourceKind> kFolders[] = {{"articles", SourceKind::kArticle},
                                                         {"forums", SourceKind::kForum},
                                                         {"catalogues", SourceKind::kCatalogue}};
  for (const auto& [folder, kind] : kFolders)
    if (fs::is_directory(root / folder, ec)) pending.push({root / folder, 0, kind});
  const size_t walkers = std::clamp<size_t>(std::thread::hardware_concurrency(), 2, 4);
  std::vector<KbListing> parts(walkers);
  {
    std::vector<std::jthread> threads;
    for (size_t i = 1; i < walkers; ++i)
      threads.emplace_back([&, i] { FolderWalk(root, canonical_root, parts[i]).walk(pending); });
    FolderWalk(root, canonical_root, parts[0]).walk(pending);
  }
  KbListing listing = std::move(parts[0]);
  for (size_t i = 1; i < walkers; ++i) {
    std::move(parts[i].files.begin(), parts[i].files.end(), std::back_inserter(listing.files));
    std::move(parts[i].errors.begin(), parts[i].errors.end(), std::back_inserter(listing.errors));
    std::move(parts[i].unread_folders.begin(), parts[i].unread_folders.end(),
              std::back_inserter(listing.unread_folders));
  }
  std::sort(listing.files.begin(), listing.files.end(),
            [](const KbFile& a, const KbFile& b) { return a.rel < b.rel; });
  // In path order, whichever walker met them.
  std::stable_sort(listing.errors.begin(), listing.errors.end(),
                   [](const InputError& a, const InputError& b) { return a.path < b.path; });
  return listing;
}

std::optional<KbFile> kb_file_at(const fs::path& kb_root, const fs::path& path) {
  std::error_code ec;
  const fs::path root = fs::absolute(kb_root, ec).lexically_normal();
  const fs::path rel = path.lexically_normal().lexically_relative(root);
  if (rel.empty() || *rel.begin() == "..") return std::nullopt;
  std::optional<SourceKind> kind;
  const std::string top = rel.begin()->string();
  if (top == "articles") kind = SourceKind::kArticle;
  if (top == "forums") kind = SourceKind::kForum;
  if (top == "catalogues") kind = SourceKind::kCatalogue;
  if (!kind || !readable_extension(*kind, path)) return std::nullopt;
  for (const auto& part : rel)
    if (hidden(part)) return std::nullopt;
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
  if (S_ISLNK(st.st_mode)) {  // read as the listing reads it: a link to a file inside the KB folder
    const fs::path target = fs::canonical(path, ec);
    const fs::path canonical_root = fs::canonical(root, ec);
    const fs::path inside = target.lexically_relative(canonical_root);
    if (ec || inside.empty() || *inside.begin() == ".." || ::stat(path.c_str(), &st) != 0)
      return std::nullopt;
  }
  if (!S_ISREG(st.st_mode)) return std::nullopt;
  KbFile f;
  f.unread = ::access(path.c_str(), R_OK) != 0;  // what was indexed from it is kept
  f.path = root / rel;
  f.rel = rel.generic_string();
  f.kind = *kind;
  f.size = static_cast<uintmax_t>(st.st_size);
  f.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  return f;
}

Result<std::vector<KbFile>> list_kb_files(const fs::path& kb_root) {
  auto listing = list_kb_folder(kb_root);
  if (!listing.ok()) return listing.status();
  return std::move(listing->files);
}

namespace {

FileReadResult unreadable(const KbFile& file, std::string message) {
  FileReadResult result;
  result.errors.push_back(ingest::make_error(file.rel, 0, std::move(message)));
  result.complete = false;
  return result;
}

FileReadResult read_with_its_reader(const KbFile& file) {
  using namespace ingest;
  const std::string ext = extension_of(file.path);
  // Stack Exchange dumps can be large: streamed from disk, never loaded whole.
  if (file.kind == SourceKind::kForum && ext == ".xml") return read_stackexchange_posts(file.path, file.rel);

  const size_t bound = file.kind == SourceKind::kArticle ? kMaxArticleBytes : kMaxFileBytes;
  if (file.size > bound)
    return unreadable(file, "the file is " + std::to_string(file.size) + " bytes long (at most " +
                                std::to_string(bound) + ")");
  std::ifstream in(file.path, std::ios::binary);
  std::ostringstream buffer;
  if (in) buffer << in.rdbuf();
  if (!in || in.bad()) return unreadable(file, "cannot read the file");
  const std::string text = buffer.str();
  if (text.size() > bound) return unreadable(file, "the file grew over " + std::to_string(bound) + " bytes");
  switch (file.kind) {
    case SourceKind::kArticle:
      if (ext == ".html" || ext == ".htm") return read_html_article(file.rel, text);
      if (ext == ".txt") return read_text_article(file.rel, text);
      return read_markdown_article(file.rel, text);
    case SourceKind::kForum:
      return read_forum_jsonl(file.rel, text);
    case SourceKind::kCatalogue:
      if (ext == ".csv") return read_catalogue_csv(file.rel, text);
      if (ext == ".xml") return read_catalogue_xml(file.rel, text);
      return read_catalogue_json(file.rel, text);
  }
  return {};
}

// Items a reader let through with a field no index term can hold: rejected, their indexed versions kept.
void reject_oversized_items(const KbFile& file, FileReadResult& result) {
  std::erase_if(result.items, [&](const Item& item) {
    const std::string problem = ingest::oversized_field(item);
    if (problem.empty()) return false;
    result.errors.push_back(ingest::make_error(file.rel, 0, problem));
    result.complete = false;
    return true;
  });
}

}  // namespace

FileReadResult read_kb_file(const KbFile& file) {
  if (file.unread) {  // the listing reported it
    FileReadResult result;
    result.complete = false;
    return result;
  }
  // Ids and messages carry the path: it must be text.
  if (first_invalid_utf8(file.rel) != std::string_view::npos) {
    FileReadResult result = unreadable(file, "the file name is not valid UTF-8: rename the file");
    result.errors.back().path = ingest::printable(file.rel);
    return result;
  }
  FileReadResult result;
  try {
    result = read_with_its_reader(file);
  } catch (const std::exception& e) {
    // Readers report problems as errors; an exception here is a reader's bug or memory exhausted.
    // The file is rejected (its indexed items kept), the run goes on.
    result = unreadable(file, std::string("the file could not be read: ") + e.what());
  }
  reject_oversized_items(file, result);
  for (InputError& e : result.errors) e.path = ingest::printable(e.path);
  return result;
}

}  // namespace errkb
