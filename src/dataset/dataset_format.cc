#include "dataset/dataset_format.h"

#include <fmt/format.h>

namespace labelloop::dataset {
namespace {

struct Named {
  DatasetFormat format;
  std::string_view name;
};
constexpr Named kFormats[] = {{DatasetFormat::kManifest, "manifest"},
                              {DatasetFormat::kFolders, "folders"},
                              {DatasetFormat::kSplits, "splits"},
                              {DatasetFormat::kYolo, "yolo"},
                              {DatasetFormat::kLabelStudio, "labelstudio"}};

}  // namespace

Result<DatasetFormat> ParseDatasetFormat(std::string_view name) {
  for (const auto& f : kFormats) {
    if (f.name == name) return f.format;
  }
  return InvalidArgumentError(fmt::format("unknown dataset format '{}' (one of {})", name, DatasetFormatNames()));
}

std::string_view DatasetFormatName(DatasetFormat format) {
  for (const auto& f : kFormats) {
    if (f.format == format) return f.name;
  }
  return "?";
}

std::string DatasetFormatNames() {
  std::string out;
  for (const auto& f : kFormats) out += (out.empty() ? "" : ", ") + std::string(f.name);
  return out;
}

}  // namespace labelloop::dataset
