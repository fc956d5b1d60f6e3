#include "workflow/task_context.h"

#include <fmt/format.h>

namespace labelloop::workflow {

std::string TaskContext::IdempotencyKey() const {
  return fmt::format("{}/{}#{}", execution_id, state_name, state_entry);
}

}  // namespace labelloop::workflow
