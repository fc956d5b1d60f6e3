// Importing a dataset listing (dataset_reader.h) into the bucket: every image lands under
// <prefix>/<label>/. All or nothing: every row is checked first (label is a folder name,
// the file is a decodable image, no content is labelled two ways, here or already in the
// bucket); with any bad row nothing is written. A write that fails midway deletes what this
// import wrote. Content imported twice (or already in the bucket under its label) is
// written once and reported once. Not thread-safe with other writers of the same keys.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "dataset/dataset_reader.h"
#include "store/object_store.h"
#include "vision/image_decoder.h"

namespace labelloop::dataset {

struct ImportOptions {
  std::string prefix = "images_labeled_by_folder";
  vision::DecodeLimits limits;
};

struct DuplicateGroup {
  std::string key;                  // where the content is (written now or already there)
  std::string kept;                 // origin of the copy imported, or "already in the bucket"
  std::vector<std::string> others;  // origins of the copies not imported
};

struct ImportReport {
  std::vector<std::string> written;  // keys, in listing order
  std::vector<DuplicateGroup> duplicates;
  std::vector<BadRow> bad;           // the listing's and the checks'
  int labels = 0;                    // labels among the written images
};

// (done, total) while checking, then while writing.
using ImportProgressFn = std::function<void(const std::string& phase, size_t done, size_t total)>;

// FailedPrecondition ("N bad rows: nothing imported") when `report->bad` is not empty; the
// store's error when a write fails (what was written is deleted again). REQUIRES: report.
Status ImportDataset(store::ObjectStore& store, const DatasetListing& listing, const ImportOptions& options,
                     ImportReport* report, const ImportProgressFn& progress = {});

}  // namespace labelloop::dataset
