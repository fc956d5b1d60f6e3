#include "review/review_output.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "common/json_util.h"

namespace labelloop::review {
namespace {

using ::testing::HasSubstr;

db::ReviewTask CompletedTask() {
  db::ReviewTask t;
  t.name = "review-20231114T221320-0a1b2c3d";
  t.status = std::string(db::kReviewCompleted);
  t.source = "low-confidence";
  t.image_key = "images_for_detection/cat.png";
  t.detection_request_id = "req-1";
  t.model_label = "aws_logo";
  t.model_confidence_pct = 42.5;
  t.candidate_labels = {"amazon_logo", "aws_logo"};
  t.answers = {{"alice", "amazon_logo", 1'700'000'000'000}, {"bob", std::nullopt, 1'700'000'001'000},
               {"carol", "amazon_logo", 1'700'000'002'000}};
  t.final_label = "amazon_logo";
  t.agreement = 2.0 / 3.0;
  t.completed_ms = 1'700'000'002'000;
  return t;
}

TEST(ReviewOutputTest, BuildThenParseRoundTrips) {
  Result<std::string> json = BuildReviewOutputJson(CompletedTask(), "labelloop-review");
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  EXPECT_THAT(*json, HasSubstr("\"submission_time\": \"2023-11-14T22:13:20.000Z\""));
  EXPECT_THAT(*json, HasSubstr("\"label\": null"));
  Result<ReviewOutput> parsed = ParseReviewOutput(*json);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->task_name, "review-20231114T221320-0a1b2c3d");
  EXPECT_EQ(parsed->flow_name, "labelloop-review");
  EXPECT_EQ(parsed->source, "low-confidence");
  EXPECT_EQ(parsed->image_key, "images_for_detection/cat.png");
  EXPECT_EQ(parsed->detection_request_id, "req-1");
  EXPECT_EQ(parsed->model_label, "aws_logo");
  EXPECT_DOUBLE_EQ(parsed->model_confidence_pct, 42.5);
  EXPECT_EQ(parsed->candidate_labels, (std::vector<std::string>{"amazon_logo", "aws_logo"}));
  EXPECT_EQ(parsed->final_label, "amazon_logo");
  EXPECT_NEAR(parsed->agreement, 2.0 / 3.0, 1e-12);
  EXPECT_EQ(parsed->completed_ms, 1'700'000'002'000);
  EXPECT_EQ(parsed->answers, CompletedTask().answers);
  // Same task, same bytes: rewriting the object is idempotent.
  EXPECT_EQ(*BuildReviewOutputJson(CompletedTask(), "labelloop-review"), *json);
}

TEST(ReviewOutputTest, OnlyCompletedTasksHaveOutput) {
  db::ReviewTask t = CompletedTask();
  t.status = std::string(db::kReviewInProgress);
  EXPECT_EQ(BuildReviewOutputJson(t, "f").status().code(), StatusCode::kFailedPrecondition);
}

TEST(ReviewOutputTest, ParseErrorsNameTheProblem) {
  const std::string good = *BuildReviewOutputJson(CompletedTask(), "labelloop-review");
  const auto mutated = [&](auto&& edit) {
    Json doc = *ParseJson(good, "test");
    edit(doc);
    return ParseReviewOutput(doc.dump());
  };
  struct Case {
    std::string name;
    Result<ReviewOutput> result;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"not json", ParseReviewOutput("{oops"), "review output.json"},
      {"not object", ParseReviewOutput("[]"), "not a JSON object"},
      {"no task", mutated([](Json& d) { d.erase("task_name"); }), "task_name"},
      {"no input", mutated([](Json& d) { d.erase("input"); }), "\"input\""},
      {"bad key", mutated([](Json& d) { d["input"]["image_key"] = "../etc/passwd"; }), "'..' segment"},
      {"confidence type", mutated([](Json& d) { d["input"]["model_confidence_pct"] = "high"; }),
       "model_confidence_pct"},
      {"answers type", mutated([](Json& d) { d["answers"] = 3; }), "\"answers\" is not an array"},
      {"answer label", mutated([](Json& d) { d["answers"][0]["label"] = "a/b"; }), "answer 1"},
      {"answer label type", mutated([](Json& d) { d["answers"][1]["label"] = 7; }), "label name or null"},
      {"final label", mutated([](Json& d) { d["final_label"] = ".."; }), "final_label"},
      {"no agreement", mutated([](Json& d) { d.erase("agreement"); }), "agreement"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_FALSE(c.result.ok());
    EXPECT_EQ(c.result.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(c.result.status().message(), HasSubstr(c.expected));
  }
}

// Only the output the server wrote for a Completed task is trusted; every field that
// decides what is trained on is compared with the database.
TEST(ReviewOutputTest, OnlyTheServersOwnOutputIsTrusted) {
  const std::string key = "a2i-human-loop-data/f/2023/11/14/22/review-20231114T221320-0a1b2c3d/output.json";
  db::ReviewTask task = CompletedTask();
  task.output_key = key;
  Result<std::string> json = BuildReviewOutputJson(task, "f");
  ASSERT_TRUE(json.ok());
  Result<ReviewOutput> written = ParseReviewOutput(*json);
  ASSERT_TRUE(written.ok());
  EXPECT_TRUE(VerifyReviewOutput(*written, task, key).ok());

  struct Case {
    const char* what;
    std::function<void(ReviewOutput&, db::ReviewTask&, std::string&)> change;
  };
  const std::vector<Case> cases = {
      {"final label", [](ReviewOutput& o, db::ReviewTask&, std::string&) { o.final_label = "dog"; }},
      {"None of the Above", [](ReviewOutput& o, db::ReviewTask&, std::string&) { o.final_label.reset(); }},
      {"image key", [](ReviewOutput& o, db::ReviewTask&, std::string&) { o.image_key = "images_for_detection/x.jpg"; }},
      {"task name", [](ReviewOutput& o, db::ReviewTask&, std::string&) { o.task_name = "review-other"; }},
      {"answer label", [](ReviewOutput& o, db::ReviewTask&, std::string&) { o.answers[1].label = "dog"; }},
      {"answer reviewer", [](ReviewOutput& o, db::ReviewTask&, std::string&) { o.answers[0].reviewer = "mallory"; }},
      {"extra answer", [](ReviewOutput& o, db::ReviewTask&, std::string&) { o.answers.push_back(o.answers[0]); }},
      {"source", [](ReviewOutput& o, db::ReviewTask&, std::string&) { o.source = "sampling"; }},
      {"detection", [](ReviewOutput& o, db::ReviewTask&, std::string&) { o.detection_request_id = "req-2"; }},
      {"completion", [](ReviewOutput& o, db::ReviewTask&, std::string&) { o.completed_ms += 1; }},
      {"task not completed",
       [](ReviewOutput&, db::ReviewTask& t, std::string&) { t.status = std::string(db::kReviewInProgress); }},
      {"copied elsewhere", [](ReviewOutput&, db::ReviewTask&, std::string& k) { k = "a2i-human-loop-data/x/output.json"; }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    ReviewOutput output = *written;
    db::ReviewTask stored = task;
    std::string where = key;
    c.change(output, stored, where);
    Status verdict = VerifyReviewOutput(output, stored, where);
    EXPECT_EQ(verdict.code(), StatusCode::kPermissionDenied);
    EXPECT_THAT(verdict.message(), HasSubstr("not the output the server wrote"));
  }
}

}  // namespace
}  // namespace labelloop::review
