// Each view writes exactly the properties its schema declares (no more, none missing) with
// the declared JSON types, so the OpenAPI description generated from the schemas is true
// of what the API and the CLI print.
#include <gtest/gtest.h>

#include <set>

#include "views/account_view.h"
#include "views/execution_view.h"
#include "views/model_version_view.h"
#include "views/parameter_view.h"
#include "views/schedule_view.h"
#include "views/view_schemas.h"

namespace labelloop::views {
namespace {

std::string JsonTypeOf(const Json& value) {
  if (value.is_null()) return "null";
  if (value.is_boolean()) return "boolean";
  if (value.is_number_integer() || value.is_number_unsigned()) return "integer";
  if (value.is_number()) return "number";
  if (value.is_string()) return "string";
  if (value.is_array()) return "array";
  return "object";
}

bool TypeAllows(const Json& type, const std::string& actual) {
  std::vector<std::string> allowed = type.is_array() ? type.get<std::vector<std::string>>()
                                                     : std::vector<std::string>{type.get<std::string>()};
  for (const std::string& t : allowed) {
    if (t == actual || (t == "number" && actual == "integer")) return true;
  }
  return false;
}

// A strict check of the subset of JSON Schema the views use: type, properties (no
// undeclared ones unless additionalProperties is set), required, items, enum.
void ExpectConforms(const Json& value, const Json& schema, const std::string& where) {
  if (schema.contains("$ref")) {
    std::string name = schema["$ref"].get<std::string>().substr(std::string("#/components/schemas/").size());
    ExpectConforms(value, ViewSchemas().at(name), where);
    return;
  }
  if (schema.contains("oneOf")) {
    if (value.is_null()) return;  // Nullable(ref)
    ExpectConforms(value, schema["oneOf"][0], where);
    return;
  }
  if (schema.contains("type")) {
    EXPECT_TRUE(TypeAllows(schema["type"], JsonTypeOf(value))) << where << ": " << value.dump() << " is not "
                                                               << schema["type"].dump();
  }
  if (schema.contains("enum")) {
    EXPECT_NE(std::find(schema["enum"].begin(), schema["enum"].end(), value), schema["enum"].end())
        << where << ": " << value.dump() << " not in " << schema["enum"].dump();
  }
  if (value.is_object() && schema.contains("properties")) {
    for (const auto& name : schema.value("required", Json::array())) {
      EXPECT_TRUE(value.contains(name.get<std::string>())) << where << ": missing " << name;
    }
    for (const auto& [name, field] : value.items()) {
      if (schema["properties"].contains(name)) {
        ExpectConforms(field, schema["properties"][name], where + "." + name);
      } else {
        EXPECT_TRUE(schema.contains("additionalProperties")) << where << ": undeclared property " << name;
      }
    }
  }
  if (value.is_array() && schema.contains("items")) {
    for (size_t i = 0; i < value.size(); ++i) ExpectConforms(value[i], schema["items"], where + "[" + std::to_string(i) + "]");
  }
}

db::ModelVersion SampleVersion() {
  db::ModelVersion v;
  v.name = "labelloop.2026-11-26T00.32.25";
  v.status = "RUNNING";
  v.created_ms = 1'790'000'000'000;
  v.finished_ms = 1'790'000'060'000;
  v.labels = {"amazon_logo", "aws_logo"};
  v.training_image_count = 8;
  v.test_image_count = 2;
  v.f1 = 0.93;
  v.manifest_key = "manifests/x.manifest";
  return v;
}

TEST(ModelVersionViewTest, OneNameWithItsAliasAndTheSchema) {
  Json json = ModelVersionJson(SampleVersion());
  EXPECT_EQ(json["version"], "labelloop.2026-11-26T00.32.25");
  EXPECT_EQ(json["name"], json["version"]);  // alias promised by `models --json`
  EXPECT_EQ(json["created"], "2026-09-21T14:13:20.000Z");
  ExpectConforms(json, ModelVersionSchema(), "version");
  db::ModelVersion training = SampleVersion();
  training.status = "TRAINING_IN_PROGRESS";
  training.finished_ms.reset();
  training.f1.reset();
  ExpectConforms(ModelVersionJson(training), ModelVersionSchema(), "training version");
  Json evaluation = {{"macro_f1", 0.9}, {"accuracy", 0.9}, {"test_image_count", 2},
                     {"labels", {{{"name", "a"}, {"precision", 1.0}, {"recall", 0.5}, {"f1", 0.66}, {"support", 2},
                                  {"assumed_threshold", 40.0}}}},
                     {"test_images", {{{"image", "x.jpg"}, {"true_label", "a"}, {"predicted_label", "a"},
                                       {"confidence", 90.0}, {"true_label_confidence", 90.0},
                                       {"scores", {{"a", 90.0}}}}}},
                     {"calibration", {{"bins", 15}, {"images", 24}, {"temperature", 1.4}, {"ece", 3.1},
                                      {"ece_uncalibrated", 9.8}}}};
  ExpectConforms(ModelVersionDetailJson(SampleVersion(), evaluation), ModelVersionDetailSchema(), "detail");
  ExpectConforms(ModelVersionDetailJson(SampleVersion(), nullptr), ModelVersionDetailSchema(), "detail, no evaluation");
}

TEST(ExecutionViewTest, CanonicalNamesAliasesAndNullsForAbsentValues) {
  db::Execution e;
  e.id = "exec-1";
  e.branch = "detection";
  e.status = "FAILED";
  e.input_json = R"({"key":"images_for_detection/a.jpg"})";
  e.current_state = "Detect";
  e.start_ms = 1000;
  e.stop_ms = 2500;
  e.error = "Unavailable";
  e.cause = "busy";
  e.step_count = 4;
  Json json = ExecutionJson(e);
  EXPECT_EQ(json["current_state"], "Detect");
  EXPECT_EQ(json["state"], "Detect");
  EXPECT_EQ(json["started"], json["start"]);
  EXPECT_EQ(json["stopped"], "1970-01-01T00:00:02.500Z");
  EXPECT_EQ(json["input"]["key"], "images_for_detection/a.jpg");
  EXPECT_EQ(json["step_count"], 4);
  ExpectConforms(json, ExecutionSchema(), "failed execution");
  db::Execution running = e;
  running.status = "RUNNING";
  running.stop_ms.reset();
  running.wake_at_ms = 9000;
  running.error.clear();
  running.cause.clear();
  Json running_json = ExecutionJson(running);
  EXPECT_TRUE(running_json["error"].is_null());
  EXPECT_TRUE(running_json["stop"].is_null());
  ExpectConforms(running_json, ExecutionSchema(), "running execution");

  db::ExecutionEvent started;
  started.id = 1;
  started.time_ms = 1000;
  started.type = "ExecutionStarted";
  started.state_name = "Detect";
  started.input_json = "{}";
  db::ExecutionEvent failed;
  failed.id = 2;
  failed.time_ms = 2000;
  failed.type = "TaskFailed";
  failed.state_name = "Detect";
  failed.error = "Unavailable";
  failed.cause = "busy";
  failed.detail_json = R"({"attempt":1})";
  Json detail = ExecutionDetailJson(e, {started, failed});
  ASSERT_EQ(detail["history"].size(), 2u);
  EXPECT_FALSE(detail["history"][0].contains("error"));
  EXPECT_EQ(detail["history"][1]["detail"]["attempt"], 1);
  ExpectConforms(detail, ExecutionDetailSchema(), "execution detail");
}

TEST(ParameterViewTest, ValueAndDefinition) {
  params::ParameterValue never;
  never.name = "Minimum-F1-Score";
  never.value = "0.8";
  Json json = ParameterJson(never);
  EXPECT_TRUE(json["last_modified"].is_null());
  EXPECT_EQ(json["type"], "float");
  EXPECT_EQ(json["max"], 1.0);
  ExpectConforms(json, ParameterSchema(), "parameter");
  params::ParameterValue written;
  written.name = "Enable-A2I-Workflow";
  written.value = "false";
  written.version = 2;
  written.last_modified_ms = 5000;
  written.modified_by = "alice";
  ExpectConforms(ParameterValueJson(written), ParameterValueSchema(), "value");
  ExpectConforms(ParameterJson(written), ParameterSchema(), "bool parameter");
}

TEST(AccountAndScheduleViewsTest, MatchTheirSchemasAndHideSecrets) {
  db::UserRecord user;
  user.name = "alice";
  user.role = "reviewer";
  user.password_hash = "$argon2id$secret";
  user.created_ms = 1;
  ExpectConforms(UserJson(user), UserSchema(), "user");
  EXPECT_EQ(UserJson(user).dump().find("argon2id"), std::string::npos);
  db::TokenRecord token;
  token.name = "ci";
  token.role = "consumer";
  token.token_hash = "abcdef0123";
  token.created_ms = 1;
  token.revoked_ms = 2;
  ExpectConforms(TokenJson(token), TokenSchema(), "token");
  EXPECT_EQ(TokenJson(token).dump().find("abcdef0123"), std::string::npos);
  schedule::ScheduleState schedule;
  schedule.name = "training-poll";
  schedule.enabled = true;
  schedule.period_ms = 60000;
  schedule.next_fire_ms = 7;
  ExpectConforms(ScheduleJson(schedule), ScheduleSchema(), "schedule");
}

TEST(ViewSchemasTest, EveryReferenceResolves) {
  Json schemas = ViewSchemas();
  std::function<void(const Json&)> walk = [&](const Json& node) {
    if (node.is_object()) {
      if (node.contains("$ref")) {
        std::string ref = node["$ref"];
        EXPECT_TRUE(schemas.contains(ref.substr(ref.rfind('/') + 1))) << ref;
      }
      for (const auto& [key, child] : node.items()) walk(child);
    } else if (node.is_array()) {
      for (const auto& child : node) walk(child);
    }
  };
  walk(schemas);
}

}  // namespace
}  // namespace labelloop::views
