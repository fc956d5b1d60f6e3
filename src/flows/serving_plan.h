// PlanServing: the pure decision of the ServingController. Given the model versions as
// the database has them and the version detection serves now, it says which version
// should serve and which statuses to record once it does. No I/O; unit-tested alone.
//
// Rules (a version is RUNNING only while it serves; STOPPED only when it does not):
//   - a STARTING version is the one asked for last (RequestStart keeps at most one): it
//     should serve; the one serving keeps serving until the switch (blue/green);
//   - otherwise the serving version keeps serving while it is RUNNING, else the newest
//     RUNNING version serves (after a restart), else none;
//   - STOPPING versions must not serve; once the target serves, every RUNNING or STOPPING
//     version other than the target is STOPPED, and a STARTING target is RUNNING.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "db/metadata_db.h"

namespace labelloop::flows {

struct ServingPlan {
  std::optional<std::string> target;  // the version that should serve; nullopt: none
  bool target_starting = false;       // the target is STARTING: record RUNNING once it serves
  std::vector<std::string> to_stop;   // record STOPPED once the target serves (or nothing does)

  // Whether detection must switch (deploy the target, or serve nothing).
  bool NeedsSwitch(const std::optional<std::string>& serving) const { return target != serving; }
  // Whether anything is to be recorded once detection serves the target.
  bool NeedsRecord() const { return target_starting || !to_stop.empty(); }
};

// `versions` in any order; `serving` is what detection serves now.
ServingPlan PlanServing(const std::vector<db::ModelVersion>& versions, const std::optional<std::string>& serving);

}  // namespace labelloop::flows
