// Model versions: list and describe (from the metadata database, with the evaluation
// JSON), start and stop (through the flows' hooks, which also switch detection traffic),
// and the ONNX export (through the export_onnx hook).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/json_util.h"
#include "db/metadata_db.h"
#include "http/call_util.h"
#include "http/handlers.h"
#include "views/model_version_view.h"

namespace labelloop::http {
namespace {

Status RunLifecycleHook(Call& call, const std::function<Status(const std::string&)>& hook, std::string_view action) {
  RETURN_IF_ERROR(RequireDep(call.deps.metadata, "the model metadata database"));
  if (!hook) return UnavailableError(fmt::format("the {}_model hook is not configured on this server", action));
  const std::string& name = PathParam(call, "version");
  RETURN_IF_ERROR(call.deps.metadata->GetModelVersion(name).status());  // NotFound before the hook runs
  RETURN_IF_ERROR(hook(name));
  ASSIGN_OR_RETURN(db::ModelVersion after, call.deps.metadata->GetModelVersion(name));
  nlohmann::json json = views::ModelVersionJson(after);
  call.events.Publish("model.changed", {{"version", after.name}, {"status", after.status}});
  ReplyJson(call, 200, json);
  return OkStatus();
}

}  // namespace

Status HandleListModels(Call& call) {
  RETURN_IF_ERROR(RequireDep(call.deps.metadata, "the model metadata database"));
  ASSIGN_OR_RETURN(std::vector<db::ModelVersion> versions, call.deps.metadata->ListModelVersions());
  nlohmann::json list = nlohmann::json::array();
  for (const db::ModelVersion& version : versions) list.push_back(views::ModelVersionJson(version));
  ReplyJson(call, 200, {{"models", list}});
  return OkStatus();
}

Status HandleGetModel(Call& call) {
  RETURN_IF_ERROR(RequireDep(call.deps.metadata, "the model metadata database"));
  ASSIGN_OR_RETURN(db::ModelVersion version, call.deps.metadata->GetModelVersion(PathParam(call, "version")));
  nlohmann::json evaluation = nullptr;
  auto stored = call.deps.metadata->GetEvaluation(version.name);
  if (stored.ok()) {
    ASSIGN_OR_RETURN(evaluation, ParseJson(*stored, fmt::format("evaluation of model version '{}'", version.name)));
  } else if (stored.status().code() != StatusCode::kNotFound) {
    return stored.status();
  }
  nlohmann::json json = views::ModelVersionDetailJson(version, std::move(evaluation));
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
