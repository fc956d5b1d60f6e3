// Which bucket prefixes each role may touch through the API (DESIGN.md: "a role may touch
// only its prefixes"). Pure rules on the key alone; the one rule that needs data (a
// reviewer reads an image only while it has a review task to answer on it) is checked by
// the caller after ObjectAccess says kNeedsReviewTask. Thread-safe (stateless).
//
//   role      read (GET)                  write (PUT, POST)        delete    list
//   admin     everything                  everything               all       all
//   reviewer  images_for_detection/ keys  nothing                  nothing   nothing
//             of its open review tasks
//   consumer  nothing                     images_for_detection/    nothing   nothing
#pragma once

#include <string_view>

#include "auth/role.h"
#include "common/status.h"

namespace labelloop::auth {

enum class ObjectVerb { kRead, kWrite, kDelete, kList };

enum class ObjectAccessVerdict {
  kAllowed,
  kDenied,
  kNeedsReviewTask,  // allowed only if the caller has an open review task on this image
};

// "read", "write", "delete", "list".
std::string_view ObjectVerbName(ObjectVerb verb);

// The verdict for `role` doing `verb` on `key_or_prefix` (an object key, or a list prefix,
// possibly empty = the whole bucket). Decided by the top-level prefix only: a key outside
// the five prefixes is denied to every role but admin.
ObjectAccessVerdict ObjectAccess(Role role, ObjectVerb verb, std::string_view key_or_prefix);

// OK when ObjectAccess allows it outright or (for kNeedsReviewTask) when `has_review_task`;
// PermissionDenied otherwise, with a message naming the role, the verb, the key's prefix and
// what the role may do instead.
Status CheckObjectAccess(Role role, ObjectVerb verb, std::string_view key_or_prefix, bool has_review_task = false);

}  // namespace labelloop::auth
