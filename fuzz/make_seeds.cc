// Writes the binary seeds of fuzz/corpus/ (small images of every supported encoding, the
// hand-made hostile TIFFs of issue 9, a manifest and model artifacts), so the committed
// corpus can be made again: `build-fuzz/fuzz/make_seeds fuzz/corpus`. Text seeds (keys,
// JSON bodies, state machines) are committed as written by hand.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "model/manifest.h"
#include "model/model_artifact.h"
#include "vision/testdata/image_fixtures.h"

using namespace labelloop;
using namespace labelloop::vision::fixtures;

namespace {

void Write(const std::filesystem::path& path, const std::string& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string Encode(const std::string& ext, const cv::Mat& image, const std::vector<int>& params = {}) {
  std::vector<uint8_t> buf;
  cv::imencode(ext, image, buf, params);
  return {buf.begin(), buf.end()};
}

cv::Mat Picture(int width, int height, int type) {
  cv::Mat bgr(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) bgr.at<cv::Vec3b>(y, x) = cv::Vec3b(x * 255 / width, y * 255 / height, 90);
  cv::rectangle(bgr, cv::Rect(0, 0, width / 4, height / 4), cv::Scalar(0, 0, 255), cv::FILLED);
  cv::Mat out;
  if (type == CV_8UC4) {
    cv::cvtColor(bgr, out, cv::COLOR_BGR2BGRA);
    out(cv::Rect(width / 2, 0, width / 2, height)).setTo(cv::Scalar(0, 0, 0, 0));
  } else if (type == CV_8UC1) {
    cv::cvtColor(bgr, out, cv::COLOR_BGR2GRAY);
  } else if (type == CV_16UC3) {
    bgr.convertTo(out, CV_16UC3, 257.0);
  } else {
    out = bgr;
  }
  return out;
}

std::string Tiff(const std::vector<std::array<uint32_t, 4>>& entries, bool ends_in_directory = false) {
  std::string bytes = std::string("II*\0", 4) + Le32(8) + Le16(uint32_t(entries.size()));
  for (const auto& e : entries) bytes += Le16(e[0]) + Le16(e[1]) + Le32(e[2]) + Le32(e[3]);
  return ends_in_directory ? bytes : bytes + Le32(0);
}

void WriteImages(const std::filesystem::path& dir) {
  cv::Mat rgb = Picture(16, 12, CV_8UC3), rgba = Picture(16, 12, CV_8UC4), grey = Picture(16, 12, CV_8UC1);
  std::string jpeg = Encode(".jpg", rgb, {cv::IMWRITE_JPEG_QUALITY, 80});
  Write(dir / "baseline.jpg", jpeg);
  Write(dir / "progressive.jpg", Encode(".jpg", rgb, {cv::IMWRITE_JPEG_PROGRESSIVE, 1}));
  Write(dir / "grey.jpg", Encode(".jpg", grey));
  Write(dir / "exif6.jpg", WithExifOrientation(jpeg, 6));
  Write(dir / "cmyk.jpg", MakeCmykJpeg({{{0, 255, 255, 255}}, {{255, 128, 255, 255}}}));
  Write(dir / "rgba.png", Encode(".png", rgba));
  Write(dir / "grey.png", Encode(".png", grey));
  Write(dir / "rgb16.png", Encode(".png", Picture(8, 6, CV_16UC3)));
  Write(dir / "palette-trns.png",
        MakePng(3, 1, 8, 3, {std::string("\0\1\2", 3)},
                PngChunk("PLTE", std::string("\xC8\0\0\0\0\xFF\0\0\0", 9)) + PngChunk("tRNS", "\xFF\x80")));
  Write(dir / "grey-key.png", MakePng(2, 1, 8, 0, {std::string("\0\x64", 2)}, PngChunk("tRNS", std::string("\0\0", 2))));
  Write(dir / "lossy.webp", Encode(".webp", rgb, {cv::IMWRITE_WEBP_QUALITY, 60}));
  Write(dir / "lossless.webp", Encode(".webp", rgb, {cv::IMWRITE_WEBP_QUALITY, 101}));
  Write(dir / "alpha-vp8x.webp", Encode(".webp", rgba, {cv::IMWRITE_WEBP_QUALITY, 60}));
  Write(dir / "rgb.bmp", Encode(".bmp", Picture(5, 3, CV_8UC3)));
  Write(dir / "grey.bmp", Encode(".bmp", Picture(5, 3, CV_8UC1)));
  Write(dir / "rgb.tif", Encode(".tiff", rgb));
  Write(dir / "rgb16.tif", Encode(".tiff", Picture(8, 6, CV_16UC3)));
  Write(dir / "rgba.tif", Encode(".tiff", rgba));
  // Issue 9 row 5, small: duplicated size tags, a LONG8 size at the end, a huge strip.
  Write(dir / "tiff-duplicated-sizes.tif", Tiff({{256, 4, 1, 30000}, {257, 4, 1, 30000}, {256, 4, 1, 1},
                                                 {257, 4, 1, 1}, {258, 3, 1, 8}, {262, 3, 1, 1}}));
  Write(dir / "tiff-long8-at-end.tif", Tiff({{257, 3, 1, 10}, {256, 16, 1, 8}}, true));
  Write(dir / "tiff-big-strip.tif", Tiff({{256, 3, 1, 16}, {257, 3, 1, 16}, {258, 3, 1, 8}, {262, 3, 1, 1},
                                          {278, 4, 1, 100000000}}));
}

model::ModelArtifact TinyArtifact() {
  model::ModelArtifact a;
  a.labels = {"amazon_logo", "aws_logo"};
  a.sizes = {224, 320};
  a.backbone_id = "mobilenetv2-nsfwjs-4.3.0";
  a.backbone_config = {{"onnx", "backbone.onnx"}, {"outputs", {"block_10"}}, {"scale", 0.0078}, {"mean", 127.5}};
  a.training_stats = {{"images", 10}};
  model::HeadWeights head;
  head.in_channels = 4, head.hidden = 3, head.classes = 3, head.kernel = 1;
  head.conv1_weight.assign(12, 0.25f);
  head.conv1_bias.assign(3, 0.0f);
  head.conv2_weight.assign(9, -0.5f);
  head.conv2_bias.assign(3, 0.1f);
  a.heads = {head, head};
  return a;
}

void WriteModelArtifacts(const std::filesystem::path& dir) {
  std::string bytes = model::SerializeModelArtifact(TinyArtifact());
  Write(dir / "raw.bin", "\x01" + bytes);  // first byte odd: the bytes as they are
  uint32_t length = 0;
  std::memcpy(&length, bytes.data() + 8, 4);
  // First byte even: header JSON, NUL, weights; the target adds the checksum.
  Write(dir / "framed.bin", std::string(1, '\0') + bytes.substr(12, length) + std::string(1, '\0') + bytes.substr(12 + length));
}

void WriteManifest(const std::filesystem::path& dir) {
  std::vector<model::ManifestEntry> entries = {
      {"images_labeled_by_folder/amazon_logo/amazon-1.png", "3f2a", "amazon_logo", 0, false, 1700000000000},
      {"images_labeled_by_folder/aws_logo/humanLoopName-review-1-aws-2.jpg", "9c1e", "aws_logo", 1, true, 1700000001000},
      {"images_labeled_by_folder/none_of_the_above/x.jpg", "77aa", "none_of_the_above", 2, false, 0}};
  Write(dir / "three.manifest", model::WriteManifest(entries));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seeds CORPUS_DIR (fuzz/corpus)\n");
    return 2;
  }
  std::filesystem::path corpus = argv[1];
  WriteImages(corpus / "image_decoder");
  WriteImages(corpus / "image_header");
  WriteModelArtifacts(corpus / "model_artifact");
  WriteManifest(corpus / "manifest");
  return 0;
}
