// The build's version: the semantic version of CMake's project() and the git commit it was built from.
// Every binary prints it for --version; the server also reports it in /metrics and the OpenAPI document.
#pragma once

#include <string>
#include <string_view>

namespace errkb {

// "MAJOR.MINOR.PATCH", from project(errkb VERSION ...) in CMakeLists.txt.
std::string_view version();
// The abbreviated commit hash, with "-dirty" when the tree had uncommitted changes; "unknown" outside git.
std::string_view git_commit();
// "PROGRAM VERSION (commit COMMIT)": what --version prints.
std::string version_line(std::string_view program);

}  // namespace errkb
