// labelloop: custom image labels that improve themselves with humans in the loop.
// The CLI front door; each command lives in its own cmd_*.cc.
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>

#include "app/app_config.h"
#include "app/commands.h"
#include "common/logging.h"

using namespace labelloop::app;

int main(int argc, char** argv) {
  CLI::App app{"labelloop: self-hosted custom image labels with humans in the loop"};
  app.require_subcommand(1);
  app.fallthrough();  // --data and --log-level work before or after the command
  app.set_version_flag("--version", std::string("labelloop ") + LABELLOOP_VERSION);
  std::string data_flag, log_level = "info", log_format = "text";
  app.add_option("--data", data_flag, "data folder (default: $LABELLOOP_DATA, else ./labelloop-data)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  app.add_option("--log-format", log_format, "text, or json: one JSON object per line (time, level, message, "
                                             "request_id while serving an HTTP request)")
      ->check(CLI::IsMember({"text", "json"}));

  auto* init = app.add_subcommand("init", "create a data folder: bucket with its five prefixes, database");

  UploadOptions upload;
  auto* up = app.add_subcommand("upload", "upload a file, or a folder's contents with sub-folders kept, under PREFIX/");
  up->add_option("LOCAL_FILE_OR_DIR", upload.local_path)->required();
  up->add_option("PREFIX", upload.prefix, "e.g. images_labeled_by_folder or images_labeled_by_folder/amazon_logo")->required();

  ImportOptions import_options;
  auto* im = app.add_subcommand("import", "import a labelled dataset (all or nothing; docs/datasets.md)");
  im->add_option("FORMAT", import_options.format, "manifest, folders, splits, yolo or labelstudio")->required();
  im->add_option("SRC", import_options.source, "the dataset: a folder, or the manifest / Label Studio JSON file")->required();
  im->add_option("--prefix", import_options.prefix, "where the label folders go (default images_labeled_by_folder)");

  ExportDatasetOptions export_dataset;
  auto* ed = app.add_subcommand("export-dataset", "write the images a version was trained on as a dataset");
  ed->add_option("VERSION", export_dataset.version)->required();
  ed->add_option("FORMAT", export_dataset.format, "manifest, folders, splits, yolo or labelstudio")->required();
  ed->add_option("OUT", export_dataset.output_dir, "a new (or empty) folder")->required();

  TrainOptions train;
  auto* tr = app.add_subcommand("train", "train a new model version on images_labeled_by_folder/ (stdout: its name)");
  tr->add_flag("--wait", train.wait, "train in the foreground and exit non-zero if training fails");
  tr->add_option("--run-version", train.run_version, "(internal) train an already created version")->group("");

  ModelsOptions models;
  auto* mo = app.add_subcommand("models", "list, describe, start, stop or export model versions");
  mo->require_subcommand(1);
  mo->fallthrough();
  mo->add_flag("--json", models.json, "print JSON");
  auto* mo_list = mo->add_subcommand("list", "all versions, newest first");
  mo_list->add_flag("--json", models.json, "print JSON");
  for (const char* action : {"describe", "start", "stop"}) {
    auto* sub = mo->add_subcommand(action, std::string(action) + " a version");
    sub->add_option("VERSION", models.version)->required();
    sub->add_flag("--json", models.json, "print JSON");
  }
  auto* mo_export = mo->add_subcommand("export", "write a trained version as one ONNX file (docs/export.md)");
  mo_export->add_option("VERSION", models.version)->required();
  mo_export->add_option("OUT", models.output_path, "e.g. model.onnx")->required();

  DetectOptions detect;
  auto* de = app.add_subcommand("detect", "detect labels in images (folders are walked recursively)");
  de->add_option("--version", detect.version, "model version (default: the RUNNING one)");
  de->add_option("--max-results", detect.max_results, "at most N labels per image (0: all)");
  de->add_option("--min-confidence", detect.min_confidence,
                 "drop labels below C (0-100; default: each label's assumed threshold from its evaluation)");
  de->add_flag("--json", detect.json, "one JSON object per image per line");
  de->add_option("--workers", detect.workers, "images detected at once (default: one per core)");
  de->add_option("IMAGE_OR_DIR", detect.paths)->required();

  // (params / schedules sub-commands)
  ParamsOptions params;
  auto* pa = app.add_subcommand("params", "list, read, set the parameters, or show a parameter's history");
  pa->require_subcommand(1);
  pa->fallthrough();
  pa->add_flag("--json", params.json, "print JSON");
  pa->add_subcommand("list", "every parameter: value, version, last modified, description")
      ->add_flag("--json", params.json, "print JSON");
  auto* pa_get = pa->add_subcommand("get", "print a parameter's value");
  pa_get->add_option("NAME", params.name)->required();
  pa_get->add_flag("--json", params.json, "print JSON");
  auto* pa_set = pa->add_subcommand("set", "set a parameter (validated; prints the new version)");
  pa_set->add_option("NAME", params.name)->required();
  pa_set->add_option("VALUE", params.value)->required();
  pa_set->add_flag("--json", params.json, "print JSON");
  auto* pa_history = pa->add_subcommand("history", "every version of a parameter, newest first");
  pa_history->add_option("NAME", params.name)->required();
  pa_history->add_flag("--json", params.json, "print JSON");

  SchedulesOptions schedules;
  auto* sc = app.add_subcommand("schedules", "list the schedules or trigger one now");
  sc->require_subcommand(1);
  sc->fallthrough();
  sc->add_flag("--json", schedules.json, "print JSON");
  sc->add_subcommand("list", "training-poll and sampling-poll: enabled, period, next and last fire (UTC)")
      ->add_flag("--json", schedules.json, "print JSON");
  sc->add_subcommand("trigger", "ask the running server to run a schedule now")
      ->add_option("NAME", schedules.name, "training-poll or sampling-poll")
      ->required();
  // (users / tokens sub-commands)
  UsersOptions users;
  auto* us = app.add_subcommand("users", "add, list, remove users, or change a password");
  us->require_subcommand(1);
  us->fallthrough();
  auto* us_add = us->add_subcommand("add", "add a user (password: --password-stdin, or typed twice)");
  us_add->add_option("NAME", users.name, "user name: 1-64 of a-z 0-9 . _ -")->required();
  us_add->add_option("--role", users.role, "admin, reviewer or consumer")->required();
  us_add->add_flag("--password-stdin", users.password_stdin, "read the password as one line from stdin");
  auto* us_list = us->add_subcommand("list", "all users (name, role, created, last login)");
  us_list->add_flag("--json", users.json, "print JSON");
  auto* us_remove = us->add_subcommand("remove", "remove a user and end its sessions (never the last admin)");
  us_remove->add_option("NAME", users.name)->required();
  auto* us_passwd = us->add_subcommand("passwd", "change a user's password and end its sessions");
  us_passwd->add_option("NAME", users.name)->required();
  us_passwd->add_flag("--password-stdin", users.password_stdin, "read the password as one line from stdin");

  TokensOptions tokens;
  auto* tk = app.add_subcommand("tokens", "create, list or revoke API tokens");
  tk->require_subcommand(1);
  tk->fallthrough();
  auto* tk_create = tk->add_subcommand("create", "create an API token; stdout: the token, shown once");
  tk_create->add_option("NAME", tokens.name, "token name: 1-64 of a-z 0-9 . _ -")->required();
  tk_create->add_option("--role", tokens.role, "admin, reviewer or consumer")->required();
  auto* tk_list = tk->add_subcommand("list", "all tokens (never their secrets)");
  tk_list->add_flag("--json", tokens.json, "print JSON");
  auto* tk_revoke = tk->add_subcommand("revoke", "revoke the active token NAME");
  tk_revoke->add_option("NAME", tokens.name)->required();
  // (serve / executions sub-commands)
  ServeCommandOptions serve;
  auto* sv = app.add_subcommand("serve", "run the HTTP API, the workflow engine, the schedules and the bucket watcher");
  sv->add_option("--listen", serve.listen, "HOST:PORT to listen on (port 0: any free port)");
  sv->add_option("--statemachine", serve.statemachine_path, "a states-language definition (default: the built-in one)");
  sv->add_option("--wait-seconds", serve.wait_seconds, "period of the training branch's status polls")
      ->check(CLI::Range(int64_t{1}, int64_t{3600}));
  sv->add_option("--tls-cert", serve.tls_cert_path, "PEM certificate for HTTPS");
  sv->add_option("--tls-key", serve.tls_key_path, "PEM private key for HTTPS");

  ExecutionsOptions executions;
  auto* ex = app.add_subcommand("executions", "list and inspect workflow executions");
  ex->require_subcommand(1);
  ex->fallthrough();
  ex->add_flag("--json", executions.json, "print JSON");
  auto* ex_list = ex->add_subcommand("list", "executions, newest first");
  ex_list->add_option("--status", executions.status, "RUNNING, SUCCEEDED or FAILED");
  ex_list->add_option("--branch", executions.branch, "e.g. training-poll, detection, parameter-change");
  ex_list->add_option("--limit", executions.limit, "at most N (1-1000)")->check(CLI::Range(1, 1000));
  for (const char* action : {"describe", "history"}) {
    auto* sub = ex->add_subcommand(action, std::string(action) + " an execution");
    sub->add_option("ID", executions.id)->required();
  }

  // (backup / restore sub-commands)
  BackupOptions backup;
  auto* bk = app.add_subcommand("backup", "copy the live data folder (database, bucket, config.json) to DEST, also while serve runs");
  bk->add_option("DEST", backup.dest, "a missing or empty folder")->required();
  RestoreOptions restore;
  auto* rs = app.add_subcommand("restore", "restore a backup into the data folder (missing or empty, unless --force)");
  rs->add_option("SRC", restore.source, "a folder written by `labelloop backup`")->required();
  rs->add_flag("--force", restore.force, "replace a data folder that is not empty (stop serve on it first)");

  CLI11_PARSE(app, argc, argv);
  labelloop::InitLogging(log_level, log_format == "json" ? labelloop::LogFormat::kJson : labelloop::LogFormat::kText);
  // /proc/self/exe, not argv[0]: background trainings re-run this very binary.
  std::error_code ec;
  std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  GlobalOptions g{ResolveDataDir(data_flag), ec ? std::string(argv[0]) : self};
  if (init->parsed()) return RunInit(g);
  if (up->parsed()) return RunUpload(g, upload);
  if (im->parsed()) return RunImport(g, import_options);
  if (ed->parsed()) return RunExportDataset(g, export_dataset);
  if (tr->parsed()) return RunTrain(g, train);
  if (mo->parsed()) {
    models.action = mo->get_subcommands().front()->get_name();
    return RunModels(g, models);
  }
  if (de->parsed()) return RunDetect(g, detect);
  // (params / schedules dispatch)
  if (pa->parsed()) {
    params.action = pa->get_subcommands().front()->get_name();
    return RunParams(g, params);
  }
  if (sc->parsed()) {
    schedules.action = sc->get_subcommands().front()->get_name();
    return RunSchedules(g, schedules);
  }
  // (users / tokens dispatch)
  if (us->parsed()) {
    users.action = us->get_subcommands().front()->get_name();
    return RunUsers(g, users);
  }
  if (tk->parsed()) {
    tokens.action = tk->get_subcommands().front()->get_name();
    return RunTokens(g, tokens);
  }
  // (serve / executions dispatch)
  if (sv->parsed()) return RunServe(g, serve);
  if (ex->parsed()) {
    executions.action = ex->get_subcommands().front()->get_name();
    return RunExecutions(g, executions);
  }
  if (bk->parsed()) return RunBackup(g, backup);
  if (rs->parsed()) return RunRestore(g, restore);
  return 2;
}
