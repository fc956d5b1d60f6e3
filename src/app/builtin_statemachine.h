// statemachines/default.json, compiled into the binary so `serve` needs no file at run time
// (`serve --statemachine PATH` loads another definition instead).
#pragma once

#include <string_view>

namespace labelloop::app {

std::string_view BuiltinStateMachineJson();

}  // namespace labelloop::app
