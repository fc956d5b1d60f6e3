// `import FORMAT SRC [--prefix P]` and `export-dataset V FORMAT OUT`: labelled datasets in
// and out of the bucket (src/dataset).
#include <iostream>
#include <set>

#include <fmt/format.h>

#include "app/app_context.h"
#include "app/cli_output.h"
#include "app/commands.h"
#include "app/progress_bar.h"
#include "dataset/dataset_export.h"
#include "dataset/dataset_import.h"
#include "model/dataset_split.h"
#include "model/manifest.h"

namespace labelloop::app {
namespace {

void PrintImportReport(const dataset::ImportReport& report, const dataset::DatasetListing& listing) {
  for (const auto& key : report.written) std::cout << key << "\n";
  for (const auto& why : listing.ignored) std::cerr << "ignored: " << why << "\n";
  for (const auto& d : report.duplicates) {
    std::cerr << fmt::format("duplicate content, imported once as {} ({}): {}\n", d.key, d.kept, fmt::join(d.others, ", "));
  }
  for (const auto& b : report.bad) std::cerr << fmt::format("bad row: {}: {}\n", b.origin, b.reason);
}

// The version's manifest entries, each marked when it is in the version's test split.
Result<std::vector<dataset::ExportItem>> VersionImages(AppContext& ctx, const std::string& version) {
  ASSIGN_OR_RETURN(db::ModelVersion v, ctx.db->GetModelVersion(version));
  ASSIGN_OR_RETURN(std::string text, ctx.store->Get(v.manifest_key));
  ASSIGN_OR_RETURN(std::vector<model::ManifestEntry> entries, model::ParseManifest(text));
  std::vector<model::SplitItem> items;
  for (const auto& e : entries) items.push_back({e.etag, e.class_index});
  // The split training made (model_service.cc): same content hashes, fraction and seed.
  std::vector<bool> held_out = model::SplitTrainTest(items, ctx.config.model.test_fraction, ctx.config.model.split_seed);
  std::vector<dataset::ExportItem> out;
  for (size_t i = 0; i < entries.size(); ++i) out.push_back({entries[i], held_out[i]});
  return out;
}

}  // namespace

int RunImport(const GlobalOptions& g, const ImportOptions& o) {
  Result<dataset::DatasetFormat> format = dataset::ParseDatasetFormat(o.format);
  if (!format.ok()) return ReportError(format.status());
  auto ctx = OpenAppContext(g.data_dir);
  if (!ctx.ok()) return ReportError(ctx.status());
  Result<dataset::DatasetListing> listing = dataset::ReadDataset(*format, o.source);
  if (!listing.ok()) return ReportError(listing.status());
  dataset::ImportOptions options;
  options.prefix = o.prefix;
  while (!options.prefix.empty() && options.prefix.back() == '/') options.prefix.pop_back();
  options.limits = (*ctx)->config.model.decode_limits;
  dataset::ImportReport report;
  Status imported;
  {
    ProgressBar checking("check ", listing->images.size());
    ProgressBar writing("import", listing->images.size());
    imported = dataset::ImportDataset(*(*ctx)->store, *listing, options, &report,
                                      [&](const std::string& phase, size_t done, size_t total) {
                                        if (phase == "checking") checking.Update(done);
                                        if (phase == "writing") {
                                          checking.Finish();
                                          writing.Update(done);
                                        }
                                      });
  }
  PrintImportReport(report, *listing);
  if (!imported.ok()) return ReportError(imported);
  size_t duplicates = 0;
  for (const auto& d : report.duplicates) duplicates += d.others.size();
  std::cerr << fmt::format("imported {} images ({} labels) under {}/{}\n", report.written.size(), report.labels,
                           options.prefix, duplicates ? fmt::format("; {} duplicates not imported again", duplicates) : "");
  return 0;
}

int RunExportDataset(const GlobalOptions& g, const ExportDatasetOptions& o) {
  Result<dataset::DatasetFormat> format = dataset::ParseDatasetFormat(o.format);
  if (!format.ok()) return ReportError(format.status());
  auto ctx = OpenAppContext(g.data_dir);
  if (!ctx.ok()) return ReportError(ctx.status());
  Result<std::vector<dataset::ExportItem>> items = VersionImages(**ctx, o.version);
  if (!items.ok()) return ReportError(items.status());
  ProgressBar bar("export", items->size());
  Status exported = dataset::ExportDataset(*(*ctx)->store, *items, *format, o.output_dir,
                                           [&](size_t done, size_t) { bar.Update(done); });
  bar.Finish();
  if (!exported.ok()) return ReportError(exported);
  std::set<std::string> labels;
  for (const auto& item : *items) labels.insert(item.entry.label);
  std::cerr << fmt::format("exported {} images ({} labels) of {} as {} to {}\n", items->size(), labels.size(),
                           o.version, o.format, o.output_dir);
  return 0;
}

}  // namespace labelloop::app
