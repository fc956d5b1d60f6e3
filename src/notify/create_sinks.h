// CreateSinks: the sinks a NotifyConfig asks for ("email" when e-mail is configured, then
// "webhook:<name>" per endpoint, in config order). The inbox is not a sink: the Notifier
// always keeps it. Thread-safe (stateless).
#pragma once

#include <memory>
#include <vector>

#include "common/status.h"
#include "notify/notify_config.h"
#include "notify/sink.h"

namespace labelloop::notify {

// InvalidArgument (naming the field) for an invalid config.
Result<std::vector<std::unique_ptr<Sink>>> CreateSinks(const NotifyConfig& config);

}  // namespace labelloop::notify
