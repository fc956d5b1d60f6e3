// Writing the CLI's output files (exported models, exported datasets) so that a reader
// never sees half a file: write a temp file beside the target, fsync, rename. Thread-safe.
#pragma once

#include <string>

#include "common/status.h"

namespace labelloop::app {

// Writes `bytes` to `path` atomically, creating missing parent folders. Unavailable (naming
// the path) when any step fails; nothing is left behind then.
Status WriteLocalFileAtomic(const std::string& path, const std::string& bytes);

}  // namespace labelloop::app
