// Exporting the images a model version was trained on (its manifest) as a dataset in one of
// the formats of dataset_format.h, into a new local folder. The split formats put the
// version's held-out test images in test/ (splits) or val/ (yolo), the rest in train/; the
// manifest and Label Studio formats write manifest.jsonl / tasks.json beside images/<label>/.
// The folder appears whole or not at all (written beside it, then renamed). Thread-safe
// when the store is.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "dataset/dataset_format.h"
#include "model/manifest.h"
#include "store/object_store.h"

namespace labelloop::dataset {

struct ExportItem {
  model::ManifestEntry entry;
  bool held_out = false;  // in the version's test split
};

using ExportProgressFn = std::function<void(size_t done, size_t total)>;

// FailedPrecondition when `out_dir` exists and is not an empty folder; the store's error
// when an image cannot be read; Unavailable when the folder cannot be written.
Status ExportDataset(store::ObjectStore& store, const std::vector<ExportItem>& items, DatasetFormat format,
                     const std::string& out_dir, const ExportProgressFn& progress = {});

}  // namespace labelloop::dataset
