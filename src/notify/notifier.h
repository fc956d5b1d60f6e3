// Notifier: publishes notifications (subject + JSON body) to the inbox and delivers them to
// every sink, asynchronously, with retries and exponential backoff. Invariant: when Publish
// returns, the inbox row and one pending delivery per sink are stored (one transaction), so
// a restart resumes them; Publish never calls a sink, so a slow or dead sink never blocks
// or fails it (it shows as failed deliveries instead). Thread-safe.
//
// Delivery: Start runs one thread per sink (a dead webhook does not delay e-mail). Each
// claims its sink's due deliveries one at a time, under a lease (DeliveryOptions), so
// several processes on one database never send the same delivery concurrently, and one
// that dies mid-delivery is retried when its lease ends (at-least-once delivery).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/status.h"
#include "db/notification_db.h"
#include "notify/delivery_options.h"
#include "notify/notification.h"
#include "notify/sink.h"

namespace labelloop::notify {

class Notifier {
 public:
  // REQUIRES: `db` and `clock` outlive the Notifier; sink names are unique (a duplicate is
  // a programming error and aborts); `options` pass ValidateDeliveryOptions (else aborts).
  Notifier(db::NotificationDb* db, std::vector<std::unique_ptr<Sink>> sinks, const Clock* clock,
           DeliveryOptions options = {});
  ~Notifier();  // Stop()s
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Stores the notification (inbox) and a pending delivery per sink in one transaction,
  // wakes the delivery threads, calls the listener; returns the notification id.
  // InvalidArgument for an empty subject (or over 1000 bytes) or a body with invalid UTF-8;
  // the database's errors (Unavailable when busy) otherwise.
  Result<int64_t> Publish(std::string subject, nlohmann::json body);

  // Starts the delivery threads (first failing, with their error, the pending deliveries of
  // sinks no longer configured). FailedPrecondition when already started.
  Status Start();
  // Wakes and joins the delivery threads; an attempt in progress finishes first (bounded by
  // its sink's timeout). Idempotent; Start may be called again.
  void Stop();
  // For tests and one-shot commands: makes every attempt due at clock->NowMs() on the
  // caller's thread (each delivery at most once per call); returns the attempts made.
  int DeliverDueNow();

  // The inbox, newest first: at most `limit` (1..1000), ids below `before_id` when given.
  Result<std::vector<Notification>> ListInbox(int limit, std::optional<int64_t> before_id);
  // NotFound when there is no notification `id`.
  Result<Notification> GetNotification(int64_t id);
  // NotFound when there is no notification `id`; idempotent.
  Status MarkRead(int64_t id);
  Result<int64_t> CountUnread();
  // Newest first; `status` one of "pending", "delivered", "failed" (else InvalidArgument).
  Result<std::vector<db::DeliveryRecord>> ListDeliveries(std::optional<std::string> status, int limit);
  // The configured sink names, in order.
  std::vector<std::string> SinkNames() const;

  // Called on the publishing thread after each Publish commits (e.g. the console's live
  // stream); it must not block. Replaces the previous listener; an empty one removes it.
  void SetListener(std::function<void(const Notification&)> listener);

 private:
  // Claims the delivery of `sink` due first at `now_ms` and attempts it; false when none
  // was due. A failed attempt is next due after now_ms, so a pass never repeats one.
  Result<bool> AttemptNextDue(Sink& sink, int64_t now_ms);
  Status DeliverClaimed(Sink& sink, const db::DeliveryRecord& delivery);
  Status FailDeliveriesOfUnknownSinks();
  void RunWorker(Sink* sink);

  db::NotificationDb* const db_;
  const std::vector<std::unique_ptr<Sink>> sinks_;
  const Clock* const clock_;
  const DeliveryOptions options_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;         // GUARDED_BY(mu_)
  uint64_t publish_count_ = 0;    // GUARDED_BY(mu_); wakes workers without losing a publish
  std::vector<std::thread> workers_;  // GUARDED_BY(lifecycle_mu_)
  std::mutex lifecycle_mu_;       // serialises Start and Stop

  std::mutex listener_mu_;
  std::function<void(const Notification&)> listener_;  // GUARDED_BY(listener_mu_)
};

}  // namespace labelloop::notify
