#include "review/review_output.h"

#include <fmt/format.h>

#include "common/clock.h"
#include "common/json_util.h"
#include "store/object_keys.h"

namespace labelloop::review {
namespace {

constexpr std::string_view kWhat = "review output.json";

Json LabelJson(const std::optional<std::string>& label) { return label ? Json(*label) : Json(nullptr); }

// A label member: a string (a valid label name) or null ("None of the Above").
Result<std::optional<std::string>> ParseLabel(const Json& value, std::string_view where) {
  if (value.is_null()) return std::optional<std::string>();
  if (!value.is_string()) {
    return InvalidArgumentError(fmt::format("{}: {} must be a label name or null, not {}", kWhat, where,
                                            value.type_name()));
  }
  std::string label = value.get<std::string>();
  if (Status status = store::ValidateLabelName(label); !status.ok()) {
    return status.WithContext(fmt::format("{}: {}", kWhat, where));
  }
  return std::optional<std::string>(std::move(label));
}

Result<const Json*> Member(const Json& object, std::string_view key, std::string_view where) {
  if (!object.is_object()) return InvalidArgumentError(fmt::format("{}: {} is not a JSON object", kWhat, where));
  const auto it = object.find(key);
  if (it == object.end()) return InvalidArgumentError(fmt::format("{}: {} has no \"{}\"", kWhat, where, key));
  return &*it;
}

}  // namespace

Result<std::string> BuildReviewOutputJson(const db::ReviewTask& task, std::string_view flow_name) {
  if (task.status != db::kReviewCompleted || !task.completed_ms || !task.agreement) {
    return FailedPreconditionError(
        fmt::format("review task '{}' is {}, not Completed: it has no output yet", task.name, task.status));
  }
  try {
    Json answers = Json::array();
    for (const db::ReviewAnswer& a : task.answers) {
      answers.push_back(Json{{"label", LabelJson(a.label)},
                             {"reviewer", a.reviewer},
                             {"submission_time", FormatIso8601Utc(a.submitted_ms)},
                             {"submitted_ms", a.submitted_ms}});
    }
    // nlohmann::json sorts object keys, so the bytes are the same for the same task.
    const Json doc = {
        {"task_name", task.name},
        {"flow_name", flow_name},
        {"input",
         {{"image_key", task.image_key},
          {"source", task.source},
          {"detection_request_id", task.detection_request_id},
          {"model_label", task.model_label},
          {"model_confidence_pct", task.model_confidence_pct},
          {"candidate_labels", task.candidate_labels}}},
        {"answers", std::move(answers)},
        {"final_label", LabelJson(task.final_label)},
        {"agreement", *task.agreement},
        {"completion_time", FormatIso8601Utc(*task.completed_ms)},
        {"completed_ms", *task.completed_ms},
    };
    return doc.dump(2) + "\n";
  } catch (const Json::exception& e) {  // a string that is not valid UTF-8
    return InvalidArgumentError(fmt::format("review task '{}': output.json cannot be written: {}", task.name, e.what()));
  }
}

Result<ReviewOutput> ParseReviewOutput(std::string_view text) {
  ASSIGN_OR_RETURN(const Json doc, ParseJson(text, kWhat));
  if (!doc.is_object()) return InvalidArgumentError(fmt::format("{} is not a JSON object", kWhat));
  ReviewOutput out;
  ASSIGN_OR_RETURN(out.task_name, GetJsonString(doc, "task_name", kWhat));
  ASSIGN_OR_RETURN(out.flow_name, GetJsonString(doc, "flow_name", kWhat));
  const std::string what_input = fmt::format("{} \"input\"", kWhat);
  ASSIGN_OR_RETURN(const Json* input, Member(doc, "input", "the document"));
  if (!input->is_object()) return InvalidArgumentError(what_input + " is not a JSON object");
  ASSIGN_OR_RETURN(out.image_key, GetJsonString(*input, "image_key", what_input));
  ASSIGN_OR_RETURN(out.source, GetJsonString(*input, "source", what_input));
  ASSIGN_OR_RETURN(out.detection_request_id, GetJsonString(*input, "detection_request_id", what_input));
  ASSIGN_OR_RETURN(out.model_label, GetJsonString(*input, "model_label", what_input));
  ASSIGN_OR_RETURN(out.model_confidence_pct, GetJsonNumber(*input, "model_confidence_pct", what_input));
  ASSIGN_OR_RETURN(const Json* candidates, Member(*input, "candidate_labels", "\"input\""));
  if (!candidates->is_array()) return InvalidArgumentError(what_input + " \"candidate_labels\" is not an array");
  for (const Json& c : *candidates) {
    ASSIGN_OR_RETURN(std::optional<std::string> label, ParseLabel(c, "a candidate label"));
    if (!label) return InvalidArgumentError(what_input + " \"candidate_labels\" contains null");
    out.candidate_labels.push_back(*std::move(label));
  }
  if (Status status = store::ValidateObjectKey(out.image_key); !status.ok()) return status.WithContext(what_input);

  ASSIGN_OR_RETURN(const Json* answers, Member(doc, "answers", "the document"));
  if (!answers->is_array()) return InvalidArgumentError(fmt::format("{} \"answers\" is not an array", kWhat));
  for (size_t i = 0; i < answers->size(); ++i) {
    const Json& a = (*answers)[i];
    const std::string where = fmt::format("answer {}", i + 1);
    ASSIGN_OR_RETURN(const Json* label, Member(a, "label", where));
    db::ReviewAnswer answer;
    ASSIGN_OR_RETURN(answer.label, ParseLabel(*label, where + " \"label\""));
    ASSIGN_OR_RETURN(answer.reviewer, GetJsonString(a, "reviewer", fmt::format("{} {}", kWhat, where)));
    ASSIGN_OR_RETURN(answer.submitted_ms, GetJsonInt(a, "submitted_ms", fmt::format("{} {}", kWhat, where)));
    out.answers.push_back(std::move(answer));
  }
  ASSIGN_OR_RETURN(const Json* final_label, Member(doc, "final_label", "the document"));
  ASSIGN_OR_RETURN(out.final_label, ParseLabel(*final_label, "\"final_label\""));
  ASSIGN_OR_RETURN(out.agreement, GetJsonNumber(doc, "agreement", kWhat));
  ASSIGN_OR_RETURN(out.completed_ms, GetJsonInt(doc, "completed_ms", kWhat));
  return out;
}

namespace {

std::string LabelText(const std::optional<std::string>& label) {
  return label ? fmt::format("'{}'", *label) : std::string("None of the Above");
}

Status Untrusted(std::string_view key, std::string_view task, std::string_view difference) {
  return PermissionDeniedError(fmt::format("{} is not the output the server wrote for review task '{}': {}",
                                           store::QuoteKey(key), task, difference));
}

}  // namespace

Status VerifyReviewOutput(const ReviewOutput& output, const db::ReviewTask& task, std::string_view key) {
  const std::string_view name = task.name;
  if (output.task_name != task.name) return Untrusted(key, name, "the task name differs");
  if (task.status != db::kReviewCompleted) return Untrusted(key, name, fmt::format("the task is {}, not Completed", task.status));
  if (task.output_key != key) {
    return Untrusted(key, name, fmt::format("the task's output is {}", store::QuoteKey(task.output_key)));
  }
  if (output.image_key != task.image_key) return Untrusted(key, name, "the image key differs");
  if (output.source != task.source) return Untrusted(key, name, "the source differs");
  if (output.detection_request_id != task.detection_request_id) return Untrusted(key, name, "the detection differs");
  if (output.final_label != task.final_label) {
    return Untrusted(key, name, fmt::format("final label {} differs from the task's {}", LabelText(output.final_label),
                                            LabelText(task.final_label)));
  }
  if (!task.completed_ms || output.completed_ms != *task.completed_ms) {
    return Untrusted(key, name, "the completion time differs");
  }
  if (output.answers.size() != task.answers.size()) {
    return Untrusted(key, name, fmt::format("{} answers where the task has {}", output.answers.size(), task.answers.size()));
  }
  for (size_t i = 0; i < task.answers.size(); ++i) {
    const db::ReviewAnswer& got = output.answers[i];
    const db::ReviewAnswer& want = task.answers[i];
    if (got.label != want.label || got.reviewer != want.reviewer || got.submitted_ms != want.submitted_ms) {
      return Untrusted(key, name, fmt::format("answer {} differs", i + 1));
    }
  }
  return OkStatus();
}

}  // namespace labelloop::review
