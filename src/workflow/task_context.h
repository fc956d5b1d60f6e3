// TaskContext: what a task handler knows about the run it is part of, and its idempotency
// key. Handlers run at least once (a crash between the handler's return and the commit of
// its result re-runs it), so a handler with side effects keys them on IdempotencyKey(),
// which the engine keeps identical across re-runs. A plain value; thread-compatible.
#pragma once

#include <string>

#include "common/clock.h"

namespace labelloop::workflow {

struct TaskContext {
  std::string execution_id;
  std::string state_name;
  int attempt = 1;              // 1-based: 2 on the first Retry
  const Clock* clock = nullptr;
  int state_entry = 1;          // 1-based: how many times this execution entered state_name

  // execution_id + "/" + state_name + "#" + state_entry: the same for every attempt and
  // every crash re-run of one entry of the state; different when a loop re-enters it.
  std::string IdempotencyKey() const;
};

}  // namespace labelloop::workflow
