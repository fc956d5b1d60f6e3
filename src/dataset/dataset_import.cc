#include "dataset/dataset_import.h"

#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>

#include "common/content_hash.h"
#include "common/file_util.h"
#include "store/object_keys.h"

namespace labelloop::dataset {
namespace fs = std::filesystem;

namespace {

struct Planned {
  const SourceImage* source;
  std::string hash;
  std::string key;
};

// What the bucket already holds under the prefix: content hash -> key, and every key.
struct Existing {
  std::map<std::string, std::string> key_of_hash;
  std::set<std::string> keys;
};

Result<Existing> ListExisting(store::ObjectStore& store, const std::string& prefix) {
  ASSIGN_OR_RETURN(std::vector<store::ObjectInfo> objects, store::ListAll(store, prefix + "/"));
  Existing e;
  for (const auto& o : objects) {
    e.key_of_hash.emplace(o.etag, o.key);
    e.keys.insert(o.key);
  }
  return e;
}

// The label folder of a key under prefix/.
std::string LabelOfKey(const std::string& key, const std::string& prefix) {
  std::string rest = key.substr(prefix.size() + 1);
  return rest.substr(0, rest.find('/'));
}

// prefix/label/name, or prefix/label/stem-<hash>.ext when that key holds something else.
std::string ChooseKey(const std::string& prefix, const SourceImage& image, const std::string& hash,
                      const std::set<std::string>& taken) {
  fs::path name = fs::path(image.path).filename();
  std::string key = fmt::format("{}/{}/{}", prefix, image.label, name.string());
  if (!taken.count(key)) return key;
  return fmt::format("{}/{}/{}-{}{}", prefix, image.label, name.stem().string(), hash.substr(0, 8),
                     name.extension().string());
}

// Checks one image: label, key, bytes, decodability. Returns its content hash.
Result<std::string> CheckImage(const SourceImage& image, const ImportOptions& options) {
  RETURN_IF_ERROR(store::ValidateLabelName(image.label));
  RETURN_IF_ERROR(store::ValidateObjectKey(fmt::format("{}/{}/{}", options.prefix, image.label,
                                                       fs::path(image.path).filename().string())));
  ASSIGN_OR_RETURN(std::string bytes, ReadFileBytes(image.path));
  RETURN_IF_ERROR(vision::DecodeImage(bytes, image.path, options.limits).status());
  return Sha256Hex(bytes);
}

// Every check, no writes: the plan, the duplicates and the bad rows.
Result<std::vector<Planned>> Plan(store::ObjectStore& store, const DatasetListing& listing, const ImportOptions& options,
                                  ImportReport& report, const ImportProgressFn& progress) {
  ASSIGN_OR_RETURN(Existing existing, ListExisting(store, options.prefix));
  std::set<std::string> taken = existing.keys;
  std::map<std::string, size_t> planned_of_hash;   // hash -> index in plan
  std::map<std::string, size_t> group_of_key;      // duplicate group by key
  std::vector<Planned> plan;
  auto add_duplicate = [&](const std::string& key, const std::string& kept, const std::string& other) {
    auto [it, added] = group_of_key.emplace(key, report.duplicates.size());
    if (added) report.duplicates.push_back({key, kept, {}});
    report.duplicates[it->second].others.push_back(other);
  };
  for (size_t i = 0; i < listing.images.size(); ++i) {
    const SourceImage& image = listing.images[i];
    if (progress) progress("checking", i + 1, listing.images.size());
    Result<std::string> hash = CheckImage(image, options);
    if (!hash.ok()) {
      report.bad.push_back({image.origin, hash.status().message()});
      continue;
    }
    if (auto it = existing.key_of_hash.find(*hash); it != existing.key_of_hash.end()) {
      const std::string label = LabelOfKey(it->second, options.prefix);
      if (label == image.label) add_duplicate(it->second, "already in the bucket", image.origin);
      else report.bad.push_back({image.origin, fmt::format("labelled '{}', but the bucket has the same image as '{}'",
                                                           image.label, it->second)});
      continue;
    }
    if (auto it = planned_of_hash.find(*hash); it != planned_of_hash.end()) {
      const Planned& first = plan[it->second];
      if (first.source->label == image.label) add_duplicate(first.key, first.source->origin, image.origin);
      else report.bad.push_back({image.origin, fmt::format("labelled '{}', but the same image is labelled '{}' at {}",
                                                           image.label, first.source->label, first.source->origin)});
      continue;
    }
    std::string key = ChooseKey(options.prefix, image, *hash, taken);
    taken.insert(key);
    planned_of_hash.emplace(*hash, plan.size());
    plan.push_back({&image, *hash, key});
  }
  return plan;
}

// Writes the plan; on failure deletes what it wrote.
Status Write(store::ObjectStore& store, const std::vector<Planned>& plan, ImportReport& report,
             const ImportProgressFn& progress) {
  auto undo = [&](Status why) {
    for (const auto& key : report.written) {
      if (Status d = store.Delete(key); !d.ok()) why = why.WithContext("and undoing the import failed at " + key);
    }
    report.written.clear();
    return why;
  };
  for (size_t i = 0; i < plan.size(); ++i) {
    const Planned& p = plan[i];
    Result<std::string> bytes = ReadFileBytes(p.source->path);
    if (!bytes.ok()) return undo(bytes.status());
    if (Sha256Hex(*bytes) != p.hash) {
      return undo(FailedPreconditionError(fmt::format("'{}' changed while it was imported", p.source->path)));
    }
    Result<store::ObjectInfo> put = store.Put(p.key, *bytes);
    if (!put.ok()) return undo(put.status().WithContext("writing " + p.key));
    report.written.push_back(p.key);
    if (progress) progress("writing", i + 1, plan.size());
  }
  return OkStatus();
}

}  // namespace

Status ImportDataset(store::ObjectStore& store, const DatasetListing& listing, const ImportOptions& options,
                     ImportReport* report, const ImportProgressFn& progress) {
  *report = ImportReport{};
  report->bad = listing.bad;
  RETURN_IF_ERROR(store::ValidateObjectPrefix(options.prefix + "/"));
  ASSIGN_OR_RETURN(std::vector<Planned> plan, Plan(store, listing, options, *report, progress));
  if (!report->bad.empty()) {
    return FailedPreconditionError(fmt::format("{} bad row{}: nothing imported", report->bad.size(),
                                               report->bad.size() == 1 ? "" : "s"));
  }
  RETURN_IF_ERROR(Write(store, plan, *report, progress));
  std::set<std::string> labels;
  for (const auto& p : plan) labels.insert(p.source->label);
  report->labels = int(labels.size());
  return OkStatus();
}

}  // namespace labelloop::dataset
