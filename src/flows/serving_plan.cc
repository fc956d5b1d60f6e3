#include "flows/serving_plan.h"

#include <algorithm>

namespace labelloop::flows {
namespace {

// Newest first (created_ms, then name), so "the newest" is stable whatever the input order.
std::vector<const db::ModelVersion*> NewestFirst(const std::vector<db::ModelVersion>& versions) {
  std::vector<const db::ModelVersion*> sorted;
  for (const auto& v : versions) sorted.push_back(&v);
  std::sort(sorted.begin(), sorted.end(), [](const db::ModelVersion* a, const db::ModelVersion* b) {
    return a->created_ms != b->created_ms ? a->created_ms > b->created_ms : a->name > b->name;
  });
  return sorted;
}

}  // namespace

ServingPlan PlanServing(const std::vector<db::ModelVersion>& versions, const std::optional<std::string>& serving) {
  const std::vector<const db::ModelVersion*> sorted = NewestFirst(versions);
  ServingPlan plan;
  for (const db::ModelVersion* v : sorted) {
    if (v->status == db::kStarting) {
      plan.target = v->name;
      plan.target_starting = true;
      break;
    }
  }
  if (!plan.target && serving) {
    for (const db::ModelVersion* v : sorted) {
      if (v->name == *serving && v->status == db::kRunning) plan.target = v->name;
    }
  }
  if (!plan.target) {
    for (const db::ModelVersion* v : sorted) {
      if (v->status == db::kRunning) {
        plan.target = v->name;
        break;
      }
    }
  }
  for (const db::ModelVersion* v : sorted) {
    if (v->name == plan.target) continue;
    if (v->status == db::kRunning || v->status == db::kStopping) plan.to_stop.push_back(v->name);
  }
  return plan;
}

}  // namespace labelloop::flows
