#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "app/app_context.h"
#include "common/file_util.h"
#include "app/cli_output.h"
#include "app/commands.h"
#include "app/progress_bar.h"
#include "store/object_keys.h"

namespace labelloop::app {
namespace fs = std::filesystem;

int RunUpload(const GlobalOptions& g, const UploadOptions& o) {
  auto ctx = OpenAppContext(g.data_dir);
  if (!ctx.ok()) return ReportError(ctx.status());
  std::string prefix = o.prefix;
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  if (Status s = store::ValidateObjectPrefix(prefix + "/"); !s.ok()) return ReportError(s);

  fs::path local(o.local_path);
  std::error_code ec;
  std::vector<std::pair<fs::path, std::string>> uploads;  // local file, key
  if (fs::is_directory(local, ec)) {
    for (auto it = fs::recursive_directory_iterator(local, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (name.front() == '.') {  // hidden files and folders (.DS_Store, .git) are not data
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      if (!it->is_regular_file()) continue;
      uploads.emplace_back(it->path(), prefix + "/" + fs::relative(it->path(), local).generic_string());
    }
    if (ec) return ReportError(UnavailableError(fmt::format("cannot list {}: {}", local.string(), ec.message())));
    std::sort(uploads.begin(), uploads.end());
  } else if (fs::is_regular_file(local, ec)) {
    uploads.emplace_back(local, prefix + "/" + local.filename().string());
  } else {
    return ReportError(NotFoundError(fmt::format("{} is not a file or folder", local.string())));
  }

  int64_t bytes_total = 0;
  int failed = 0;
  ProgressBar bar("upload", uploads.size(), StderrIsTerminal() && uploads.size() > 1);
  for (size_t i = 0; i < uploads.size(); ++i) {
    const auto& [path, key] = uploads[i];
    Status s = store::ValidateObjectKey(key);
    Result<std::string> data = s.ok() ? ReadFileBytes(path.string()) : Result<std::string>(s);
    Result<store::ObjectInfo> put = data.ok() ? (*ctx)->store->Put(key, *data) : Result<store::ObjectInfo>(data.status());
    if (!put.ok()) {
      ++failed;
      bar.ClearLine();  // the message gets a line of its own; the bar is redrawn below it
      std::cerr << "labelloop: " << path.string() << ": " << put.status().message() << "\n";
      continue;
    }
    bytes_total += put->size_bytes;
    bar.BeforeStdout();
    std::cout << key << "\n" << std::flush;
    bar.Update(i + 1);
  }
  bar.Finish();
  std::cerr << fmt::format("uploaded {} files ({:.1f} KB) to {}/{}\n", uploads.size() - failed, bytes_total / 1024.0,
                           prefix, failed ? fmt::format(", {} failed", failed) : "");
  return failed ? 1 : 0;
}

}  // namespace labelloop::app
