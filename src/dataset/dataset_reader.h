// Reading a labelled dataset in one of the import formats (dataset_format.h) from the local
// file system into rows (image file, label, where it came from) and bad rows (where, why).
// Nothing is read from the images here beyond their existence; dataset_import.h checks
// them. Thread-safe (stateless).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "dataset/dataset_format.h"

namespace labelloop::dataset {

struct SourceImage {
  std::string path;    // local file
  std::string label;
  std::string origin;  // "line 12", "task 3 (line 40)" or the path relative to SRC
};

struct BadRow {
  std::string origin;
  std::string reason;
};

struct DatasetListing {
  std::vector<SourceImage> images;
  std::vector<BadRow> bad;
  std::vector<std::string> ignored;  // files that are not images (README, data.yaml), for information
};

// NotFound when `src` does not exist; InvalidArgument when it has the wrong kind (a folder
// format given a file, or the reverse) or a Label Studio file is not a JSON array.
Result<DatasetListing> ReadDataset(DatasetFormat format, const std::string& src);

// Per format (dataset_read_*.cc).
Result<DatasetListing> ReadFolderDataset(const std::string& dir);
Result<DatasetListing> ReadSplitDataset(const std::string& dir, const std::vector<std::string>& split_names);
Result<DatasetListing> ReadManifestDataset(const std::string& file);
Result<DatasetListing> ReadLabelStudioDataset(const std::string& file);

// The local file a reference in a manifest or a Label Studio task points to, looked up
// beside `base_dir` (s3://bucket/key -> key, bucket/key or the file name there; a relative
// path; an absolute path; Label Studio's /data/upload/... and /data/local-files/?d=...).
// Empty when none exists; `why` says what was tried.
std::string ResolveImageReference(const std::string& reference, const std::string& base_dir, std::string* why);

// Adds the image `reference` resolves to, under `label`, to `out.images`; when it resolves to
// no file, a bad row "<field> '<reference>': <why>" instead.
void AddReferencedImage(const std::string& reference, const std::string& label, const std::string& base_dir,
                        const std::string& origin, std::string_view field, DatasetListing& out);

}  // namespace labelloop::dataset
