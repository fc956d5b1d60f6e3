#include <chrono>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "app/app_context.h"
#include "app/cli_output.h"
#include "app/commands.h"
#include "app/local_file.h"
#include "common/file_lock.h"
#include "common/json_util.h"
#include "views/model_version_view.h"
#include "flows/serving_controller.h"

namespace labelloop::app {
namespace {

std::string Pct(double x) { return fmt::format("{:.3f}", x); }

std::string DescribeText(const db::ModelVersion& v, const Json* evaluation) {
  std::string out = fmt::format(
      "Version:   {}\nStatus:    {}\nMessage:   {}\nCreated:   {}\nFinished:  {}\nLabels:    {}\n"
      "Images:    {} training, {} test\nManifest:  {}\nBackbone:  {}\n",
      v.name, v.status, v.status_message, FormatIso8601Utc(v.created_ms),
      v.finished_ms ? FormatIso8601Utc(*v.finished_ms) : "-", fmt::join(v.labels, ", "), v.training_image_count,
      v.test_image_count, v.manifest_key, v.backbone_id.empty() ? "-" : v.backbone_id);
  if (evaluation == nullptr) return out;
  const Json& e = *evaluation;
  out += fmt::format("\nEvaluation ({}): macro F1 {:.3f}, accuracy {:.3f} on {} test images\n", v.evaluation_key,
                     e.value("macro_f1", 0.0), e.value("accuracy", 0.0), e.value("test_image_count", 0));
  if (const Json c = e.value("calibration", Json::object()); !c.empty()) {
    out += fmt::format("Calibration: expected calibration error {:.1f} points on {} held-out images ({} bins; "
                       "temperature {:.2f}, {:.1f} at temperature 1)\n",
                       c.value("ece", 0.0), c.value("images", 0), c.value("bins", 0), c.value("temperature", 1.0),
                       c.value("ece_uncalibrated", 0.0));
  }
  if (e.contains("cross_validation")) {
    const Json& cv = e["cross_validation"];
    out += fmt::format("Cross-validation: {}-fold macro F1 {:.3f} ± {:.3f}\n", cv.value("folds", 0),
                       cv.value("macro_f1_mean", 0.0), cv.value("macro_f1_std", 0.0));
  }
  std::vector<std::vector<std::string>> rows = {{"LABEL", "PRECISION", "RECALL", "F1", "SUPPORT", "THRESHOLD"}};
  for (const auto& l : e.value("labels", Json::array())) {
    rows.push_back({l.value("name", ""), Pct(l.value("precision", 0.0)), Pct(l.value("recall", 0.0)),
                    Pct(l.value("f1", 0.0)), std::to_string(l.value("support", 0)),
                    fmt::format("{:.1f}", l.value("assumed_threshold", 0.0))});
  }
  out += "\n" + FormatTable(rows);
  if (e.contains("confusion_matrix")) {
    const Json& cm = e["confusion_matrix"];
    std::vector<std::string> header = {"TRUE \\ PREDICTED"};
    for (const auto& p : cm["predicted_labels"]) header.push_back(p.get<std::string>());
    std::vector<std::vector<std::string>> matrix = {header};
    for (size_t i = 0; i < cm["true_labels"].size(); ++i) {
      std::vector<std::string> row = {cm["true_labels"][i].get<std::string>()};
      for (const auto& n : cm["counts"][i]) row.push_back(std::to_string(n.get<int>()));
      matrix.push_back(row);
    }
    out += "\nConfusion matrix:\n" + FormatTable(matrix);
  }
  std::vector<std::vector<std::string>> wrong = {{"MISCLASSIFIED TEST IMAGE", "TRUE", "PREDICTED", "CONFIDENCE"}};
  for (const auto& t : e.value("test_images", Json::array())) {
    if (t.value("true_label", "") != t.value("predicted_label", "")) {
      wrong.push_back({t.value("image", ""), t.value("true_label", ""), t.value("predicted_label", ""),
                       fmt::format("{:.1f}", t.value("confidence", 0.0))});
    }
  }
  if (wrong.size() > 1) out += "\n" + FormatTable(wrong);
  return out;
}

int ExportVersion(model::ModelService& models, const ModelsOptions& o) {
  Result<std::string> onnx = models.ExportOnnx(o.version);
  if (!onnx.ok()) return ReportError(onnx.status());
  if (Status written = WriteLocalFileAtomic(o.output_path, *onnx); !written.ok()) return ReportError(written);
  std::cerr << fmt::format("wrote {} ({} bytes)\n", o.output_path, onnx->size());
  return 0;
}

constexpr int kServerWaitSeconds = 120;
constexpr int kServerPollMs = 100;

// Asks the running server to start or stop `name`: the request is recorded in the
// database, the server's ServingController (polling) completes it, and this waits until
// it did, so the status printed is the one detection follows.
Result<db::ModelVersion> ChangeServingThroughServer(AppContext& ctx, bool start, const std::string& name) {
  ASSIGN_OR_RETURN(db::ModelVersion version, start ? ctx.models->RequestStart(name) : ctx.models->RequestStop(name));
  const std::string_view waiting = start ? db::kStarting : db::kStopping;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kServerWaitSeconds);
  while (version.status == waiting) {
    if (std::chrono::steady_clock::now() > deadline) {
      return UnavailableError(fmt::format("the running server has not completed it in {} s: version {} is still {} "
                                          "(`labelloop models list` shows when it is done)",
                                          kServerWaitSeconds, name, version.status));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kServerPollMs));
    ASSIGN_OR_RETURN(version, ctx.db->GetModelVersion(name));
  }
  if (start && version.status != db::kRunning) {
    return FailedPreconditionError(fmt::format("version {} did not start: {} ({})", name, version.status,
                                               version.status_message));
  }
  return version;
}

