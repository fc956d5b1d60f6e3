// crash_soak: the whole loop on the REAL `labelloop serve` over HTTP while the server is
// killed with SIGKILL at random (seeded) moments and restarted on the same data folder:
//   1. labelled uploads; 2. Enable-Automatic-Training false -> true, the first version
//   trains and runs (a tenth of the inference images arrive meanwhile, while no version
//   serves); 3. the other inference uploads; 4. a reviewer answers every review task
//   through the API; 5. a retrain (toggle again); 6. settle.
// Kills are spread over the phases (more where more happens), each at a random delay after
// the phase began or the previous restart. Every client call is retried until the server
// answers (a lost reply is sent again, as a real client would). At the end it checks and
// prints: every uploaded image detected exactly once; every review answer copied exactly
// once; no execution stuck or duplicated; one model version per training; the detection
// log, the review queue and the bucket agree. With --backup it also backs the live folder up
// during the inference uploads and at the end, restores both, serves them and compares.
// Exits 0 when every check passes, 1 when one fails, 2 when the soak cannot run.
//
//   crash_soak [LABELLOOP_BINARY] [--kills N] [--images N] [--seed S] [--backup] [--keep]
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>
#include <thread>

#include "../tests/cli/cli_runner.h"
#include "soak_checks.h"
#include "soak_driver.h"

namespace fs = std::filesystem;
using namespace labelloop::soak;

namespace {

[[noreturn]] void Usage(const std::string& problem) {
  std::cerr << "crash_soak: " << problem
            << "\nusage: crash_soak [LABELLOOP_BINARY] [--kills N] [--images N] [--seed S] [--backup] [--keep]\n";
  std::exit(2);
}

SoakOptions ParseOptions(int argc, char** argv) {
  SoakOptions o;
  o.seed = uint64_t(std::chrono::system_clock::now().time_since_epoch().count());
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) Usage(a + " needs a value");
      return argv[++i];
    };
    if (a == "--kills") {
      o.kills = std::stoi(next());
    } else if (a == "--images") {
      o.images = std::stoi(next());
    } else if (a == "--seed") {
      o.seed = std::stoull(next());
    } else if (a == "--backup") {
      o.backup = true;
    } else if (a == "--keep") {
      o.keep = true;
    } else if (a == "-h" || a == "--help") {
      Usage("help");
    } else if (!a.starts_with("-") && o.binary.empty()) {
      o.binary = a;
    } else {
      Usage("unknown argument " + a);
    }
  }
  if (o.binary.empty()) {
    const char* env = std::getenv("LABELLOOP_BINARY");
    o.binary = env && *env ? env : LABELLOOP_BINARY;
  }
  if (!fs::exists(o.binary)) Usage("no labelloop binary at " + o.binary);
  if (o.kills < 0 || o.images < 1) Usage("--kills must be >= 0 and --images >= 1");
  o.binary = fs::absolute(o.binary).string();
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const SoakOptions options = ParseOptions(argc, argv);
  std::cout << "crash_soak: seed " << options.seed << ", " << options.kills << " kills, " << options.images
            << " inference images" << (options.backup ? ", backup/restore round trips" : "") << "\n"
            << std::flush;
  try {
    SoakDriver driver(options);
    SoakReport report = driver.Run();
    std::cout << FormatReport(report);
    return report.AllPassed() ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "crash_soak: " << e.what() << "\n";
    return 2;
  }
}
