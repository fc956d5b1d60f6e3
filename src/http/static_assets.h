// The console and portal files (web/), embedded into the binary at build time by
// embed_assets.cmake, with their content types and ETags. No file is read at run time.
// The index is built once on first use; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace labelloop::http {

// One file under web/, as generated into embedded_assets.cc.
struct EmbeddedAsset {
  const char* path;             // relative to web/, e.g. "console/index.html"
  const unsigned char* data;
  size_t size;
};
extern const EmbeddedAsset kEmbeddedAssets[];
extern const size_t kEmbeddedAssetCount;

struct StaticAsset {
  std::string path;
  std::string_view bytes;       // points into the embedded array
  std::string content_type;
  std::string etag;             // quoted strong ETag: "\"<sha256 hex>\""
};

// The asset at `path` (relative to web/), or nullptr.
const StaticAsset* FindStaticAsset(std::string_view path);
// Number of embedded assets (for tests).
size_t StaticAssetCount();

// Content type for a web file by extension (text types with charset=utf-8);
// application/octet-stream when unknown.
std::string WebContentType(std::string_view path);

}  // namespace labelloop::http
