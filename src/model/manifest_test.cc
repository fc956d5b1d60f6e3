#include "model/manifest.h"

#include <regex>

#include <gtest/gtest.h>

#include "common/clock.h"
#include "common/content_hash.h"
#include "common/json_util.h"

namespace labelloop::model {
namespace {

constexpr int64_t kStartMs = 1'700'000'000'123;

class ListLabeledImagesTest : public ::testing::Test {
 protected:
  void Put(const std::string& key, const std::string& data) {
    ASSERT_TRUE(store_->Put(key, data).ok()) << key;
    clock_.AdvanceMs(1000);
  }

  FakeClock clock_{kStartMs};
  std::unique_ptr<store::ObjectStore> store_ = store::NewMemoryObjectStore(&clock_);
};

TEST_F(ListLabeledImagesTest, ListsImagesInLabelFolders) {
  Put("images_labeled_by_folder/dog/x.webp", "dog x");                              // +0 s
  Put("images_labeled_by_folder/cat/a.jpg", "cat a");                               // +1 s
  Put("images_labeled_by_folder/cat/sub/deep/c.JPEG", "cat c");                     // +2 s
  Put("images_labeled_by_folder/dog/humanLoopName-20260101-abc-y.png", "dog y");    // +3 s
  Put("images_labeled_by_folder/dog/notes.txt", "not an image");                    // +4 s
  Put("images_labeled_by_folder/loose.jpg", "no label folder");                     // +5 s
  Put("images_labeled_by_folder/bird/readme", "only a non-image");                  // +6 s
  Put("images_for_detection/q.jpg", "elsewhere");                                   // +7 s
  Put("images_labeled_by_folder/cat/b.png", "cat b");                               // +8 s

  Result<LabeledListing> listing = ListLabeledImages(*store_);
  ASSERT_TRUE(listing.ok()) << listing.status().ToString();
  // A folder with no images is not a label.
  EXPECT_EQ(listing->labels, (std::vector<std::string>{"cat", "dog"}));

  struct Expected {
    std::string key, label;
    int class_index;
    bool human;
    int64_t created_ms;
    std::string content;
  };
  const std::vector<Expected> expected = {
      {"images_labeled_by_folder/cat/a.jpg", "cat", 0, false, kStartMs + 1000, "cat a"},
      {"images_labeled_by_folder/cat/b.png", "cat", 0, false, kStartMs + 8000, "cat b"},
      {"images_labeled_by_folder/cat/sub/deep/c.JPEG", "cat", 0, false, kStartMs + 2000, "cat c"},
      {"images_labeled_by_folder/dog/humanLoopName-20260101-abc-y.png", "dog", 1, true, kStartMs + 3000, "dog y"},
      {"images_labeled_by_folder/dog/x.webp", "dog", 1, false, kStartMs, "dog x"},
  };
  ASSERT_EQ(listing->entries.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const ManifestEntry& e = listing->entries[i];
    EXPECT_EQ(e.key, expected[i].key);
    EXPECT_EQ(e.label, expected[i].label) << e.key;
    EXPECT_EQ(e.class_index, expected[i].class_index) << e.key;
    EXPECT_EQ(e.human_annotated, expected[i].human) << e.key;
    EXPECT_EQ(e.created_ms, expected[i].created_ms) << e.key;
    EXPECT_EQ(e.etag, Sha256Hex(expected[i].content)) << e.key;
  }

  ASSERT_EQ(listing->ignored.size(), 3u);
  auto ignored_with = [&](const std::string& key, const std::string& why) {
    for (const auto& s : listing->ignored) {
      if (s.find(key) != std::string::npos) {
        EXPECT_NE(s.find(why), std::string::npos) << s;
        return true;
      }
    }
    return false;
  };
  EXPECT_TRUE(ignored_with("images_labeled_by_folder/loose.jpg", "not inside a label folder"));
  EXPECT_TRUE(ignored_with("images_labeled_by_folder/dog/notes.txt", "not an image"));
  EXPECT_TRUE(ignored_with("images_labeled_by_folder/bird/readme", "not an image"));
}

TEST_F(ListLabeledImagesTest, NoneOfTheAboveIsTheBackgroundClassNotALabel) {
  Put("images_labeled_by_folder/zebra/z.jpg", "zebra");
  Put("images_labeled_by_folder/none_of_the_above/humanLoopName-20260101-abc-n.jpg", "nothing");
  Put("images_labeled_by_folder/cat/a.jpg", "cat");

  Result<LabeledListing> listing = ListLabeledImages(*store_);
  ASSERT_TRUE(listing.ok()) << listing.status().ToString();
  EXPECT_EQ(listing->labels, (std::vector<std::string>{"cat", "zebra"}));
  ASSERT_EQ(listing->entries.size(), 3u);
  const ManifestEntry& none = listing->entries[1];
  EXPECT_EQ(none.label, kNoneOfTheAboveLabel);
  EXPECT_EQ(none.class_index, 2);  // labels.size(): the background class
  EXPECT_TRUE(none.human_annotated);
  EXPECT_EQ(listing->entries[2].class_index, 1);  // zebra keeps its index

  // The manifest round-trips it like any entry.
  Result<std::vector<ManifestEntry>> parsed = ParseManifest(WriteManifest(listing->entries));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ((*parsed)[1].label, kNoneOfTheAboveLabel);
  EXPECT_EQ((*parsed)[1].class_index, 2);
}

// Found by fuzz/object_keys_fuzzer: a key may have a folder name of up to 1024 bytes, a
// label at most 128, so a long folder became a label that reviewers could never answer with
// (ValidateLabelName refuses it).
TEST_F(ListLabeledImagesTest, AFolderNameThatIsNotAValidLabelIsIgnored) {
  const std::string long_folder(129, 'a');
  Put("images_labeled_by_folder/" + long_folder + "/x.png", "too long");
  Put("images_labeled_by_folder/" + std::string(128, 'b') + "/y.png", "just fits");
  Result<LabeledListing> listing = ListLabeledImages(*store_);
  ASSERT_TRUE(listing.ok()) << listing.status().ToString();
  EXPECT_EQ(listing->labels, (std::vector<std::string>{std::string(128, 'b')}));
  ASSERT_EQ(listing->entries.size(), 1u);
  ASSERT_EQ(listing->ignored.size(), 1u);
  EXPECT_EQ(listing->ignored[0].rfind("images_labeled_by_folder/" + long_folder + "/x.png (", 0), 0u);
  EXPECT_NE(listing->ignored[0].find("128"), std::string::npos) << listing->ignored[0];
}

TEST_F(ListLabeledImagesTest, EmptyBucketListsNothing) {
  Result<LabeledListing> listing = ListLabeledImages(*store_);
  ASSERT_TRUE(listing.ok());
  EXPECT_TRUE(listing->entries.empty());
  EXPECT_TRUE(listing->labels.empty());
  EXPECT_TRUE(listing->ignored.empty());
}

std::vector<ManifestEntry> TwoEntries() {
  ManifestEntry a;
  a.key = "images_labeled_by_folder/cat/a \"quoted\".jpg";
  a.etag = Sha256Hex("a");
  a.label = "cat";
  a.class_index = 0;
  a.human_annotated = false;
  a.created_ms = kStartMs;
  ManifestEntry b;
  b.key = "images_labeled_by_folder/dög/humanLoopName-1-b.png";
  b.etag = Sha256Hex("b");
  b.label = "dög";
  b.class_index = 1;
  b.human_annotated = true;
  b.created_ms = 0;
  return {a, b};
}

TEST(ManifestTest, LinesAreGroundTruthImageClassification) {
  const std::vector<ManifestEntry> entries = TwoEntries();
  const std::string text = WriteManifest(entries);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  std::vector<std::string> lines;
  for (size_t start = 0, end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    lines.push_back(text.substr(start, end - start));
  }
  ASSERT_EQ(lines.size(), entries.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    Json j = Json::parse(lines[i]);
    EXPECT_EQ(j.at("source-ref"), entries[i].key);
    EXPECT_EQ(j.at("etag"), entries[i].etag);
    EXPECT_TRUE(j.at("class").is_number_integer());
    EXPECT_EQ(j.at("class").get<int>(), entries[i].class_index);
    const Json& meta = j.at("class-metadata");
    EXPECT_EQ(meta.at("class-name"), entries[i].label);
    EXPECT_EQ(meta.at("human-annotated"), entries[i].human_annotated ? "yes" : "no");
    EXPECT_EQ(meta.at("type"), "groundtruth/image-classification");
    EXPECT_EQ(meta.at("confidence"), 1);
    std::string date = meta.at("creation-date").get<std::string>();
    EXPECT_TRUE(std::regex_match(date, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"))) << date;
  }
  EXPECT_EQ(Json::parse(lines[0]).at("class-metadata").at("creation-date"), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(Json::parse(lines[1]).at("class-metadata").at("creation-date"), "1970-01-01T00:00:00.000Z");
}

TEST(ManifestTest, WriteParseRoundTrip) {
  const std::vector<ManifestEntry> entries = TwoEntries();
  Result<std::vector<ManifestEntry>> parsed = ParseManifest(WriteManifest(entries));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->size(), entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ((*parsed)[i].key, entries[i].key);
    EXPECT_EQ((*parsed)[i].etag, entries[i].etag);
    EXPECT_EQ((*parsed)[i].label, entries[i].label);
    EXPECT_EQ((*parsed)[i].class_index, entries[i].class_index);
    EXPECT_EQ((*parsed)[i].human_annotated, entries[i].human_annotated);
    // creation-date is written for the manifest's readers; ParseManifest does not read it back.
  }
  EXPECT_TRUE(ParseManifest("").ok());
  EXPECT_TRUE(ParseManifest("")->empty());
}

TEST(ManifestTest, BlankLinesAreSkippedButCounted) {
  std::string text = WriteManifest(TwoEntries());
  text.insert(text.find('\n') + 1, "\n\n");
  Result<std::vector<ManifestEntry>> parsed = ParseManifest(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->size(), 2u);

  Result<std::vector<ManifestEntry>> bad = ParseManifest(text + "{oops\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("manifest line 5"), std::string::npos) << bad.status().ToString();
}

TEST(ManifestTest, ParseErrorsNameTheLine) {
  const std::string good = WriteManifest({TwoEntries()[0]});  // one line, with '\n'
  const Json line = Json::parse(good);
  auto mutated = [&](auto change) {
    Json j = line;
    change(j);
    return j.dump();
  };
  const std::vector<std::pair<std::string, std::string>> bad_lines = {
      {"not JSON", "{\"source-ref\": "},
      {"an array", "[1, 2]"},
      {"no source-ref", mutated([](Json& j) { j.erase("source-ref"); })},
      {"no etag", mutated([](Json& j) { j.erase("etag"); })},
      {"class is a string", mutated([](Json& j) { j["class"] = "0"; })},
      {"class is fractional", mutated([](Json& j) { j["class"] = 0.5; })},
      {"no class-metadata", mutated([](Json& j) { j.erase("class-metadata"); })},
      {"class-metadata is a number", mutated([](Json& j) { j["class-metadata"] = 5; })},
      {"no class-name", mutated([](Json& j) { j["class-metadata"].erase("class-name"); })},
      {"human-annotated is a bool", mutated([](Json& j) { j["class-metadata"]["human-annotated"] = true; })},
  };
  for (const auto& [what, bad] : bad_lines) {
    // Two good lines, then the bad one: the error names line 3.
    Result<std::vector<ManifestEntry>> r = ParseManifest(good + good + bad + "\n" + good);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << what;
    EXPECT_NE(r.status().message().find("line 3"), std::string::npos) << what << ": " << r.status().ToString();
  }
}

}  // namespace
}  // namespace labelloop::model
