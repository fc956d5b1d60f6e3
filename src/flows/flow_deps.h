// FlowDeps: everything the task handlers of the four flows use, wired by the composition
// root (src/app) and outliving the engine. Plain pointers; the pointees are thread-safe.
#pragma once

#include <cstdint>

#include "common/clock.h"
#include "db/metadata_db.h"
#include "db/detection_db.h"
#include "db/detection_queue_db.h"
#include "events/event_queue.h"
#include "flows/detection_runner.h"
#include "flows/serving_controller.h"
#include "flows/training_runner.h"
#include "model/model_service.h"
#include "notify/notifier.h"
#include "params/parameter_store.h"
#include "review/review_service.h"
#include "review/sampling_service.h"
#include "schedule/scheduler.h"
#include "store/object_store.h"

namespace labelloop::flows {

// Behaviour switches of the flows (config.json "review"; see docs/configuration.md).
struct FlowOptions {
  // A reviewer's "None of the Above" on a low-confidence image copies it to
  // images_labeled_by_folder/none_of_the_above/, which training uses as background
  // examples (never as a label), so the model learns to reject such images.
  bool keep_none_of_the_above = false;
  // Drift signal: notify when model/human agreement on a version's sampled detections
  // falls below this fraction, once at least `agreement_min_samples` were reviewed.
  double agreement_alert_below = 0.8;
  int64_t agreement_min_samples = 10;
  // Detection results and review tasks notified one by one per minute, each; the rest are
  // summed up (config "notifications.per_detection_per_minute"; 0: no limit).
  int per_detection_notifications_per_minute = 20;
};

struct FlowDeps {
  store::ObjectStore* bucket = nullptr;
  model::ModelService* models = nullptr;
  db::MetadataDb* metadata = nullptr;
  params::ParameterStore* params = nullptr;
  schedule::Scheduler* schedules = nullptr;
  notify::Notifier* notifier = nullptr;
  review::ReviewService* reviews = nullptr;
  review::SamplingService* sampling = nullptr;
  db::DetectionDb* detections = nullptr;
  db::DetectionQueueDb* detection_queue = nullptr;  // images waiting for a model or a retry
  events::EventQueue* events = nullptr;  // also keeps task idempotency records
  TrainingRunner* training = nullptr;
  DetectionRunner* detection = nullptr;
  ServingController* serving = nullptr;  // starts and stops versions (RUNNING means serving)
  SystemState* system = nullptr;         // For-System-Use-Only; shared with `serving`
  const Clock* clock = nullptr;
};

}  // namespace labelloop::flows
