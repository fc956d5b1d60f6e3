// Label Studio JSON exports of image classification ("choices") tasks: a JSON array of
// tasks, each with "data" (the image reference) and "annotations" (the last one not
// cancelled counts; it must hold exactly one choice).
#include <filesystem>

#include <fmt/format.h>

#include "common/file_util.h"
#include "common/json_util.h"
#include "dataset/dataset_reader.h"

namespace labelloop::dataset {
namespace fs = std::filesystem;

namespace {

// The line on which each element of the top-level JSON array starts (the parser keeps no
// positions), so bad tasks can be named by line as well as by index.
std::vector<int> ElementLines(const std::string& text) {
  std::vector<int> lines;
  int line = 1, depth = 0;
  bool in_string = false, escaped = false, expect_element = false;
  for (char c : text) {
    if (c == '\n') ++line;
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (depth == 1 && expect_element && !std::isspace(uint8_t(c)) && c != ']') {
      lines.push_back(line);
      expect_element = false;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth == 1 && c == '[') expect_element = true;
    } else if (c == ']' || c == '}') {
      --depth;
    } else if (c == ',' && depth == 1) {
      expect_element = true;
    }
  }
  return lines;
}

// The image reference of a task: data.image, else data's only string value.
std::string ImageReference(const Json& task) {
  if (!task.contains("data") || !task["data"].is_object()) return "";
  const Json& data = task["data"];
  if (data.contains("image") && data["image"].is_string()) return data["image"].get<std::string>();
  std::string only;
  int strings = 0;
  for (const auto& [key, value] : data.items()) {
    if (value.is_string()) {
      ++strings;
      only = value.get<std::string>();
    }
  }
  return strings == 1 ? only : "";
}

Result<std::string> ChoiceOf(const Json& task) {
  const Json* chosen = nullptr;
  if (task.contains("annotations") && task["annotations"].is_array()) {
    for (const auto& a : task["annotations"]) {
      if (a.is_object() && !a.value("was_cancelled", false)) chosen = &a;
    }
  }
  if (chosen == nullptr) return InvalidArgumentError("no annotation");
  std::vector<std::string> choices;
  for (const auto& r : chosen->value("result", Json::array())) {
    if (!r.is_object() || r.value("type", "") != "choices" || !r.contains("value")) continue;
    for (const auto& c : r["value"].value("choices", Json::array())) {
      if (c.is_string()) choices.push_back(c.get<std::string>());
    }
  }
  if (choices.empty()) return InvalidArgumentError("the annotation has no choice");
  if (choices.size() > 1) {
    return InvalidArgumentError(fmt::format("{} choices ({}): one label per image is supported", choices.size(),
                                            fmt::join(choices, ", ")));
  }
  return choices[0];
}

}  // namespace

Result<DatasetListing> ReadLabelStudioDataset(const std::string& file) {
  ASSIGN_OR_RETURN(std::string text, ReadFileBytes(file));
  ASSIGN_OR_RETURN(Json tasks, ParseJson(text, "Label Studio export '" + file + "'"));
  if (!tasks.is_array()) return InvalidArgumentError(fmt::format("'{}' is not a JSON array of tasks", file));
  const std::vector<int> lines = ElementLines(text);
  const std::string base = fs::path(file).parent_path().string();
  DatasetListing out;
  for (size_t i = 0; i < tasks.size(); ++i) {
    const Json& task = tasks[i];
    std::string origin = fmt::format("task {}", i + 1);
    if (i < lines.size()) origin += fmt::format(" (line {})", lines[i]);
    if (task.is_object() && task.contains("id")) origin += fmt::format(", id {}", task["id"].dump());
    if (!task.is_object()) {
      out.bad.push_back({origin, "not a JSON object"});
      continue;
    }
    const std::string ref = ImageReference(task);
    if (ref.empty()) {
      out.bad.push_back({origin, "no image in \"data\""});
      continue;
    }
    Result<std::string> label = ChoiceOf(task);
    if (!label.ok()) {
      out.bad.push_back({origin, label.status().message()});
      continue;
    }
    AddReferencedImage(ref, *label, base, origin, "image", out);
  }
  return out;
}

}  // namespace labelloop::dataset
