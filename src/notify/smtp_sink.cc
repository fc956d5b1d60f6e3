#include "notify/smtp_sink.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "notify/curl_easy.h"
#include "notify/email_message.h"
#include "notify/mail_address.h"

namespace labelloop::notify {
namespace {

// Feeds the message to libcurl's upload.
struct UploadSource {
  std::string_view rest;
};

size_t ReadUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* source = static_cast<UploadSource*>(user);
  const size_t n = std::min(size * count, source->rest.size());
  std::memcpy(buffer, source->rest.data(), n);
  source->rest.remove_prefix(n);
  return n;
}

class SmtpSink final : public Sink {
 public:
  explicit SmtpSink(EmailConfig config) : config_(std::move(config)) {}

  std::string name() const override { return "email"; }

  Status Deliver(const Notification& n) override {
    const std::string message = FormatEmailMessage(n, config_.from, config_.to);
    const std::string what = fmt::format("sending notification {} by e-mail via {}", n.id, config_.url);
    ASSIGN_OR_RETURN(curl::CurlEasy curl, curl::CurlEasy::Create());
    curl::CurlList recipients;
    for (const std::string& to : config_.to) {
      if (!recipients.Append("<" + AddressOf(to) + ">")) return ResourceExhaustedError(what + ": out of memory");
    }
    UploadSource source{message};
    curl.Set(CURLOPT_URL, config_.url.c_str());
    curl.Set(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    const std::string mail_from = "<" + AddressOf(config_.from) + ">";
    curl.Set(CURLOPT_MAIL_FROM, mail_from.c_str());
    curl.Set(CURLOPT_MAIL_RCPT, recipients.get());
    curl.Set(CURLOPT_READFUNCTION, &ReadUpload);
    curl.Set(CURLOPT_READDATA, &source);
    curl.Set(CURLOPT_UPLOAD, 1L);
    curl.Set(CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
    curl.Set(CURLOPT_TIMEOUT_MS, static_cast<long>(config_.timeout_ms));
    curl.Set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(config_.timeout_ms));
    if (!config_.username.empty()) {
      curl.Set(CURLOPT_USERNAME, config_.username.c_str());
      curl.Set(CURLOPT_PASSWORD, config_.password.c_str());
    }
    // smtps:// is TLS from the start; for smtp://, STARTTLS is demanded or just tried.
    curl.Set(CURLOPT_USE_SSL, static_cast<long>(config_.require_starttls ? CURLUSESSL_ALL : CURLUSESSL_TRY));
    if (config_.insecure_skip_verify) {
      curl.Set(CURLOPT_SSL_VERIFYPEER, 0L);
      curl.Set(CURLOPT_SSL_VERIFYHOST, 0L);
    }
    return curl.Perform(what);
  }

 private:
  const EmailConfig config_;
};

}  // namespace

Result<std::unique_ptr<Sink>> CreateSmtpSink(const EmailConfig& config) {
  RETURN_IF_ERROR(ValidateEmailConfig(config));
  return std::unique_ptr<Sink>(new SmtpSink(config));
}

}  // namespace labelloop::notify
