// PayloadTemplate: a state's "Parameters" or "ResultSelector": a JSON template in which a
// member "key.$": "$.path" becomes "key": <value at path in the input>, recursively
// through objects and arrays. Paths are checked at load. Immutable; thread-safe.
#pragma once

#include <string>

#include "common/status.h"
#include "workflow/json_path.h"

namespace labelloop::workflow {

class PayloadTemplate {
 public:
  // `where` names the template in errors ("state 'Detect': Parameters"). InvalidArgument
  // when a "key.$" value is not a string JSONPath.
  static Result<PayloadTemplate> Parse(const Json& payload, const std::string& where);

  // The template with every path replaced by its value in `input`. NotFound naming the
  // member and the path when the input has no such value.
  Result<Json> Apply(const Json& input) const;

 private:
  Json payload_;
  std::string where_;
};

}  // namespace labelloop::workflow
