// ParameterStore over a real SQLite ParamDb (in memory, or a temp file where two stores
// share one database): defaults, versions, history, protection, typed reads, and the
// change sequence the server turns into events.
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "params/parameter_store.h"

namespace labelloop::params {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class ParameterStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = db::OpenSqliteParamDb(":memory:", &clock_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    store_ = std::make_unique<ParameterStore>(db_.get(), &clock_);
  }

  ParameterValue SetOk(std::string_view name, std::string_view value, std::string_view actor = "cli:alice") {
    Result<ParameterValue> r = store_->Set(name, value, actor);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ParameterValue{};
  }

  FakeClock clock_{1'700'000'000'000};
  std::unique_ptr<db::ParamDb> db_;
  std::unique_ptr<ParameterStore> store_;
};

TEST_F(ParameterStoreTest, BeforeDefaultsAreWrittenEveryParameterReadsAsItsDefaultVersionZero) {
  auto list = store_->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), ParameterDefinitions().size());
  for (size_t i = 0; i < list->size(); ++i) {
    EXPECT_EQ((*list)[i], (ParameterValue{ParameterDefinitions()[i].name, ParameterDefinitions()[i].default_value, 0,
                                          0, ""}));
  }
  EXPECT_EQ(store_->GetInt(kMinimumUntrainedImages).value(), 10);
  EXPECT_THAT(store_->History(kMinimumUntrainedImages).value(), IsEmpty());
}

TEST_F(ParameterStoreTest, EnsureDefaultsWritesVersionOneOnceAndNeverOverUserValues) {
  ASSERT_TRUE(store_->EnsureDefaults().ok());
  auto list = store_->List().value();
  for (size_t i = 0; i < list.size(); ++i) {
    EXPECT_EQ(list[i], (ParameterValue{ParameterDefinitions()[i].name, ParameterDefinitions()[i].default_value, 1,
                                       clock_.NowMs(), "system"}));
  }
  const int64_t seq = db_->LastChangeSeq().value();
  EXPECT_EQ(seq, static_cast<int64_t>(ParameterDefinitions().size()));

  clock_.AdvanceMs(1000);
  SetOk(kMinimumF1Score, "0.9");
  ASSERT_TRUE(store_->EnsureDefaults().ok());
  ASSERT_TRUE(store_->EnsureDefaults().ok());
  EXPECT_EQ(db_->LastChangeSeq().value(), seq + 1) << "EnsureDefaults wrote again";
  EXPECT_EQ(store_->Get(kMinimumF1Score)->value, "0.9");
  EXPECT_EQ(store_->Get(kMinimumF1Score)->version, 2);
}

TEST_F(ParameterStoreTest, EverySetIsANewVersionInCanonicalFormAndHistoryIsNewestFirst) {
  ASSERT_TRUE(store_->EnsureDefaults().ok());
  const int64_t t0 = clock_.NowMs();
  clock_.AdvanceMs(10);
  ParameterValue v2 = SetOk(kEnableAutomaticTraining, "FALSE", "cli:alice");
  EXPECT_EQ(v2, (ParameterValue{"Enable-Automatic-Training", "false", 2, t0 + 10, "cli:alice"}));
  clock_.AdvanceMs(10);
  ParameterValue v3 = SetOk(kEnableAutomaticTraining, "true", "user:bob");
  clock_.AdvanceMs(10);
  ParameterValue v4 = SetOk(kEnableAutomaticTraining, "true", "user:bob");
  EXPECT_EQ(v4.version, 4) << "the same value again is still a new version";

  EXPECT_EQ(store_->Get(kEnableAutomaticTraining).value(), v4);
  auto history = store_->History(kEnableAutomaticTraining);
  ASSERT_TRUE(history.ok());
  EXPECT_THAT(*history,
              ElementsAre(v4, v3, v2, ParameterValue{"Enable-Automatic-Training", "true", 1, t0, "system"}));
}

