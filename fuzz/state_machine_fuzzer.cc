// The state-machine loader (workflow::ParseStateMachine): any text either parses into a
// machine whose every reference resolves, or is refused with InvalidArgument. The registry
// knows the Resource names of statemachines/default.json, so valid seeds parse fully.
#include <string_view>

#include "common/json_util.h"
#include "fuzz/fuzz_util.h"
#include "workflow/state_machine.h"
#include "workflow/task_registry.h"

using namespace labelloop;

namespace {

const workflow::TaskRegistry& Registry() {
  static const workflow::TaskRegistry* registry = [] {
    auto* r = new workflow::TaskRegistry();
    for (const char* name : {"labelloop:add-training-image", "labelloop:apply-parameter", "labelloop:check-f1", "labelloop:check-training", "labelloop:create-manifest", "labelloop:create-review-task", "labelloop:create-version", "labelloop:deploy", "labelloop:detect", "labelloop:sample-detections", "labelloop:start-version", "labelloop:training-status", "labelloop:version-status", "labelloop:echo"}) {
      Status status = r->Register(name, [](const Json& input, const workflow::TaskContext&) -> Result<Json> {
        return input;
      });
      fuzz::Require(status.ok(), "register", status.ToString());
    }
    return r;
  }();
  return *registry;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Result<workflow::StateMachine> machine = workflow::ParseStateMachine(fuzz::AsText(data, size), Registry());
  if (!machine.ok()) {
    fuzz::Require(machine.status().code() == StatusCode::kInvalidArgument, "refusals are InvalidArgument",
                  machine.status().ToString());
    fuzz::RequireDumpable(machine.status().message(), "ParseStateMachine message");
    return 0;
  }
  fuzz::Require(machine->FindState(machine->start_at()) != nullptr, "StartAt names a state", machine->start_at());
  fuzz::Require(!machine->states().empty(), "a machine has states");
  return 0;
}
