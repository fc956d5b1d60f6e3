#include "auth/object_access.h"

#include <fmt/format.h>

namespace labelloop::auth {
namespace {

// Spelled here rather than taken from store/object_keys.h so auth stays below store; the
// unit test pins them to the store's constants.
constexpr std::string_view kDetectionPrefix = "images_for_detection/";

// The first segment with its '/', or the whole text when it has no '/' (a bare prefix such
// as "images_for_detection" while listing, which is not inside the folder).
std::string_view TopLevel(std::string_view key) {
  const size_t slash = key.find('/');
  return slash == std::string_view::npos ? key : key.substr(0, slash + 1);
}

// Printable, bounded form of an untrusted key for messages.
std::string Shown(std::string_view key) {
  std::string out;
  for (char c : key.substr(0, 120)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f || u >= 0x80 || c == '\'') ? '?' : c;
  }
  if (key.size() > 120) out += "...";
  return out;
}

std::string_view WhatRoleMayDo(Role role) {
  switch (role) {
    case Role::kAdmin: return "everything";
    case Role::kReviewer: return "read the images of review tasks it may still answer";
    case Role::kConsumer: return "write under images_for_detection/ (and detect)";
  }
  return "nothing";
}

}  // namespace

std::string_view ObjectVerbName(ObjectVerb verb) {
  switch (verb) {
    case ObjectVerb::kRead: return "read";
    case ObjectVerb::kWrite: return "write";
    case ObjectVerb::kDelete: return "delete";
    case ObjectVerb::kList: return "list";
  }
  return "?";
}

ObjectAccessVerdict ObjectAccess(Role role, ObjectVerb verb, std::string_view key_or_prefix) {
  if (role == Role::kAdmin) return ObjectAccessVerdict::kAllowed;
  const bool under_detection = TopLevel(key_or_prefix) == kDetectionPrefix;
  if (role == Role::kConsumer) {
    return verb == ObjectVerb::kWrite && under_detection ? ObjectAccessVerdict::kAllowed
                                                         : ObjectAccessVerdict::kDenied;
  }
  // Reviewer: review tasks are only made for detected images, which all live under
  // images_for_detection/; never model files, manifests, training images or answers.
  return verb == ObjectVerb::kRead && under_detection ? ObjectAccessVerdict::kNeedsReviewTask
                                                      : ObjectAccessVerdict::kDenied;
}

Status CheckObjectAccess(Role role, ObjectVerb verb, std::string_view key_or_prefix, bool has_review_task) {
  const ObjectAccessVerdict verdict = ObjectAccess(role, verb, key_or_prefix);
  if (verdict == ObjectAccessVerdict::kAllowed) return OkStatus();
  if (verdict == ObjectAccessVerdict::kNeedsReviewTask) {
    if (has_review_task) return OkStatus();
    return PermissionDeniedError(fmt::format(
        "role '{}' may read '{}' only while it has an open review task on that image", RoleName(role),
        Shown(key_or_prefix)));
  }
  const std::string_view top = TopLevel(key_or_prefix);
  return PermissionDeniedError(fmt::format("role '{}' may not {} '{}' (prefix '{}'); it may {}", RoleName(role),
                                           ObjectVerbName(verb), Shown(key_or_prefix),
                                           top.empty() ? "(whole bucket)" : Shown(top), WhatRoleMayDo(role)));
}

}  // namespace labelloop::auth
