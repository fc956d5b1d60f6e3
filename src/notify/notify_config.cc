#include "notify/notify_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <string_view>

#include "notify/mail_address.h"

namespace labelloop::notify {
namespace {

using Json = nlohmann::json;

constexpr int64_t kMaxTimeoutMs = 300'000;  // below DeliveryOptions::lease_ms

std::string Field(std::string_view path, std::string_view key) { return fmt::format("{}.{}", path, key); }

Status CheckObject(const Json& j, std::string_view path, std::initializer_list<std::string_view> known_keys) {
  if (!j.is_object()) return InvalidArgumentError(fmt::format("{} must be a JSON object", path));
  for (const auto& [key, value] : j.items()) {
    if (std::find(known_keys.begin(), known_keys.end(), key) == known_keys.end()) {
      std::string known;
      for (std::string_view k : known_keys) known += (known.empty() ? "" : ", ") + std::string(k);
      return InvalidArgumentError(fmt::format("{}: unknown key \"{}\" (known keys: {})", path, key, known));
    }
  }
  return OkStatus();
}

Status ReadString(const Json& j, std::string_view path, std::string_view key, bool required, std::string* out) {
  const auto it = j.find(key);
  if (it == j.end()) {
    return required ? InvalidArgumentError(fmt::format("{} is missing", Field(path, key))) : OkStatus();
  }
  if (!it->is_string()) return InvalidArgumentError(fmt::format("{} must be a string", Field(path, key)));
  *out = it->get<std::string>();
  if (required && out->empty()) return InvalidArgumentError(fmt::format("{} must not be empty", Field(path, key)));
  return OkStatus();
}

Status ReadBool(const Json& j, std::string_view path, std::string_view key, bool* out) {
  const auto it = j.find(key);
  if (it == j.end()) return OkStatus();
  if (!it->is_boolean()) return InvalidArgumentError(fmt::format("{} must be true or false", Field(path, key)));
  *out = it->get<bool>();
  return OkStatus();
}

Status ReadInt(const Json& j, std::string_view path, std::string_view key, int64_t min, int64_t max, int64_t* out) {
  const auto it = j.find(key);
  if (it == j.end()) return OkStatus();
  if (!it->is_number_integer()) return InvalidArgumentError(fmt::format("{} must be an integer", Field(path, key)));
  const int64_t value = it->get<int64_t>();
  if (value < min || value > max) {
    return InvalidArgumentError(fmt::format("{} is {}; it must be within {}..{}", Field(path, key), value, min, max));
  }
  *out = value;
  return OkStatus();
}

// "scheme://host..." with one of `schemes`; the host must not be empty.
Status CheckUrl(const std::string& url, std::string_view field, std::initializer_list<std::string_view> schemes) {
  for (std::string_view scheme : schemes) {
    const std::string prefix = std::string(scheme) + "://";
    if (url.rfind(prefix, 0) == 0) {
      const std::string rest = url.substr(prefix.size());
      if (rest.empty() || rest[0] == '/' || rest[0] == ':') {
        return InvalidArgumentError(fmt::format("{} \"{}\" has no host", field, url));
      }
      if (url.find_first_of(" \r\n\t") != std::string::npos) {
        return InvalidArgumentError(fmt::format("{} \"{}\" contains white space", field, url));
      }
      return OkStatus();
    }
  }
  std::string list;
  for (std::string_view s : schemes) list += (list.empty() ? "" : " or ") + std::string(s) + "://";
  return InvalidArgumentError(fmt::format("{} \"{}\" must start with {}", field, url, list));
}

Result<EmailConfig> ParseEmail(const Json& j, std::string_view path) {
  RETURN_IF_ERROR(CheckObject(j, path,
                              {"url", "from", "to", "username", "password", "require_starttls",
                               "insecure_skip_verify", "timeout_ms"}));
  EmailConfig e;
  RETURN_IF_ERROR(ReadString(j, path, "url", true, &e.url));
  RETURN_IF_ERROR(ReadString(j, path, "from", true, &e.from));
  const auto to = j.find("to");
  if (to == j.end()) return InvalidArgumentError(fmt::format("{} is missing", Field(path, "to")));
  if (!to->is_array()) return InvalidArgumentError(fmt::format("{} must be an array of addresses", Field(path, "to")));
  for (size_t i = 0; i < to->size(); ++i) {
    if (!(*to)[i].is_string()) return InvalidArgumentError(fmt::format("{}[{}] must be a string", Field(path, "to"), i));
    e.to.push_back((*to)[i].get<std::string>());
  }
  RETURN_IF_ERROR(ReadString(j, path, "username", false, &e.username));
  RETURN_IF_ERROR(ReadString(j, path, "password", false, &e.password));
  RETURN_IF_ERROR(ReadBool(j, path, "require_starttls", &e.require_starttls));
  RETURN_IF_ERROR(ReadBool(j, path, "insecure_skip_verify", &e.insecure_skip_verify));
  RETURN_IF_ERROR(ReadInt(j, path, "timeout_ms", INT64_MIN, INT64_MAX, &e.timeout_ms));
  RETURN_IF_ERROR(ValidateEmailConfig(e, path));
  return e;
}

Status CheckTimeout(int64_t timeout_ms, std::string_view field) {
  if (timeout_ms < 1 || timeout_ms > kMaxTimeoutMs) {
    return InvalidArgumentError(fmt::format("{} is {}; it must be within 1..{}", field, timeout_ms, kMaxTimeoutMs));
  }
  return OkStatus();
}

Status CheckWebhookName(const std::string& name, std::string_view field) {
  const bool ok_chars = std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
  });
  if (name.empty() || name.size() > 64 || !ok_chars) {
    return InvalidArgumentError(
        fmt::format("{} \"{}\" must be 1..64 characters of A-Z, a-z, 0-9, '_', '.', '-'", field, name));
  }
  return OkStatus();
}

