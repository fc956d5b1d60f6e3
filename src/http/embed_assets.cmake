# Generates a .cc holding every file under WEB_DIR as a byte array, so the binary serves
# the console and the portal without touching the disk. Run as a build step:
#   cmake -DWEB_DIR=<web> -DOUT=<file.cc> -P embed_assets.cmake
# Hidden files (any segment starting with '.') are skipped. The output is rewritten only
# when its content changes, so unchanged assets do not trigger a rebuild.
file(GLOB_RECURSE files LIST_DIRECTORIES false RELATIVE "${WEB_DIR}" "${WEB_DIR}/*")
list(SORT files)
set(arrays "")
set(table "")
set(count 0)
foreach(f IN LISTS files)
  if(f MATCHES "(^|/)\\.")
    continue()
  endif()
  file(READ "${WEB_DIR}/${f}" hex HEX)
  string(LENGTH "${hex}" hex_length)
  math(EXPR size "${hex_length} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(REPLACE "\\" "\\\\" name "${f}")
  string(REPLACE "\"" "\\\"" name "${name}")
  # A trailing 0 keeps empty files valid C++ (size excludes it).
  string(APPEND arrays "const unsigned char kAsset${count}[] = {${bytes}0};\n")
  string(APPEND table "    {\"${name}\", kAsset${count}, ${size}},\n")
  math(EXPR count "${count} + 1")
endforeach()
if(count EQUAL 0)
  set(table "    {\"\", nullptr, 0},\n")
endif()
set(text "// Generated from web/ by src/http/embed_assets.cmake at build time: do not edit.
#include \"http/static_assets.h\"

namespace labelloop::http {
namespace {
${arrays}}  // namespace

const EmbeddedAsset kEmbeddedAssets[] = {
${table}};
const size_t kEmbeddedAssetCount = ${count};

}  // namespace labelloop::http
")
file(WRITE "${OUT}.tmp" "${text}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
