#include "soak_driver.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <random>
#include <stdexcept>

#include "../tests/cli/cli_runner.h"
#include "../tests/e2e/api_client.h"

namespace labelloop::soak {
namespace {

namespace fs = std::filesystem;
using e2e::ApiAnswer;
using e2e::EncodeKeyPath;
using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

// Where kills go: more where more happens. Training phases get long delays, so a kill
// lands anywhere in a training (creating, training, starting, deploying).
constexpr int kPhaseWeight[kPhaseCount] = {1, 3, 8, 4, 3, 1, 0};
constexpr int kShortDelayMs[2] = {200, 2500};
constexpr int kTrainingDelayMs[2] = {1000, 12000};
constexpr int kInitialLabelledImages = 10;
constexpr int kMinimumUntrainedImages = 10;  // the parameter's default

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now().time_since_epoch()).count();
}

double SecondsSince(SteadyClock::time_point t) {
  return std::chrono::duration<double>(SteadyClock::now() - t).count();
}

struct Image {
  std::string name, bytes;
};

std::vector<Image> ReadImages(const std::string& dir) {
  std::vector<fs::path> paths;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file()) paths.push_back(e.path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<Image> out;
  for (const auto& p : paths) out.push_back({p.filename().string(), cli_test::ReadFileBytes(p.string())});
  if (out.empty()) throw std::runtime_error("no images in " + dir);
  return out;
}

cli_test::CommandResult RunCli(const std::string& binary, const std::vector<std::string>& args, int timeout_s = 300) {
  std::vector<std::string> argv = {binary};
  argv.insert(argv.end(), args.begin(), args.end());
  cli_test::RunOptions options;
  options.env["LABELLOOP_DATA"] = std::nullopt;
  options.timeout_s = timeout_s;
  return cli_test::RunCommand(argv, options);
}

}  // namespace

const char* PhaseName(int phase) {
  static const char* kNames[kPhaseCount] = {"labelled uploads", "first training", "inference uploads",
                                            "review answers",   "retrain",        "settle", "done"};
  return phase >= 0 && phase < kPhaseCount ? kNames[phase] : "?";
}

std::vector<PlannedKill> PlanKills(int kills, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::discrete_distribution<int> phase_of(std::begin(kPhaseWeight), std::end(kPhaseWeight));
  std::vector<PlannedKill> plan;
  for (int i = 0; i < kills; ++i) {
    PlannedKill k;
    k.phase = phase_of(rng);
    const bool training = k.phase == kFirstTraining || k.phase == kRetrain;
    const int* range = training ? kTrainingDelayMs : kShortDelayMs;
    k.delay_ms = std::uniform_int_distribution<int>(range[0], range[1])(rng);
    plan.push_back(k);
  }
  std::stable_sort(plan.begin(), plan.end(), [](const PlannedKill& a, const PlannedKill& b) { return a.phase < b.phase; });
  return plan;
}

SoakDriver::SoakDriver(SoakOptions options) : o_(std::move(options)) {
  plan_ = PlanKills(o_.kills, o_.seed);
  report_.seed = o_.seed;
}

