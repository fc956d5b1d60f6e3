// TaskRegistry: the named C++ handlers a state machine's Task states may call ("Resource":
// "labelloop:check-training"). Filled once at start-up, then read by the engine's workers:
// Register is not thread-safe; Find is safe from any thread once registration is over.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "workflow/task_context.h"

namespace labelloop::workflow {

using Json = nlohmann::json;

// Returns the task's result, or a Status whose code names the error Retry/Catch match on
// ("Unavailable", "FailedPrecondition", ...). May throw: the engine turns an exception into
// an "Internal" task failure.
using TaskHandler = std::function<Result<Json>(const Json& input, const TaskContext& context)>;

class TaskRegistry {
 public:
  // InvalidArgument when `resource` is empty or `handler` is empty; AlreadyExists when the
  // resource is registered already.
  Status Register(std::string resource, TaskHandler handler);
  // nullptr when no handler has that name.
  const TaskHandler* Find(std::string_view resource) const;
  // Registered resource names, sorted (for error messages and the console).
  std::vector<std::string> Resources() const;

 private:
  std::map<std::string, TaskHandler, std::less<>> handlers_;
};

}  // namespace labelloop::workflow
