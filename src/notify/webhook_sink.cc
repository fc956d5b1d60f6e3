#include "notify/webhook_sink.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/clock.h"
#include "common/content_hash.h"
#include "notify/curl_easy.h"

namespace labelloop::notify {
namespace {

constexpr size_t kMaxReplyBytesKept = 512;  // of the reply body, for the error message

size_t KeepReply(char* data, size_t size, size_t count, void* user) {
  auto* reply = static_cast<std::string*>(user);
  const size_t n = size * count;
  if (reply->size() < kMaxReplyBytesKept) reply->append(data, std::min(n, kMaxReplyBytesKept - reply->size()));
  return n;
}

class WebhookSink final : public Sink {
 public:
  explicit WebhookSink(WebhookConfig config) : config_(std::move(config)) {}

  std::string name() const override { return "webhook:" + config_.name; }

  Status Deliver(const Notification& n) override {
    const std::string what = fmt::format("posting notification {} to webhook '{}' ({})", n.id, config_.name, config_.url);
    const std::string body = WebhookPayload(n);
    // Signed at each attempt: a retry carries a fresh timestamp, so receivers may refuse old ones.
    const StandardWebhookHeaders standard =
        SignStandardWebhook(config_.secret, n.id, SystemClock::Default()->NowMs() / 1000, body);
    ASSIGN_OR_RETURN(curl::CurlEasy curl, curl::CurlEasy::Create());
    curl::CurlList headers;
    for (const std::string& header :
         {std::string("Content-Type: application/json"), std::string("User-Agent: labelloop-notify/1"),
          "webhook-id: " + standard.id, "webhook-timestamp: " + standard.timestamp,
          "webhook-signature: " + standard.signature,
          "X-Labelloop-Signature: " + WebhookSignature(config_.secret, body),
          fmt::format("X-Labelloop-Delivery: {}", n.id), "X-Labelloop-Event: " + WebhookEventHeaderValue(n.subject),
          std::string("Expect:")}) {  // no "100-continue" round trip
      if (!headers.Append(header)) return ResourceExhaustedError(what + ": out of memory");
    }
    std::string reply;
    curl.Set(CURLOPT_URL, config_.url.c_str());
    curl.Set(CURLOPT_POST, 1L);
    curl.Set(CURLOPT_POSTFIELDS, body.data());
    curl.Set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl.Set(CURLOPT_HTTPHEADER, headers.get());
    curl.Set(CURLOPT_WRITEFUNCTION, &KeepReply);
    curl.Set(CURLOPT_WRITEDATA, &reply);
    curl.Set(CURLOPT_TIMEOUT_MS, static_cast<long>(config_.timeout_ms));
    curl.Set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(config_.timeout_ms));
    curl.Set(CURLOPT_FOLLOWLOCATION, 0L);  // a redirect would drop the POST body
    curl.Set(CURLOPT_PROTOCOLS_STR, "http,https");
    if (config_.insecure_skip_verify) {
      curl.Set(CURLOPT_SSL_VERIFYPEER, 0L);
      curl.Set(CURLOPT_SSL_VERIFYHOST, 0L);
    }
    RETURN_IF_ERROR(curl.Perform(what));
    long status = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) return OkStatus();
    const std::string message = fmt::format("{}: the endpoint replied HTTP {}{}{}", what, status,
                                            reply.empty() ? "" : ": ", reply);
    if (status == 408 || status == 429 || status >= 500) return UnavailableError(message);
    return FailedPreconditionError(message);
  }

 private:
  const WebhookConfig config_;
};

}  // namespace

Result<std::unique_ptr<Sink>> CreateWebhookSink(const WebhookConfig& config) {
  RETURN_IF_ERROR(ValidateWebhookConfig(config));
  return std::unique_ptr<Sink>(new WebhookSink(config));
}

std::string WebhookPayload(const Notification& n) {
  nlohmann::json payload = NotificationToJson(n);
  payload.erase("read");  // inbox state, not part of the event
  return payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string WebhookSignature(std::string_view secret, std::string_view body) {
  return "sha256=" + HmacSha256Hex(secret, body);
}

std::string StandardWebhookKey(std::string_view secret) {
  constexpr std::string_view kPrefix = "whsec_";
  if (secret.starts_with(kPrefix)) {
    if (std::optional<std::string> key = Base64Decode(secret.substr(kPrefix.size()))) return *key;
  }
  return std::string(secret);
}

StandardWebhookHeaders SignStandardWebhook(std::string_view secret, int64_t notification_id, int64_t timestamp_s,
                                           std::string_view body) {
  StandardWebhookHeaders h;
  h.id = fmt::format("labelloop-{}", notification_id);
  h.timestamp = std::to_string(timestamp_s);
  const std::string signed_content = fmt::format("{}.{}.{}", h.id, h.timestamp, body);
  h.signature = "v1," + HmacSha256Base64(StandardWebhookKey(secret), signed_content);
  return h;
}

std::string WebhookEventHeaderValue(std::string_view subject) {
  std::string out;
  for (char c : subject) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '%') {
      out += fmt::format("%{:02X}", u);
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace labelloop::notify
