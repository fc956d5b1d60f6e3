// Training manifests (model::ParseManifest): no crash or UB on any text, and what parses
// writes back (WriteManifest) to text that parses to the same entries.
#include <string>

#include "fuzz/fuzz_util.h"
#include "model/manifest.h"

using namespace labelloop;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(fuzz::AsText(data, size));
  Result<std::vector<model::ManifestEntry>> entries = model::ParseManifest(text);
  if (!entries.ok()) {
    fuzz::RequireDumpable(entries.status().message(), "ParseManifest message");
    return 0;
  }
  Result<std::vector<model::ManifestEntry>> again = model::ParseManifest(model::WriteManifest(*entries));
  fuzz::Require(again.ok(), "a written manifest parses", again.status().ToString());
  fuzz::Require(again->size() == entries->size(), "round trip keeps every entry");
  for (size_t i = 0; i < entries->size(); ++i) {
    const model::ManifestEntry &a = (*entries)[i], &b = (*again)[i];
    fuzz::Require(a.key == b.key && a.etag == b.etag && a.label == b.label && a.class_index == b.class_index &&
                      a.human_annotated == b.human_annotated,
                  "round trip keeps the entry", a.key);
  }
  return 0;
}