TEST_F(ParameterStoreTest, ARefusedValueChangesNothing) {
  ASSERT_TRUE(store_->EnsureDefaults().ok());
  const int64_t seq = db_->LastChangeSeq().value();
  Result<ParameterValue> r = store_->Set(kMinimumF1Score, "1.5", "cli:alice");
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), R"(Minimum-F1-Score must be a number between 0 and 1; got "1.5")");
  EXPECT_EQ(store_->Set(kMinimumF1Score, "0.5", "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->SetSystem(kForSystemUseOnly, "[]").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(db_->LastChangeSeq().value(), seq);
  EXPECT_EQ(store_->Get(kMinimumF1Score)->value, "0.8");
}

TEST_F(ParameterStoreTest, UnknownNamesAreNotFoundListingTheKnownOnes) {
  for (auto status : {store_->Get("Nope").status(), store_->Set("Nope", "1", "cli:a").status(),
                      store_->SetSystem("Nope", "1").status(), store_->History("Nope").status(),
                      store_->GetBool("Nope").status()}) {
    EXPECT_EQ(status.code(), StatusCode::kNotFound);
    EXPECT_THAT(status.message(), HasSubstr(R"(unknown parameter "Nope"; known parameters: Enable-Automatic-Training, )"));
  }
}

TEST_F(ParameterStoreTest, OnlyTheSystemWritesForSystemUseOnly) {
  Result<ParameterValue> denied = store_->Set(kForSystemUseOnly, R"({"previous_trained_images":10})", "cli:alice");
  EXPECT_EQ(denied.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(denied.status().message(), "For-System-Use-Only is written only by the system");
  EXPECT_THAT(store_->History(kForSystemUseOnly).value(), IsEmpty());

  auto written = store_->SetSystem(kForSystemUseOnly, R"({ "previous_trained_images": 10, "running_model_version": "v1" })");
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_EQ(written->modified_by, "system");
  EXPECT_EQ(written->value, R"({"previous_trained_images":10,"running_model_version":"v1"})");
  auto json = store_->GetJson(kForSystemUseOnly);
  ASSERT_TRUE(json.ok());
  EXPECT_EQ((*json)[std::string(kPreviousTrainedImagesKey)], 10);

  // The system path may also write user parameters (e.g. a migration of settings).
  auto system_set = store_->SetSystem(kMinimumUntrainedImages, "20");
  ASSERT_TRUE(system_set.ok());
  EXPECT_EQ(system_set->modified_by, "system");
}

TEST_F(ParameterStoreTest, TypedReads) {
  SetOk(kEnableA2IWorkflow, "False");
  SetOk(kHumanSamplingInterval, "250");
  SetOk(kMinimumLabelDetectionConfidence, "55.5");
  EXPECT_EQ(store_->GetBool(kEnableA2IWorkflow).value(), false);
  EXPECT_EQ(store_->GetBool(kEnableAutomaticTraining).value(), true);
  EXPECT_EQ(store_->GetInt(kHumanSamplingInterval).value(), 250);
  EXPECT_DOUBLE_EQ(store_->GetDouble(kMinimumLabelDetectionConfidence).value(), 55.5);
  EXPECT_DOUBLE_EQ(store_->GetDouble(kMinimumF1Score).value(), 0.8);
  EXPECT_DOUBLE_EQ(store_->GetDouble(kHumanSamplingInterval).value(), 250.0) << "ints widen to double";

  Result<bool> wrong = store_->GetBool(kHumanSamplingInterval);
  EXPECT_EQ(wrong.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(wrong.status().message(), "Human-Sampling-Interval is a int parameter, not bool");
  EXPECT_EQ(store_->GetInt(kMinimumF1Score).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetJson(kMinimumF1Score).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ParameterStoreTest, AValueWrittenAroundTheStoreIsReportedAsDataLoss) {
  ASSERT_TRUE(db_->AppendVersion(std::string(kMinimumInferenceUnits), "lots", 1, "hand").ok());
  Result<int64_t> r = store_->GetInt(kMinimumInferenceUnits);
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(r.status().message(), HasSubstr("stored version 1 of Minimum-Inference-Units is invalid"));
}

TEST_F(ParameterStoreTest, EveryChangeAppearsOnceAfterTheCursorInOrder) {
  ASSERT_TRUE(store_->EnsureDefaults().ok());
  int64_t cursor = db_->LastChangeSeq().value();
  SetOk(kMinimumF1Score, "0.7");
  ASSERT_TRUE(store_->SetSystem(kForSystemUseOnly, R"({"previous_trained_images":10})").ok());
  ASSERT_FALSE(store_->Set(kMinimumF1Score, "2", "cli:alice").ok());
  SetOk(kMinimumF1Score, "0.7");
  auto changes = db_->ListChangesAfter(cursor, 100);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 3u);
  EXPECT_EQ((*changes)[0].name, kMinimumF1Score);
  EXPECT_EQ((*changes)[0].value, "0.7");
  EXPECT_EQ((*changes)[1].name, kForSystemUseOnly);
  EXPECT_EQ((*changes)[2].version, 3);
  cursor = changes->back().seq;
  EXPECT_THAT(db_->ListChangesAfter(cursor, 100).value(), IsEmpty());
}

TEST(ParameterStoreFileTest, TwoStoresOnOneFileSeeEachOthersWritesAndSurviveReopen) {
  std::string pattern = (fs::temp_directory_path() / "labelloop-params-XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  const std::string path = pattern + "/labelloop.db";
  FakeClock clock;
  {
    auto server_db = db::OpenSqliteParamDb(path, &clock);
    auto cli_db = db::OpenSqliteParamDb(path, &clock);
    ASSERT_TRUE(server_db.ok() && cli_db.ok());
    ParameterStore server(server_db->get(), &clock), cli(cli_db->get(), &clock);
    ASSERT_TRUE(server.EnsureDefaults().ok());
    ASSERT_TRUE(cli.EnsureDefaults().ok());
    EXPECT_EQ((*server_db)->LastChangeSeq().value(), static_cast<int64_t>(ParameterDefinitions().size()));
    ASSERT_TRUE(cli.Set(kAutomaticTrainingPollFrequency, "5", "cli:alice").ok());
    EXPECT_EQ(server.GetInt(kAutomaticTrainingPollFrequency).value(), 5);
  }
  auto reopened = db::OpenSqliteParamDb(path, &clock);
  ASSERT_TRUE(reopened.ok());
  ParameterStore store(reopened->get(), &clock);
  EXPECT_EQ(store.Get(kAutomaticTrainingPollFrequency)->version, 2);
  fs::remove_all(pattern);
}

}  // namespace
}  // namespace labelloop::params
