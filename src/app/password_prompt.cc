#include "app/password_prompt.h"

#include <termios.h>
#include <unistd.h>

#include <iostream>

namespace labelloop::app {
namespace {

void StripLineEnd(std::string& line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
}

// Echo off while reading one line from the terminal; restored whatever happens.
class NoEcho {
 public:
  NoEcho() {
    if (tcgetattr(STDIN_FILENO, &saved_) == 0) {
      termios quiet = saved_;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      active_ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
    }
  }
  ~NoEcho() {
    if (active_) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  }
  NoEcho(const NoEcho&) = delete;
  NoEcho& operator=(const NoEcho&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

Result<std::string> Prompt(const char* text) {
  std::cerr << text << std::flush;
  std::string line;
  bool got = false;
  {
    NoEcho no_echo;
    got = static_cast<bool>(std::getline(std::cin, line));
  }
  std::cerr << "\n";
  if (!got) return InvalidArgumentError("no password was typed (end of input)");
  StripLineEnd(line);
  return line;
}

}  // namespace

Result<std::string> ReadNewPassword(bool from_stdin) {
  if (from_stdin) {
    std::string line;
    if (!std::getline(std::cin, line)) {
      return InvalidArgumentError("--password-stdin: stdin is empty; send the password as one line");
    }
    StripLineEnd(line);
    return line;
  }
  if (isatty(STDIN_FILENO) == 0) {
    return InvalidArgumentError(
        "no terminal to type the password on: pass --password-stdin and send the password as one line");
  }
  ASSIGN_OR_RETURN(std::string first, Prompt("New password: "));
  ASSIGN_OR_RETURN(std::string second, Prompt("Repeat it: "));
  if (first != second) return InvalidArgumentError("the two passwords differ: nothing was changed");
  return first;
}

}  // namespace labelloop::app
