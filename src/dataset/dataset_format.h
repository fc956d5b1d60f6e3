// The labelled-dataset formats labelloop imports and exports, by their CLI names:
//   manifest     SageMaker Ground Truth / Rekognition classification manifest: JSON lines
//                with "source-ref" and a class attribute K whose "K-metadata" has "class-name"
//   folders      a folder per label: SRC/<label>/... (nested folders belong to the label)
//   splits       SRC/{train,valid,validation,val,test}/<label>/... (the split folders are
//                not labels)
//   yolo         YOLO classification: SRC/{train,val,test}/<label>/...
//   labelstudio  a Label Studio JSON export of choice tasks (one choice per task)
// Thread-safe (constants).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace labelloop::dataset {

enum class DatasetFormat { kManifest, kFolders, kSplits, kYolo, kLabelStudio };

// InvalidArgument naming the accepted names for anything else.
Result<DatasetFormat> ParseDatasetFormat(std::string_view name);
std::string_view DatasetFormatName(DatasetFormat format);
// "manifest, folders, splits, yolo, labelstudio"
std::string DatasetFormatNames();

}  // namespace labelloop::dataset
