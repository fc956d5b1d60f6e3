// Request JSON bodies: the parse every handler starts with (ParseJson, then "must be an
// object"), and the pure parsers behind the members handlers read: a parameter "value"
// (ValidateParameterValue for every parameter), a review answer's "label"
// (ValidateLabelName), a user's "role", "name" and "password" (ParseRole, credential
// rules), and a review output.json (ParseReviewOutput). No crash, no exception, no UB, and
// every error message serialises as JSON (it goes back in a reply).
#include <string>
#include <string_view>

#include "auth/credential_rules.h"
#include "auth/role.h"
#include "common/json_util.h"
#include "fuzz/fuzz_util.h"
#include "params/parameter_definitions.h"
#include "params/parameter_validation.h"
#include "review/review_output.h"
#include "store/object_keys.h"

using namespace labelloop;

namespace {

void CheckError(const Status& status, const char* what) {
  if (!status.ok()) fuzz::RequireDumpable(status.message(), what);
}

void CheckMembers(const Json& body) {
  if (auto it = body.find("value"); it != body.end() && it->is_string()) {
    const std::string value = it->get<std::string>();
    for (const params::ParameterDefinition& definition : params::ParameterDefinitions()) {
      Result<std::string> canonical = params::CanonicalParameterValue(definition, value);
      if (canonical.ok()) {
        // The canonical form is a fixed point.
        Result<std::string> again = params::CanonicalParameterValue(definition, *canonical);
        fuzz::Require(again.ok() && *again == *canonical, "canonical parameter value is stable", *canonical);
      } else {
        CheckError(canonical.status(), "CanonicalParameterValue message");
      }
      CheckError(params::ValidateParameterValue(definition.name, value), "ValidateParameterValue message");
    }
  }
  if (auto it = body.find("label"); it != body.end() && it->is_string()) {
    CheckError(store::ValidateLabelName(it->get<std::string>()), "ValidateLabelName message");
  }
  if (auto it = body.find("role"); it != body.end() && it->is_string()) {
    CheckError(auth::ParseRole(it->get<std::string>()).status(), "ParseRole message");
  }
  if (auto it = body.find("name"); it != body.end() && it->is_string()) {
    CheckError(auth::ValidateName(it->get<std::string>(), "user name"), "ValidateName message");
  }
  if (auto it = body.find("password"); it != body.end() && it->is_string()) {
    CheckError(auth::ValidatePassword(it->get<std::string>()), "ValidatePassword message");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = fuzz::AsText(data, size);
  Result<Json> body = ParseJson(text, "request body");
  if (!body.ok()) {
    CheckError(body.status(), "ParseJson message");
    return 0;
  }
  // What a reply echoing the body would do (handlers quote a wrong member with dump()).
  (void)body->dump();
  if (body->is_object()) CheckMembers(*body);
  Result<review::ReviewOutput> output = review::ParseReviewOutput(text);
  CheckError(output.status(), "ParseReviewOutput message");
  return 0;
}
