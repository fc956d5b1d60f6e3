// Test-side helpers for the black-box CLI tests: run the real labelloop binary (or any
// program) as a child process, capturing stdout, stderr and the exit code, plus scratch
// folders and small file utilities. No shell is involved: arguments go to execve as they
// are. Not thread-safe (forks; one command at a time).
#pragma once

#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace labelloop::cli_test {

using Json = nlohmann::json;

struct CommandResult {
  std::string command;  // argv, shell-quoted, for failure messages
  int exit_code = -1;   // 128 + signal number when killed by a signal; -1 when it could not run
  std::string out;      // stdout
  std::string err;      // stderr
  double seconds = 0;

  // stdout split into lines (without the final empty line).
  std::vector<std::string> OutLines() const;
  // The last stdout line, or "" when stdout is empty.
  std::string LastOutLine() const;
};

// The command, exit code, time, stdout and stderr: for `ASSERT_EQ(r.exit_code, 0) << r`.
std::ostream& operator<<(std::ostream& os, const CommandResult& r);

struct RunOptions {
  std::string cwd;  // empty: the test's working directory
  // Environment changes over the test's own: a value sets the variable, nullopt unsets it.
  std::map<std::string, std::optional<std::string>> env;
  int timeout_s = 120;  // the command is killed (SIGKILL) after this
};

CommandResult RunCommand(const std::vector<std::string>& argv, const RunOptions& options = {});

// Runs the labelloop binary under test with `args`. LABELLOOP_DATA is unset unless
// `options.env` sets it, so a developer's own setting never leaks into a test.
CommandResult RunLabelloop(const std::vector<std::string>& args, RunOptions options = {});
// `labelloop --data DATA_DIR args...`
CommandResult RunLabelloopOn(const std::string& data_dir, const std::vector<std::string>& args,
                             RunOptions options = {});

// Parses stdout as one JSON value per non-empty line; a line that is not JSON becomes a
// JSON string holding the line (so an assertion on its fields fails with the text shown).
std::vector<Json> ParseJsonLines(const std::string& text);
// Parses a whole JSON document; null when it is not JSON.
Json ParseJsonOrNull(const std::string& text);

// A fresh, empty folder under $TMPDIR (or /tmp), deleted with its contents on destruction
// unless LABELLOOP_KEEP_TEST_DATA is set.
class ScratchDir {
 public:
  explicit ScratchDir(std::string_view tag = "labelloop-cli");
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + relative
  std::string Sub(std::string_view relative) const;

 private:
  std::string path_;
};

std::string ReadFileBytes(const std::string& path);
// Writes `bytes` to `path`, creating parent folders.
void WriteFileBytes(const std::string& path, std::string_view bytes);
// Every regular file under `dir`, as relative path -> contents (hidden files included).
std::map<std::string, std::string> SnapshotTree(const std::string& dir);

// The repository's examples/ folder (sample images).
std::string ExamplesDir();
// The repository root.
std::string SourceDir();

}  // namespace labelloop::cli_test
