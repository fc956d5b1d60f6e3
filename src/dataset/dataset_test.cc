// Import and export of labelled datasets on small generated images: every format's reader,
// bad rows named by line, duplicates, all-or-nothing imports (also when a write fails
// midway), and every format round-tripped through ExportDataset.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "common/content_hash.h"
#include "dataset/dataset_export.h"
#include "dataset/dataset_import.h"
#include "dataset/dataset_reader.h"
#include "store/fault_injecting_object_store.h"
#include "store/object_keys.h"
#include "store/test_temp_dir.h"

namespace labelloop::dataset {
namespace {
namespace fs = std::filesystem;

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A small PNG whose pixels depend on `seed`, so different seeds give different content.
std::string Png(int seed) {
  cv::Mat m(24, 32, CV_8UC3, cv::Scalar(seed * 37 % 256, seed * 91 % 256, seed * 13 % 256));
  cv::circle(m, {seed % 32, 12}, 5, cv::Scalar(255, 255, 255), -1);
  std::vector<uchar> out;
  cv::imencode(".png", m, out);
  return std::string(out.begin(), out.end());
}

void Write(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

// label -> content hashes of the listing's images.
std::map<std::string, std::multiset<std::string>> ContentByLabel(const DatasetListing& listing) {
  std::map<std::string, std::multiset<std::string>> out;
  for (const auto& image : listing.images) {
    std::ifstream in(image.path, std::ios::binary);
    out[image.label].insert(Sha256Hex(std::string(std::istreambuf_iterator<char>(in), {})));
  }
  return out;
}

std::vector<std::string> Origins(const std::vector<BadRow>& bad) {
  std::vector<std::string> out;
  for (const auto& b : bad) out.push_back(b.origin);
  return out;
}

class DatasetTest : public ::testing::Test {
 protected:
  fs::path Src(const std::string& relative = "") { return fs::path(dir_.path()) / "src" / relative; }

  store::TestTempDir dir_;
  std::unique_ptr<store::ObjectStore> bucket_ = store::NewMemoryObjectStore();
};

TEST_F(DatasetTest, FolderPerLabelKeepsNestedImagesAndIgnoresOtherFiles) {
  Write(Src("cat/a.png"), Png(1));
  Write(Src("cat/more/b.png"), Png(2));
  Write(Src("dog/c.png"), Png(3));
  Write(Src("dog/README.txt"), "notes");
  Write(Src("dog/.hidden.png"), Png(4));
  Write(Src("loose.png"), Png(5));
  Result<DatasetListing> listing = ReadDataset(DatasetFormat::kFolders, Src());
  ASSERT_TRUE(listing.ok()) << listing.status().ToString();
  EXPECT_EQ(listing->images.size(), 3u);
  EXPECT_EQ(ContentByLabel(*listing)["cat"].size(), 2u);
  EXPECT_THAT(listing->ignored, ElementsAre(HasSubstr("dog/README.txt")));
  EXPECT_THAT(Origins(listing->bad), ElementsAre("loose.png"));
}

TEST_F(DatasetTest, SplitFoldersAreNotLabels) {
  Write(Src("train/cat/a.png"), Png(1));
  Write(Src("valid/cat/b.png"), Png(2));
  Write(Src("test/dog/c.png"), Png(3));
  Result<DatasetListing> splits = ReadDataset(DatasetFormat::kSplits, Src());
  ASSERT_TRUE(splits.ok()) << splits.status().ToString();
  EXPECT_EQ(splits->bad.size(), 0u);
  std::set<std::string> labels;
  for (const auto& i : splits->images) labels.insert(i.label);
  EXPECT_EQ(labels, (std::set<std::string>{"cat", "dog"}));
  // YOLO names its validation split val/: valid/ is not one of its split folders.
  Result<DatasetListing> yolo = ReadDataset(DatasetFormat::kYolo, Src());
  ASSERT_TRUE(yolo.ok()) << yolo.status().ToString();
  EXPECT_THAT(Origins(yolo->bad), ElementsAre("valid/"));
  // A folder-per-label tree is not a split layout.
  Write(Src("../other/cat/a.png"), Png(1));
  EXPECT_EQ(ReadDataset(DatasetFormat::kYolo, (fs::path(dir_.path()) / "other").string()).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(DatasetTest, ManifestRowsResolveLocallyAndBadRowsAreNamedByLine) {
  Write(Src("images/a.png"), Png(1));
  Write(Src("b.png"), Png(2));
  std::string manifest =
      R"({"source-ref": "s3://bucket/images/a.png", "job": 0, "job-metadata": {"class-name": "cat"}})" "\n"
      "not json\n"
      R"({"source-ref": "b.png", "other": 1})" "\n"
      R"({"source-ref": "missing.png", "class": 0, "class-metadata": {"class-name": "cat"}})" "\n"
      "\n"
      R"({"source-ref": "b.png", "class": 1, "class-metadata": {"class-name": "dog"}})" "\n"
      R"({"source-ref": "https://example.com/x.png", "class": 1, "class-metadata": {"class-name": "dog"}})" "\n";
  Write(Src("train.manifest"), manifest);
  Result<DatasetListing> listing = ReadDataset(DatasetFormat::kManifest, Src("train.manifest"));
  ASSERT_TRUE(listing.ok()) << listing.status().ToString();
  ASSERT_EQ(listing->images.size(), 2u);
  EXPECT_EQ(listing->images[0].label, "cat");
  EXPECT_EQ(listing->images[0].origin, "line 1");
  EXPECT_EQ(listing->images[1].label, "dog");
  EXPECT_THAT(Origins(listing->bad), ElementsAre("line 2", "line 3", "line 4", "line 7"));
  EXPECT_THAT(listing->bad[1].reason, HasSubstr("class attribute"));
  EXPECT_THAT(listing->bad[3].reason, HasSubstr("remote URL"));

  ImportReport report;
  Status imported = ImportDataset(*bucket_, *listing, {}, &report);
  EXPECT_EQ(imported.code(), StatusCode::kFailedPrecondition) << imported.ToString();
  EXPECT_THAT(imported.message(), HasSubstr("4 bad rows: nothing imported"));
  EXPECT_EQ(report.bad.size(), 4u);
  EXPECT_TRUE(store::ListAll(*bucket_, "").value().empty()) << "nothing half-imported";
}

TEST_F(DatasetTest, LabelStudioTasksNeedExactlyOneChoice) {
  Write(Src("upload/1/a.png"), Png(1));
  Write(Src("b.png"), Png(2));
  const std::string tasks = R"([
  {"id": 11, "data": {"image": "/data/upload/1/a.png"},
   "annotations": [{"result": [{"type": "choices", "value": {"choices": ["cat"]}}]}]},
  {"id": 12, "data": {"image": "b.png"},
   "annotations": [{"result": [{"type": "choices", "value": {"choices": ["cat", "dog"]}}]}]},
  {"id": 13, "data": {"image": "b.png"}, "annotations": []},
  {"id": 14, "data": {"image": "b.png"},
   "annotations": [{"result": [{"type": "choices", "value": {"choices": ["dog"]}}]},
                   {"was_cancelled": true, "result": []}]}
])";
  Write(Src("export.json"), tasks);
  Result<DatasetListing> listing = ReadDataset(DatasetFormat::kLabelStudio, Src("export.json"));
  ASSERT_TRUE(listing.ok()) << listing.status().ToString();
  ASSERT_EQ(listing->images.size(), 2u);
  EXPECT_EQ(listing->images[0].label, "cat");
  EXPECT_EQ(listing->images[1].label, "dog");
  EXPECT_THAT(Origins(listing->bad), ElementsAre("task 2 (line 4), id 12", "task 3 (line 6), id 13"));
  EXPECT_THAT(listing->bad[0].reason, HasSubstr("2 choices"));

  Write(Src("object.json"), "{}");
  EXPECT_EQ(ReadDataset(DatasetFormat::kLabelStudio, Src("object.json")).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(DatasetTest, DuplicatesAreImportedOnceAndReportedOnce) {
  Write(Src("cat/a.png"), Png(1));
  Write(Src("cat/copy-of-a.png"), Png(1));
  Write(Src("cat/again-a.png"), Png(1));
  Write(Src("dog/a.png"), Png(2));  // same name, other label and content
  ASSERT_TRUE(bucket_->Put("images_labeled_by_folder/dog/old.png", Png(2)).ok());
  Result<DatasetListing> listing = ReadDataset(DatasetFormat::kFolders, Src());
  ASSERT_TRUE(listing.ok());
  ImportReport report;
  ASSERT_TRUE(ImportDataset(*bucket_, *listing, {}, &report).ok()) << Origins(report.bad).size();
  EXPECT_THAT(report.written, ElementsAre("images_labeled_by_folder/cat/a.png"));
  ASSERT_EQ(report.duplicates.size(), 2u);
  EXPECT_EQ(report.duplicates[0].kept, "cat/a.png");
  EXPECT_THAT(report.duplicates[0].others, ElementsAre("cat/again-a.png", "cat/copy-of-a.png"));
  EXPECT_EQ(report.duplicates[1].kept, "already in the bucket");
  EXPECT_EQ(report.duplicates[1].key, "images_labeled_by_folder/dog/old.png");
}

TEST_F(DatasetTest, OneImageWithTwoLabelsIsABadRow) {
  Write(Src("cat/a.png"), Png(1));
  Write(Src("dog/a-again.png"), Png(1));
  Write(Src("dog/broken.png"), Png(2).substr(0, 40));
  Write(Src("bad name\x01/x.png"), Png(3));
  Result<DatasetListing> listing = ReadDataset(DatasetFormat::kFolders, Src());
  ASSERT_TRUE(listing.ok());
  ImportReport report;
  EXPECT_EQ(ImportDataset(*bucket_, *listing, {}, &report).code(), StatusCode::kFailedPrecondition);
  ASSERT_EQ(report.bad.size(), 3u);
  std::string all;
  for (const auto& b : report.bad) all += b.origin + ": " + b.reason + "\n";
  EXPECT_THAT(all, HasSubstr("dog/a-again.png: labelled 'dog', but the same image is labelled 'cat' at cat/a.png"));
  EXPECT_THAT(all, HasSubstr("dog/broken.png: truncated PNG"));
  EXPECT_THAT(all, HasSubstr("bad name"));
  EXPECT_TRUE(store::ListAll(*bucket_, "").value().empty());
}

TEST_F(DatasetTest, AFailedWriteLeavesNothingBehind) {
  for (int i = 0; i < 5; ++i) Write(Src("cat/" + std::to_string(i) + ".png"), Png(10 + i));
  Result<DatasetListing> listing = ReadDataset(DatasetFormat::kFolders, Src());
  ASSERT_TRUE(listing.ok());
  store::FaultInjectingObjectStore faulty(*bucket_);
  faulty.FailMatching("images_labeled_by_folder/cat/3.png", {store::ObjectStoreVerb::kPut});
  ImportReport report;
  Status s = ImportDataset(faulty, *listing, {}, &report);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_TRUE(report.written.empty());
  EXPECT_TRUE(store::ListAll(*bucket_, "").value().empty()) << "the three written before the failure are deleted";
}

TEST_F(DatasetTest, NameTakenByOtherContentGetsTheHashInItsName) {
  ASSERT_TRUE(bucket_->Put("images_labeled_by_folder/cat/a.png", Png(7)).ok());
  Write(Src("cat/a.png"), Png(1));
  Result<DatasetListing> listing = ReadDataset(DatasetFormat::kFolders, Src());
  ImportReport report;
  ASSERT_TRUE(ImportDataset(*bucket_, *listing, {}, &report).ok());
  ASSERT_EQ(report.written.size(), 1u);
  EXPECT_EQ(report.written[0], "images_labeled_by_folder/cat/a-" + Sha256Hex(Png(1)).substr(0, 8) + ".png");
  EXPECT_EQ(bucket_->Get("images_labeled_by_folder/cat/a.png").value(), Png(7)) << "never overwritten";
}

TEST_F(DatasetTest, EveryFormatRoundTripsThroughExport) {
  std::vector<ExportItem> items;
  for (int i = 0; i < 6; ++i) {
    std::string label = i % 2 ? "dog" : "cat";
    std::string key = "images_labeled_by_folder/" + label + (i == 4 ? "/nested/" : "/") + std::to_string(i) + ".png";
    ASSERT_TRUE(bucket_->Put(key, Png(20 + i)).ok());
    model::ManifestEntry e;
    e.key = key;
    e.label = label;
    items.push_back({e, i < 2});
  }
  std::map<std::string, std::multiset<std::string>> expected;
  for (const auto& item : items) expected[item.entry.label].insert(Sha256Hex(Png(20 + std::stoi(fs::path(item.entry.key).stem()))));
  for (DatasetFormat format : {DatasetFormat::kManifest, DatasetFormat::kFolders, DatasetFormat::kSplits,
                               DatasetFormat::kYolo, DatasetFormat::kLabelStudio}) {
    SCOPED_TRACE(std::string(DatasetFormatName(format)));
    fs::path out = fs::path(dir_.path()) / ("out-" + std::string(DatasetFormatName(format)));
    ASSERT_TRUE(ExportDataset(*bucket_, items, format, out.string()).ok());
    std::string src = out.string();
    if (format == DatasetFormat::kManifest) src += "/manifest.jsonl";
    if (format == DatasetFormat::kLabelStudio) src += "/tasks.json";
    Result<DatasetListing> back = ReadDataset(format, src);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_TRUE(back->bad.empty());
    EXPECT_EQ(ContentByLabel(*back), expected);
    EXPECT_EQ(ExportDataset(*bucket_, items, format, out.string()).code(), StatusCode::kFailedPrecondition)
        << "an export never writes into a folder that has files";
  }
  EXPECT_TRUE(fs::exists(fs::path(dir_.path()) / "out-splits/test/cat/0.png"));
  EXPECT_TRUE(fs::exists(fs::path(dir_.path()) / "out-yolo/val/dog/1.png"));
  EXPECT_TRUE(fs::exists(fs::path(dir_.path()) / "out-folders/cat/nested/4.png"));
}

}  // namespace
}  // namespace labelloop::dataset
