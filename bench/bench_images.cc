#include "bench_images.h"

#include <algorithm>
#include <iostream>
#include <sstream>

#include "common/content_hash.h"
#include "common/file_util.h"
#include "vision/image_decoder.h"

namespace labelloop::bench {
namespace fs = std::filesystem;

std::vector<FileImage> LoadTree(const fs::path& root, bool labelled, bool decode) {
  std::vector<FileImage> out;
  if (!fs::exists(root)) return out;
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file() && vision::HasImageExtension(e.path().filename().string())) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    Result<std::string> read = ReadFileBytes(f.string());
    if (!read.ok()) {
      std::cerr << "skip " << read.status().ToString() << "\n";
      continue;
    }
    const std::string& bytes = *read;
    cv::Mat bgra;
    if (decode) {
      auto img = vision::DecodeImageWithAlpha(bytes, f.string());
      if (!img.ok()) {
        std::cerr << "skip " << img.status().ToString() << "\n";
        continue;
      }
      bgra = *img;
    }
    std::string label = labelled ? fs::relative(f, root).begin()->string() : "";
    out.push_back({fs::relative(f, root).string(), Sha256Hex(bytes), label, bgra});
  }
  return out;
}

Result<cv::Mat> DecodeFileImage(const fs::path& root, const FileImage& image) {
  const std::string path = (root / image.path).string();
  ASSIGN_OR_RETURN(std::string bytes, ReadFileBytes(path));
  return vision::DecodeImageWithAlpha(bytes, path);
}

std::vector<int> ParseInts(const std::string& csv) {
  std::vector<int> out;
  std::stringstream ss(csv);
  for (std::string item; std::getline(ss, item, ',');) out.push_back(std::stoi(item));
  return out;
}

std::vector<std::string> ParseStrings(const std::string& csv) {
  std::vector<std::string> out;
  std::stringstream ss(csv);
  for (std::string item; std::getline(ss, item, ',');) out.push_back(item);
  return out;
}

}  // namespace labelloop::bench