// `models start|stop`. With a server running on the data folder, it serves detection and
// completes the request. Without one, detection happens in `labelloop detect`, which
// loads the RUNNING version itself, so the change is recorded here (the lock held keeps
// a server from starting halfway through).
Result<db::ModelVersion> ChangeServing(AppContext& ctx, const std::string& data_dir, bool start,
                                       const std::string& name) {
  ASSIGN_OR_RETURN(std::optional<FileLock> no_server,
                   FileLock::TryAcquire(ServeLockPath(data_dir), FileLock::Mode::kShared));
  if (!no_server) return ChangeServingThroughServer(ctx, start, name);
  if (start) RETURN_IF_ERROR(ctx.models->CheckBackbone().WithContext("starting " + name));
  ASSIGN_OR_RETURN(std::optional<db::ModelVersion> running, ctx.models->FindRunningVersion());
  flows::RecordedServing target(running ? std::optional<std::string>(running->name) : std::nullopt);
  flows::SystemState system(ctx.params.get());
  flows::ServingController controller(ctx.models.get(), ctx.db.get(), ctx.params.get(), &system, &target);
  return start ? controller.StartVersion(name) : controller.StopVersion(name);
}

}  // namespace

int RunModels(const GlobalOptions& g, const ModelsOptions& o) {
  auto ctx = OpenAppContext(g.data_dir);
  if (!ctx.ok()) return ReportError(ctx.status());
  model::ModelService& models = *(*ctx)->models;
  db::MetadataDb& db = *(*ctx)->db;

  if (o.action == "export") return ExportVersion(models, o);
  if (o.action == "list") {
    if (Result<int> r = models.RecoverInterruptedTrainings(); !r.ok()) return ReportError(r.status());
    auto versions = db.ListModelVersions();
    if (!versions.ok()) return ReportError(versions.status());
    if (o.json) {
      Json arr = Json::array();
      for (const auto& v : *versions) arr.push_back(views::ModelVersionJson(v));
      std::cout << arr.dump(2) << "\n";
      return 0;
    }
    std::vector<std::vector<std::string>> rows = {{"VERSION", "STATUS", "F1", "IMAGES", "LABELS", "CREATED"}};
    for (const auto& v : *versions) {
      rows.push_back({v.name, v.status, v.f1 ? fmt::format("{:.3f}", *v.f1) : "-",
                      std::to_string(v.training_image_count + v.test_image_count), std::to_string(v.labels.size()),
                      FormatIso8601Utc(v.created_ms)});
    }
    if (versions->empty()) std::cerr << "no model versions yet: `labelloop train` creates one\n";
    else std::cout << FormatTable(rows);
    return 0;
  }

  Result<db::ModelVersion> version = db::ModelVersion{};
  if (o.action == "describe") {
    if (Result<int> r = models.RecoverInterruptedTrainings(); !r.ok()) return ReportError(r.status());
    version = db.GetModelVersion(o.version);
  } else if (o.action == "start" || o.action == "stop") {
    version = ChangeServing(**ctx, g.data_dir, o.action == "start", o.version);
  } else {
    return ReportError(InvalidArgumentError("unknown models action '" + o.action + "' (list, describe, start, stop, export)"));
  }
  if (!version.ok()) return ReportError(version.status());
  Result<std::string> evaluation_text = db.GetEvaluation(version->name);
  std::optional<Json> evaluation;
  if (evaluation_text.ok()) {
    Result<Json> parsed = ParseJson(*evaluation_text, "evaluation of " + version->name);
    if (!parsed.ok()) return ReportError(parsed.status());
    evaluation = *parsed;
  } else if (evaluation_text.status().code() != StatusCode::kNotFound) {
    return ReportError(evaluation_text.status());
  }
  if (o.json) {
    Json j = o.action == "describe" ? views::ModelVersionDetailJson(*version, evaluation ? *evaluation : Json(nullptr))
                                    : views::ModelVersionJson(*version);
    std::cout << j.dump(2) << "\n";
  } else if (o.action == "describe") {
    std::cout << DescribeText(*version, evaluation ? &*evaluation : nullptr);
  } else {
    std::cout << fmt::format("{} {}\n", version->name, version->status);
  }
  return 0;
}

}  // namespace labelloop::app
