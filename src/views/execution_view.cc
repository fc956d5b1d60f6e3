#include "views/execution_view.h"

#include "common/json_util.h"

namespace labelloop::views {
namespace {

// Stored JSON text as JSON (null when empty); text that does not parse is returned as a string.
Json EmbeddedJson(const std::string& text) {
  if (text.empty()) return nullptr;
  Result<Json> parsed = ParseJson(text, "stored JSON");
  return parsed.ok() ? *parsed : Json(text);
}

}  // namespace

Json ExecutionJson(const db::Execution& e) {
  Json started = TimeValue(e.start_ms);
  Json stopped = TimeValue(e.stop_ms);
  return {{"id", e.id},
          {"branch", e.branch},
          {"status", e.status},
          {"input", EmbeddedJson(e.input_json)},
          {"current_state", e.current_state},
          {"started", started},
          {"stopped", stopped},
          {"wake_at", TimeValue(e.wake_at_ms)},
          {"output", EmbeddedJson(e.output_json)},
          {"error", TextOrNull(e.error)},
          {"cause", TextOrNull(e.cause)},
          {"step_count", e.step_count},
          {"state", e.current_state},
          {"start", started},
          {"stop", stopped},
          {"steps", e.step_count}};
}

Json ExecutionEventJson(const db::ExecutionEvent& event) {
  Json json = {{"id", event.id}, {"time", TimeValue(event.time_ms)}, {"type", event.type}, {"state", event.state_name}};
  if (!event.input_json.empty()) json["input"] = EmbeddedJson(event.input_json);
  if (!event.output_json.empty()) json["output"] = EmbeddedJson(event.output_json);
  if (!event.error.empty()) json["error"] = event.error;
  if (!event.cause.empty()) json["cause"] = event.cause;
  if (!event.detail_json.empty()) json["detail"] = EmbeddedJson(event.detail_json);
  return json;
}

Json ExecutionDetailJson(const db::Execution& execution, const std::vector<db::ExecutionEvent>& history) {
  Json json = ExecutionJson(execution);
  Json events = Json::array();
  for (const db::ExecutionEvent& event : history) events.push_back(ExecutionEventJson(event));
  json["history"] = std::move(events);
  return json;
}

Json ExecutionSchema() {
  return ObjectSchema(
      "One run of the state machine, started by an event, a parameter change or a schedule.",
      {{"id", StringSchema()},
       {"branch", StringSchema("what started it: detection, review-output, training-poll, ...")},
       {"status", EnumSchema({"RUNNING", "SUCCEEDED", "FAILED"})},
       {"input", AnySchema("the execution's input JSON")},
       {"current_state", StringSchema("RUNNING: the state the next step runs; else the last state")},
       {"started", TimeSchema()},
       {"stopped", Nullable(TimeSchema())},
       {"wake_at", Nullable(TimeSchema("RUNNING: when the next step is due"))},
       {"output", AnySchema("SUCCEEDED: the output JSON; else null")},
       {"error", Nullable(StringSchema("FAILED: the error name (Unavailable, States.Runtime, ...)"))},
       {"cause", Nullable(StringSchema("FAILED: a readable cause"))},
       {"step_count", IntegerSchema("state transitions committed")},
       {"state", Alias(StringSchema(), "current_state")},
       {"start", Alias(TimeSchema(), "started")},
       {"stop", Alias(Nullable(TimeSchema()), "stopped")},
       {"steps", Alias(IntegerSchema(), "step_count")}});
}

Json ExecutionEventSchema() {
  return ObjectSchema("One stored event of an execution's history.",
                      {{"id", IntegerSchema()},
                       {"time", TimeSchema()},
                       {"type", StringSchema("ExecutionStarted, StateEntered, TaskScheduled, ...")},
                       {"state", StringSchema()},
                       {"input", AnySchema(), false},
                       {"output", AnySchema(), false},
                       {"error", StringSchema(), false},
                       {"cause", StringSchema(), false},
                       {"detail", AnySchema("type-specific: attempt, wake_at_ms, resource, ..."), false}});
}

Json ExecutionDetailSchema() {
  return ExtendObjectSchema(ExecutionSchema(), {{"history", ArraySchema(SchemaRef("ExecutionEvent"))}});
}

}  // namespace labelloop::views
