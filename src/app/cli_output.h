// Small helpers shared by the commands: error reporting and plain-text tables.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace labelloop::app {

// Prints "labelloop: <message>" to stderr and returns the exit code for the status
// (2 for invalid arguments, 1 otherwise).
int ReportError(const Status& status);

// Left-aligned columns separated by two spaces; the first row is the header.
std::string FormatTable(const std::vector<std::vector<std::string>>& rows);

}  // namespace labelloop::app