Result<WebhookConfig> ParseWebhook(const Json& j, std::string_view path) {
  RETURN_IF_ERROR(CheckObject(j, path, {"name", "url", "secret", "insecure_skip_verify", "timeout_ms"}));
  WebhookConfig w;
  RETURN_IF_ERROR(ReadString(j, path, "name", true, &w.name));
  RETURN_IF_ERROR(ReadString(j, path, "url", true, &w.url));
  RETURN_IF_ERROR(ReadString(j, path, "secret", true, &w.secret));
  RETURN_IF_ERROR(ReadBool(j, path, "insecure_skip_verify", &w.insecure_skip_verify));
  RETURN_IF_ERROR(ReadInt(j, path, "timeout_ms", INT64_MIN, INT64_MAX, &w.timeout_ms));
  RETURN_IF_ERROR(ValidateWebhookConfig(w, path));
  return w;
}

Status ParseRetry(const Json& j, std::string_view path, DeliveryOptions* out) {
  RETURN_IF_ERROR(CheckObject(j, path, {"max_attempts", "base_delay_ms", "max_delay_ms"}));
  int64_t max_attempts = out->max_attempts;
  RETURN_IF_ERROR(ReadInt(j, path, "max_attempts", 1, 100, &max_attempts));
  out->max_attempts = static_cast<int>(max_attempts);
  RETURN_IF_ERROR(ReadInt(j, path, "base_delay_ms", 1, INT64_MAX, &out->base_delay_ms));
  RETURN_IF_ERROR(ReadInt(j, path, "max_delay_ms", 1, INT64_MAX, &out->max_delay_ms));
  if (!j.contains("max_delay_ms")) out->max_delay_ms = std::max(out->max_delay_ms, out->base_delay_ms);
  return ValidateDeliveryOptions(*out).WithContext("notifications");
}

}  // namespace

Status ValidateEmailConfig(const EmailConfig& e, std::string_view path) {
  RETURN_IF_ERROR(CheckUrl(e.url, Field(path, "url"), {"smtp", "smtps"}));
  RETURN_IF_ERROR(CheckMailbox(e.from).WithContext(Field(path, "from")));
  if (e.to.empty()) return InvalidArgumentError(fmt::format("{} must list at least one address", Field(path, "to")));
  for (size_t i = 0; i < e.to.size(); ++i) {
    RETURN_IF_ERROR(CheckMailbox(e.to[i]).WithContext(fmt::format("{}[{}]", Field(path, "to"), i)));
  }
  if (!e.password.empty() && e.username.empty()) {
    return InvalidArgumentError(fmt::format("{} is set but {} is not", Field(path, "password"), Field(path, "username")));
  }
  return CheckTimeout(e.timeout_ms, Field(path, "timeout_ms"));
}

Status ValidateWebhookConfig(const WebhookConfig& w, std::string_view path) {
  RETURN_IF_ERROR(CheckWebhookName(w.name, Field(path, "name")));
  RETURN_IF_ERROR(CheckUrl(w.url, Field(path, "url"), {"http", "https"}));
  if (w.secret.empty()) return InvalidArgumentError(fmt::format("{} must not be empty", Field(path, "secret")));
  return CheckTimeout(w.timeout_ms, Field(path, "timeout_ms"));
}

Result<NotifyConfig> ParseNotifyConfig(const nlohmann::json& j) {
  constexpr std::string_view kPath = "notifications";
  RETURN_IF_ERROR(CheckObject(j, kPath, {"email", "webhooks", "retry", "per_detection_per_minute"}));
  NotifyConfig config;
  if (const auto limit = j.find("per_detection_per_minute"); limit != j.end()) {
    if (!limit->is_number_integer() || limit->get<int64_t>() < 0 || limit->get<int64_t>() > 100'000) {
      return InvalidArgumentError(
          "notifications.per_detection_per_minute must be a whole number from 0 (no limit) to 100000");
    }
    config.per_detection_per_minute = limit->get<int>();
  }
  if (const auto email = j.find("email"); email != j.end() && !email->is_null()) {
    ASSIGN_OR_RETURN(config.email, ParseEmail(*email, Field(kPath, "email")));
  }
  if (const auto hooks = j.find("webhooks"); hooks != j.end()) {
    if (!hooks->is_array()) return InvalidArgumentError("notifications.webhooks must be an array");
    std::set<std::string> names;
    for (size_t i = 0; i < hooks->size(); ++i) {
      const std::string path = fmt::format("notifications.webhooks[{}]", i);
      ASSIGN_OR_RETURN(WebhookConfig hook, ParseWebhook((*hooks)[i], path));
      if (!names.insert(hook.name).second) {
        return InvalidArgumentError(fmt::format("{}.name \"{}\" is used by an earlier webhook", path, hook.name));
      }
      config.webhooks.push_back(std::move(hook));
    }
  }
  if (const auto retry = j.find("retry"); retry != j.end()) {
    RETURN_IF_ERROR(ParseRetry(*retry, Field(kPath, "retry"), &config.delivery));
  }
  return config;
}

}  // namespace labelloop::notify
