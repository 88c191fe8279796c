// KB readers: turn the files of a KB folder into Items and Passages.
//
// KB layout: <kb>/articles/** (.md .markdown .html .htm .txt), <kb>/forums/** (.jsonl, Posts.xml),
// <kb>/catalogues/** (.json .csv .xml), and an optional <kb>/synonyms.txt.
// Readers never throw: every problem is an InputError "path:line: what is wrong".
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "errkb/record.h"
#include "errkb/status.h"

namespace errkb {

struct KbFile {
  std::filesystem::path path;  // absolute
  std::string rel;             // relative to the KB root, '/'-separated ("articles/windows/x.md")
  SourceKind kind;             // from the top folder
  uintmax_t size = 0;
  int64_t mtime_ns = 0;  // modification time, for the cheap "unchanged file" shortcut
  bool unread = false;   // below a folder that could not be listed: not read, its indexed items kept
};

// What a KB folder holds. Folders that cannot be listed (no permission, nested too deep, a path too
// long) and symbolic links to files outside the KB folder are errors (line 0); the unread folders are
// named so that the update keeps what it had indexed below them. Linked folders are not followed.
struct KbListing {
  std::vector<KbFile> files;  // sorted by `rel`
  std::vector<InputError> errors;
  std::vector<std::filesystem::path> unread_folders;  // absolute
};
Result<KbListing> list_kb_folder(const std::filesystem::path& kb_root);

// The KB file at `path` (absolute, below `kb_root`) as list_kb_folder would list it; nullopt when
// it is no file that listing would read (missing, hidden, another extension, outside the top folders).
std::optional<KbFile> kb_file_at(const std::filesystem::path& kb_root, const std::filesystem::path& path);

// Every readable KB file, sorted by `rel`. Files with unknown extensions are skipped (not errors).
Result<std::vector<KbFile>> list_kb_files(const std::filesystem::path& kb_root);

// Reads one file with the reader its folder and extension call for.
FileReadResult read_kb_file(const KbFile& file);

// Individual readers, on already-loaded text (`rel` is used in ids and error messages).
FileReadResult read_markdown_article(std::string_view rel, std::string_view text);
FileReadResult read_html_article(std::string_view rel, std::string_view text);
FileReadResult read_text_article(std::string_view rel, std::string_view text);
FileReadResult read_forum_jsonl(std::string_view rel, std::string_view text);
FileReadResult read_stackexchange_posts(const std::filesystem::path& path,
                                        std::string_view rel);  // streaming
FileReadResult read_catalogue_json(std::string_view rel, std::string_view text);
FileReadResult read_catalogue_csv(std::string_view rel, std::string_view text);
FileReadResult read_catalogue_xml(std::string_view rel, std::string_view text);  // eBay <Errors> elements

// Synonyms file: one group per line, "term: synonym, synonym" or "a, b, c"; '#' comments.
struct SynonymGroup {
  std::string term;
  std::vector<std::string> synonyms;
};
struct SynonymsResult {
  std::vector<SynonymGroup> groups;
  std::vector<InputError> errors;  // a bad line is rejected alone
  bool complete = true;  // false: the file could not be read as text; keep the synonyms indexed before
};
SynonymsResult read_synonyms(std::string_view rel, std::string_view text);

}  // namespace errkb
