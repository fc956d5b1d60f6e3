#include "dataset/dataset_export.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "common/clock.h"
#include "common/json_util.h"
#include "store/object_keys.h"

namespace labelloop::dataset {
namespace fs = std::filesystem;

namespace {

// The path of an image inside the exported folder (the key's path under its label folder
// is kept, so nested folders and names stay as they were).
std::string RelativePath(const ExportItem& item, DatasetFormat format) {
  const std::string& key = item.entry.key;
  // Manifest keys are images_labeled_by_folder/<label>/<path>.
  std::string in_label = key.substr(std::min(key.size(), store::kLabeledPrefix.size()));
  switch (format) {
    case DatasetFormat::kFolders: return in_label;
    case DatasetFormat::kSplits: return (item.held_out ? "test/" : "train/") + in_label;
    case DatasetFormat::kYolo: return (item.held_out ? "val/" : "train/") + in_label;
    case DatasetFormat::kManifest:
    case DatasetFormat::kLabelStudio: return "images/" + in_label;
  }
  return in_label;
}

Status WriteFile(const fs::path& path, const std::string& bytes) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), std::streamsize(bytes.size()));
  out.close();
  if (ec || !out) return UnavailableError(fmt::format("cannot write '{}'", path.string()));
  return OkStatus();
}

std::string ManifestLines(const std::vector<ExportItem>& items, const std::vector<std::string>& paths,
                          const std::vector<std::string>& labels) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    const model::ManifestEntry& e = items[i].entry;
    int index = int(std::lower_bound(labels.begin(), labels.end(), e.label) - labels.begin());
    out += Json({{"source-ref", paths[i]},
                 {"class", index},
                 {"class-metadata",
                  {{"class-name", e.label},
                   {"human-annotated", e.human_annotated ? "yes" : "no"},
                   {"creation-date", FormatIso8601Utc(e.created_ms)},
                   {"type", "groundtruth/image-classification"},
                   {"confidence", 1}}}})
               .dump() +
           "\n";
  }
  return out;
}

std::string LabelStudioTasks(const std::vector<ExportItem>& items, const std::vector<std::string>& paths) {
  Json tasks = Json::array();
  for (size_t i = 0; i < items.size(); ++i) {
    Json result = {{"from_name", "choice"}, {"to_name", "image"}, {"type", "choices"},
                   {"value", {{"choices", {items[i].entry.label}}}}};
    tasks.push_back({{"id", i + 1},
                     {"data", {{"image", paths[i]}}},
                     {"annotations", {{{"id", i + 1}, {"was_cancelled", false}, {"result", {result}}}}}});
  }
  return tasks.dump(1) + "\n";
}

Status PrepareTarget(const std::string& out_dir) {
  std::error_code ec;
  if (!fs::exists(out_dir, ec)) return OkStatus();
  if (!fs::is_directory(out_dir, ec) || !fs::is_empty(out_dir, ec)) {
    return FailedPreconditionError(fmt::format("'{}' exists and is not an empty folder", out_dir));
  }
  fs::remove(out_dir, ec);
  if (ec) return UnavailableError(fmt::format("cannot replace the empty folder '{}': {}", out_dir, ec.message()));
  return OkStatus();
}

}  // namespace

Status ExportDataset(store::ObjectStore& store, const std::vector<ExportItem>& items, DatasetFormat format,
                     const std::string& out_dir, const ExportProgressFn& progress) {
  RETURN_IF_ERROR(PrepareTarget(out_dir));
  const fs::path temp = fmt::format("{}.tmp-{}", fs::path(out_dir).lexically_normal().string(), ::getpid());
  std::error_code ec;
  fs::remove_all(temp, ec);
  auto fail = [&](Status why) {
    fs::remove_all(temp, ec);
    return why;
  };
  std::vector<std::string> paths;
  std::vector<std::string> labels;
  for (size_t i = 0; i < items.size(); ++i) {
    paths.push_back(RelativePath(items[i], format));
    labels.push_back(items[i].entry.label);
    Result<std::string> bytes = store.Get(items[i].entry.key);
    if (!bytes.ok()) return fail(bytes.status().WithContext("exporting " + items[i].entry.key));
    if (Status s = WriteFile(temp / paths.back(), *bytes); !s.ok()) return fail(s);
    if (progress) progress(i + 1, items.size());
  }
  std::sort(labels.begin(), labels.end());
  labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
  Status index = OkStatus();
  if (format == DatasetFormat::kManifest) index = WriteFile(temp / "manifest.jsonl", ManifestLines(items, paths, labels));
  if (format == DatasetFormat::kLabelStudio) index = WriteFile(temp / "tasks.json", LabelStudioTasks(items, paths));
  if (!index.ok()) return fail(index);
  if (fs::create_directories(temp, ec); ec) return fail(UnavailableError(fmt::format("cannot create '{}'", temp.string())));
  fs::rename(temp, out_dir, ec);
  if (ec) return fail(UnavailableError(fmt::format("cannot move the export into '{}': {}", out_dir, ec.message())));
  return OkStatus();
}

}  // namespace labelloop::dataset
