// The model artifact loader (model::ParseModelArtifact). Two kinds of input, chosen by the
// first byte: raw bytes (magic, length, header, weights), and a header JSON plus weights
// that the target frames with the right checksum, so the fuzzer gets past the SHA-256 to
// the head shapes and weights. What parses serialises and parses back the same.
#include <cmath>
#include <cstring>
#include <string>

#include "common/content_hash.h"
#include "fuzz/fuzz_util.h"
#include "model/model_artifact.h"

using namespace labelloop;

namespace {

// "<header JSON>\0<weights>" -> a framed artifact whose checksum matches; the input as it
// is when the header is not a JSON object.
std::string Frame(std::string_view input) {
  size_t nul = input.find('\0');
  std::string_view header_text = input.substr(0, nul);
  std::string_view weights = nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);
  Result<Json> header = ParseJson(header_text, "fuzz header");
  if (!header.ok() || !header->is_object()) return std::string(input);
  (*header)["weights_sha256"] = Sha256Hex(weights);
  std::string text = header->dump();
  uint32_t length = static_cast<uint32_t>(text.size());
  std::string out = "LLMODEL1";
  out.append(reinterpret_cast<const char*>(&length), sizeof length);
  return out + text + std::string(weights);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input = fuzz::AsText(data + 1, size - 1);
  std::string bytes = data[0] % 2 == 0 ? Frame(input) : std::string(input);
  Result<model::ModelArtifact> artifact = model::ParseModelArtifact(bytes, "evaluation/fuzz/model.bin");
  if (!artifact.ok()) {
    fuzz::Require(artifact.status().code() == StatusCode::kDataLoss, "refusals are DataLoss",
                  artifact.status().ToString());
    return 0;
  }
  for (const model::HeadWeights& head : artifact->heads) {
    fuzz::Require(std::isfinite(head.lse_sharpness) && head.lse_sharpness > 0, "pooling sharpness is finite");
  }
  Result<model::ModelArtifact> again =
      model::ParseModelArtifact(model::SerializeModelArtifact(*artifact), "evaluation/fuzz/model.bin");
  fuzz::Require(again.ok(), "a serialised artifact parses", again.status().ToString());
  fuzz::Require(again->labels == artifact->labels && again->heads.size() == artifact->heads.size(),
                "round trip keeps labels and heads");
  return 0;
}
