#include "workflow/state_machine.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <deque>
#include <set>

#include "common/file_util.h"
#include "common/json_util.h"

namespace labelloop::workflow {
namespace {

// Every state a state may go to next, with the field naming it.
std::vector<std::pair<std::string, std::string>> Successors(const State& state) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!state.next.empty()) out.emplace_back("Next", state.next);
  if (!state.default_next.empty()) out.emplace_back("Default", state.default_next);
  for (size_t i = 0; i < state.choices.size(); ++i) {
    out.emplace_back(fmt::format("Choices[{}].Next", i), state.choices[i].next());
  }
  for (size_t i = 0; i < state.catchers.size(); ++i) {
    out.emplace_back(fmt::format("Catch[{}].Next", i), state.catchers[i].next);
  }
  return out;
}

}  // namespace

const State* StateMachine::FindState(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &states_[it->second];
}

Result<StateMachine> ParseStateMachine(std::string_view json_text, const TaskRegistry& registry) {
  const auto bad = [](std::string_view why) { return InvalidArgumentError(fmt::format("state machine: {}", why)); };
  ASSIGN_OR_RETURN(const Json definition, ParseJson(json_text, "state machine definition"));
  if (!definition.is_object()) return bad("the definition must be a JSON object");
  for (const auto& [key, value] : definition.items()) {
    if (key != "StartAt" && key != "States" && key != "Comment" && key != "Version") {
      return bad(fmt::format("unknown top-level field \"{}\" (allowed: StartAt, States, Comment, Version)", key));
    }
  }
  StateMachine machine;
  machine.definition_json_ = std::string(json_text);
  if (auto comment = definition.find("Comment"); comment != definition.end() && comment->is_string()) {
    machine.comment_ = comment->get<std::string>();
  }
  auto states = definition.find("States");
  if (states == definition.end() || !states->is_object() || states->empty()) {
    return bad("\"States\" must be a non-empty object of named states");
  }
  for (const auto& [name, state_json] : states->items()) {
    Result<State> state = ParseState(name, state_json);
    if (!state.ok()) return bad(state.status().message());
    if (state->type == StateType::kTask && registry.Find(state->resource) == nullptr) {
      return bad(fmt::format("state '{}': Task Resource '{}' is not a registered task (registered: {})", name,
                             state->resource, fmt::join(registry.Resources(), ", ")));
    }
    machine.index_.emplace(name, machine.states_.size());
    machine.states_.push_back(std::move(state).value());
  }

  auto start_at = definition.find("StartAt");
  if (start_at == definition.end() || !start_at->is_string()) {
    return bad("\"StartAt\" (the name of the first state) is required");
  }
  machine.start_at_ = start_at->get<std::string>();
  if (machine.FindState(machine.start_at_) == nullptr) {
    return bad(fmt::format("StartAt '{}' is not a state", machine.start_at_));
  }

  for (const State& state : machine.states_) {
    for (const auto& [field, target] : Successors(state)) {
      if (machine.FindState(target) == nullptr) {
        return bad(fmt::format("state '{}': {} '{}' is not a state", state.name, field, target));
      }
    }
  }

  std::set<std::string> reached = {machine.start_at_};
  std::deque<std::string> queue = {machine.start_at_};
  while (!queue.empty()) {
    const State* state = machine.FindState(queue.front());
    queue.pop_front();
    for (const auto& [field, target] : Successors(*state)) {
      if (reached.insert(target).second) queue.push_back(target);
    }
  }
  for (const State& state : machine.states_) {
    if (!reached.contains(state.name)) {
      return bad(fmt::format("state '{}' is unreachable from StartAt '{}'", state.name, machine.start_at_));
    }
  }
  return machine;
}

Result<StateMachine> LoadStateMachineFile(const std::string& path, const TaskRegistry& registry) {
  Result<std::string> text = ReadFileBytes(path);
  if (!text.ok()) return text.status().WithContext(fmt::format("loading state machine file '{}'", path));
  Result<StateMachine> machine = ParseStateMachine(*text, registry);
  if (!machine.ok()) return machine.status().WithContext(fmt::format("state machine file '{}'", path));
  return machine;
}

}  // namespace labelloop::workflow
