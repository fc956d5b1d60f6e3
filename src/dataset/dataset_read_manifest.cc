// Ground Truth / Rekognition classification manifests, and the image references they and
// Label Studio exports hold.
#include <filesystem>
#include <sstream>

#include <fmt/format.h>

#include "common/file_util.h"
#include "common/json_util.h"
#include "dataset/dataset_reader.h"

namespace labelloop::dataset {
namespace fs = std::filesystem;

namespace {

bool IsFile(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(uint8_t(s[i + 1])) && std::isxdigit(uint8_t(s[i + 2]))) {
      out += char(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The label of one manifest line: the attribute K whose "K-metadata" has a "class-name".
Result<std::string> ClassNameOf(const Json& line) {
  for (const auto& [key, value] : line.items()) {
    if (key.size() > 9 && key.ends_with("-metadata") && value.is_object()) {
      const std::string attribute = key.substr(0, key.size() - 9);
      if (!line.contains(attribute)) continue;
      if (value.contains("class-map") || line[attribute].is_array()) {
        return InvalidArgumentError("a multi-label row (one label per image is supported)");
      }
      if (value.contains("class-name") && value["class-name"].is_string()) return value["class-name"].get<std::string>();
    }
  }
  return InvalidArgumentError("no class attribute (a key K with \"K-metadata\": {\"class-name\": ...})");
}

}  // namespace

std::string ResolveImageReference(const std::string& reference, const std::string& base_dir, std::string* why) {
  std::string ref = reference;
  if (ref.rfind("http://", 0) == 0 || ref.rfind("https://", 0) == 0) {
    if (why) *why = "a remote URL (only local files are imported)";
    return "";
  }
  std::vector<fs::path> candidates;
  const fs::path base(base_dir);
  if (ref.rfind("s3://", 0) == 0) {
    std::string rest = ref.substr(5);
    size_t slash = rest.find('/');
    std::string key = slash == std::string::npos ? "" : rest.substr(slash + 1);
    candidates = {base / key, base / rest, base / fs::path(key).filename()};
  } else {
    if (ref.rfind("file://", 0) == 0) ref = ref.substr(7);
    if (size_t d = ref.find("/data/local-files/?d="); d != std::string::npos) {
      std::string path = PercentDecode(ref.substr(d + 21));
      candidates = {fs::path("/") / path, base / path};
    } else if (ref.rfind("/data/", 0) == 0) {  // Label Studio's upload storage
      candidates = {base / ref.substr(6), base / ref.substr(1), base / fs::path(ref).filename()};
    }
    fs::path p(ref);
    if (p.is_absolute()) candidates.push_back(p);
    else candidates.push_back(base / p);
    candidates.push_back(base / p.filename());
  }
  for (const auto& c : candidates) {
    if (!c.empty() && c.filename() != "" && IsFile(c)) return c.lexically_normal().string();
  }
  if (why) *why = fmt::format("no such file beside '{}'", base_dir);
  return "";
}

Result<DatasetListing> ReadManifestDataset(const std::string& file) {
  ASSIGN_OR_RETURN(std::string text, ReadFileBytes(file));
  const std::string base = fs::path(file).parent_path().string();
  DatasetListing out;
  std::istringstream in(text);
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string origin = fmt::format("line {}", number);
    Result<Json> j = ParseJson(line, origin);
    if (!j.ok() || !j->is_object()) {
      out.bad.push_back({origin, j.ok() ? "not a JSON object" : j.status().message()});
      continue;
    }
    if (!j->contains("source-ref") || !(*j)["source-ref"].is_string()) {
      out.bad.push_back({origin, "no \"source-ref\" string"});
      continue;
    }
    const std::string ref = (*j)["source-ref"].get<std::string>();
    Result<std::string> label = ClassNameOf(*j);
    if (!label.ok()) {
      out.bad.push_back({origin, label.status().message()});
      continue;
    }
    AddReferencedImage(ref, *label, base, origin, "source-ref", out);
  }
  return out;
}

void AddReferencedImage(const std::string& reference, const std::string& label, const std::string& base_dir,
                        const std::string& origin, std::string_view field, DatasetListing& out) {
  std::string why;
  std::string path = ResolveImageReference(reference, base_dir, &why);
  if (path.empty()) {
    out.bad.push_back({origin, fmt::format("{} '{}': {}", field, reference, why)});
  } else {
    out.images.push_back({std::move(path), label, origin});
  }
}

Result<DatasetListing> ReadDataset(DatasetFormat format, const std::string& src) {
  std::error_code ec;
  if (!fs::exists(src, ec)) return NotFoundError(fmt::format("'{}' does not exist", src));
  switch (format) {
    case DatasetFormat::kFolders: return ReadFolderDataset(src);
    case DatasetFormat::kSplits: return ReadSplitDataset(src, {"train", "valid", "validation", "val", "test"});
    case DatasetFormat::kYolo: return ReadSplitDataset(src, {"train", "val", "test"});
    case DatasetFormat::kManifest:
    case DatasetFormat::kLabelStudio:
      if (fs::is_directory(src, ec)) return InvalidArgumentError(fmt::format("'{}' is a folder; this format reads a file", src));
      return format == DatasetFormat::kManifest ? ReadManifestDataset(src) : ReadLabelStudioDataset(src);
  }
  return InvalidArgumentError("unknown dataset format");
}

}  // namespace labelloop::dataset
