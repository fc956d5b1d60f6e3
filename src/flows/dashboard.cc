#include "flows/dashboard.h"

#include <map>

#include "common/clock.h"
#include "flows/system_state.h"
#include "model/manifest.h"
#include "store/object_keys.h"

namespace labelloop::flows {
namespace {

using Json = nlohmann::json;

Json ErrorJson(const Status& status) { return {{"error", status.ToString()}}; }

Json VersionPart(const DashboardSources& s) {
  Result<std::vector<db::ModelVersion>> versions = s.metadata->ListModelVersions();
  if (!versions.ok()) return ErrorJson(versions.status());
  Json part = {{"running", nullptr}, {"training", Json::array()}, {"count", versions->size()}};
  for (const auto& v : *versions) {
    Json entry = {{"name", v.name}, {"status", v.status}, {"f1", v.f1 ? Json(*v.f1) : Json(nullptr)},
                  {"labels", v.labels}, {"created", FormatIso8601Utc(v.created_ms)}};
    if (v.status == db::kRunning && part["running"].is_null()) part["running"] = entry;
    if (v.status == db::kTrainingInProgress || v.status == db::kStarting) part["training"].push_back(entry);
  }
  part["detection_version"] = s.detection->version() ? Json(*s.detection->version()) : Json(nullptr);
  part["inference_units"] = s.detection->units();
  return part;
}

Json ImagesPart(const DashboardSources& s) {
  Result<model::LabeledListing> listing = model::ListLabeledImages(*s.bucket);
  if (!listing.ok()) return ErrorJson(listing.status());
  std::map<std::string, int64_t> per_label;
  int64_t human = 0;
  for (const auto& e : listing->entries) {
    ++per_label[e.label];
    if (e.human_annotated) ++human;
  }
  Json labels = Json::array();
  for (const auto& [label, count] : per_label) labels.push_back({{"label", label}, {"images", count}});
  Json part = {{"labels", labels}, {"total", listing->entries.size()}, {"human_labelled", human}};
  Result<Json> state = SystemState(s.params).Read();
  Result<int64_t> minimum = s.params->GetInt(params::kMinimumUntrainedImages);
  if (state.ok() && minimum.ok()) {
    const int64_t previous = state->value(kPreviousTrainedImages, int64_t{0});
    part["previous_trained_images"] = previous;
    part["untrained"] = int64_t(listing->entries.size()) - previous;
    part["minimum_untrained"] = *minimum;
  }
  return part;
}

Json SchedulesPart(const DashboardSources& s) {
  Result<std::vector<schedule::ScheduleState>> list = s.schedules->List();
  if (!list.ok()) return ErrorJson(list.status());
  Json part = Json::array();
  for (const auto& st : *list) {
    part.push_back({{"name", st.name}, {"enabled", st.enabled}, {"period_minutes", st.period_ms / 60000},
                    {"next_fire", st.next_fire_ms ? Json(FormatIso8601Utc(*st.next_fire_ms)) : Json(nullptr)},
                    {"last_fire", st.last_fire_ms ? Json(FormatIso8601Utc(*st.last_fire_ms)) : Json(nullptr)}});
  }
  return part;
}

Json ReviewsPart(const DashboardSources& s) {
  Json part;
  if (Result<int64_t> available = s.reviews->CountAvailable(); available.ok()) {
    part["available"] = *available;
  } else {
    part["available_error"] = available.status().ToString();
  }
  db::ReviewFilter filter;
  filter.status = "InProgress";
  filter.limit = 1;
  if (Result<db::ReviewTaskPage> page = s.reviews->ListTasks(filter); page.ok()) part["in_progress"] = page->total_count;
  Json agreement = Json::array();
  if (Result<std::vector<review::AgreementStats>> stats = s.sampling->Agreement(); stats.ok()) {
    for (const auto& a : *stats) {
      agreement.push_back({{"version", a.model_version}, {"count", a.count}, {"agreeing", a.agreeing}, {"rate", a.rate},
                           {"ci_low", a.ci_low}, {"ci_high", a.ci_high}});
    }
  }
  part["agreement"] = agreement;
  return part;
}

Json ExecutionsPart(const DashboardSources& s) {
  db::ExecutionFilter filter;
  filter.limit = 10;
  Result<std::vector<db::Execution>> list = s.engine->ListExecutions(filter);
  if (!list.ok()) return ErrorJson(list.status());
  Json part = Json::array();
  for (const auto& e : *list) {
    part.push_back({{"id", e.id}, {"branch", e.branch}, {"status", e.status}, {"state", e.current_state},
                    {"started", FormatIso8601Utc(e.start_ms)}});
  }
  return part;
}

Json NotificationsPart(const DashboardSources& s) {
  Result<std::vector<notify::Notification>> inbox = s.notifier->ListInbox(10, std::nullopt);
  if (!inbox.ok()) return ErrorJson(inbox.status());
  Json part = Json::array();
  for (const auto& n : *inbox) {
    part.push_back({{"id", n.id}, {"subject", n.subject}, {"created", FormatIso8601Utc(n.created_ms)}, {"read", n.read}});
  }
  return part;
}

}  // namespace

Result<nlohmann::json> BuildDashboard(const DashboardSources& s) {
  return Json{{"models", VersionPart(s)},     {"images", ImagesPart(s)},
              {"schedules", SchedulesPart(s)}, {"reviews", ReviewsPart(s)},
              {"executions", ExecutionsPart(s)}, {"notifications", NotificationsPart(s)}};
}

}  // namespace labelloop::flows
