#include "flows/flow_tasks.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace labelloop::flows {

Result<std::string> RequireString(const Json& input, const char* key, std::string_view step) {
  if (!input.is_object() || !input.contains(key) || !input[key].is_string()) {
    return InvalidArgumentError(fmt::format("{}: input has no string \"{}\"", step, key));
  }
  return input[key].get<std::string>();
}

Status FlowTasks::Register(workflow::TaskRegistry& registry) {
  using Method = Result<Json> (FlowTasks::*)(const Json&, const workflow::TaskContext&);
  const std::pair<const char*, Method> tasks[] = {
      {"labelloop:apply-parameter", &FlowTasks::ApplyParameter},
      {"labelloop:check-training", &FlowTasks::CheckTraining},
      {"labelloop:create-manifest", &FlowTasks::CreateManifest},
      {"labelloop:create-version", &FlowTasks::CreateVersion},
      {"labelloop:training-status", &FlowTasks::TrainingStatus},
      {"labelloop:check-f1", &FlowTasks::CheckF1},
      {"labelloop:start-version", &FlowTasks::StartVersion},
      {"labelloop:version-status", &FlowTasks::VersionStatus},
      {"labelloop:deploy", &FlowTasks::Deploy},
      {"labelloop:detect", &FlowTasks::Detect},
      {"labelloop:create-review-task", &FlowTasks::CreateReviewTask},
      {"labelloop:add-training-image", &FlowTasks::AddTrainingImage},
      {"labelloop:sample-detections", &FlowTasks::SampleDetections},
  };
  for (const auto& [resource, method] : tasks) {
    RETURN_IF_ERROR(registry.Register(resource, [this, method](const Json& input, const workflow::TaskContext& context) {
      return (this->*method)(input, context);
    }));
  }
  return OkStatus();
}

void FlowTasks::Notify(const std::string& subject, Json body) {
  if (deps_.notifier == nullptr) return;
  if (Result<int64_t> published = deps_.notifier->Publish(subject, std::move(body)); !published.ok()) {
    spdlog::error("notification '{}' not recorded: {}", subject, published.status().ToString());
  }
}

void FlowTasks::NotifyPerDetection(std::string_view kind, const std::string& subject, Json body) {
  const notify::NoticeLimiter::Decision decision = notices_.Take(kind, deps_.clock->NowMs());
  if (!decision.send) return;
  if (decision.held_back > 0) {
    Notify(fmt::format("{} more {} notification(s) not sent one by one", decision.held_back, kind),
           {{"kind", kind}, {"held_back", decision.held_back}, {"limit_per_minute", notices_.max_per_minute()},
            {"see", kind == "detection" ? "the detection log" : "the review tasks"}});
  }
  Notify(subject, std::move(body));
}

void FlowTasks::RecordFailedImageSet(const std::string& fingerprint, const std::string& reason) {
  if (fingerprint.empty()) return;
  Status recorded = system_->Update([&](Json& state) { state[kFailedImageSets][fingerprint] = reason; });
  if (!recorded.ok()) spdlog::error("cannot record the failed image set: {}", recorded.ToString());
}

}  // namespace labelloop::flows
