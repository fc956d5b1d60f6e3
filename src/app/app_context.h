// AppContext: the composition root of a CLI command. The only place that picks concrete
// implementations (local-folder bucket, SQLite, system clock) and wires them together.
#pragma once

#include <memory>
#include <string>

#include "app/app_config.h"
#include "auth/auth_service.h"
#include "common/clock.h"
#include "db/auth_db.h"
#include "db/metadata_db.h"
#include "db/param_db.h"
#include "db/schedule_db.h"
#include "model/model_service.h"
#include "params/parameter_store.h"
#include "schedule/scheduler.h"
#include "store/object_store.h"

namespace labelloop::app {

struct AppContext {
  AppConfig config;
  std::unique_ptr<store::ObjectStore> store;
  std::unique_ptr<db::MetadataDb> db;
  std::unique_ptr<model::ModelService> models;
  std::unique_ptr<db::ParamDb> param_db;
  std::unique_ptr<params::ParameterStore> params;  // defaults ensured
  std::unique_ptr<db::ScheduleDb> schedule_db;
  std::unique_ptr<schedule::Scheduler> schedules;
  std::unique_ptr<db::AuthDb> auth_db;
  std::unique_ptr<auth::AuthService> auth;
};

// Creates the data folder, the bucket with its five top-level prefixes, and the database.
// Safe to run again.
Status InitDataDir(const std::string& data_dir);

// The lock file that `serve` holds (exclusively, common/file_lock.h) while it runs on
// `data_dir`, so a CLI command can tell whether a server serves detection.
std::string ServeLockPath(const std::string& data_dir);

// The key that seals API tokens so AWS-signed requests can be checked (auth/secret_box.h);
// made at first open, kept in backups.
std::string SigningKeyPath(const std::string& data_dir);

// Opens an initialised data folder. FailedPrecondition (telling the user to run `init`)
// when it does not exist.
Result<std::unique_ptr<AppContext>> OpenAppContext(const std::string& data_dir);

}  // namespace labelloop::app
