#include "http/bucket_calls.h"

#include <cctype>

#include "http/call_util.h"
#include "review/review_service.h"
#include "store/object_keys.h"

namespace labelloop::http {

Status CheckObjectAccess(const Call& call, auth::ObjectVerb verb, std::string_view key) {
  const auth::Role role = call.caller->role;
  bool has_task = false;
  if (auth::ObjectAccess(role, verb, key) == auth::ObjectAccessVerdict::kNeedsReviewTask) {
    RETURN_IF_ERROR(RequireDep(call.deps.reviews, "the review service"));
    ASSIGN_OR_RETURN(has_task, call.deps.reviews->MayReadImage(call.caller->name, key));
  }
  return auth::CheckObjectAccess(role, verb, key, has_task);
}

void AnnounceObjectCreated(Call& call, const store::ObjectInfo& info) {
  if (call.deps.hooks.object_created) call.deps.hooks.object_created(info.key, info.etag);
  call.events.Publish("object.created", {{"key", info.key}, {"etag", info.etag}, {"size", info.size_bytes}});
}

std::string ObjectContentType(std::string_view key) {
  std::string_view name = store::BaseName(key);
  size_t dot = name.rfind('.');
  std::string extension = dot == std::string_view::npos ? "" : std::string(name.substr(dot + 1));
  for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (extension == "jpg" || extension == "jpeg") return "image/jpeg";
  if (extension == "png") return "image/png";
  if (extension == "gif") return "image/gif";
  if (extension == "webp") return "image/webp";
  if (extension == "bmp") return "image/bmp";
  if (extension == "tif" || extension == "tiff") return "image/tiff";
  if (extension == "json") return "application/json";
  if (extension == "manifest" || extension == "jsonl") return "application/x-ndjson";
  if (extension == "txt" || extension == "csv") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

}  // namespace labelloop::http
