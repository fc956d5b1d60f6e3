// The bucket over HTTP: PUT one object (raw body), POST many (multipart; each part's
// filename may carry a relative path, kept under the optional `prefix` field), list by
// prefix with continuation, GET the bytes, DELETE. Keys are validated by
// store::ValidateObjectKey before anything is written; a multipart upload is checked whole
// before its first object is stored. Every route also checks the caller's role against the
// key's prefix (auth/object_access.h) before touching the bucket.
#include <fmt/format.h>

#include <set>

#include "auth/object_access.h"
#include "common/content_hash.h"
#include "http/byte_range.h"
#include "http/bucket_calls.h"
#include "http/call_util.h"
#include "http/handlers.h"
#include "http/page_cursor.h"
#include "store/object_keys.h"
#include "review/review_service.h"
#include "store/object_store.h"

namespace labelloop::http {
namespace {

nlohmann::json ObjectJson(const store::ObjectInfo& info) {
  return {{"key", info.key}, {"etag", info.etag}, {"size", info.size_bytes}};
}

// "images_labeled_by_folder/" and "images_labeled_by_folder" both give "images_labeled_by_folder".
Result<std::string> NormalizePrefix(std::string prefix) {
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  if (prefix.empty()) return prefix;
  RETURN_IF_ERROR(store::ValidateObjectPrefix(prefix + "/"));
  return prefix;
}

}  // namespace

Status HandlePutObject(Call& call) {
  const std::string& key = PathParam(call, "key");
  RETURN_IF_ERROR(store::ValidateObjectKey(key));
  RETURN_IF_ERROR(CheckObjectAccess(call, auth::ObjectVerb::kWrite, key));
  // The body waits in a temp file (the server streams uploads to disk); the store moves
  // or copies it into place. An empty body never made a file.
  ASSIGN_OR_RETURN(store::ObjectInfo info, call.request.body_file.empty()
                                               ? call.deps.bucket->Put(key, call.request.body)
                                               : call.deps.bucket->PutFile(key, call.request.body_file));
  AnnounceObjectCreated(call, info);
  ReplyJson(call, 200, ObjectJson(info));
  return OkStatus();
}

Status HandleUploadObjects(Call& call) {
  if (!call.request.is_multipart_form_data()) {
    return InvalidArgumentError(
        "POST /api/v1/objects expects multipart/form-data with one part per file "
        "(use PUT /api/v1/objects/{key} for a single raw body)");
  }
  std::string prefix;
  struct Part {
    std::string key;
    const std::string* file_path;  // the part's bytes, in a temp file the server removes
  };
  std::vector<Part> parts;
  for (const FormPart& part : call.request.form_parts) {
    if (part.filename.empty()) {
      if (part.name == "prefix") prefix = part.value;
      continue;  // other plain form fields are ignored
    }
    parts.push_back(Part{part.filename, &part.file_path});
  }
  if (parts.empty()) {
    return InvalidArgumentError("the upload holds no file parts (each file needs a part with a filename)");
  }
  ASSIGN_OR_RETURN(prefix, NormalizePrefix(prefix));
  std::set<std::string> seen;
  for (Part& part : parts) {
    if (!prefix.empty()) part.key = prefix + "/" + part.key;
    RETURN_IF_ERROR(store::ValidateObjectKey(part.key).WithContext("uploaded file name"));
    if (!seen.insert(part.key).second) {
      return InvalidArgumentError(fmt::format("two uploaded files have the same key {}", store::QuoteKey(part.key)));
    }
    RETURN_IF_ERROR(CheckObjectAccess(call, auth::ObjectVerb::kWrite, part.key));
  }
  nlohmann::json objects = nlohmann::json::array();
  for (const Part& part : parts) {
    auto info = call.deps.bucket->PutFile(part.key, *part.file_path);
    if (!info.ok()) {
      return info.status().WithContext(
          fmt::format("storing {} ({} of {} files stored before it)", store::QuoteKey(part.key), objects.size(),
                      parts.size()));
    }
    AnnounceObjectCreated(call, *info);
    objects.push_back(ObjectJson(*info));
  }
  ReplyJson(call, 201, {{"objects", objects}});
  return OkStatus();
}

Status HandleListObjects(Call& call) {
  std::string prefix = QueryString(call, "prefix");
  std::string continuation = PageCursor(call, "continuation");
  ASSIGN_OR_RETURN(int64_t limit, QueryInt(call, "limit", store::kMaxListKeys, 1, store::kMaxListKeys));
  RETURN_IF_ERROR(CheckObjectAccess(call, auth::ObjectVerb::kList, prefix));
  ASSIGN_OR_RETURN(store::ListResult page,
                   call.deps.bucket->List(prefix, continuation, static_cast<int>(limit)));
  nlohmann::json objects = nlohmann::json::array();
  for (const store::ObjectInfo& info : page.objects) {
    nlohmann::json object = ObjectJson(info);
    object["last_modified"] = IsoTime(info.last_modified_ms);
    objects.push_back(std::move(object));
  }
  nlohmann::json next = page.next_continuation_token.empty() ? nlohmann::json(nullptr)
                                                             : nlohmann::json(page.next_continuation_token);
  ReplyJson(call, 200, WithNextCursor({{"objects", objects}}, next, "continuation"));
  return OkStatus();
}

Status HandleGetObject(Call& call) {
  const std::string& key = PathParam(call, "key");
  RETURN_IF_ERROR(store::ValidateObjectKey(key));
  RETURN_IF_ERROR(CheckObjectAccess(call, auth::ObjectVerb::kRead, key));
  ASSIGN_OR_RETURN(std::string bytes, call.deps.bucket->Get(key));
  std::string etag = "\"" + Sha256Hex(bytes) + "\"";
  call.response.set_header("ETag", etag);
  call.response.set_header("Cache-Control", "private, no-cache");
  if (call.request.get_header_value("If-None-Match") == etag) {
    call.response.status = 304;
    return OkStatus();
  }
  std::string type = ObjectContentType(key);
  if (type == "application/octet-stream") call.response.set_header("Content-Disposition", "attachment");
  ReplyBody(call, std::move(bytes), type);  // honours Range: one range, never an amplification
  return OkStatus();
}

Status HandleDeleteObject(Call& call) {
  const std::string& key = PathParam(call, "key");
  RETURN_IF_ERROR(store::ValidateObjectKey(key));
  RETURN_IF_ERROR(CheckObjectAccess(call, auth::ObjectVerb::kDelete, key));
  RETURN_IF_ERROR(call.deps.bucket->Delete(key));
  call.events.Publish("object.deleted", {{"key", key}});
  ReplyNoContent(call);
  return OkStatus();
}

}  // namespace labelloop::http
