#include "workflow/task_registry.h"

#include <fmt/format.h>

namespace labelloop::workflow {

Status TaskRegistry::Register(std::string resource, TaskHandler handler) {
  if (resource.empty()) return InvalidArgumentError("task resource name is empty");
  if (!handler) return InvalidArgumentError(fmt::format("task resource '{}': handler is empty", resource));
  if (handlers_.contains(resource)) {
    return AlreadyExistsError(fmt::format("task resource '{}' is registered already", resource));
  }
  handlers_.emplace(std::move(resource), std::move(handler));
  return OkStatus();
}

const TaskHandler* TaskRegistry::Find(std::string_view resource) const {
  auto it = handlers_.find(resource);
  return it == handlers_.end() ? nullptr : &it->second;
}

std::vector<std::string> TaskRegistry::Resources() const {
  std::vector<std::string> names;
  names.reserve(handlers_.size());
  for (const auto& [name, handler] : handlers_) names.push_back(name);
  return names;
}

}  // namespace labelloop::workflow
