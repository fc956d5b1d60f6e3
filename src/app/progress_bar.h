// ProgressBar: one line on stderr for long CLI work (upload, detect, import, export-dataset):
//   upload  [#########.............]  42/120  35%  12.3/s  0:06 left
// drawn only when stderr is a terminal, so piped or redirected output stays clean (stdout
// carries the results either way). Redrawn at most every 100 ms and at the end. Not
// thread-safe: call from one thread (DetectPool reports results on the caller's thread).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace labelloop::app {

// True when stderr is a terminal (isatty).
bool StderrIsTerminal();

class ProgressBar {
 public:
  // `enabled` false: every call does nothing.
  ProgressBar(std::string what, size_t total, bool enabled = StderrIsTerminal());
  ~ProgressBar();  // Finish()
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void Update(size_t done);
  // Erases the bar's line, so a message printed next starts on a clean line (the next
  // Update draws the bar again).
  void ClearLine();
  // ClearLine when stdout is a terminal too (results printed there would land on the bar's
  // line); call before printing a result.
  void BeforeStdout();
  // Draws the final state and ends the line. Idempotent.
  void Finish();

  // The line for `done` of `total` after `elapsed_s` (no carriage return): for tests.
  static std::string Format(const std::string& what, size_t done, size_t total, double elapsed_s, int width = 24);

 private:
  void Draw();

  std::string what_;
  size_t total_;
  size_t done_ = 0;
  bool enabled_;
  bool finished_ = false;
  bool stdout_is_terminal_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace labelloop::app
