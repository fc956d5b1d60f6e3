#include "sample_model.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

namespace labelloop::cli_test {
namespace fs = std::filesystem;

namespace {

// Identifies this test run: the parent process (ctest, which starts one process per test,
// or the shell that runs the test binary) with its start time, and the binary under test.
// A new ctest run or a rebuilt binary trains afresh.
std::string RunKey() {
  pid_t parent = getppid();
  std::string stat_line = ReadFileBytes("/proc/" + std::to_string(parent) + "/stat");
  std::string start_ticks = "?";
  size_t paren = stat_line.rfind(')');
  if (paren != std::string::npos) {
    std::istringstream fields(stat_line.substr(paren + 2));  // field 3 (state) onwards
    std::string field;
    for (int i = 3; i <= 22 && fields >> field; ++i) {
      if (i == 22) start_ticks = field;  // starttime
    }
  }
  struct stat binary {};
  ::stat(LABELLOOP_BINARY, &binary);
  std::ostringstream key;
  key << "parent " << parent << " started " << start_ticks << "; binary " << binary.st_size << " bytes, mtime "
      << binary.st_mtim.tv_sec << "." << binary.st_mtim.tv_nsec << "\n";
  return key.str();
}

Json ResultToJson(const CommandResult& r) {
  return {{"command", r.command}, {"exit_code", r.exit_code}, {"out", r.out}, {"err", r.err}, {"seconds", r.seconds}};
}

CommandResult ResultFromJson(const Json& j) {
  CommandResult r;
  r.command = j.value("command", "");
  r.exit_code = j.value("exit_code", -1);
  r.out = j.value("out", "");
  r.err = j.value("err", "");
  r.seconds = j.value("seconds", 0.0);
  return r;
}

// Runs the acceptance steps into `dir`/data. Stops at the first failing step.
SampleModel Build(const std::string& dir) {
  SampleModel m;
  m.template_data = dir + "/data";
  const std::string& data = m.template_data;
  auto failed = [&](const char* step, const CommandResult& r) {
    std::ostringstream why;
    why << "building the sample model: " << step << " failed" << r;
    m.error = why.str();
    return m;
  };
  m.init = RunLabelloop({"init", "--data", data});
  if (m.init.exit_code != 0) return failed("init", m.init);
  m.upload_amazon = RunLabelloopOn(data, {"upload", ExamplesDir() + "/amazon_logo", "images_labeled_by_folder/amazon_logo"});
  if (m.upload_amazon.exit_code != 0) return failed("upload amazon_logo", m.upload_amazon);
  m.upload_aws = RunLabelloopOn(data, {"upload", ExamplesDir() + "/aws_logo", "images_labeled_by_folder/aws_logo"});
  if (m.upload_aws.exit_code != 0) return failed("upload aws_logo", m.upload_aws);
  // The first half of a real JPEG: readable header, no end-of-image marker.
  std::string jpeg = ReadFileBytes(ExamplesDir() + "/amazon_logo/amazon-5.jpeg");
  std::string corrupt_file = dir + "/corrupt/" + fs::path(kCorruptTrainingKey).filename().string();
  WriteFileBytes(corrupt_file, jpeg.substr(0, jpeg.size() / 2));
  m.upload_corrupt = RunLabelloopOn(data, {"upload", corrupt_file, "images_labeled_by_folder/amazon_logo"});
  if (m.upload_corrupt.exit_code != 0) return failed("upload of the corrupt image", m.upload_corrupt);
  // Tens of seconds on an idle machine; many minutes on 2 cores while `make test` runs the
  // other suites and something compiles (600 s once timed out there). The bound is only
  // there to end a hung training.
  RunOptions slow;
  slow.timeout_s = 1800;
  m.train = RunLabelloopOn(data, {"train", "--wait"}, slow);
  m.version = m.train.LastOutLine();
  if (m.train.exit_code != 0 || m.version.empty()) return failed("train --wait", m.train);
  return m;
}

SampleModel LoadOrBuild() {
  const std::string root = std::string(LABELLOOP_CLI_TEST_DIR) + "/sample-model";
  const std::string lock_path = root + ".lock";
  // O_CLOEXEC: the commands we start (and background trainings) must not inherit the lock.
  int lock_fd = open(lock_path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (lock_fd < 0 || flock(lock_fd, LOCK_EX) != 0) {
    SampleModel m;
    m.error = "cannot lock " + lock_path;
    return m;
  }
  const std::string key = RunKey();
  SampleModel m;
  Json record = ParseJsonOrNull(ReadFileBytes(root + "/record.json"));
  if (ReadFileBytes(root + "/KEY") == key && record.is_object()) {
    m.error = record.value("error", "");
    m.template_data = root + "/data";
    m.version = record.value("version", "");
    m.init = ResultFromJson(record["init"]);
    m.upload_amazon = ResultFromJson(record["upload_amazon"]);
    m.upload_aws = ResultFromJson(record["upload_aws"]);
    m.upload_corrupt = ResultFromJson(record["upload_corrupt"]);
    m.train = ResultFromJson(record["train"]);
  } else {
    std::error_code ec;
    fs::remove_all(root, ec);
    fs::create_directories(root);
    m = Build(root);
    record = {{"error", m.error},
              {"version", m.version},
              {"init", ResultToJson(m.init)},
              {"upload_amazon", ResultToJson(m.upload_amazon)},
              {"upload_aws", ResultToJson(m.upload_aws)},
              {"upload_corrupt", ResultToJson(m.upload_corrupt)},
              {"train", ResultToJson(m.train)}};
    WriteFileBytes(root + "/record.json", record.dump(2, ' ', false, Json::error_handler_t::replace));
    // Written last, and even after a failure: the other test processes of this run report
    // the same failure instead of training again.
    WriteFileBytes(root + "/KEY", key);
  }
  flock(lock_fd, LOCK_UN);
  close(lock_fd);
  return m;
}

}  // namespace

const SampleModel& GetSampleModel() {
  static const SampleModel model = LoadOrBuild();
  return model;
}

void CopySampleData(const SampleModel& model, const std::string& data_dir) {
  fs::copy(model.template_data, data_dir, fs::copy_options::recursive);
}

}  // namespace labelloop::cli_test
