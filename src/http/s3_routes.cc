// The bucket as S3 (path style, under /s3; docs/aws.md): ListBuckets, HeadBucket,
// GetBucketLocation, ListObjectsV2 (prefix, delimiter, continuation, start-after,
// max-keys), PutObject, CopyObject, GetObject (Range), HeadObject, DeleteObject. Requests
// are signed with SigV4 (aws_auth.h; the dispatcher checks it before any body byte is
// read); every object call then applies the same role-by-prefix rules as the native
// routes, and an upload raises the same event. Errors are S3's XML (s3_xml.h).
#include <fmt/format.h>

#include <ctime>

#include "common/content_hash.h"
#include "http/aws_auth.h"
#include "http/bucket_calls.h"
#include "http/byte_range.h"
#include "http/call_util.h"
#include "http/handlers.h"
#include "http/request_target.h"
#include "http/s3_xml.h"
#include "store/object_keys.h"
#include "store/object_store.h"

namespace labelloop::http {
namespace {

constexpr std::string_view kXmlHead = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
constexpr std::string_view kS3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";
constexpr int kMaxS3ListKeys = 1000;

void ReplyXml(Call& call, std::string body) {
  call.response.status = 200;
  call.response.set_content(std::string(kXmlHead) + body, "application/xml");
}

// S3 timestamps: 2026-12-03T19:30:00.000Z.
std::string S3Time(int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", text, static_cast<int>(ms % 1000));
}

// HTTP dates for Last-Modified: Thu, 03 Dec 2026 19:30:00 GMT.
std::string HttpTime(int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[40];
  std::strftime(text, sizeof(text), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return text;
}

std::string Quoted(std::string_view etag) { return fmt::format("\"{}\"", etag); }

// The bucket in the path must be the one labelloop serves.
Status CheckBucket(const Call& call) {
  const std::string& bucket = PathParam(call, "bucket");
  if (bucket != call.options.s3_bucket) {
    return AwsError(StatusCode::kNotFound, "NoSuchBucket",
                    fmt::format("this server has one bucket, '{}'", call.options.s3_bucket));
  }
  return OkStatus();
}

Result<std::string> CheckedKey(const Call& call) {
  RETURN_IF_ERROR(CheckBucket(call));
  const std::string& key = PathParam(call, "key");
  if (Status valid = store::ValidateObjectKey(key); !valid.ok()) {
    return AwsError(StatusCode::kInvalidArgument, "InvalidArgument", valid.message());
  }
  return key;
}

Status NoSuchKey(std::string_view key) {
  return AwsError(StatusCode::kNotFound, "NoSuchKey", fmt::format("the object {} does not exist", store::QuoteKey(key)));
}

// Store errors in S3's words: a missing object is NoSuchKey.
template <typename T>
Result<T> OrNoSuchKey(Result<T> result, std::string_view key) {
  if (!result.ok() && result.status().code() == StatusCode::kNotFound) return NoSuchKey(key);
  return result;
}

void SetObjectHeaders(Call& call, const store::ObjectInfo& info) {
  call.response.set_header("ETag", Quoted(info.etag));
  call.response.set_header("Last-Modified", HttpTime(info.last_modified_ms));
}

// x-amz-copy-source: "bucket/key" or "/bucket/key", percent-encoded, maybe "?versionId=".
Result<std::string> CopySourceKey(const Call& call, std::string_view source) {
  if (source.find('?') != std::string_view::npos) {
    return AwsError(StatusCode::kInvalidArgument, "InvalidArgument", "object versions are not supported");
  }
  auto decoded = PercentDecode(source, false, "x-amz-copy-source");
  if (!decoded.ok()) return AwsError(StatusCode::kInvalidArgument, "InvalidArgument", decoded.status().message());
  std::string_view rest = *decoded;
  if (rest.starts_with('/')) rest.remove_prefix(1);
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos || rest.substr(0, slash) != call.options.s3_bucket) {
    return AwsError(StatusCode::kInvalidArgument, "InvalidArgument",
                    fmt::format("x-amz-copy-source must name an object of bucket '{}'", call.options.s3_bucket));
  }
  std::string key(rest.substr(slash + 1));
  if (Status valid = store::ValidateObjectKey(key); !valid.ok()) {
    return AwsError(StatusCode::kInvalidArgument, "InvalidArgument", valid.message());
  }
  return key;
}

Status CopyObject(Call& call, const std::string& key, std::string_view source) {
  ASSIGN_OR_RETURN(std::string source_key, CopySourceKey(call, source));
  RETURN_IF_ERROR(CheckObjectAccess(call, auth::ObjectVerb::kRead, source_key));
  ASSIGN_OR_RETURN(store::ObjectInfo info, OrNoSuchKey(call.deps.bucket->Copy(source_key, key), source_key));
  AnnounceObjectCreated(call, info);
  ReplyXml(call, fmt::format("<CopyObjectResult>{}{}</CopyObjectResult>",
                             XmlElement("LastModified", S3Time(info.last_modified_ms)),
                             XmlElement("ETag", Quoted(info.etag))));
  return OkStatus();
}

// One page of ListObjectsV2. With a delimiter, keys that hold it after the prefix fold
// into common prefixes; keys and prefixes share max-keys and the continuation (the last
// entry returned). The store lists in key order, so a page reads the store from the
// continuation on until the page is full.
struct ListPage {
  std::vector<store::ObjectInfo> objects;
  std::vector<std::string> prefixes;
  std::string next;  // the last entry returned when the listing goes on; "" at the end
};

Result<ListPage> ListS3Page(store::ObjectStore& bucket, const std::string& prefix, const std::string& delimiter,
                            const std::string& after, int max_keys) {
  ListPage page;
  std::string store_token, last_entry;
  int entries = 0;
  while (true) {
    ASSIGN_OR_RETURN(store::ListResult chunk, bucket.List(prefix, store_token));
    for (store::ObjectInfo& info : chunk.objects) {
      std::string entry = info.key;
      bool is_prefix = false;
      if (!delimiter.empty()) {
        const size_t at = info.key.find(delimiter, prefix.size());
        if (at != std::string::npos) {
          entry = info.key.substr(0, at + delimiter.size());
          is_prefix = true;
        }
      }
      if (!after.empty() && entry <= after) continue;
      if (is_prefix && !page.prefixes.empty() && page.prefixes.back() == entry) continue;
      if (entries == max_keys) {
        page.next = last_entry;
        return page;
      }
      ++entries;
      last_entry = entry;
      if (is_prefix) {
        page.prefixes.push_back(std::move(entry));
      } else {
        page.objects.push_back(std::move(info));
      }
    }
    if (chunk.next_continuation_token.empty()) return page;
    store_token = chunk.next_continuation_token;
  }
}

Status ListObjectsV2(Call& call) {
  const std::string prefix = QueryString(call, "prefix");
  const std::string delimiter = QueryString(call, "delimiter");
  ASSIGN_OR_RETURN(int64_t max_keys, QueryInt(call, "max-keys", kMaxS3ListKeys, 0, 1'000'000));
  max_keys = std::min<int64_t>(max_keys, kMaxS3ListKeys);
  const std::string token = QueryString(call, "continuation-token");
  std::string after = QueryString(call, "start-after");
  if (!token.empty()) {
    std::optional<std::string> decoded = Base64Decode(token);
    if (!decoded) return AwsError(StatusCode::kInvalidArgument, "InvalidArgument", "the continuation token is not valid");
    after = *decoded;
  }
  RETURN_IF_ERROR(CheckObjectAccess(call, auth::ObjectVerb::kList, prefix));
  ListPage page;
  if (max_keys > 0) {
    ASSIGN_OR_RETURN(page, ListS3Page(*call.deps.bucket, prefix, delimiter, after, static_cast<int>(max_keys)));
  }
  std::string body = fmt::format("<ListBucketResult xmlns=\"{}\">{}{}{}{}{}", kS3Namespace,
                                 XmlElement("Name", call.options.s3_bucket), XmlElement("Prefix", prefix),
                                 XmlElement("KeyCount", std::to_string(page.objects.size() + page.prefixes.size())),
                                 XmlElement("MaxKeys", std::to_string(max_keys)),
                                 XmlElement("IsTruncated", page.next.empty() ? "false" : "true"));
  if (!delimiter.empty()) body += XmlElement("Delimiter", delimiter);
  if (!token.empty()) body += XmlElement("ContinuationToken", token);
  if (!page.next.empty()) body += XmlElement("NextContinuationToken", Base64Encode(page.next));
  for (const store::ObjectInfo& info : page.objects) {
    body += fmt::format("<Contents>{}{}{}{}<StorageClass>STANDARD</StorageClass></Contents>",
                        XmlElement("Key", info.key), XmlElement("LastModified", S3Time(info.last_modified_ms)),
                        XmlElement("ETag", Quoted(info.etag)), XmlElement("Size", std::to_string(info.size_bytes)));
  }
  for (const std::string& common : page.prefixes) {
    body += "<CommonPrefixes>" + XmlElement("Prefix", common) + "</CommonPrefixes>";
  }
  ReplyXml(call, body + "</ListBucketResult>");
  return OkStatus();
}

}  // namespace

Status HandleS3ListBuckets(Call& call) {
  ReplyXml(call, fmt::format("<ListAllMyBucketsResult xmlns=\"{}\"><Owner>{}{}</Owner><Buckets><Bucket>{}{}</Bucket>"
                             "</Buckets></ListAllMyBucketsResult>",
                             kS3Namespace, XmlElement("ID", call.caller->name),
                             XmlElement("DisplayName", call.caller->name), XmlElement("Name", call.options.s3_bucket),
                             XmlElement("CreationDate", S3Time(0))));
  return OkStatus();
}

Status HandleS3Bucket(Call& call) {
  RETURN_IF_ERROR(CheckBucket(call));
  if (call.request.has_param("location")) {
    ReplyXml(call, fmt::format("<LocationConstraint xmlns=\"{}\"></LocationConstraint>", kS3Namespace));
    return OkStatus();
  }
  if (call.request.method == "HEAD") {
    call.response.status = 200;
    return OkStatus();
  }
  const std::string list_type = QueryString(call, "list-type");
  if (list_type != "2") {
    // TODO(#12): ListObjects (v1), which older clients still send; ListObjectsV2 only for now.
    return AwsError(StatusCode::kInvalidArgument, "NotImplemented",
                    "only ListObjectsV2 (list-type=2) lists this bucket");
  }
  return ListObjectsV2(call);
}

Status HandleS3PutObject(Call& call) {
  ASSIGN_OR_RETURN(std::string key, CheckedKey(call));
  RETURN_IF_ERROR(CheckObjectAccess(call, auth::ObjectVerb::kWrite, key));
  const std::string copy_source = call.request.get_header_value("x-amz-copy-source");
  if (!copy_source.empty()) return CopyObject(call, key, copy_source);
  RETURN_IF_ERROR(CheckPayloadHash(call.request));
  ASSIGN_OR_RETURN(store::ObjectInfo info, call.request.body_file.empty()
                                               ? call.deps.bucket->Put(key, call.request.body)
                                               : call.deps.bucket->PutFile(key, call.request.body_file));
  AnnounceObjectCreated(call, info);
  call.response.status = 200;
  call.response.set_header("ETag", Quoted(info.etag));
  return OkStatus();
}

Status HandleS3GetObject(Call& call) {
  ASSIGN_OR_RETURN(std::string key, CheckedKey(call));
  RETURN_IF_ERROR(CheckObjectAccess(call, auth::ObjectVerb::kRead, key));
  ASSIGN_OR_RETURN(store::ObjectInfo info, OrNoSuchKey(call.deps.bucket->Head(key), key));
  SetObjectHeaders(call, info);
  // HEAD too: the server sends the headers of the GET reply without its body.
  ASSIGN_OR_RETURN(std::string bytes, OrNoSuchKey(call.deps.bucket->Get(key), key));
  ReplyBody(call, std::move(bytes), ObjectContentType(key));  // one Range at most, as S3
  return OkStatus();
}

Status HandleS3DeleteObject(Call& call) {
  ASSIGN_OR_RETURN(std::string key, CheckedKey(call));
  RETURN_IF_ERROR(CheckObjectAccess(call, auth::ObjectVerb::kDelete, key));
  Status deleted = call.deps.bucket->Delete(key);
  if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) return deleted;  // S3: deleting nothing is fine
  if (deleted.ok()) call.events.Publish("object.deleted", {{"key", key}});
  call.response.status = 204;
  return OkStatus();
}

}  // namespace labelloop::http
