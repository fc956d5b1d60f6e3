#include "common/file_util.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace labelloop {

Result<std::string> ReadFileBytes(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return NotFoundError(fmt::format("no such file '{}'", path));
  std::ifstream in(path, std::ios::binary);
  if (!in) return UnavailableError(fmt::format("cannot open '{}'", path));
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return UnavailableError(fmt::format("error reading '{}'", path));
  return ss.str();
}

}  // namespace labelloop
