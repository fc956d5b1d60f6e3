// Training manifest: one JSON line per labelled image, in the Ground Truth
// image-classification form the seed's custom-labels service reads:
//   {"source-ref": KEY, "etag": HASH, "class": INDEX,
//    "class-metadata": {"class-name": L, "human-annotated": "yes"|"no",
//                       "creation-date": ISO, "type": "groundtruth/image-classification",
//                       "confidence": 1}}
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/object_store.h"

namespace labelloop::model {

// The folder of images that show none of the labels (a reviewer's "None of the Above",
// kept when the review flow is asked to): images_labeled_by_folder/none_of_the_above/.
// Not a label: its images are real examples of the background class, the class that
// says "none of these", listed with class index labels.size().
inline constexpr std::string_view kNoneOfTheAboveLabel = "none_of_the_above";

struct ManifestEntry {
  std::string key;    // object key under images_labeled_by_folder/
  std::string etag;   // content hash
  std::string label;  // or kNoneOfTheAboveLabel
  int class_index = 0;  // index into the labels; labels.size() for kNoneOfTheAboveLabel
  bool human_annotated = false;  // copied in from a review (humanLoopName-...)
  int64_t created_ms = 0;
};

struct LabeledListing {
  std::vector<ManifestEntry> entries;  // sorted by key; class indexes follow `labels`
  std::vector<std::string> labels;     // sorted; never kNoneOfTheAboveLabel
  std::vector<std::string> ignored;    // keys that are not images in a label folder, with why
};

// Lists images_labeled_by_folder/ and turns it into manifest entries.
Result<LabeledListing> ListLabeledImages(store::ObjectStore& store);

std::string WriteManifest(const std::vector<ManifestEntry>& entries);
// InvalidArgument naming the line for malformed input.
Result<std::vector<ManifestEntry>> ParseManifest(const std::string& text);

}  // namespace labelloop::model
