#include "http/static_assets.h"

#include <map>

#include "common/content_hash.h"

namespace labelloop::http {
namespace {

std::string_view Extension(std::string_view path) {
  size_t slash = path.rfind('/');
  size_t dot = path.rfind('.');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return {};
  return path.substr(dot + 1);
}

const std::map<std::string, StaticAsset, std::less<>>& Index() {
  static const auto* index = [] {
    auto* assets = new std::map<std::string, StaticAsset, std::less<>>();
    for (size_t i = 0; i < kEmbeddedAssetCount; ++i) {
      const EmbeddedAsset& asset = kEmbeddedAssets[i];
      if (asset.data == nullptr) continue;
      std::string_view bytes(reinterpret_cast<const char*>(asset.data), asset.size);
      assets->emplace(asset.path,
                      StaticAsset{asset.path, bytes, WebContentType(asset.path), "\"" + Sha256Hex(bytes) + "\""});
    }
    return assets;
  }();
  return *index;
}

}  // namespace

const StaticAsset* FindStaticAsset(std::string_view path) {
  const auto& index = Index();
  auto it = index.find(path);
  return it == index.end() ? nullptr : &it->second;
}

size_t StaticAssetCount() { return Index().size(); }

std::string WebContentType(std::string_view path) {
  static const std::map<std::string, std::string, std::less<>> kTypes = {
      {"html", "text/html; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"txt", "text/plain; charset=utf-8"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"ico", "image/x-icon"},
      {"woff", "font/woff"},
      {"woff2", "font/woff2"},
  };
  auto it = kTypes.find(Extension(path));
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

}  // namespace labelloop::http
