// Reads a new password for `users add` / `users passwd`: one line from stdin
// (--password-stdin, for scripts), or typed twice at the terminal without echo. Not
// thread-safe (uses the process's stdin and terminal).
#pragma once

#include <string>

#include "common/status.h"

namespace labelloop::app {

// InvalidArgument when stdin is empty, the two typed passwords differ, or stdin is neither
// requested nor a terminal (naming --password-stdin).
Result<std::string> ReadNewPassword(bool from_stdin);

}  // namespace labelloop::app
