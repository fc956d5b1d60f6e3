// `backup DEST` and `restore SRC`: see data_backup.h. stdout: the folder written;
// stderr: progress and a summary.
#include <iostream>

#include <fmt/format.h>

#include "app/cli_output.h"
#include "app/commands.h"
#include "app/data_backup.h"
#include "common/clock.h"

namespace labelloop::app {
namespace {

std::string Describe(const BackupSummary& s) {
  return fmt::format("database {:.1f} MB, {} objects ({:.1f} MB)", double(s.database_bytes) / 1e6, s.objects,
                     double(s.object_bytes) / 1e6);
}

}  // namespace

int RunBackup(const GlobalOptions& g, const BackupOptions& o) {
  std::cerr << fmt::format("backing up {} to {}\n", g.data_dir, o.dest);
  Result<BackupSummary> summary = BackupDataFolder(g.data_dir, o.dest, std::cerr);
  if (!summary.ok()) return ReportError(summary.status().WithContext("backup failed (nothing was written to DEST)"));
  std::cerr << fmt::format("backed up {} as of {}: {}{}\n", g.data_dir, FormatIso8601Utc(summary->snapshot_ms),
                           Describe(*summary),
                           summary->objects_left_out
                               ? fmt::format("; {} objects written after that moment left out", summary->objects_left_out)
                               : "");
  std::cout << o.dest << "\n";
  return 0;
}

int RunRestore(const GlobalOptions& g, const RestoreOptions& o) {
  std::cerr << fmt::format("restoring {} into {}\n", o.source, g.data_dir);
  Result<BackupSummary> summary = RestoreDataFolder(o.source, g.data_dir, o.force, std::cerr);
  if (!summary.ok()) return ReportError(summary.status().WithContext("restore failed (the data folder is unchanged)"));
  std::cerr << fmt::format("restored the backup of {} into {}: {}\n", FormatIso8601Utc(summary->snapshot_ms),
                           g.data_dir, Describe(*summary));
  std::cout << g.data_dir << "\n";
  return 0;
}

}  // namespace labelloop::app
