// The folder formats: a folder per label, and split folders (train/, valid/, test/...) each
// holding a folder per label.
#include <algorithm>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "dataset/dataset_reader.h"
#include "vision/image_decoder.h"

namespace labelloop::dataset {
namespace fs = std::filesystem;

namespace {

bool Hidden(const fs::path& p) {
  std::string name = p.filename().string();
  return !name.empty() && name.front() == '.';
}

Status RequireDirectory(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return NotFoundError(fmt::format("'{}' does not exist", dir));
  if (!fs::is_directory(dir, ec)) return InvalidArgumentError(fmt::format("'{}' is not a folder", dir));
  return OkStatus();
}

// Every file under `label_dir` (recursively, hidden ones skipped) as images of `label`;
// `origin_root` is what origins are relative to.
Status AddLabelFolder(const fs::path& label_dir, const std::string& label, const fs::path& origin_root,
                      DatasetListing& out) {
  std::error_code ec;
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(label_dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (Hidden(it->path())) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file()) files.push_back(it->path());
  }
  if (ec) return UnavailableError(fmt::format("cannot list '{}': {}", label_dir.string(), ec.message()));
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::string origin = fs::relative(f, origin_root).generic_string();
    if (!vision::HasImageExtension(f.filename().string())) {
      out.ignored.push_back(origin + " (not an image file name)");
      continue;
    }
    out.images.push_back({f.string(), label, origin});
  }
  return OkStatus();
}

// The sub-folders of `dir` (hidden ones skipped), sorted; files directly in it go to `loose`.
Result<std::vector<fs::path>> SubFolders(const fs::path& dir, std::vector<fs::path>* loose) {
  std::error_code ec;
  std::vector<fs::path> folders;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    if (Hidden(it->path())) continue;
    if (it->is_directory()) folders.push_back(it->path());
    else if (loose) loose->push_back(it->path());
  }
  if (ec) return UnavailableError(fmt::format("cannot list '{}': {}", dir.string(), ec.message()));
  std::sort(folders.begin(), folders.end());
  return folders;
}

}  // namespace

Result<DatasetListing> ReadFolderDataset(const std::string& dir) {
  RETURN_IF_ERROR(RequireDirectory(dir));
  DatasetListing out;
  std::vector<fs::path> loose;
  ASSIGN_OR_RETURN(std::vector<fs::path> labels, SubFolders(dir, &loose));
  for (const auto& f : loose) {
    std::string origin = fs::relative(f, dir).generic_string();
    if (vision::HasImageExtension(f.filename().string())) out.bad.push_back({origin, "an image outside any label folder"});
    else out.ignored.push_back(origin + " (not in a label folder)");
  }
  for (const auto& l : labels) RETURN_IF_ERROR(AddLabelFolder(l, l.filename().string(), dir, out));
  return out;
}

Result<DatasetListing> ReadSplitDataset(const std::string& dir, const std::vector<std::string>& split_names) {
  RETURN_IF_ERROR(RequireDirectory(dir));
  DatasetListing out;
  std::vector<fs::path> loose;
  ASSIGN_OR_RETURN(std::vector<fs::path> top, SubFolders(dir, &loose));
  for (const auto& f : loose) out.ignored.push_back(fs::relative(f, dir).generic_string() + " (not in a split folder)");
  int splits = 0;
  for (const auto& split : top) {
    const std::string name = split.filename().string();
    if (std::find(split_names.begin(), split_names.end(), name) == split_names.end()) {
      out.bad.push_back({name + "/", fmt::format("not a split folder (expected {})", fmt::join(split_names, ", "))});
      continue;
    }
    ++splits;
    std::vector<fs::path> split_loose;
    ASSIGN_OR_RETURN(std::vector<fs::path> labels, SubFolders(split, &split_loose));
    for (const auto& f : split_loose) {
      std::string origin = fs::relative(f, dir).generic_string();
      if (vision::HasImageExtension(f.filename().string())) out.bad.push_back({origin, "an image outside any label folder"});
      else out.ignored.push_back(origin + " (not in a label folder)");
    }
    for (const auto& l : labels) RETURN_IF_ERROR(AddLabelFolder(l, l.filename().string(), dir, out));
  }
  if (splits == 0) {
    return InvalidArgumentError(fmt::format("'{}' has no split folder ({})", dir, fmt::join(split_names, ", ")));
  }
  return out;
}

}  // namespace labelloop::dataset
