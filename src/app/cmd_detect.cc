#include <algorithm>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "app/app_context.h"
#include "app/cli_output.h"
#include "app/commands.h"
#include "app/progress_bar.h"
#include "app/detect_pool.h"
#include "common/json_util.h"
#include "vision/image_decoder.h"

namespace labelloop::app {
namespace fs = std::filesystem;

namespace {

// Image formats labelloop cannot decode, still reported (as unsupported) when found in a
// folder, so a user sees why a picture got no labels.
bool IsUnsupportedImageName(const std::string& name) {
  std::string ext = fs::path(name).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".gif" || ext == ".heic" || ext == ".heif" || ext == ".avif";
}

// Every path the user gave, folders walked recursively in sorted order; each reported
// under the path it was given (folder + relative path).
std::vector<std::string> ExpandPaths(const std::vector<std::string>& given, std::vector<std::string>& missing) {
  std::vector<std::string> out;
  for (const auto& p : given) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (!it->is_regular_file() || name.front() == '.') continue;
        if (vision::HasImageExtension(name) || IsUnsupportedImageName(name)) found.push_back(it->path().string());
      }
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else if (fs::exists(p, ec)) {
      out.push_back(p);
    } else {
      missing.push_back(p);
    }
  }
  return out;
}

std::string ErrorCode(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument: return "invalid_image";
    case StatusCode::kResourceExhausted: return "image_too_large";
    case StatusCode::kNotFound: return "not_found";
    default: return std::string(StatusCodeName(s.code()));
  }
}

}  // namespace

int RunDetect(const GlobalOptions& g, const DetectOptions& o) {
  if (o.min_confidence && (*o.min_confidence < 0 || *o.min_confidence > 100)) {
    return ReportError(InvalidArgumentError(fmt::format("--min-confidence must be 0-100, got {}", *o.min_confidence)));
  }
  const double min_confidence = o.min_confidence.value_or(model::kEachLabelsThreshold);
  if (o.max_results < 0) return ReportError(InvalidArgumentError("--max-results must be >= 0 (0: all labels)"));
  if (o.workers < 0) return ReportError(InvalidArgumentError("--workers must be >= 0 (0: one per core)"));
  auto ctx = OpenAppContext(g.data_dir);
  if (!ctx.ok()) return ReportError(ctx.status());
  model::ModelService& models = *(*ctx)->models;

  std::string version = o.version;
  if (version.empty()) {
    auto running = models.FindRunningVersion();
    if (!running.ok()) return ReportError(running.status());
    if (!running->has_value()) {
      return ReportError(FailedPreconditionError(
          "no model version is RUNNING: start one with `labelloop models start VERSION` (see `labelloop models list`), "
          "or pass --version"));
    }
    version = (*running)->name;
  }
  std::vector<std::string> missing;
  std::vector<std::string> images = ExpandPaths(o.paths, missing);
  Result<DetectPool> pool = DetectPool::Open(models, version, !o.version.empty(), o.workers, images.size());
  if (!pool.ok()) return ReportError(pool.status());
  int failures = 0;
  std::vector<std::vector<std::string>> table = {{"IMAGE", "LABEL", "CONFIDENCE", "OTHER LABELS"}};
  auto report_error = [&](const std::string& path, const Status& s) {
    ++failures;
    if (o.json) {
      std::cout << Json({{"image", path}, {"error", {{"code", ErrorCode(s)}, {"message", s.message()}}}}).dump() << "\n" << std::flush;
    } else {
      table.push_back({path, "error", "-", s.message()});
    }
  };
  for (const auto& p : missing) report_error(p, NotFoundError(fmt::format("no such file or folder '{}'", p)));
  ProgressBar bar("detect", images.size(), StderrIsTerminal() && images.size() > 1);
  size_t done = 0;
  pool->DetectFiles(images, o.max_results, min_confidence, [&](size_t i, FileDetection r) {
    const std::string& path = images[i];
    bar.BeforeStdout();
    struct Redraw {
      ProgressBar& bar;
      size_t done;
      ~Redraw() { bar.Update(done); }
    } redraw{bar, ++done};
    const Result<model::Detection>& d = r.detection;
    if (!d.ok()) {
      report_error(path, d.status());
      return;
    }
    if (o.json) {
      Json labels = Json::array();
      for (const auto& l : d->labels) labels.push_back(model::DetectedLabelJson(l, 3));
      std::cout << Json({{"image", path}, {"version", d->version}, {"labels", labels}}).dump() << "\n" << std::flush;
    } else {
      std::string others;
      for (size_t k = 1; k < d->labels.size(); ++k) others += fmt::format("{}{} {:.1f}", k > 1 ? ", " : "", d->labels[k].name, d->labels[k].confidence);
      if (d->labels.empty()) {
        table.push_back({path, "-", "-",
                         o.min_confidence ? fmt::format("no label above {:.1f}", *o.min_confidence)
                                          : std::string("no label above its assumed threshold")});
      } else {
        table.push_back({path, d->labels[0].name, fmt::format("{:.1f}", d->labels[0].confidence), others});
      }
    }
  });
  bar.Finish();
  if (!o.json) {
    std::cerr << fmt::format("version {}: {} images, {} failed\n", version, images.size() + missing.size(), failures);
    std::cout << FormatTable(table);
  }
  return failures ? 1 : 0;
}

}  // namespace labelloop::app