SoakDriver::~SoakDriver() {
  if (killer_.joinable()) {
    phase_ = kDone;
    killer_.join();
  }
  if (!o_.keep && !root_.empty()) {
    server_.reset();
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
}

void SoakDriver::Setup() {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/labelloop-soak-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp " + templ);
  root_ = templ;
  data_ = root_ + "/data";
  auto init = RunCli(o_.binary, {"--data", data_, "init"});
  if (init.exit_code != 0) throw std::runtime_error("labelloop init failed:\n" + init.err);
  auto admin = RunCli(o_.binary, {"--data", data_, "tokens", "create", "soak-admin", "--role", "admin"});
  auto reviewer = RunCli(o_.binary, {"--data", data_, "tokens", "create", "soak-reviewer", "--role", "reviewer"});
  if (admin.exit_code != 0 || reviewer.exit_code != 0) throw std::runtime_error("tokens create failed");
  admin_token_ = admin.LastOutLine();
  reviewer_token_ = reviewer.LastOutLine();
  server_ = std::make_unique<SoakServer>(o_.binary, data_, std::vector<std::string>{"--wait-seconds", "1"});
  std::string error;
  if (!server_->Start(&error)) throw std::runtime_error("serve did not start:\n" + error);
  api_ = std::make_unique<RetryingApi>(*server_, admin_token_);
  reviewer_ = std::make_unique<RetryingApi>(*server_, reviewer_token_);
  std::cerr << "data folder " << data_ << " (server logs beside it: data.serveN.out/.err)\n";
}

void SoakDriver::EnterPhase(int phase) {
  phase_started_ms_ = NowMs();
  phase_ = phase;
  std::cerr << "[" << std::fixed << std::setprecision(1) << SecondsSince(start_) << " s] phase: " << PhaseName(phase)
            << "\n";
}

void SoakDriver::Killer() {
  int64_t last_restart_ms = NowMs();
  for (size_t i = 0; i < plan_.size(); ++i) {
    const PlannedKill& k = plan_[i];
    while (phase_ < k.phase) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (phase_ == kDone) return;  // the driver gave up: no more kills
    const int64_t due_ms = std::max<int64_t>(phase_started_ms_, last_restart_ms) + k.delay_ms;
    while (NowMs() < due_ms && phase_ != kDone) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (phase_ == kDone) return;
    KillRecord record{int(i) + 1, PhaseName(phase_), k.delay_ms, SecondsSince(start_), 0};
    const auto t = SteadyClock::now();
    std::string error;
    if (!server_->KillAndRestart(&error)) {
      std::cerr << "kill " << record.index << ": the server did not come back:\n" << error << "\n";
      killer_failed_ = true;
      return;
    }
    record.restart_s = SecondsSince(t);
    last_restart_ms = NowMs();
    std::cerr << "  kill " << record.index << "/" << plan_.size() << " (" << record.phase << ", +" << k.delay_ms
              << " ms) at " << std::fixed << std::setprecision(1) << record.at_s << " s; back in " << record.restart_s
              << " s\n";
    report_.kills.push_back(record);
  }
}

void SoakDriver::PutObject(const std::string& key, const std::string& bytes) {
  ApiAnswer a = api_->PutBytes("/api/v1/objects/" + EncodeKeyPath(key), bytes, "application/octet-stream");
  if (a.status != 200) throw std::runtime_error("PUT " + key + ": " + std::to_string(a.status) + " " + a.body);
}

void SoakDriver::SetParameter(const std::string& name, const std::string& value) {
  ApiAnswer a = api_->PutJson("/api/v1/parameters/" + name, {{"value", value}});
  if (a.status != 200) throw std::runtime_error("PUT parameter " + name + ": " + std::to_string(a.status) + " " + a.body);
}

json SoakDriver::SystemState() {
  ApiAnswer a = api_->Get("/api/v1/parameters/For-System-Use-Only");
  if (a.status != 200 || !a.json.is_object()) return json::object();
  json v = json::parse(a.json.value("value", "{}"), nullptr, false);
  return v.is_object() ? v : json::object();
}

std::vector<json> SoakDriver::Versions() {
  ApiAnswer a = api_->Get("/api/v1/models");
  if (a.status != 200 || !a.json.is_object()) return {};
  return a.json.value("models", std::vector<json>{});
}

bool SoakDriver::WaitFor(int timeout_s, const std::function<bool()>& done, const std::string& what) {
  const auto start = SteadyClock::now();
  while (SecondsSince(start) < timeout_s) {
    if (killer_failed_) throw std::runtime_error("the server did not come back after a kill");
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  report_.notes.push_back("gave up waiting for " + what + " after " + std::to_string(timeout_s) + " s");
  std::cerr << "  " << report_.notes.back() << "\n";
  return false;
}

int64_t SoakDriver::LabelledImageCount() { return int64_t(AllObjects(*api_, "images_labeled_by_folder/").size()); }

void SoakDriver::UploadLabelled() {
  EnterPhase(kLabelled);
  // The reviewer answers at random, so the retrained version's F1 means nothing: the gate
  // must not stop the retrain this soak is about.
  SetParameter("Minimum-F1-Score", "0");
  for (const char* label : {"amazon_logo", "aws_logo"}) {
    for (const Image& img : ReadImages(cli_test::ExamplesDir() + "/" + label)) {
      PutObject(std::string("images_labeled_by_folder/") + label + "/" + img.name, img.bytes);
    }
  }
}

void SoakDriver::TrainFirstVersion() {
  EnterPhase(kFirstTraining);
  SetParameter("Enable-Automatic-Training", "false");
  SetParameter("Enable-Automatic-Training", "true");
  facts_.trainings_caused = 1;
  // A tenth of the inference images arrive while no version serves yet: they must wait as
  // pending and be detected once the first version runs (DESIGN.md), not be lost.
  UploadInferenceImages(0, o_.images / 10);
  const bool running = WaitFor(900, [&] {
    if (SystemState().value("previous_trained_images", 0) != kInitialLabelledImages) return false;
    for (const json& v : Versions()) {
      if (v.value("status", "") == "RUNNING") return true;
    }
    return false;
  }, "the first version to run");
  if (!running) throw std::runtime_error("the first version never ran:\n" + server_->log());
}

void SoakDriver::UploadInferenceImages(int from, int to) {
  const std::vector<Image> images = ReadImages(cli_test::ExamplesDir() + "/inference_images");
  for (int i = from; i < to; ++i) {
    const Image& img = images[size_t(i) % images.size()];
    const std::string key = "images_for_detection/soak/" + std::to_string(i) + "-" + img.name;
    PutObject(key, img.bytes);
    facts_.inference_keys.push_back(key);
    if (o_.backup && i == o_.images / 2) LiveBackup("backup-live");
  }
}

void SoakDriver::UploadInference() {
  EnterPhase(kInference);
  UploadInferenceImages(o_.images / 10, o_.images);
  int64_t last = -1;
  auto last_change = SteadyClock::now();
  WaitFor(600, [&] {
    ApiAnswer a = api_->Get("/api/v1/detections?limit=1&q=" + e2e::PercentEncode("images_for_detection/soak/"));
    const int64_t total = a.json.is_object() ? a.json.value("total", int64_t(-1)) : -1;
    if (total != last) {
      last = total;
      last_change = SteadyClock::now();
    }
    // All in, or nothing new for a minute (the checks then count what is missing).
    return total >= o_.images || SecondsSince(last_change) > 60;
  }, "the inference images' detections");
}

void SoakDriver::AnswerReviews() {
  EnterPhase(kReview);
  for (int round = 0; round < 20; ++round) {
    std::vector<json> open = AllReviews(*api_, "InProgress");
    if (open.empty()) break;
    for (const json& task : open) {
      const std::string name = task.value("name", "");
      if (facts_.answers.contains(name)) continue;
      ApiAnswer claimed = reviewer_->PostJson("/api/v1/reviews/" + name + "/claim", json::object());
      if (claimed.status != 200) continue;  // finished meanwhile: the next round sees it
      const std::vector<std::string> labels = task.value("candidate_labels", std::vector<std::string>{});
      // The label depends on the task only, so an answer sent again (lost reply) is the same.
      const size_t h = std::hash<std::string>{}(name);
      const json label = labels.empty() || h % 5 == 4 ? json(nullptr) : json(labels[h % labels.size()]);
      ApiAnswer answered = reviewer_->PostJson("/api/v1/reviews/" + name + "/answer", {{"label", label}});
      if (answered.status == 200 || answered.status == 409) facts_.answers[name] = label;
      if (answered.status != 200 && answered.status != 409) {
        report_.notes.push_back("answer to " + name + ": " + std::to_string(answered.status) + " " + answered.body);
      }
    }
  }
  WaitQuiescent(*api_, 300);
}

void SoakDriver::Retrain() {
  EnterPhase(kRetrain);
  int64_t labelled = LabelledImageCount();
  const std::vector<Image> extra = ReadImages(cli_test::ExamplesDir() + "/aws_logo");
  for (int i = 0; labelled - kInitialLabelledImages < kMinimumUntrainedImages; ++i, ++labelled) {
    const Image& img = extra[size_t(i) % extra.size()];
    PutObject("images_labeled_by_folder/aws_logo/extra-" + std::to_string(i) + "-" + img.name, img.bytes);
    ++facts_.extra_labelled;
  }
  const int64_t expected = LabelledImageCount();
  SetParameter("Enable-Automatic-Training", "false");
  SetParameter("Enable-Automatic-Training", "true");
  facts_.trainings_caused = 2;
  WaitFor(900, [&] {
    if (SystemState().value("previous_trained_images", int64_t(0)) != expected) return false;
    int running = 0;
    for (const json& v : Versions()) running += v.value("status", "") == "RUNNING";
    return running == 1 && Versions().size() >= 2;
  }, "the retrained version to run");
}

void SoakDriver::Settle() {
  EnterPhase(kSettle);
  killer_.join();
  if (killer_failed_) throw std::runtime_error("the server did not come back after a kill");
  WaitQuiescent(*api_, 300);
}

void SoakDriver::LiveBackup(const std::string& name) {
  LiveBackupRecord r;
  r.dir = root_ + "/" + name;
  r.models_before = RunCli(o_.binary, {"--data", data_, "models", "list", "--json"}).out;
  const auto t = SteadyClock::now();
  auto backup = RunCli(o_.binary, {"--data", data_, "backup", r.dir});
  r.seconds = SecondsSince(t);
  r.models_after = RunCli(o_.binary, {"--data", data_, "models", "list", "--json"}).out;
  r.ok = backup.exit_code == 0;
  if (!r.ok) report_.notes.push_back("backup " + name + " failed: " + backup.err);
  std::cerr << "  backup " << name << " (" << r.seconds << " s): " << backup.err;
  facts_.backups[name] = r;
}

SoakReport SoakDriver::Run() {
  start_ = SteadyClock::now();
  Setup();
  std::cerr << "kill plan (seed " << o_.seed << "):";
  for (const PlannedKill& k : plan_) std::cerr << " [" << PhaseName(k.phase) << " +" << k.delay_ms << " ms]";
  std::cerr << "\n";
  killer_ = std::thread([this] { Killer(); });
  UploadLabelled();
  TrainFirstVersion();
  UploadInference();
  AnswerReviews();
  Retrain();
  Settle();
  phase_ = kDone;
  std::cerr << "[" << SecondsSince(start_) << " s] checking\n";
  report_.Add("kills (SIGKILL + restart)", std::to_string(o_.kills), std::to_string(report_.kills.size()),
              int(report_.kills.size()) == o_.kills);
  report_.Add("client calls sent again (no answer)", "-", std::to_string(api_->retries() + reviewer_->retries()),
              std::nullopt);
  CheckLoop(*api_, facts_, report_);
  if (o_.backup) {
    facts_.final_state = ComparableState(*api_);
    LiveBackup("backup-final");
  }
  const int code = server_->Stop();
  report_.Add("serve exits cleanly on SIGTERM at the end", "0", std::to_string(code), code == 0);
  if (o_.backup) {
    for (const auto& [name, r] : facts_.backups) {
      const bool live = name == "backup-live";
      CheckRestore(o_.binary, r, root_ + "/restored-" + name, admin_token_, live ? json() : facts_.final_state,
                   name, report_);
    }
  }
  report_.wall_s = SecondsSince(start_);
  if (o_.keep) std::cerr << "kept " << root_ << "\n";
  return report_;
}

}  // namespace labelloop::soak
