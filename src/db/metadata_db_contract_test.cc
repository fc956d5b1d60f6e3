// The MetadataDb contract: one suite, parameterised over a factory, run against every
// implementation (SQLite on a file and in memory; PostgreSQL joins by adding a factory).
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "db/metadata_db.h"

namespace labelloop::db {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct DbFactory {
  std::string name;
  std::function<Result<std::unique_ptr<MetadataDb>>(const std::string& temp_dir, const Clock* clock)> open;
};

void PrintTo(const DbFactory& factory, std::ostream* os) { *os << factory.name; }

const DbFactory kSqliteFile{"SqliteFile", [](const std::string& dir, const Clock* clock) {
                              return OpenSqliteMetadataDb(dir + "/metadata.db", clock);
                            }};
const DbFactory kSqliteMemory{"SqliteMemory", [](const std::string&, const Clock* clock) {
                                return OpenSqliteMetadataDb(":memory:", clock);
                              }};

ModelVersion SampleVersion(const std::string& name, int64_t created_ms) {
  ModelVersion v;
  v.name = name;
  v.status = std::string(kTrainingInProgress);
  v.status_message = "training started";
  v.created_ms = created_ms;
  v.labels = {"amazon_logo", "aws_logo"};
  v.training_image_count = 8;
  v.test_image_count = 2;
  v.manifest_key = "manifests/" + name + ".manifest";
  v.evaluation_key = "evaluation/" + name + "/evaluation.json";
  v.artifact_key = "evaluation/" + name + "/model.bin";
  v.backbone_id = "mnv2-nsfwjs-4.3.0";
  return v;
}

EmbeddingKey Key(const std::string& hash, const std::string& backbone = "mnv2", const std::string& prep = "224;rgb") {
  return EmbeddingKey{hash, backbone, prep};
}

class MetadataDbContractTest : public ::testing::TestWithParam<DbFactory> {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "labelloop-db-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    Result<std::unique_ptr<MetadataDb>> opened = GetParam().open(dir_.string(), &clock_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    db_ = std::move(opened).value();
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  FakeClock clock_;
  std::unique_ptr<MetadataDb> db_;
};

TEST_P(MetadataDbContractTest, CreateThenGetRoundTripsEveryField) {
  ModelVersion minimal = SampleVersion("v-minimal", 5);
  minimal.labels = {};
  minimal.status_message = "";
  ASSERT_TRUE(db_->CreateModelVersion(minimal).ok());
  EXPECT_EQ(*db_->GetModelVersion("v-minimal"), minimal);

  ModelVersion full = SampleVersion("labelloop.2026-11-26T00.32.25", 1'764'117'145'123);
  full.status = std::string(kRunning);
  full.finished_ms = 1'764'117'200'000;
  full.f1 = 0.8571428571428571;
  full.labels = {"Amazon Logo", "aws_logo", "日本 ラベル", "quote'\"s"};
  std::sort(full.labels.begin(), full.labels.end());
  ASSERT_TRUE(db_->CreateModelVersion(full).ok());
  Result<ModelVersion> got = db_->GetModelVersion(full.name);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, full);
  EXPECT_EQ(got->f1, 0.8571428571428571);  // bit-exact
}

