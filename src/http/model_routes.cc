// Model versions: list and describe (from the metadata database, with the evaluation
// JSON), start and stop (through the flows' hooks, which also switch detection traffic),
// and the ONNX export (through the export_onnx hook).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/json_util.h"
#include "db/metadata_db.h"
#include "http/call_util.h"
#include "http/handlers.h"

namespace labelloop::http {
namespace {

nlohmann::json VersionJson(const db::ModelVersion& version) {
  return {{"version", version.name},
          {"status", version.status},
          {"status_message", version.status_message},
          {"created", IsoTime(version.created_ms)},
          {"finished", IsoTime(version.finished_ms)},
          {"labels", version.labels},
          {"training_image_count", version.training_image_count},
          {"test_image_count", version.test_image_count},
          {"f1", version.f1 ? nlohmann::json(*version.f1) : nlohmann::json(nullptr)},
          {"manifest_key", version.manifest_key},
          {"evaluation_key", version.evaluation_key},
          {"backbone_id", version.backbone_id}};
}

Status RunLifecycleHook(Call& call, const std::function<Status(const std::string&)>& hook, std::string_view action) {
  RETURN_IF_ERROR(RequireDep(call.deps.metadata, "the model metadata database"));
  if (!hook) return UnavailableError(fmt::format("the {}_model hook is not configured on this server", action));
  const std::string& name = PathParam(call, "version");
  RETURN_IF_ERROR(call.deps.metadata->GetModelVersion(name).status());  // NotFound before the hook runs
  RETURN_IF_ERROR(hook(name));
  ASSIGN_OR_RETURN(db::ModelVersion after, call.deps.metadata->GetModelVersion(name));
  nlohmann::json json = VersionJson(after);
  call.events.Publish("model.changed", {{"version", after.name}, {"status", after.status}});
  ReplyJson(call, 200, json);
  return OkStatus();
}

}  // namespace

Status HandleListModels(Call& call) {
  RETURN_IF_ERROR(RequireDep(call.deps.metadata, "the model metadata database"));
  ASSIGN_OR_RETURN(std::vector<db::ModelVersion> versions, call.deps.metadata->ListModelVersions());
  nlohmann::json list = nlohmann::json::array();
  for (const db::ModelVersion& version : versions) list.push_back(VersionJson(version));
  ReplyJson(call, 200, {{"models", list}});
  return OkStatus();
}

Status HandleGetModel(Call& call) {
  RETURN_IF_ERROR(RequireDep(call.deps.metadata, "the model metadata database"));
  ASSIGN_OR_RETURN(db::ModelVersion version, call.deps.metadata->GetModelVersion(PathParam(call, "version")));
  nlohmann::json json = VersionJson(version);
  json["evaluation"] = nullptr;
  auto evaluation = call.deps.metadata->GetEvaluation(version.name);
  if (evaluation.ok()) {
    auto parsed = ParseJson(*evaluation, fmt::format("evaluation of model version '{}'", version.name));
    if (!parsed.ok()) return parsed.status();
    json["evaluation"] = std::move(*parsed);
  } else if (evaluation.status().code() != StatusCode::kNotFound) {
    return evaluation.status();
  }
  ReplyJson(call, 200, json);
  return OkStatus();
}

// The file is built in memory by the export (a few MB: the backbone slice is most of it) and
// handed to the server as the body, which passes it to libmicrohttpd without a copy and
// with its Content-Length. (The layer streams only chunked replies of unknown length; a
// temp file would add a disk round trip and lose the length, for no memory saved.)
Status HandleGetModelOnnx(Call& call) {
  RETURN_IF_ERROR(RequireDep(call.deps.metadata, "the model metadata database"));
  if (!call.deps.hooks.export_onnx) return UnavailableError("the export_onnx hook is not configured on this server");
  const std::string& name = PathParam(call, "version");
  RETURN_IF_ERROR(call.deps.metadata->GetModelVersion(name).status());  // NotFound before the export runs
  ASSIGN_OR_RETURN(std::string onnx, call.deps.hooks.export_onnx(name));
  call.response.status = 200;
  call.response.set_header("Content-Disposition", fmt::format("attachment; filename=\"{}.onnx\"", name));
  call.response.set_header("Cache-Control", "private, no-cache");
  call.response.set_content(std::move(onnx), "application/octet-stream");
  return OkStatus();
}

Status HandleStartModel(Call& call) { return RunLifecycleHook(call, call.deps.hooks.start_model, "start"); }

Status HandleStopModel(Call& call) { return RunLifecycleHook(call, call.deps.hooks.stop_model, "stop"); }

}  // namespace labelloop::http
