#include "app/progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>

namespace labelloop::app {
namespace {

std::string Duration(double seconds) {
  const long s = std::lround(std::max(0.0, seconds));
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

}  // namespace

bool StderrIsTerminal() { return ::isatty(STDERR_FILENO) == 1; }

ProgressBar::ProgressBar(std::string what, size_t total, bool enabled)
    : what_(std::move(what)),
      total_(total),
      enabled_(enabled && total > 0),
      stdout_is_terminal_(::isatty(STDOUT_FILENO) == 1) {}

ProgressBar::~ProgressBar() { Finish(); }

std::string ProgressBar::Format(const std::string& what, size_t done, size_t total, double elapsed_s, int width) {
  const double fraction = total ? std::min(1.0, double(done) / double(total)) : 1.0;
  const int filled = int(fraction * width);
  const double rate = elapsed_s > 0 ? double(done) / elapsed_s : 0;
  std::string left = done >= total ? fmt::format("{} total", Duration(elapsed_s))
                     : rate > 0    ? fmt::format("{} left", Duration(double(total - done) / rate))
                                   : "--:-- left";
  const int digits = int(std::to_string(total).size());
  return fmt::format("{} [{}{}] {:>{}}/{} {:>3.0f}% {:>6.1f}/s  {}", what, std::string(filled, '#'),
                     std::string(width - filled, '.'), done, digits, total, fraction * 100, rate, left);
}

void ProgressBar::Update(size_t done) {
  if (!enabled_ || finished_) return;
  done_ = done;
  auto now = std::chrono::steady_clock::now();
  if (done_ < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  Draw();
}

void ProgressBar::Draw() {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  // \r and erase-to-end-of-line: a shorter line leaves nothing of the previous one.
  std::fprintf(stderr, "\r%s\x1b[K", Format(what_, done_, total_, elapsed).c_str());
  std::fflush(stderr);
}

void ProgressBar::ClearLine() {
  if (!enabled_ || finished_) return;
  std::fputs("\r\x1b[K", stderr);
  std::fflush(stderr);
  last_draw_ = {};
}

void ProgressBar::BeforeStdout() {
  if (stdout_is_terminal_) ClearLine();
}

void ProgressBar::Finish() {
  if (!enabled_ || finished_) return;
  finished_ = true;
  Draw();
  std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace labelloop::app
