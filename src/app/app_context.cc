#include "app/app_context.h"

#include <filesystem>

#include <fmt/format.h>

#include "common/private_files.h"
#include "store/object_keys.h"

namespace labelloop::app {
namespace fs = std::filesystem;

Status InitDataDir(const std::string& data_dir) {
  ASSIGN_OR_RETURN(AppConfig config, LoadAppConfig(data_dir));
  // Owner-only before the database exists, so SQLite's -wal/-shm are private from the start.
  RETURN_IF_ERROR(SecureDataFolder(config.data_dir, config.database_path));
  std::error_code ec;
  for (const auto& prefix : store::TopLevelPrefixes()) {
    fs::create_directories(fs::path(config.bucket_dir) / prefix, ec);
    if (ec) return UnavailableError(fmt::format("cannot create {}: {}", (fs::path(config.bucket_dir) / prefix).string(), ec.message()));
  }
  fs::create_directories(config.logs_dir, ec);
  if (ec) return UnavailableError(fmt::format("cannot create {}: {}", config.logs_dir, ec.message()));
  ASSIGN_OR_RETURN(std::unique_ptr<db::MetadataDb> db, db::OpenSqliteMetadataDb(config.database_path));
  ASSIGN_OR_RETURN(std::unique_ptr<db::ParamDb> param_db, db::OpenSqliteParamDb(config.database_path));
  RETURN_IF_ERROR(params::ParameterStore(param_db.get(), SystemClock::Default()).EnsureDefaults());
  // The signing key is part of a new folder (an older folder gets it at its first open).
  return auth::SecretBox::OpenKeyFile(SigningKeyPath(config.data_dir)).status();
}

std::string ServeLockPath(const std::string& data_dir) { return (fs::path(data_dir) / "serve.lock").string(); }

std::string SigningKeyPath(const std::string& data_dir) { return (fs::path(data_dir) / "signing.key").string(); }

Result<std::unique_ptr<AppContext>> OpenAppContext(const std::string& data_dir) {
  std::error_code ec;
  if (!fs::exists(fs::path(data_dir) / "labelloop.db", ec)) {
    return FailedPreconditionError(fmt::format(
        "'{}' is not a labelloop data folder: run `labelloop init --data {}` first", data_dir, data_dir));
  }
  auto ctx = std::make_unique<AppContext>();
  ASSIGN_OR_RETURN(ctx->config, LoadAppConfig(data_dir));
  RETURN_IF_ERROR(SecureDataFolder(ctx->config.data_dir, ctx->config.database_path));
  ASSIGN_OR_RETURN(ctx->store, store::OpenLocalObjectStore(ctx->config.bucket_dir));
  ASSIGN_OR_RETURN(ctx->db, db::OpenSqliteMetadataDb(ctx->config.database_path));
  ctx->models = std::make_unique<model::ModelService>(ctx->store.get(), ctx->db.get(), SystemClock::Default(),
                                                      ctx->config.model);
  ASSIGN_OR_RETURN(ctx->param_db, db::OpenSqliteParamDb(ctx->config.database_path, SystemClock::Default()));
  ctx->params = std::make_unique<params::ParameterStore>(ctx->param_db.get(), SystemClock::Default());
  RETURN_IF_ERROR(ctx->params->EnsureDefaults());  // data folders made before parameters existed
  ASSIGN_OR_RETURN(ctx->schedule_db, db::OpenSqliteScheduleDb(ctx->config.database_path, SystemClock::Default()));
  ctx->schedules = std::make_unique<schedule::Scheduler>(ctx->schedule_db.get(), SystemClock::Default());
  ASSIGN_OR_RETURN(ctx->auth_db, db::OpenSqliteAuthDb(ctx->config.database_path, SystemClock::Default()));
  auth::AuthOptions auth_options;
  ASSIGN_OR_RETURN(auth_options.signing_box, auth::SecretBox::OpenKeyFile(SigningKeyPath(ctx->config.data_dir)));
  ctx->auth = std::make_unique<auth::AuthService>(ctx->auth_db.get(), SystemClock::Default(), auth_options);
  return ctx;
}

}  // namespace labelloop::app
