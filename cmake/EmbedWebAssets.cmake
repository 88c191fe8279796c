# Compiles the agent console's files into errkb-server: run as
#   cmake -DWEB_DIR=server/web -DOUTPUT=web_assets_data.cc -P EmbedWebAssets.cmake
# Each file of WEB_DIR becomes a byte array with its content type and an ETag (a prefix of its
# SHA-256), so the server needs no files beside it and a changed file is never served stale.
file(GLOB files RELATIVE ${WEB_DIR} ${WEB_DIR}/*)
list(SORT files)

set(types_html "text/html; charset=utf-8")
set(types_css "text/css; charset=utf-8")
set(types_js "text/javascript; charset=utf-8")
set(types_svg "image/svg+xml")
set(types_png "image/png")
set(types_ico "image/x-icon")
set(types_json "application/json")

set(arrays "")
set(entries "")
set(index 0)
foreach(name IN LISTS files)
  if(IS_DIRECTORY ${WEB_DIR}/${name})
    continue()
  endif()
  string(REGEX MATCH "[^.]+$" extension "${name}")
  if(NOT DEFINED types_${extension})
    message(FATAL_ERROR "${WEB_DIR}/${name}: no content type is known for .${extension} files")
  endif()
  file(READ ${WEB_DIR}/${name} hex HEX)
  file(SIZE ${WEB_DIR}/${name} size)
  file(SHA256 ${WEB_DIR}/${name} digest)
  string(SUBSTRING "${digest}" 0 20 etag)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(APPEND arrays "const unsigned char kAsset${index}[] = {${bytes}0x00};\n")
  string(APPEND entries
         "      {\"${name}\", \"${types_${extension}}\", \"\\\"${etag}\\\"\", "
         "{reinterpret_cast<const char*>(kAsset${index}), ${size}}},\n")
  math(EXPR index "${index} + 1")
endforeach()

set(source "// Generated from server/web/ by cmake/EmbedWebAssets.cmake; do not edit.
#include \"web_assets.h\"

namespace errkb::server {
namespace {
${arrays}}  // namespace

const std::vector<WebAsset>& web_assets() {
  static const std::vector<WebAsset> assets = {
${entries}  };
  return assets;
}

}  // namespace errkb::server
")

# Rewritten only when it changes, so that an unrelated configure does not rebuild the server.
if(EXISTS ${OUTPUT})
  file(READ ${OUTPUT} previous)
endif()
if(NOT "${previous}" STREQUAL "${source}")
  file(WRITE ${OUTPUT} "${source}")
endif()
