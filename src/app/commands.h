// The CLI commands. main.cc parses flags (CLI11 stays there) into these option structs;
// each Run* returns the process exit code. stdout carries results, stderr progress and logs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace labelloop::app {

struct GlobalOptions {
  std::string data_dir;  // resolved
  std::string self_path; // argv[0], to start background trainings
};

int RunInit(const GlobalOptions& g);

struct UploadOptions {
  std::string local_path;
  std::string prefix;
};
int RunUpload(const GlobalOptions& g, const UploadOptions& o);

struct ImportOptions {
  std::string format;  // dataset/dataset_format.h names
  std::string source;
  std::string prefix = "images_labeled_by_folder";
};
int RunImport(const GlobalOptions& g, const ImportOptions& o);

struct ExportDatasetOptions {
  std::string version;
  std::string format;
  std::string output_dir;
};
int RunExportDataset(const GlobalOptions& g, const ExportDatasetOptions& o);

struct TrainOptions {
  bool wait = false;
  std::string run_version;  // internal: train this created version in this process
};
int RunTrain(const GlobalOptions& g, const TrainOptions& o);

struct ModelsOptions {
  std::string action;  // list, describe, start, stop, export
  std::string version;
  std::string output_path;  // export: the ONNX file to write
  bool json = false;
};
int RunModels(const GlobalOptions& g, const ModelsOptions& o);

struct DetectOptions {
  std::string version;
  int max_results = 0;
  std::optional<double> min_confidence;  // none: each label's own assumed threshold
  bool json = false;
  int workers = 0;  // detectors running at once; 0: one per core (never more than images)
  std::vector<std::string> paths;
};
int RunDetect(const GlobalOptions& g, const DetectOptions& o);

struct ParamsOptions {
  std::string action;  // list, get, set, history
  std::string name;
  std::string value;  // set
  bool json = false;
};
int RunParams(const GlobalOptions& g, const ParamsOptions& o);

struct SchedulesOptions {
  std::string action;  // list, trigger
  std::string name;    // trigger
  bool json = false;
};
int RunSchedules(const GlobalOptions& g, const SchedulesOptions& o);

struct UsersOptions {
  std::string action;  // add, list, remove, passwd
  std::string name;
  std::string role;  // add: admin, reviewer or consumer
  bool password_stdin = false;  // add, passwd: read the password as one line from stdin
  bool json = false;
};
int RunUsers(const GlobalOptions& g, const UsersOptions& o);

struct TokensOptions {
  std::string action;  // create, list, revoke
  std::string name;
  std::string role;  // create: admin, reviewer or consumer
  bool json = false;
};
int RunTokens(const GlobalOptions& g, const TokensOptions& o);

struct ServeCommandOptions {
  std::string listen = "127.0.0.1:8080";
  std::string statemachine_path;  // empty: the built-in definition
  int64_t wait_seconds = 2;
  std::string tls_cert_path, tls_key_path;
};
int RunServe(const GlobalOptions& g, const ServeCommandOptions& o);

struct ExecutionsOptions {
  std::string action;  // list, describe, history
  std::string id;
  std::string status, branch;  // list filters
  int limit = 50;
  bool json = false;
};
int RunExecutions(const GlobalOptions& g, const ExecutionsOptions& o);

struct BackupOptions {
  std::string dest;  // missing or empty folder
};
int RunBackup(const GlobalOptions& g, const BackupOptions& o);

struct RestoreOptions {
  std::string source;  // a folder written by `backup`
  bool force = false;  // replace a data folder that is not empty
};
int RunRestore(const GlobalOptions& g, const RestoreOptions& o);

}  // namespace labelloop::app
