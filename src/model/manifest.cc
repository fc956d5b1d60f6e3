#include "model/manifest.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "common/clock.h"
#include "common/json_util.h"
#include "store/object_keys.h"
#include "vision/image_decoder.h"

namespace labelloop::model {

Result<LabeledListing> ListLabeledImages(store::ObjectStore& store) {
  ASSIGN_OR_RETURN(std::vector<store::ObjectInfo> objects, store::ListAll(store, std::string(store::kLabeledPrefix)));
  LabeledListing listing;
  std::set<std::string> labels;
  for (const auto& o : objects) {
    std::string label = store::LabelOfLabeledImageKey(o.key);
    if (label.empty()) {
      listing.ignored.push_back(o.key + " (not inside a label folder)");
      continue;
    }
    // A key's folder may be up to 1024 bytes, a label at most 128: a longer folder is no label.
    if (Status valid = store::ValidateLabelName(label); !valid.ok()) {
      listing.ignored.push_back(o.key + " (" + valid.message() + ")");
      continue;
    }
    if (!vision::HasImageExtension(store::BaseName(o.key))) {
      listing.ignored.push_back(o.key + " (not an image file name)");
      continue;
    }
    if (label != kNoneOfTheAboveLabel) labels.insert(label);
    ManifestEntry e;
    e.key = o.key;
    e.etag = o.etag;
    e.label = label;
    e.human_annotated = std::string(store::BaseName(o.key)).rfind("humanLoopName-", 0) == 0;
    e.created_ms = o.last_modified_ms;
    listing.entries.push_back(std::move(e));
  }
  listing.labels.assign(labels.begin(), labels.end());
  for (auto& e : listing.entries) {
    // None of the above: the background class, which follows the labels.
    e.class_index = e.label == kNoneOfTheAboveLabel
        ? int(listing.labels.size())
        : int(std::lower_bound(listing.labels.begin(), listing.labels.end(), e.label) - listing.labels.begin());
  }
  return listing;
}

std::string WriteManifest(const std::vector<ManifestEntry>& entries) {
  std::string out;
  for (const auto& e : entries) {
    Json line = {{"source-ref", e.key},
                 {"etag", e.etag},
                 {"class", e.class_index},
                 {"class-metadata",
                  {{"class-name", e.label},
                   {"human-annotated", e.human_annotated ? "yes" : "no"},
                   {"creation-date", FormatIso8601Utc(e.created_ms)},
                   {"type", "groundtruth/image-classification"},
                   {"confidence", 1}}}};
    out += line.dump() + "\n";
  }
  return out;
}

Result<std::vector<ManifestEntry>> ParseManifest(const std::string& text) {
  std::vector<ManifestEntry> entries;
  std::istringstream in(text);
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.empty()) continue;
    std::string what = fmt::format("manifest line {}", number);
    ASSIGN_OR_RETURN(Json j, ParseJson(line, what));
    ManifestEntry e;
    ASSIGN_OR_RETURN(e.key, GetJsonString(j, "source-ref", what));
    ASSIGN_OR_RETURN(e.etag, GetJsonString(j, "etag", what));
    ASSIGN_OR_RETURN(int64_t index, GetJsonInt(j, "class", what));
    e.class_index = int(index);
    if (!j.contains("class-metadata")) return InvalidArgumentError(what + " has no \"class-metadata\"");
    const Json& meta = j["class-metadata"];
    ASSIGN_OR_RETURN(e.label, GetJsonString(meta, "class-name", what + " metadata"));
    ASSIGN_OR_RETURN(std::string human, GetJsonString(meta, "human-annotated", what + " metadata"));
    e.human_annotated = human == "yes";
    entries.push_back(std::move(e));
  }
  return entries;
}

}  // namespace labelloop::model
