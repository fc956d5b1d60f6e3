// The e-mail sink ("email"): sends each notification to the configured recipients over
// SMTP (libcurl), STARTTLS or implicit TLS. Thread-safe: every Deliver uses its own
// connection, bounded by the configured timeout.
#pragma once

#include <memory>

#include "common/status.h"
#include "notify/notify_config.h"
#include "notify/sink.h"

namespace labelloop::notify {

// InvalidArgument (naming the field) for a config ParseNotifyConfig would refuse.
Result<std::unique_ptr<Sink>> CreateSmtpSink(const EmailConfig& config);

}  // namespace labelloop::notify
