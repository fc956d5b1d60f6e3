// The console (web/console/, at / and /console/) and the labelling portal (web/portal/, at
// /label/), served from the embedded assets with ETag revalidation. A path without a file
// extension that names no asset gets the app's index.html (client-side routes); a missing
// file is 404.
#include <fmt/format.h>

#include "http/byte_range.h"
#include "http/call_util.h"
#include "http/handlers.h"
#include "http/static_assets.h"

namespace labelloop::http {
namespace {

bool HasExtension(std::string_view path) {
  size_t slash = path.rfind('/');
  std::string_view last = slash == std::string_view::npos ? path : path.substr(slash + 1);
  return last.find('.') != std::string_view::npos;
}

Status ServeAsset(Call& call, std::string_view app, std::string_view rest) {
  std::string path = fmt::format("{}/{}", app, rest);
  if (rest.empty() || rest.back() == '/') path += "index.html";
  const StaticAsset* asset = FindStaticAsset(path);
  if (asset == nullptr && !HasExtension(rest)) asset = FindStaticAsset(fmt::format("{}/index.html", app));
  if (asset == nullptr) return NotFoundError(fmt::format("no web file '{}'", path));
  call.response.set_header("ETag", asset->etag);
  call.response.set_header("Cache-Control", "no-cache");  // revalidate: cheap with the ETag, never stale
  if (call.request.get_header_value("If-None-Match") == asset->etag) {
    call.response.status = 304;
    return OkStatus();
  }
  ReplyBody(call, std::string(asset->bytes), asset->content_type);  // Range: one range at most
  return OkStatus();
}

}  // namespace

Status HandleRootPage(Call& call) { return ServeAsset(call, "console", ""); }

Status HandleConsolePage(Call& call) { return ServeAsset(call, "console", PathParam(call, "path")); }

Status HandlePortalPage(Call& call) { return ServeAsset(call, "portal", PathParam(call, "path")); }

}  // namespace labelloop::http
