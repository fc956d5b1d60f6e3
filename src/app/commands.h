// The CLI commands. main.cc parses flags (CLI11 stays there) into these option structs;
// each Run* returns the process exit code. stdout carries results, stderr progress and logs.
#pragma once

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

struct TrainOptions {
  bool wait = false;
  std::string run_version;  // internal: train this created version in this process
};
int RunTrain(const GlobalOptions& g, const TrainOptions& o);

struct ModelsOptions {
  std::string action;  // list, describe, start, stop
  std::string version;
  bool json = false;
};
int RunModels(const GlobalOptions& g, const ModelsOptions& o);

struct DetectOptions {
  std::string version;
  int max_results = 0;
  double min_confidence = 0;
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

}  // namespace labelloop::app
