// NotifyConfig: the "notifications" object of DATA/config.json (documented with an example
// in docs/configuration.md): the e-mail sink, the webhook endpoints and the retry policy.
// The inbox needs no configuration (always on). A plain value; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "notify/delivery_options.h"

namespace labelloop::notify {

struct EmailConfig {
  std::string url;              // "smtp://host:587" (STARTTLS) or "smtps://host:465" (implicit TLS)
  std::string from;             // "labelloop <labelloop@example.com>" or a bare address
  std::vector<std::string> to;  // at least one
  std::string username;         // empty: no authentication
  std::string password;
  // smtp:// only: refuse to send unless the server upgrades to TLS (STARTTLS). When false,
  // TLS is still used if the server offers it.
  bool require_starttls = true;
  bool insecure_skip_verify = false;  // accept any certificate (tests, self-signed relays)
  int64_t timeout_ms = 30'000;        // the whole SMTP conversation
};

struct WebhookConfig {
  std::string name;    // the sink is "webhook:<name>"; [A-Za-z0-9_.-], 1..64 characters
  std::string url;     // http:// or https://
  std::string secret;  // HMAC-SHA256 key of X-Labelloop-Signature; never empty
  bool insecure_skip_verify = false;
  int64_t timeout_ms = 10'000;
};

struct NotifyConfig {
  std::optional<EmailConfig> email;
  std::vector<WebhookConfig> webhooks;  // names unique
  DeliveryOptions delivery;             // from "retry"
  // "per_detection_per_minute": notifications made once per detection (results, review
  // tasks) sent one by one per minute and kind; the rest are summed up (notice_limiter.h).
  int per_detection_per_minute = 20;
};

// Parses and validates the "notifications" object. InvalidArgument naming the field
// ("notifications.webhooks[1].url") and the rule, for a missing or mistyped field, an
// unknown key (a typo would otherwise be ignored) or a value out of range. Secrets never
// appear in messages.
Result<NotifyConfig> ParseNotifyConfig(const nlohmann::json& j);

// The checks ParseNotifyConfig makes, for configs built in code; `path` prefixes the field
// names in errors.
Status ValidateEmailConfig(const EmailConfig& config, std::string_view path = "notifications.email");
Status ValidateWebhookConfig(const WebhookConfig& config, std::string_view path = "notifications.webhooks[]");

}  // namespace labelloop::notify
