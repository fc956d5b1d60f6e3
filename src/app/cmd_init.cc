#include <iostream>

#include "app/app_context.h"
#include "app/cli_output.h"
#include "app/commands.h"

namespace labelloop::app {

int RunInit(const GlobalOptions& g) {
  Status s = InitDataDir(g.data_dir);
  if (!s.ok()) return ReportError(s);
  std::cerr << "initialised labelloop data folder " << g.data_dir << "\n";
  return 0;
}

}  // namespace labelloop::app
