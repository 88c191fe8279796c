# Every dependency comes from a Debian 12 package (scripts/install-deps.sh); nothing is downloaded.
# Each is wrapped in an errkb:: target so the rest of the build never spells flags or paths.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

# Xapian 1.4 ships no CMake package with an imported target: wrap its pkg-config file.
pkg_check_modules(XAPIAN REQUIRED IMPORTED_TARGET xapian-core)
add_library(errkb::xapian ALIAS PkgConfig::XAPIAN)

pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
add_library(errkb::re2 ALIAS PkgConfig::RE2)
pkg_check_modules(YAMLCPP REQUIRED IMPORTED_TARGET yaml-cpp)
add_library(errkb::yaml ALIAS PkgConfig::YAMLCPP)
# libcmark-gfm.pc links -lcmark-gfm-extensions too.
pkg_check_modules(CMARK REQUIRED IMPORTED_TARGET libcmark-gfm)
add_library(errkb::cmark ALIAS PkgConfig::CMARK)
pkg_check_modules(GUMBO REQUIRED IMPORTED_TARGET gumbo)
add_library(errkb::gumbo ALIAS PkgConfig::GUMBO)
pkg_check_modules(LIBXML2 REQUIRED IMPORTED_TARGET libxml-2.0)
add_library(errkb::xml2 ALIAS PkgConfig::LIBXML2)
# LZ4 for the passage records beside the index (store/passage_file.h).
pkg_check_modules(LZ4 REQUIRED IMPORTED_TARGET liblz4)
add_library(errkb::lz4 ALIAS PkgConfig::LZ4)
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
add_library(errkb::sqlite ALIAS PkgConfig::SQLITE3)
# libpqxx 6 (Debian 12): the feedback store shared by several servers (lib/feedback/feedback_postgres.cc).
pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx)
add_library(errkb::pqxx ALIAS PkgConfig::PQXX)
# gperftools' tcmalloc for the two binaries: indexing and serving allocate many small objects (Xapian's
# posting maps, JSON trees), and tcmalloc's thread caches cut that CPU by about a fifth against glibc.
pkg_check_modules(TCMALLOC REQUIRED IMPORTED_TARGET libtcmalloc_minimal)
add_library(errkb::tcmalloc ALIAS PkgConfig::TCMALLOC)

# CLD2 and xxhash have no .pc file.
find_path(CLD2_INCLUDE_DIR cld2/public/compact_lang_det.h REQUIRED)
find_library(CLD2_LIBRARY cld2 REQUIRED)
add_library(errkb_cld2 INTERFACE)
target_include_directories(errkb_cld2 INTERFACE ${CLD2_INCLUDE_DIR})
target_link_libraries(errkb_cld2 INTERFACE ${CLD2_LIBRARY})
add_library(errkb::cld2 ALIAS errkb_cld2)

find_path(XXHASH_INCLUDE_DIR xxhash.h REQUIRED)
find_library(XXHASH_LIBRARY xxhash REQUIRED)
add_library(errkb_xxhash INTERFACE)
target_include_directories(errkb_xxhash INTERFACE ${XXHASH_INCLUDE_DIR})
target_link_libraries(errkb_xxhash INTERFACE ${XXHASH_LIBRARY})
add_library(errkb::xxhash ALIAS errkb_xxhash)

find_package(nlohmann_json 3 REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)

# cpp-httplib: Debian builds the server into a shared library (libcpp-httplib.so).
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
add_library(errkb::httplib ALIAS PkgConfig::HTTPLIB)

if(ERRKB_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
