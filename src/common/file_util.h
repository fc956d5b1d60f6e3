// Reading local files whole: the one helper every module uses, so "missing" and "could not
// read" are reported the same way everywhere. Thread-safe (stateless).
#pragma once

#include <string>

#include "common/status.h"

namespace labelloop {

// The bytes of the file at `path`. NotFound when it does not exist or is not a regular
// file; Unavailable when it cannot be opened or read. Messages name the path.
Result<std::string> ReadFileBytes(const std::string& path);

}  // namespace labelloop
