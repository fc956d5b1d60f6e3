// The role-by-prefix rules, as a table: every role x verb x top-level prefix.
#include "auth/object_access.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "store/object_keys.h"

namespace labelloop::auth {
namespace {

using V = ObjectAccessVerdict;

TEST(ObjectAccessTest, EveryRoleVerbAndPrefix) {
  // The table in docs/auth.md, written out by hand (not derived from the code under test).
  struct Row {
    std::string_view prefix;
    V reviewer_read;
    V consumer_write;
  };
  const Row rows[] = {
      {store::kDetectionPrefix, V::kNeedsReviewTask, V::kAllowed},
      {store::kHumanLoopPrefix, V::kDenied, V::kDenied},
      {store::kEvaluationPrefix, V::kDenied, V::kDenied},
      {store::kLabeledPrefix, V::kDenied, V::kDenied},
      {store::kManifestPrefix, V::kDenied, V::kDenied},
      {"elsewhere/", V::kDenied, V::kDenied},
  };
  for (const Row& row : rows) {
    const std::string key = std::string(row.prefix) + "sub/x.jpg";
    SCOPED_TRACE(key);
    for (ObjectVerb verb : {ObjectVerb::kRead, ObjectVerb::kWrite, ObjectVerb::kDelete, ObjectVerb::kList}) {
      SCOPED_TRACE(std::string(ObjectVerbName(verb)));
      EXPECT_EQ(ObjectAccess(Role::kAdmin, verb, key), V::kAllowed);
      EXPECT_EQ(ObjectAccess(Role::kReviewer, verb, key), verb == ObjectVerb::kRead ? row.reviewer_read : V::kDenied);
      EXPECT_EQ(ObjectAccess(Role::kConsumer, verb, key), verb == ObjectVerb::kWrite ? row.consumer_write : V::kDenied);
    }
  }
}

TEST(ObjectAccessTest, LookAlikePrefixesAreNotTheFolder) {
  for (std::string_view key : {"images_for_detection", "images_for_detectionX/a.jpg", "images_for_detection.jpg",
                               "Images_for_detection/a.jpg", "", "x/images_for_detection/a.jpg"}) {
    SCOPED_TRACE(std::string(key));
    EXPECT_EQ(ObjectAccess(Role::kConsumer, ObjectVerb::kWrite, key), V::kDenied);
    EXPECT_EQ(ObjectAccess(Role::kReviewer, ObjectVerb::kRead, key), V::kDenied);
    EXPECT_EQ(ObjectAccess(Role::kAdmin, ObjectVerb::kList, key), V::kAllowed);
  }
}

TEST(ObjectAccessTest, CheckNamesTheRuleAndHonoursTheReviewTask) {
  Status denied = CheckObjectAccess(Role::kConsumer, ObjectVerb::kWrite, "evaluation/v1/model.bin");
  EXPECT_EQ(denied.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(denied.message().find("consumer"), std::string::npos) << denied.message();
  EXPECT_NE(denied.message().find("evaluation/"), std::string::npos) << denied.message();
  EXPECT_NE(denied.message().find("images_for_detection/"), std::string::npos) << denied.message();
  EXPECT_EQ(CheckObjectAccess(Role::kReviewer, ObjectVerb::kRead, "images_for_detection/a.jpg").code(),
            StatusCode::kPermissionDenied);
  EXPECT_TRUE(CheckObjectAccess(Role::kReviewer, ObjectVerb::kRead, "images_for_detection/a.jpg", true).ok());
  // A review task never opens other prefixes.
  EXPECT_EQ(CheckObjectAccess(Role::kReviewer, ObjectVerb::kRead, "a2i-human-loop-data/f/output.json", true).code(),
            StatusCode::kPermissionDenied);
  // Hostile bytes in a key never reach the message raw.
  Status hostile = CheckObjectAccess(Role::kConsumer, ObjectVerb::kDelete, std::string("a\n\xff/b", 5));
  EXPECT_EQ(hostile.message().find('\n'), std::string::npos);
}

}  // namespace
}  // namespace labelloop::auth
