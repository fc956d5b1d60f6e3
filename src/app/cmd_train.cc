#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "app/app_context.h"
#include "app/cli_output.h"
#include "app/commands.h"
#include "common/process.h"

namespace labelloop::app {
namespace {

// Progress on stderr: one line per phase, redrawn in place on a terminal.
model::TrainingProgressFn StderrProgress() {
  const bool tty = isatty(STDERR_FILENO);
  auto last_phase = std::make_shared<std::string>();
  return [tty, last_phase](const std::string& phase, int done, int total) {
    if (tty) {
      std::cerr << fmt::format("\r\033[K{}: {}/{}", phase, done, total) << (done == total ? "\n" : "") << std::flush;
    } else if (phase != *last_phase || done == total) {
      std::cerr << fmt::format("{}: {}/{}\n", phase, done, total);
    }
    *last_phase = phase;
  };
}

// Starts `self --data DIR train --run-version V` detached, logging to DATA/logs/V.log, and
// records it as the version's worker before this process exits (until then this process
// is the recorded worker, so the version never looks interrupted in between).
Status SpawnBackgroundTraining(const GlobalOptions& g, const AppConfig& config, model::ModelService& models,
                               const std::string& version) {
  std::string log_path = (std::filesystem::path(config.logs_dir) / (version + ".log")).string();
  std::error_code ec;
  std::filesystem::create_directories(config.logs_dir, ec);
  pid_t pid = fork();
  if (pid < 0) return UnavailableError("cannot start a background training: fork failed");
  if (pid == 0) {
    setsid();
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int null_fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) dup2(fd, STDOUT_FILENO), dup2(fd, STDERR_FILENO);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    execl(g.self_path.c_str(), g.self_path.c_str(), "--data", g.data_dir.c_str(), "train", "--run-version",
          version.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  RETURN_IF_ERROR(models.SetTrainingWorker(version, WorkerIdOfPid(pid)));
  std::cerr << fmt::format("training {} in the background (log: {}); `labelloop models describe {}` shows its status\n",
                           version, log_path, version);
  return OkStatus();
}

}  // namespace

int RunTrain(const GlobalOptions& g, const TrainOptions& o) {
  auto ctx = OpenAppContext(g.data_dir);
  if (!ctx.ok()) return ReportError(ctx.status());
  model::ModelService& models = *(*ctx)->models;
  if (Result<int> recovered = models.RecoverInterruptedTrainings(); !recovered.ok()) return ReportError(recovered.status());

  if (!o.run_version.empty()) {
    Status s = models.TrainVersion(o.run_version, StderrProgress());
    return s.ok() ? 0 : ReportError(s);
  }
  Result<db::ModelVersion> version = models.CreateVersion();
  if (!version.ok()) return ReportError(version.status());
  std::cerr << fmt::format("created version {} ({} images, labels: {})\n", version->name, version->training_image_count,
                           fmt::join(version->labels, ", "));
  if (!o.wait) {
    Status s = SpawnBackgroundTraining(g, (*ctx)->config, models, version->name);
    if (!s.ok()) return ReportError(s);
    std::cout << version->name << "\n";
    return 0;
  }
  Status s = models.TrainVersion(version->name, StderrProgress());
  Result<db::ModelVersion> final = (*ctx)->db->GetModelVersion(version->name);
  if (final.ok()) std::cerr << fmt::format("{}: {}\n", final->status, final->status_message);
  std::cout << version->name << "\n";
  return s.ok() ? 0 : 1;
}

}  // namespace labelloop::app
