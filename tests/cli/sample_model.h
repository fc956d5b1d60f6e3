// The sample model of the CLI tests: examples/amazon_logo and examples/aws_logo uploaded
// under images_labeled_by_folder/, plus one corrupt JPEG in amazon_logo (training must skip
// and report it), trained with `train --wait`. Training takes tens of seconds, so it
// happens once per test run: ctest runs each test in its own process, so the first
// process that needs the model builds a template data folder in the build tree under a
// file lock, and the others reuse it. Each test then works on its own copy.
#pragma once

#include <string>

#include "cli_runner.h"

namespace labelloop::cli_test {

// The key under which the corrupt image is uploaded.
inline constexpr const char* kCorruptTrainingKey = "images_labeled_by_folder/amazon_logo/amazon-corrupt.jpeg";

struct SampleModel {
  std::string error;          // non-empty when the template could not be built
  std::string template_data;  // the trained data folder; copy it, never modify it
  std::string version;        // the trained version (last stdout line of `train --wait`)
  // The commands that built the template, as they ran (replayed by the acceptance checks).
  CommandResult init, upload_amazon, upload_aws, upload_corrupt, train;
};

// Builds the template on first use in this test run, then returns it.
const SampleModel& GetSampleModel();

// Copies the template data folder to `data_dir` (which must not exist yet).
void CopySampleData(const SampleModel& model, const std::string& data_dir);

}  // namespace labelloop::cli_test
