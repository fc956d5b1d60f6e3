// SoakDriver: runs the crash soak's phases against a SoakServer while a killer thread
// SIGKILLs and restarts it according to a seeded plan; then the checks (soak_checks.h).
// Not thread-safe itself: Run() is called once; it owns the killer thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "soak_checks.h"
#include "soak_server.h"

namespace labelloop::soak {

struct SoakOptions {
  std::string binary;
  int kills = 20;
  int images = 300;
  uint64_t seed = 0;
  bool backup = false;
  bool keep = false;
};

enum Phase : int { kLabelled = 0, kFirstTraining, kInference, kReview, kRetrain, kSettle, kDone, kPhaseCount };
const char* PhaseName(int phase);

struct PlannedKill {
  int phase = 0;
  int delay_ms = 0;  // after the phase began or the previous restart, whichever is later
};

// The seeded plan: each kill goes to a phase drawn by weight, with a random delay.
std::vector<PlannedKill> PlanKills(int kills, uint64_t seed);

class SoakDriver {
 public:
  explicit SoakDriver(SoakOptions options);
  ~SoakDriver();
  SoakReport Run();

 private:
  void Setup();
  void Killer();
  void EnterPhase(int phase);

  // Phases.
  void UploadLabelled();
  void TrainFirstVersion();
  void UploadInference();
  // Uploads inference images [from, to) under images_for_detection/soak/.
  void UploadInferenceImages(int from, int to);
  void AnswerReviews();
  void Retrain();
  void Settle();

  // Helpers over the API (they ride over restarts).
  void PutObject(const std::string& key, const std::string& bytes);
  void SetParameter(const std::string& name, const std::string& value);
  nlohmann::json SystemState();
  std::vector<nlohmann::json> Versions();
  // Waits until `done` holds (polling every 500 ms); false after timeout_s.
  bool WaitFor(int timeout_s, const std::function<bool()>& done, const std::string& what);
  int64_t LabelledImageCount();
  void LiveBackup(const std::string& name);

  SoakOptions o_;
  std::string root_, data_, admin_token_, reviewer_token_;
  std::unique_ptr<SoakServer> server_;
  std::unique_ptr<RetryingApi> api_, reviewer_;
  std::vector<PlannedKill> plan_;
  std::atomic<int> phase_{kLabelled};
  std::atomic<int64_t> phase_started_ms_{0};
  std::atomic<bool> killer_failed_{false};
  std::thread killer_;
  SoakReport report_;
  SoakFacts facts_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace labelloop::soak
