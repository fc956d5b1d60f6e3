// Progress bars: `upload` and `detect` on many files draw one on a terminal (a pty here) and
// print none when stderr is a pipe.
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_runner.h"
#include "sample_model.h"

namespace labelloop::cli_test {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

// Runs labelloop with stdin, stdout and stderr on a new pty (Python's pty module copies
// what it shows to our pipe).
CommandResult RunOnTerminal(const std::string& data, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/usr/bin/python3", "-c",
                                   "import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)",
                                   LABELLOOP_BINARY, "--data", data};
  argv.insert(argv.end(), args.begin(), args.end());
  RunOptions o;
  o.env["LABELLOOP_DATA"] = std::nullopt;
  o.env["TERM"] = "xterm";
  return RunCommand(argv, o);
}

// One bar line: "<what> [####....] N/N 100% R/s  M:SS total".
const char* kFinishedBar = R"(\[#+\] +[0-9]+/[0-9]+ +100% +[0-9.]+/s +[0-9]+:[0-9][0-9] total)";

class ProgressTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(GetSampleModel().error, "");
    data_ = scratch_.Sub("data");
    CopySampleData(GetSampleModel(), data_);
  }
  ScratchDir scratch_{"labelloop-progress"};
  std::string data_;
};

TEST_F(ProgressTest, UploadDrawsABarOnATerminalOnly) {
  CommandResult tty = RunOnTerminal(data_, {"upload", ExamplesDir() + "/inference_images", "images_for_detection/a"});
  ASSERT_EQ(tty.exit_code, 0) << tty;
  EXPECT_THAT(tty.out, ContainsRegex(std::string("upload ") + kFinishedBar)) << tty;
  EXPECT_THAT(tty.out, HasSubstr("\r")) << "the bar redraws its line";

  CommandResult piped = RunLabelloopOn(data_, {"upload", ExamplesDir() + "/inference_images", "images_for_detection/b"});
  ASSERT_EQ(piped.exit_code, 0) << piped;
  EXPECT_THAT(piped.err, Not(HasSubstr("\r"))) << piped;
  EXPECT_THAT(piped.err, Not(HasSubstr("[#"))) << piped;
  EXPECT_THAT(piped.err, HasSubstr("uploaded 10 files")) << "the summary stays";
  EXPECT_EQ(piped.OutLines().size(), 10u) << "the keys on stdout";
}

TEST_F(ProgressTest, DetectDrawsABarOnATerminalOnly) {
  const std::vector<std::string> args = {"detect", "--version", GetSampleModel().version, "--json",
                                         ExamplesDir() + "/inference_images"};
  CommandResult tty = RunOnTerminal(data_, args);
  ASSERT_EQ(tty.exit_code, 0) << tty;
  EXPECT_THAT(tty.out, ContainsRegex(std::string("detect ") + kFinishedBar)) << tty;

  CommandResult piped = RunLabelloopOn(data_, args);
  ASSERT_EQ(piped.exit_code, 0) << piped;
  EXPECT_THAT(piped.err, Not(HasSubstr("\r"))) << piped;
  EXPECT_THAT(piped.err, Not(HasSubstr("[#"))) << piped;
  EXPECT_EQ(ParseJsonLines(piped.out).size(), 10u);
}

}  // namespace
}  // namespace labelloop::cli_test
