// A webhook sink ("webhook:<name>"): POSTs each notification as JSON ({"id", "created_ms",
// "created", "subject", "body"}) to one endpoint, signed by the Standard Webhooks scheme
// (standardwebhooks.com), so receivers can use its libraries and refuse replays:
//   webhook-id:        labelloop-<notification id> (the same on every retry: drop duplicates)
//   webhook-timestamp: seconds since the epoch when this attempt was signed (refuse old ones)
//   webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">
// The key is the secret's bytes, or for a "whsec_<base64>" secret the decoded bytes (as
// Standard Webhooks libraries take it). The older labelloop headers stay for receivers
// written against them:
//   X-Labelloop-Signature: sha256=<hex HMAC-SHA256 of the exact body under the secret>
//   X-Labelloop-Delivery:  <notification id> (the same on every retry: drop duplicates)
//   X-Labelloop-Event:     <subject> (control and non-ASCII bytes percent-encoded)
// 2xx is delivered; 408, 429, 5xx and network errors are retried; other replies give up.
// Thread-safe: every Deliver uses its own connection, bounded by the configured timeout.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "notify/notify_config.h"
#include "notify/sink.h"

namespace labelloop::notify {

// InvalidArgument (naming the field) for a config ParseNotifyConfig would refuse.
Result<std::unique_ptr<Sink>> CreateWebhookSink(const WebhookConfig& config);

// The exact bytes POSTed for `n`.
std::string WebhookPayload(const Notification& n);
// "sha256=" + HMAC-SHA256 hex of `body` under `secret`.
std::string WebhookSignature(std::string_view secret, std::string_view body);

struct StandardWebhookHeaders {
  std::string id;         // webhook-id
  std::string timestamp;  // webhook-timestamp
  std::string signature;  // webhook-signature
};
// The Standard Webhooks headers of one attempt to deliver notification `notification_id`.
StandardWebhookHeaders SignStandardWebhook(std::string_view secret, int64_t notification_id, int64_t timestamp_s,
                                           std::string_view body);
// The HMAC key of `secret` (see above).
std::string StandardWebhookKey(std::string_view secret);
// `subject` made safe for an HTTP header value: bytes outside printable ASCII and '%'
// are percent-encoded ("%0A").
std::string WebhookEventHeaderValue(std::string_view subject);

}  // namespace labelloop::notify
