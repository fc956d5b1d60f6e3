#include "notify/notifier.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <set>

namespace labelloop::notify {
namespace {

constexpr size_t kMaxSubjectBytes = 1000;

Status CallSink(Sink& sink, const Notification& n) {
  try {
    return sink.Deliver(n);
  } catch (const std::exception& e) {  // sinks return statuses; this is a bug, kept visible
    return InternalError(fmt::format("sink '{}' threw: {}", sink.name(), e.what()));
  }
}

}  // namespace

Notifier::Notifier(db::NotificationDb* db, std::vector<std::unique_ptr<Sink>> sinks, const Clock* clock,
                   DeliveryOptions options)
    : db_(db), sinks_(std::move(sinks)), clock_(clock), options_(options) {
  std::set<std::string> names;
  for (const auto& sink : sinks_) {
    if (!names.insert(sink->name()).second) {
      spdlog::critical("Notifier: two sinks are named '{}'", sink->name());
      std::abort();
    }
  }
  if (Status valid = ValidateDeliveryOptions(options_); !valid.ok()) {
    spdlog::critical("Notifier: {}", valid.ToString());
    std::abort();
  }
}

Notifier::~Notifier() { Stop(); }

Result<int64_t> Notifier::Publish(std::string subject, nlohmann::json body) {
  if (subject.empty()) return InvalidArgumentError("notification subject is empty");
  if (subject.size() > kMaxSubjectBytes) {
    return InvalidArgumentError(fmt::format("notification subject is {} bytes long; at most {} are allowed",
                                            subject.size(), kMaxSubjectBytes));
  }
  std::string body_json;
  try {
    body_json = body.dump();
  } catch (const nlohmann::json::exception& e) {  // a string that is not valid UTF-8
    return InvalidArgumentError(fmt::format("body of notification '{}' cannot be stored: {}", subject, e.what()));
  }
  const int64_t now_ms = clock_->NowMs();
  ASSIGN_OR_RETURN(const int64_t id, db_->InsertNotification(subject, body_json, now_ms, SinkNames()));
  {
    std::lock_guard lock(mu_);
    ++publish_count_;
  }
  wake_.notify_all();

  std::function<void(const Notification&)> listener;
  {
    std::lock_guard lock(listener_mu_);
    listener = listener_;
  }
  if (listener) {
    const Notification n{id, now_ms, std::move(subject), std::move(body), false};
    try {
      listener(n);
    } catch (const std::exception& e) {  // the notification is stored; the listener's failure is its own
      spdlog::error("notification {}: the listener failed: {}", id, e.what());
    }
  }
  return id;
}

Status Notifier::Start() {
  std::lock_guard lifecycle(lifecycle_mu_);
  if (!workers_.empty()) return FailedPreconditionError("the notifier's delivery threads are already running");
  RETURN_IF_ERROR(FailDeliveriesOfUnknownSinks());
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  for (const auto& sink : sinks_) workers_.emplace_back(&Notifier::RunWorker, this, sink.get());
  return OkStatus();
}

void Notifier::Stop() {
  std::lock_guard lifecycle(lifecycle_mu_);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
}

int Notifier::DeliverDueNow() {
  if (Status status = FailDeliveriesOfUnknownSinks(); !status.ok()) {
    spdlog::error("notifications: {}", status.ToString());
  }
  const int64_t now_ms = clock_->NowMs();
  int attempts = 0;
  for (const auto& sink : sinks_) {
    while (true) {
      Result<bool> attempted = AttemptNextDue(*sink, now_ms);
      if (!attempted.ok()) {
        spdlog::error("notifications to '{}': {}", sink->name(), attempted.status().ToString());
        break;
      }
      if (!*attempted) break;
      ++attempts;
    }
  }
  return attempts;
}

Result<bool> Notifier::AttemptNextDue(Sink& sink, int64_t now_ms) {
  ASSIGN_OR_RETURN(std::optional<db::DeliveryRecord> claimed,
                   db_->ClaimNextDueDelivery(sink.name(), now_ms, now_ms + options_.lease_ms));
  if (!claimed) return false;
  RETURN_IF_ERROR(DeliverClaimed(sink, *claimed));
  return true;
}

Status Notifier::DeliverClaimed(Sink& sink, const db::DeliveryRecord& d) {
  db::DeliveryOutcome outcome;
  outcome.delivery_id = d.id;
  outcome.claimed_attempts = d.attempts;
  Status result;
  if (d.attempts > options_.max_attempts) {
    // Claimed again after a lease ran out: the process making the last attempt died.
    result = UnavailableError(fmt::format("attempt {} did not report back (the process stopped during delivery)",
                                          d.attempts - 1));
  } else {
    Result<db::NotificationRecord> record = db_->GetNotification(d.notification_id);
    Result<Notification> n = record.ok() ? NotificationFromRecord(*record) : Result<Notification>(record.status());
    result = n.ok() ? CallSink(sink, *n) : n.status();
  }
  outcome.now_ms = clock_->NowMs();
  if (result.ok()) {
    outcome.status = db::kDeliveryDelivered;
    spdlog::debug("notification {} delivered to '{}' (attempt {})", d.notification_id, sink.name(), d.attempts);
  } else if (result.code() == StatusCode::kUnavailable && d.attempts < options_.max_attempts) {
    outcome.status = db::kDeliveryPending;
    outcome.next_attempt_ms = outcome.now_ms + RetryDelayMs(options_, d.attempts);
    outcome.last_error = result.ToString();
    spdlog::warn("notification {} to '{}': attempt {} of {} failed, retrying at {}: {}", d.notification_id,
                 sink.name(), d.attempts, options_.max_attempts, FormatIso8601Utc(*outcome.next_attempt_ms),
                 result.ToString());
  } else {
    outcome.status = db::kDeliveryFailed;
    outcome.last_error = result.code() == StatusCode::kUnavailable
                             ? fmt::format("gave up after {} attempts: {}", options_.max_attempts, result.ToString())
                             : result.ToString();
    spdlog::error("notification {} to '{}' failed: {}", d.notification_id, sink.name(), outcome.last_error);
  }
  return db_->RecordDeliveryOutcome(outcome).WithContext(
      fmt::format("recording attempt {} of notification {} to '{}'", d.attempts, d.notification_id, sink.name()));
}

Status Notifier::FailDeliveriesOfUnknownSinks() {
  ASSIGN_OR_RETURN(const std::vector<std::string> pending, db_->ListSinksWithPendingDeliveries());
  const std::vector<std::string> known = SinkNames();
  for (const std::string& sink : pending) {
    if (std::find(known.begin(), known.end(), sink) != known.end()) continue;
    const std::string error = fmt::format("sink '{}' is no longer configured (see \"notifications\" in config.json)", sink);
    ASSIGN_OR_RETURN(const int64_t count, db_->FailPendingDeliveries(sink, error, clock_->NowMs()));
    spdlog::warn("notifications: {} pending deliveries failed: {}", count, error);
  }
  return OkStatus();
}

void Notifier::RunWorker(Sink* sink) {
  while (true) {
    uint64_t seen = 0;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      seen = publish_count_;
    }
    int64_t wait_ms = options_.poll_interval_ms;
    Result<bool> attempted = AttemptNextDue(*sink, clock_->NowMs());
    if (!attempted.ok()) {
      spdlog::error("notifications to '{}': {}", sink->name(), attempted.status().ToString());
    } else if (*attempted) {
      continue;
    } else if (Result<std::optional<int64_t>> next = db_->FindNextDueMs(sink->name()); !next.ok()) {
      spdlog::error("notifications to '{}': {}", sink->name(), next.status().ToString());
    } else if (next->has_value()) {
      wait_ms = std::clamp<int64_t>(**next - clock_->NowMs(), 0, options_.poll_interval_ms);
    }
    std::unique_lock lock(mu_);
    wake_.wait_for(lock, std::chrono::milliseconds(wait_ms), [&] { return stopping_ || publish_count_ != seen; });
  }
}