TEST_P(MetadataDbContractTest, CreateTwiceIsAlreadyExistsAndKeepsTheFirst) {
  ASSERT_TRUE(db_->CreateModelVersion(SampleVersion("v1", 1)).ok());
  ModelVersion other = SampleVersion("v1", 2);
  other.status = std::string(kTrainingFailed);
  const Status status = db_->CreateModelVersion(other);
  EXPECT_EQ(status.code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(status.message(), HasSubstr("'v1'"));
  EXPECT_EQ(db_->GetModelVersion("v1")->created_ms, 1);
}

TEST_P(MetadataDbContractTest, MissingVersionIsNotFoundNamingIt) {
  Result<ModelVersion> got = db_->GetModelVersion("nope");
  EXPECT_EQ(got.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(got.status().message(), HasSubstr("'nope'"));
  const Status update = db_->UpdateModelVersion(SampleVersion("ghost", 1));
  EXPECT_EQ(update.code(), StatusCode::kNotFound);
  EXPECT_THAT(update.message(), HasSubstr("'ghost'"));
  EXPECT_THAT(*db_->ListModelVersions(), IsEmpty());
}

TEST_P(MetadataDbContractTest, UpdateReplacesEveryField) {
  ModelVersion v = SampleVersion("v1", 10);
  v.f1 = 0.5;
  v.finished_ms = 20;
  ASSERT_TRUE(db_->CreateModelVersion(v).ok());
  ModelVersion changed = SampleVersion("v1", 11);
  changed.status = std::string(kStopped);
  changed.status_message = "replaced by v2";
  changed.labels = {"cat"};
  changed.training_image_count = 100;
  changed.test_image_count = 20;
  changed.manifest_key = "m";
  changed.evaluation_key = "e";
  changed.artifact_key = "a";
  changed.backbone_id = "other";
  changed.f1 = std::nullopt;        // optional fields can be cleared again
  changed.finished_ms = std::nullopt;
  ASSERT_TRUE(db_->UpdateModelVersion(changed).ok());
  EXPECT_EQ(*db_->GetModelVersion("v1"), changed);
}

TEST_P(MetadataDbContractTest, ListIsNewestFirst) {
  ASSERT_TRUE(db_->CreateModelVersion(SampleVersion("b-middle", 200)).ok());
  ASSERT_TRUE(db_->CreateModelVersion(SampleVersion("a-newest", 300)).ok());
  ASSERT_TRUE(db_->CreateModelVersion(SampleVersion("c-oldest", 100)).ok());
  ASSERT_TRUE(db_->CreateModelVersion(SampleVersion("d-tie", 200)).ok());
  Result<std::vector<ModelVersion>> list = db_->ListModelVersions();
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  std::vector<std::string> names;
  for (const ModelVersion& v : *list) names.push_back(v.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a-newest", "d-tie", "b-middle", "c-oldest"}));
  EXPECT_EQ((*list)[0], SampleVersion("a-newest", 300));
}

TEST_P(MetadataDbContractTest, InvalidVersionsAreRejectedAndNothingIsWritten) {
  std::vector<std::pair<ModelVersion, std::string>> bad;
  bad.emplace_back(SampleVersion("", 1), "name is empty");
  bad.emplace_back(SampleVersion(std::string(300, 'n'), 1), "bytes");
  ModelVersion v = SampleVersion("v", 1);
  v.status = "DANCING";
  bad.emplace_back(v, "unknown status 'DANCING'");
  v = SampleVersion("v", 1);
  v.labels = {"b", "a"};
  bad.emplace_back(v, "sorted");
  v.labels = {"a", "a"};
  bad.emplace_back(v, "unique");
  v = SampleVersion("v", 1);
  v.training_image_count = -1;
  bad.emplace_back(v, "counts");
  v = SampleVersion("v", 1);
  v.f1 = std::nan("");
  bad.emplace_back(v, "f1");
  v.f1 = 1.5;
  bad.emplace_back(v, "f1");
  v = SampleVersion("v", 1);
  v.labels = {"bad\xff"};
  bad.emplace_back(v, "labels");
  for (const auto& [version, rule] : bad) {
    SCOPED_TRACE(rule);
    const Status created = db_->CreateModelVersion(version);
    EXPECT_EQ(created.code(), StatusCode::kInvalidArgument) << created.ToString();
    EXPECT_THAT(created.message(), HasSubstr(rule));
  }
  EXPECT_THAT(*db_->ListModelVersions(), IsEmpty());
  ASSERT_TRUE(db_->CreateModelVersion(SampleVersion("v", 1)).ok());
  v = SampleVersion("v", 1);
  v.status = "";
  EXPECT_EQ(db_->UpdateModelVersion(v).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(db_->GetModelVersion("v")->status, kTrainingInProgress);
}

TEST_P(MetadataDbContractTest, EvaluationsArePerVersionAndReplaceable) {
  ASSERT_TRUE(db_->CreateModelVersion(SampleVersion("v1", 1)).ok());
  ASSERT_TRUE(db_->CreateModelVersion(SampleVersion("v2", 2)).ok());
  EXPECT_EQ(db_->GetEvaluation("v1").status().code(), StatusCode::kNotFound);
  EXPECT_THAT(db_->GetEvaluation("v1").status().message(), HasSubstr("'v1'"));
  ASSERT_TRUE(db_->PutEvaluation("v1", R"({"f1": 0.5})").ok());
  ASSERT_TRUE(db_->PutEvaluation("v2", R"({"f1": 0.9, "labels": {"cat": {"precision": 1}}})").ok());
  EXPECT_EQ(*db_->GetEvaluation("v1"), R"({"f1": 0.5})");
  ASSERT_TRUE(db_->PutEvaluation("v1", R"({"f1": 0.75})").ok());
  EXPECT_EQ(*db_->GetEvaluation("v1"), R"({"f1": 0.75})");
  EXPECT_EQ(*db_->GetEvaluation("v2"), R"({"f1": 0.9, "labels": {"cat": {"precision": 1}}})");
}

TEST_P(MetadataDbContractTest, EvaluationNeedsAVersionAndValidJson) {
  const Status orphan = db_->PutEvaluation("ghost", "{}");
  EXPECT_EQ(orphan.code(), StatusCode::kNotFound);
  EXPECT_THAT(orphan.message(), HasSubstr("'ghost'"));
  ASSERT_TRUE(db_->CreateModelVersion(SampleVersion("v1", 1)).ok());
  const Status garbage = db_->PutEvaluation("v1", "{not json");
  EXPECT_EQ(garbage.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(garbage.message(), HasSubstr("'v1'"));
  EXPECT_EQ(db_->GetEvaluation("v1").status().code(), StatusCode::kNotFound);
}

TEST_P(MetadataDbContractTest, EmbeddingCacheStoresBytesPerFullKey) {
  const std::string binary("\0\x01\xff\x80 feature map \0", 18);
  EXPECT_EQ(*db_->CountEmbeddings(), 0);
  Result<std::optional<std::string>> missing = db_->FindEmbedding(Key("h1"));
  ASSERT_TRUE(missing.ok()) << missing.status().ToString();
  EXPECT_FALSE(missing->has_value());
  ASSERT_TRUE(db_->PutEmbedding(Key("h1"), binary).ok());
  ASSERT_TRUE(db_->PutEmbedding(Key("h1", "other-backbone"), "b").ok());
  ASSERT_TRUE(db_->PutEmbedding(Key("h1", "mnv2", "320;rgb"), "p").ok());
  ASSERT_TRUE(db_->PutEmbedding(Key("empty"), "").ok());
  EXPECT_EQ(db_->FindEmbedding(Key("h1"))->value(), binary);
  EXPECT_EQ(db_->FindEmbedding(Key("h1", "other-backbone"))->value(), "b");
  EXPECT_EQ(db_->FindEmbedding(Key("h1", "mnv2", "320;rgb"))->value(), "p");
  ASSERT_TRUE(db_->FindEmbedding(Key("empty"))->has_value());  // empty bytes are a hit, not a miss
  EXPECT_EQ(db_->FindEmbedding(Key("empty"))->value(), "");
  EXPECT_EQ(*db_->CountEmbeddings(), 4);
  ASSERT_TRUE(db_->PutEmbedding(Key("h1"), "replaced").ok());
  EXPECT_EQ(db_->FindEmbedding(Key("h1"))->value(), "replaced");
  EXPECT_EQ(*db_->CountEmbeddings(), 4);
}

TEST_P(MetadataDbContractTest, LargeEmbeddingsRoundTrip) {
  std::string big(4 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 2654435761u >> 24);
  ASSERT_TRUE(db_->PutEmbedding(Key("big"), big).ok());
  EXPECT_EQ(db_->FindEmbedding(Key("big"))->value(), big);
}

TEST_P(MetadataDbContractTest, EmbeddingKeysMustBeComplete) {
  for (const EmbeddingKey& key : {Key(""), Key("h", ""), Key("h", "b", "")}) {
    EXPECT_EQ(db_->PutEmbedding(key, "x").code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(db_->FindEmbedding(key).status().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(*db_->CountEmbeddings(), 0);
}

TEST_P(MetadataDbContractTest, ConcurrentWritersFromManyThreads) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string id = std::to_string(t) + "-" + std::to_string(i);
        if (!db_->PutEmbedding(Key(id), id).ok()) ++failures;
        if (i % 5 == 0 && !db_->CreateModelVersion(SampleVersion("v" + id, i)).ok()) ++failures;
        if (!db_->ListModelVersions().ok()) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(*db_->CountEmbeddings(), kThreads * kPerThread);
  EXPECT_EQ(db_->ListModelVersions()->size(), static_cast<size_t>(kThreads * kPerThread / 5));
  EXPECT_EQ(db_->FindEmbedding(Key("3-24"))->value(), "3-24");
}

INSTANTIATE_TEST_SUITE_P(Databases, MetadataDbContractTest, ::testing::Values(kSqliteFile, kSqliteMemory),
                         [](const ::testing::TestParamInfo<DbFactory>& info) { return info.param.name; });

}  // namespace
}  // namespace labelloop::db
