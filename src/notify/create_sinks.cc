#include "notify/create_sinks.h"

#include <fmt/format.h>

#include <set>

#include "notify/smtp_sink.h"
#include "notify/webhook_sink.h"

namespace labelloop::notify {

Result<std::vector<std::unique_ptr<Sink>>> CreateSinks(const NotifyConfig& config) {
  std::vector<std::unique_ptr<Sink>> sinks;
  if (config.email) {
    ASSIGN_OR_RETURN(std::unique_ptr<Sink> sink, CreateSmtpSink(*config.email));
    sinks.push_back(std::move(sink));
  }
  std::set<std::string> names;
  for (size_t i = 0; i < config.webhooks.size(); ++i) {
    const WebhookConfig& hook = config.webhooks[i];
    RETURN_IF_ERROR(ValidateWebhookConfig(hook, fmt::format("notifications.webhooks[{}]", i)));
    if (!names.insert(hook.name).second) {
      return InvalidArgumentError(
          fmt::format("notifications.webhooks[{}].name \"{}\" is used by an earlier webhook", i, hook.name));
    }
    ASSIGN_OR_RETURN(std::unique_ptr<Sink> sink, CreateWebhookSink(hook));
    sinks.push_back(std::move(sink));
  }
  RETURN_IF_ERROR(ValidateDeliveryOptions(config.delivery).WithContext("notifications"));
  return sinks;
}

}  // namespace labelloop::notify