Result<std::vector<Notification>> Notifier::ListInbox(int limit, std::optional<int64_t> before_id) {
  ASSIGN_OR_RETURN(const std::vector<db::NotificationRecord> records, db_->ListNotifications(limit, before_id));
  std::vector<Notification> out;
  out.reserve(records.size());
  for (const db::NotificationRecord& record : records) {
    ASSIGN_OR_RETURN(Notification n, NotificationFromRecord(record));
    out.push_back(std::move(n));
  }
  return out;
}

Result<Notification> Notifier::GetNotification(int64_t id) {
  ASSIGN_OR_RETURN(const db::NotificationRecord record, db_->GetNotification(id));
  return NotificationFromRecord(record);
}

Status Notifier::MarkRead(int64_t id) { return db_->MarkNotificationRead(id); }

Result<int64_t> Notifier::CountUnread() { return db_->CountUnreadNotifications(); }

Result<std::vector<db::DeliveryRecord>> Notifier::ListDeliveries(std::optional<std::string> status, int limit) {
  return db_->ListDeliveries(std::move(status), limit);
}

std::vector<std::string> Notifier::SinkNames() const {
  std::vector<std::string> names;
  for (const auto& sink : sinks_) names.push_back(sink->name());
  return names;
}

void Notifier::SetListener(std::function<void(const Notification&)> listener) {
  std::lock_guard lock(listener_mu_);
  listener_ = std::move(listener);
}

}  // namespace labelloop::notify
