#include "flows/readiness.h"

#include "store/object_keys.h"

namespace labelloop::flows {
namespace {

constexpr const char* kOk = "ok";

// "ok" while a version is RUNNING and detection serves it; "starting" while one is on its
// way; "none" otherwise. (A database error shows as the database's word.)
std::string ModelWord(const ReadinessSources& s, const std::vector<db::ModelVersion>& versions) {
  const std::optional<std::string> serving = s.detection->version();
  bool starting = false;
  for (const auto& v : versions) {
    if (serving && v.name == *serving && v.status == db::kRunning) return kOk;
    if (v.status == db::kStarting) starting = true;
  }
  return starting ? "starting" : "none";
}

}  // namespace

Readiness CheckReadiness(const ReadinessSources& s) {
  nlohmann::json components;
  Result<std::vector<db::ModelVersion>> versions = s.metadata->ListModelVersions();
  components["database"] = versions.ok() ? kOk : "unavailable";
  components["bucket"] = s.bucket->List(std::string(store::kDetectionPrefix), "", 1).ok() ? kOk : "unavailable";
  components["backbone"] = s.models->CheckBackbone().ok() ? kOk : "unavailable";
  const bool engine_ok = s.engine->live_workers() == s.engine->worker_threads();
  components["engine"] = engine_ok ? kOk : "stopped";
  components["model"] = versions.ok() ? ModelWord(s, *versions) : "unknown";
  Readiness r;
  r.ready = true;
  for (const auto& [name, word] : components.items()) r.ready = r.ready && word == kOk;
  r.body = {{"status", r.ready ? "ready" : "not_ready"}, {"components", components}};
  return r;
}

}  // namespace labelloop::flows
