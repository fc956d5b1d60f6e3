// What every route on the bucket shares, the native /api/v1/objects routes and the S3 ones
// alike: the role-by-prefix check for the caller, the object-created announcement (the
// event that starts detection or training) and the content type an object is served with.
// Thread-safe (stateless).
#pragma once

#include <string>
#include <string_view>

#include "auth/object_access.h"
#include "common/status.h"
#include "http/route.h"
#include "store/object_store.h"

namespace labelloop::http {

// The role-by-prefix rule for this caller (auth/object_access.h); a reviewer's read also
// needs a review task it may still answer on that image. PermissionDenied naming the rule.
Status CheckObjectAccess(const Call& call, auth::ObjectVerb verb, std::string_view key);

// Queues the object's event (hooks.object_created) and publishes object.created.
void AnnounceObjectCreated(Call& call, const store::ObjectInfo& info);

// Types for bucket objects: only ones a browser will not run as a page or a script
// (uploaded HTML or SVG must never execute in the console's origin); anything else is a
// download (application/octet-stream).
std::string ObjectContentType(std::string_view key);

}  // namespace labelloop::http
