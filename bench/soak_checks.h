// The crash soak's end checks and its printed report. Every check reads the server only
// through its HTTP API (and the data folder through the CLI for `models list --json`).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "soak_server.h"

namespace labelloop::soak {

struct SoakRow {
  std::string check, expected, measured;
  std::optional<bool> pass;  // nullopt: a figure, not a check
};

struct KillRecord {
  int index = 0;
  std::string phase;
  int delay_ms = 0;
  double at_s = 0;      // since the soak began
  double restart_s = 0; // until the server answered again
};

struct SoakReport {
  uint64_t seed = 0;
  std::vector<KillRecord> kills;
  std::vector<SoakRow> rows;
  std::vector<std::string> notes;  // what went wrong, in words (first examples)
  double wall_s = 0;

  void Add(std::string check, std::string expected, std::string measured, std::optional<bool> pass) {
    rows.push_back({std::move(check), std::move(expected), std::move(measured), pass});
  }
  bool AllPassed() const;
};

// A backup taken while serve ran, with `models list --json` just before and after it.
struct LiveBackupRecord {
  std::string dir;
  std::string models_before, models_after;
  double seconds = 0;
  bool ok = false;
};

// What the driver did, for the checks to compare with.
struct SoakFacts {
  std::vector<std::string> inference_keys;            // uploaded under images_for_detection/
  std::map<std::string, nlohmann::json> answers;      // review task -> label given (null: None of the Above)
  int trainings_caused = 0;                           // toggles that had enough new images
  int extra_labelled = 0;                             // labelled images uploaded for the retrain
  std::map<std::string, LiveBackupRecord> backups;    // by name
  nlohmann::json final_state;                         // ComparableState at the final backup
};

// Every API list, paged to its end.
std::vector<nlohmann::json> AllDetections(RetryingApi& api);
std::vector<nlohmann::json> AllReviews(RetryingApi& api, const std::string& status = "");
std::vector<nlohmann::json> AllExecutions(RetryingApi& api, const std::string& status = "");
std::vector<nlohmann::json> AllObjects(RetryingApi& api, const std::string& prefix);

// The soak's checks, added to `report`.
void CheckLoop(RetryingApi& api, const SoakFacts& facts, SoakReport& report);

// Waits until no execution runs and nothing changes for a few seconds; false on timeout.
bool WaitQuiescent(RetryingApi& api, int timeout_s);

// Restores `backup` into `restore_dir`, serves it, and compares it with what was recorded at
// backup time: `models list --json` always; with `expected` (ComparableState of a quiescent
// server) the detections, reviews and parameters; without (a backup taken mid-flight), that
// every image in the restored bucket is detected exactly once.
void CheckRestore(const std::string& binary, const LiveBackupRecord& backup, const std::string& restore_dir,
                  const std::string& token, const nlohmann::json& expected, const std::string& label,
                  SoakReport& report);

// The API state a restore must reproduce: detections, reviews, parameters.
nlohmann::json ComparableState(RetryingApi& api);

std::string FormatReport(const SoakReport& report);

}  // namespace labelloop::soak
