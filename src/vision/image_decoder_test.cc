#include "vision/image_decoder.h"
#include "vision/testdata/image_fixtures.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace labelloop::vision {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using namespace ::labelloop::vision::fixtures;  // NOLINT: test-only builders

// ---- fixture builders -------------------------------------------------------------

std::string Encode(const std::string& ext, const cv::Mat& image, const std::vector<int>& params = {}) {
  std::vector<uint8_t> buf;
  EXPECT_TRUE(cv::imencode(ext, image, buf, params)) << ext;
  return std::string(buf.begin(), buf.end());
}

// A colourful, asymmetric test picture: gradients plus a red top-left corner.
cv::Mat TestPicture(int width, int height, int type = CV_8UC3) {
  cv::Mat image(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      image.at<cv::Vec3b>(y, x) = cv::Vec3b(uint8_t(x * 255 / width), uint8_t(y * 255 / height), 90);
    }
  }
  cv::rectangle(image, cv::Rect(0, 0, width / 4, height / 4), cv::Scalar(0, 0, 255), cv::FILLED);
  if (type == CV_8UC4) cv::cvtColor(image, image, cv::COLOR_BGR2BGRA);
  return image;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

double MaxAbsDiff(const cv::Mat& a, const cv::Mat& b) {
  if (a.size() != b.size() || a.type() != b.type()) return 1e9;
  return cv::norm(a, b, cv::NORM_INF);
}

cv::Vec3b Px(const cv::Mat& m, int y, int x) { return m.at<cv::Vec3b>(y, x); }

// Decodes and expects success, with the result 8-bit BGR (or BGRA).
cv::Mat MustDecode(const std::string& bytes, bool with_alpha = false) {
  Result<cv::Mat> r = with_alpha ? DecodeImageWithAlpha(bytes, "fixture") : DecodeImage(bytes, "fixture");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return {};
  EXPECT_EQ(r->type(), with_alpha ? CV_8UC4 : CV_8UC3);
  return *r;
}

// Every error: the right code, and a message naming the image and the problem.
void ExpectError(const Result<cv::Mat>& r, StatusCode code, const std::string& problem,
                 const std::string& name = "photos/cat.jpg") {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), code) << r.status().ToString();
  EXPECT_THAT(r.status().message(), AllOf(HasSubstr("'" + name + "'"), HasSubstr(problem)));
}

// ---- PNG ---------------------------------------------------------------------------

TEST(ImageDecoderTest, PngRgbaSemiTransparentIsBlendedOnWhite) {
  cv::Mat bgra(2, 3, CV_8UC4);
  bgra.at<cv::Vec4b>(0, 0) = {0, 0, 200, 255};    // opaque red
  bgra.at<cv::Vec4b>(0, 1) = {0, 0, 0, 128};      // half-transparent black
  bgra.at<cv::Vec4b>(0, 2) = {0, 0, 0, 0};        // invisible black
  bgra.at<cv::Vec4b>(1, 0) = {100, 50, 0, 64};    // quarter-opaque
  bgra.at<cv::Vec4b>(1, 1) = {10, 20, 30, 255};
  bgra.at<cv::Vec4b>(1, 2) = {255, 0, 0, 191};
  cv::Mat bgr = MustDecode(Encode(".png", bgra));
  ASSERT_EQ(bgr.size(), bgra.size());
  for (int y = 0; y < 2; ++y) {
    for (int x = 0; x < 3; ++x) {
      cv::Vec4b s = bgra.at<cv::Vec4b>(y, x);
      for (int c = 0; c < 3; ++c) {
        double want = s[c] * s[3] / 255.0 + 255.0 * (1 - s[3] / 255.0);
        EXPECT_NEAR(bgr.at<cv::Vec3b>(y, x)[c], want, 0.5) << y << "," << x << " c" << c;
      }
    }
  }
  EXPECT_EQ(Px(bgr, 0, 2), cv::Vec3b(255, 255, 255));
  EXPECT_EQ(Px(bgr, 0, 1), cv::Vec3b(127, 127, 127));

  cv::Mat kept = MustDecode(Encode(".png", bgra), /*with_alpha=*/true);
  EXPECT_EQ(MaxAbsDiff(kept, bgra), 0);
}

TEST(ImageDecoderTest, SampleTransparentPngDoesNotComeOutBlack) {
  std::string bytes = ReadFile(std::string(LABELLOOP_SHARED_DIR) +
                               "/data/sample-images/inference_images/inference-image-4.png");
  if (bytes.empty()) GTEST_SKIP() << "shared sample images not present";
  cv::Mat raw = cv::imdecode(std::vector<uint8_t>(bytes.begin(), bytes.end()), cv::IMREAD_UNCHANGED);
  ASSERT_EQ(raw.channels(), 4);
  cv::Mat bgr = MustDecode(bytes);
  ASSERT_EQ(bgr.size(), raw.size());
  int transparent = 0, white = 0;
  for (int y = 0; y < raw.rows; ++y) {
    for (int x = 0; x < raw.cols; ++x) {
      if (raw.at<cv::Vec4b>(y, x)[3] != 0) continue;
      ++transparent;
      white += Px(bgr, y, x) == cv::Vec3b(255, 255, 255);
    }
  }
  EXPECT_GT(transparent, 1000);
  EXPECT_EQ(white, transparent);
  // Reading it the naive way (IMREAD_COLOR drops alpha) shows black where it is transparent.
  cv::Mat naive = cv::imdecode(std::vector<uint8_t>(bytes.begin(), bytes.end()), cv::IMREAD_COLOR);
  EXPECT_GT(cv::mean(bgr)[1], cv::mean(naive)[1] + 50);
}

TEST(ImageDecoderTest, PalettePngWithTransparency) {
  std::string plte = std::string("\xC8\0\0", 3) + std::string("\0\0\xFF", 3) + std::string("\0\0\0", 3);
  std::string trns = std::string("\xFF\x80\x00", 3);  // opaque, half, invisible
  std::string bytes = MakePng(3, 1, 8, 3, {std::string("\0\1\2", 3)},
                              PngChunk("PLTE", plte) + PngChunk("tRNS", trns));
  cv::Mat bgr = MustDecode(bytes);
  ASSERT_EQ(bgr.size(), cv::Size(3, 1));
  EXPECT_EQ(Px(bgr, 0, 0), cv::Vec3b(0, 0, 200));      // red, BGR order
  EXPECT_EQ(Px(bgr, 0, 1), cv::Vec3b(255, 127, 127));  // blue half over white
  EXPECT_EQ(Px(bgr, 0, 2), cv::Vec3b(255, 255, 255));
  cv::Mat bgra = MustDecode(bytes, true);
  EXPECT_EQ(bgra.at<cv::Vec4b>(0, 1), cv::Vec4b(255, 0, 0, 128));
}

TEST(ImageDecoderTest, PalettePngWithoutTransparency) {
  std::string plte = std::string("\x10\x20\x30\xF0\xE0\xD0", 6);
  cv::Mat bgr = MustDecode(MakePng(2, 1, 8, 3, {std::string("\0\1", 2)}, PngChunk("PLTE", plte)));
  EXPECT_EQ(Px(bgr, 0, 0), cv::Vec3b(0x30, 0x20, 0x10));
  EXPECT_EQ(Px(bgr, 0, 1), cv::Vec3b(0xD0, 0xE0, 0xF0));
}

TEST(ImageDecoderTest, SixteenBitPngIsScaledNotTruncated) {
  cv::Mat wide(1, 4, CV_16UC3);
  wide.at<cv::Vec3w>(0, 0) = {65535, 0, 257 * 77};
  wide.at<cv::Vec3w>(0, 1) = {32896, 32767, 200};  // 128.0, 127.498 -> 127, 0.78 -> 1
  wide.at<cv::Vec3w>(0, 2) = {384, 255, 128};      // 1.49 -> 1, 0.99 -> 1, 0.498 -> 0
  wide.at<cv::Vec3w>(0, 3) = {65279, 65280, 1000};
  cv::Mat bgr = MustDecode(Encode(".png", wide));
  EXPECT_EQ(Px(bgr, 0, 0), cv::Vec3b(255, 0, 77));
  EXPECT_EQ(Px(bgr, 0, 1), cv::Vec3b(128, 127, 1));
  EXPECT_EQ(Px(bgr, 0, 2), cv::Vec3b(1, 1, 0));
  EXPECT_EQ(Px(bgr, 0, 3), cv::Vec3b(254, 254, 4));
}

TEST(ImageDecoderTest, SixteenBitRgbaAndGreyPng) {
  cv::Mat bgra(1, 2, CV_16UC4);
  bgra.at<cv::Vec4w>(0, 0) = {0, 0, 0, 32896};      // half-transparent black -> 127
  bgra.at<cv::Vec4w>(0, 1) = {65535, 0, 0, 65535};  // opaque blue
  cv::Mat bgr = MustDecode(Encode(".png", bgra));
  EXPECT_EQ(Px(bgr, 0, 0), cv::Vec3b(127, 127, 127));
  EXPECT_EQ(Px(bgr, 0, 1), cv::Vec3b(255, 0, 0));

  cv::Mat grey(1, 2, CV_16UC1);
  grey.at<uint16_t>(0, 0) = 257 * 10;
  grey.at<uint16_t>(0, 1) = 65535;
  cv::Mat out = MustDecode(Encode(".png", grey));
  EXPECT_EQ(Px(out, 0, 0), cv::Vec3b(10, 10, 10));
  EXPECT_EQ(Px(out, 0, 1), cv::Vec3b(255, 255, 255));
}

TEST(ImageDecoderTest, GreyPngIsExpandedToBgr) {
  cv::Mat grey(2, 2, CV_8UC1, cv::Scalar(77));
  grey.at<uint8_t>(1, 1) = 200;
  cv::Mat bgr = MustDecode(Encode(".png", grey));
  EXPECT_EQ(Px(bgr, 0, 0), cv::Vec3b(77, 77, 77));
  EXPECT_EQ(Px(bgr, 1, 1), cv::Vec3b(200, 200, 200));
  cv::Mat bgra = MustDecode(Encode(".png", grey), true);
  EXPECT_EQ(bgra.at<cv::Vec4b>(1, 1), cv::Vec4b(200, 200, 200, 255));
}

TEST(ImageDecoderTest, GreyAlphaPng) {
  std::string row = std::string("\x00\xFF\x00\x80\x40\x00\xC8\xFF", 8);  // (grey, alpha) x 4
  std::string bytes = MakePng(4, 1, 8, 4, {row});
  cv::Mat bgr = MustDecode(bytes);
  EXPECT_EQ(Px(bgr, 0, 0), cv::Vec3b(0, 0, 0));
  EXPECT_EQ(Px(bgr, 0, 1), cv::Vec3b(127, 127, 127));
  EXPECT_EQ(Px(bgr, 0, 2), cv::Vec3b(255, 255, 255));
  EXPECT_EQ(Px(bgr, 0, 3), cv::Vec3b(200, 200, 200));
  cv::Mat bgra = MustDecode(bytes, true);
  EXPECT_EQ(bgra.at<cv::Vec4b>(0, 1), cv::Vec4b(0, 0, 0, 128));
}

TEST(ImageDecoderTest, GreyPngColourKeyBecomesTransparent) {
  // 8-bit: value 0 is transparent (the classic "transparent comes out black" case).
  std::string bytes = MakePng(2, 1, 8, 0, {std::string("\x00\x64", 2)}, PngChunk("tRNS", std::string("\0\0", 2)));
  cv::Mat bgr = MustDecode(bytes);
  EXPECT_EQ(Px(bgr, 0, 0), cv::Vec3b(255, 255, 255));
  EXPECT_EQ(Px(bgr, 0, 1), cv::Vec3b(100, 100, 100));
  // 2-bit: samples 0,1,2,3 -> 0,85,170,255; key 1.
  std::string two = MakePng(4, 1, 2, 0, {std::string("\x1B", 1)}, PngChunk("tRNS", std::string("\0\1", 2)));
  cv::Mat bgra = MustDecode(two, true);
  EXPECT_EQ(bgra.at<cv::Vec4b>(0, 0), cv::Vec4b(0, 0, 0, 255));
  EXPECT_EQ(bgra.at<cv::Vec4b>(0, 1)[3], 0);
  EXPECT_EQ(bgra.at<cv::Vec4b>(0, 2), cv::Vec4b(170, 170, 170, 255));
  EXPECT_EQ(bgra.at<cv::Vec4b>(0, 3), cv::Vec4b(255, 255, 255, 255));
}

// ---- JPEG --------------------------------------------------------------------------

TEST(ImageDecoderTest, JpegBaselineAndProgressive) {
  cv::Mat picture = TestPicture(64, 48);
  for (int progressive : {0, 1}) {
    std::string bytes = Encode(".jpg", picture, {cv::IMWRITE_JPEG_QUALITY, 95,
                                                 cv::IMWRITE_JPEG_PROGRESSIVE, progressive});
    ASSERT_EQ(bytes.find("\xFF\xC2") != std::string::npos, progressive == 1);
    cv::Mat bgr = MustDecode(bytes);
    ASSERT_EQ(bgr.size(), picture.size());
    EXPECT_LT(cv::norm(bgr, picture, cv::NORM_L1) / picture.total() / 3, 3.0);
    EXPECT_EQ(MustDecode(bytes, true).at<cv::Vec4b>(5, 5)[3], 255);
  }
}

TEST(ImageDecoderTest, JpegExifOrientation6SwapsDimensions) {
  std::string bytes = WithExifOrientation(Encode(".jpg", TestPicture(64, 32)), 6);
  cv::Mat bgr = MustDecode(bytes);
  EXPECT_EQ(bgr.size(), cv::Size(32, 64));
  // Rotated 90 degrees clockwise: the red top-left corner is now top-right.
  EXPECT_GT(Px(bgr, 2, 29)[2], 200);
  EXPECT_LT(Px(bgr, 2, 2)[2], 100);
  EXPECT_EQ(MustDecode(bytes, /*with_alpha=*/true).size(), cv::Size(32, 64));
}

TEST(ImageDecoderTest, JpegAllExifOrientationsMatchOpenCv) {
  std::string plain = Encode(".jpg", TestPicture(40, 24));
  for (int orientation = 1; orientation <= 8; ++orientation) {
    std::string bytes = WithExifOrientation(plain, orientation);
    cv::Mat reference = cv::imdecode(std::vector<uint8_t>(bytes.begin(), bytes.end()), cv::IMREAD_COLOR);
    EXPECT_EQ(MaxAbsDiff(MustDecode(bytes), reference), 0) << "orientation " << orientation;
    cv::Mat bgra = MustDecode(bytes, true), bgr;
    cv::cvtColor(bgra, bgr, cv::COLOR_BGRA2BGR);
    EXPECT_EQ(MaxAbsDiff(bgr, reference), 0) << "orientation " << orientation << " with alpha";
  }
}

TEST(ImageDecoderTest, JpegGreyIsExpanded) {
  cv::Mat grey(16, 16, CV_8UC1, cv::Scalar(120));
  cv::Mat bgr = MustDecode(Encode(".jpg", grey));
  cv::Vec3b p = Px(bgr, 8, 8);
  EXPECT_NEAR(p[0], 120, 2);
  EXPECT_EQ(p[0], p[1]);
  EXPECT_EQ(p[1], p[2]);
}

TEST(ImageDecoderTest, CmykJpeg) {
  // Adobe-inverted CMYK: 255 means no ink. Cyan, paper white, full black, 50% magenta.
  std::string bytes = MakeCmykJpeg({{{0, 255, 255, 255}}, {{255, 255, 255, 255}},
                                    {{255, 255, 255, 0}}, {{255, 128, 255, 255}}});
  cv::Mat raw = cv::imdecode(std::vector<uint8_t>(bytes.begin(), bytes.end()), cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(raw.empty()) << "hand-made CMYK JPEG must be valid";
  cv::Mat bgr = MustDecode(bytes);
  ASSERT_EQ(bgr.size(), cv::Size(32, 8));
  auto near = [](cv::Vec3b got, cv::Vec3b want) { return cv::norm(got, want, cv::NORM_INF) <= 3; };
  EXPECT_TRUE(near(Px(bgr, 4, 4), {255, 255, 0})) << Px(bgr, 4, 4);
  EXPECT_TRUE(near(Px(bgr, 4, 12), {255, 255, 255})) << Px(bgr, 4, 12);
  EXPECT_TRUE(near(Px(bgr, 4, 20), {0, 0, 0})) << Px(bgr, 4, 20);
  EXPECT_TRUE(near(Px(bgr, 4, 28), {255, 127, 255})) << Px(bgr, 4, 28);
}

TEST(ImageDecoderTest, JpegWithTrailingBytesAfterEndOfImage) {
  std::string bytes = Encode(".jpg", TestPicture(32, 32)) + std::string(300, '\0') + "camera trailer";
  EXPECT_EQ(MustDecode(bytes).size(), cv::Size(32, 32));
}

TEST(ImageDecoderTest, DecodesAOneMegapixelJpegQuickly) {
  cv::Mat picture = TestPicture(1200, 840);
  cv::Mat noise(picture.size(), CV_8UC3);
  cv::randu(noise, 0, 40);
  picture += noise;
  std::string bytes = Encode(".jpg", picture, {cv::IMWRITE_JPEG_QUALITY, 90});
  std::vector<double> ms;
  for (int i = 0; i < 7; ++i) {
    auto start = std::chrono::steady_clock::now();
    cv::Mat bgr = MustDecode(bytes);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("decode 1.0 Mpixel JPEG (%zu KB): median %.1f ms\n", bytes.size() / 1024, ms[3]);
  RecordProperty("decode_1mp_jpeg_ms", std::to_string(ms[3]));
  EXPECT_LT(ms[3], 150.0);  // ~8 ms idle; generous for loaded CI machines
}

// ---- WebP, BMP, TIFF ---------------------------------------------------------------

TEST(ImageDecoderTest, WebpLossyLosslessAndAlpha) {
  cv::Mat picture = TestPicture(40, 30);
  cv::Mat lossy = MustDecode(Encode(".webp", picture, {cv::IMWRITE_WEBP_QUALITY, 90}));
  ASSERT_EQ(lossy.size(), picture.size());
  EXPECT_LT(cv::norm(lossy, picture, cv::NORM_L1) / picture.total() / 3, 6.0);

  std::string lossless_bytes = Encode(".webp", picture, {cv::IMWRITE_WEBP_QUALITY, 101});
  ASSERT_EQ(lossless_bytes.substr(12, 4), "VP8L");
  EXPECT_EQ(MaxAbsDiff(MustDecode(lossless_bytes), picture), 0);

  cv::Mat bgra = TestPicture(40, 30, CV_8UC4);
  bgra(cv::Rect(20, 0, 20, 30)).setTo(cv::Scalar(0, 0, 0, 0));
  bgra(cv::Rect(0, 20, 20, 10)).setTo(cv::Scalar(0, 0, 0, 128));
  std::string alpha_bytes = Encode(".webp", bgra, {cv::IMWRITE_WEBP_QUALITY, 101});
  cv::Mat bgr = MustDecode(alpha_bytes);
  EXPECT_EQ(Px(bgr, 5, 30), cv::Vec3b(255, 255, 255));
  EXPECT_EQ(Px(bgr, 25, 5), cv::Vec3b(127, 127, 127));
  // Lossless WebP keeps every visible pixel; it may change the colour of invisible ones.
  cv::Mat kept = MustDecode(alpha_bytes, true);
  ASSERT_EQ(kept.size(), bgra.size());
  for (int y = 0; y < bgra.rows; ++y) {
    for (int x = 0; x < bgra.cols; ++x) {
      if (bgra.at<cv::Vec4b>(y, x)[3] == 0 && kept.at<cv::Vec4b>(y, x)[3] == 0) {
        kept.at<cv::Vec4b>(y, x) = bgra.at<cv::Vec4b>(y, x);
      }
    }
  }
  EXPECT_EQ(MaxAbsDiff(kept, bgra), 0);

  std::string lossy_alpha = Encode(".webp", bgra, {cv::IMWRITE_WEBP_QUALITY, 80});
  ASSERT_EQ(lossy_alpha.substr(12, 4), "VP8X");
  EXPECT_EQ(MustDecode(lossy_alpha).size(), cv::Size(40, 30));
}

TEST(ImageDecoderTest, BmpColourAndGrey) {
  cv::Mat picture = TestPicture(33, 17);  // odd width: padded rows
  EXPECT_EQ(MaxAbsDiff(MustDecode(Encode(".bmp", picture)), picture), 0);
  cv::Mat grey(5, 7, CV_8UC1, cv::Scalar(66));
  EXPECT_EQ(Px(MustDecode(Encode(".bmp", grey)), 2, 2), cv::Vec3b(66, 66, 66));
  cv::Mat bgra = TestPicture(8, 8, CV_8UC4);
  bgra.setTo(cv::Scalar(10, 20, 30, 0));  // 32-bit BMP: fourth byte 0 does not mean invisible
  EXPECT_EQ(Px(MustDecode(Encode(".bmp", bgra)), 1, 1), cv::Vec3b(10, 20, 30));
}

TEST(ImageDecoderTest, TiffEightSixteenBitAndAlpha) {
  cv::Mat picture = TestPicture(30, 20);
  EXPECT_EQ(MaxAbsDiff(MustDecode(Encode(".tiff", picture)), picture), 0);
  cv::Mat wide;
  picture.convertTo(wide, CV_16UC3, 257.0);
  EXPECT_EQ(MaxAbsDiff(MustDecode(Encode(".tiff", wide)), picture), 0);
  cv::Mat bgra = TestPicture(30, 20, CV_8UC4);
  bgra(cv::Rect(0, 0, 10, 10)).setTo(cv::Scalar(0, 0, 0, 0));
  cv::Mat bgr = MustDecode(Encode(".tiff", bgra));
  EXPECT_EQ(Px(bgr, 5, 5), cv::Vec3b(255, 255, 255));
  EXPECT_EQ(MaxAbsDiff(MustDecode(Encode(".tiff", bgra), true), bgra), 0);
}

// ---- bad input ---------------------------------------------------------------------

TEST(ImageDecoderErrorTest, ZeroBytes) {
  ExpectError(DecodeImage("", "photos/cat.jpg"), StatusCode::kInvalidArgument, "empty image");
  ExpectError(DecodeImageWithAlpha("", "photos/cat.jpg"), StatusCode::kInvalidArgument, "(0 bytes)");
}

TEST(ImageDecoderErrorTest, JpegTruncatedAtHalf) {
  std::string bytes = Encode(".jpg", TestPicture(640, 480));
  std::string half = bytes.substr(0, bytes.size() / 2);
  ExpectError(DecodeImage(half, "photos/cat.jpg"), StatusCode::kInvalidArgument, "truncated JPEG");
  ExpectError(DecodeImage(half, "photos/cat.jpg"), StatusCode::kInvalidArgument, "no end-of-image marker");
  // Only the two EOI bytes missing, and cut inside the headers.
  ExpectError(DecodeImage(bytes.substr(0, bytes.size() - 2), "photos/cat.jpg"),
              StatusCode::kInvalidArgument, "truncated JPEG");
  ExpectError(DecodeImage(bytes.substr(0, 100), "photos/cat.jpg"), StatusCode::kInvalidArgument,
              "truncated JPEG");
}

TEST(ImageDecoderErrorTest, ProgressiveJpegTruncated) {
  std::string bytes = Encode(".jpg", TestPicture(200, 150), {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
  ExpectError(DecodeImage(bytes.substr(0, bytes.size() * 3 / 4), "photos/cat.jpg"),
              StatusCode::kInvalidArgument, "truncated JPEG");
}

TEST(ImageDecoderErrorTest, PngTruncated) {
  std::string bytes = Encode(".png", TestPicture(200, 100));
  ExpectError(DecodeImage(bytes.substr(0, bytes.size() / 2), "photos/cat.jpg"),
              StatusCode::kInvalidArgument, "truncated PNG");
  ExpectError(DecodeImage(bytes.substr(0, bytes.size() - 12), "photos/cat.jpg"),  // IEND cut off
              StatusCode::kInvalidArgument, "no IEND chunk");
  ExpectError(DecodeImage(bytes.substr(0, 20), "photos/cat.jpg"), StatusCode::kInvalidArgument,
              "truncated PNG");
}

TEST(ImageDecoderErrorTest, WebpAndBmpTruncated) {
  std::string webp = Encode(".webp", TestPicture(100, 80));
  ExpectError(DecodeImage(webp.substr(0, webp.size() / 2), "photos/cat.jpg"), StatusCode::kInvalidArgument,
              "truncated WebP");
  std::string bmp = Encode(".bmp", TestPicture(100, 80));
  ExpectError(DecodeImage(bmp.substr(0, bmp.size() / 2), "photos/cat.jpg"), StatusCode::kInvalidArgument,
              "truncated BMP");
}

TEST(ImageDecoderErrorTest, RandomBytes) {
  std::mt19937 rng(42);
  std::string bytes(4096, '\0');
  for (char& c : bytes) c = char(rng());
  ExpectError(DecodeImage(bytes, "photos/cat.jpg"), StatusCode::kInvalidArgument, "unsupported image format");
  ExpectError(DecodeImage("hello, world", "photos/cat.jpg"), StatusCode::kInvalidArgument,
              "not a JPEG, PNG, WebP, BMP or TIFF file");
}

TEST(ImageDecoderErrorTest, JpegMagicThenGarbage) {
  std::string text = "\xFF\xD8\xFF" + std::string("this is not really a JPEG, just text after the magic");
  ExpectError(DecodeImage(text, "photos/cat.jpg"), StatusCode::kInvalidArgument, "corrupt JPEG");
  std::mt19937 rng(7);
  std::string random = "\xFF\xD8\xFF";
  for (int i = 0; i < 5000; ++i) random += char(rng());
  ExpectError(DecodeImage(random, "photos/cat.jpg"), StatusCode::kInvalidArgument, "JPEG");
  // A complete marker structure whose scan uses Huffman tables that were never defined:
  // only the decoder can tell.
  std::string real = Encode(".jpg", TestPicture(64, 64));
  size_t sos = real.find("\xFF\xDA");
  std::string broken = real.substr(0, sos) +
                       JpegSegment(0xDA, std::string("\x03\x01\x33\x02\x33\x03\x33\x00\x3F\x00", 10)) +
                       std::string(64, '\x55') + "\xFF\xD9";
  ExpectError(DecodeImage(broken, "photos/cat.jpg"), StatusCode::kInvalidArgument, "corrupt JPEG");
}

TEST(ImageDecoderErrorTest, GifIsUnsupported) {
  std::string gif("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xFF\xFF\xFF\x21\xF9\x04\x01\x00\x00\x00\x00"
                  "\x2C\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00\x3B", 43);
  EXPECT_EQ(SniffImageFormat(gif), "gif");
  ExpectError(DecodeImage(gif, "photos/cat.jpg"), StatusCode::kInvalidArgument,
              "unsupported image format GIF in 'photos/cat.jpg'");
  ExpectError(DecodeImage(std::string("\0\0\0\x18" "ftypheic", 12), "photos/cat.jpg"),
              StatusCode::kInvalidArgument, "unsupported image format HEIC");
}

TEST(ImageDecoderErrorTest, AnimatedWebpIsUnsupported) {
  std::string webp = "RIFF" + Le32(4 + 18) + "WEBPVP8X" + Le32(10) + std::string(1, '\x02') +
                     std::string(3, '\0') + Le32(9).substr(0, 3) + Le32(9).substr(0, 3);
  ExpectError(DecodeImage(webp, "photos/cat.jpg"), StatusCode::kInvalidArgument,
              "unsupported image format animated WebP in 'photos/cat.jpg'");
}

TEST(ImageDecoderErrorTest, DecompressionBombsAreRefusedFromTheHeader) {
  const std::string kWant = "100000x100000 = 10000 Mpixel, above the 50 Mpixel limit";
  std::string png = MakePng(100000, 100000, 8, 2, {});
  auto start = std::chrono::steady_clock::now();
  ExpectError(DecodeImage(png, "photos/cat.jpg"), StatusCode::kResourceExhausted, kWant);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));

  std::string webp = "RIFF" + Le32(4 + 18) + "WEBPVP8X" + Le32(10) + std::string(4, '\x10') +
                     Le32(99999).substr(0, 3) + Le32(99999).substr(0, 3);
  ExpectError(DecodeImage(webp, "photos/cat.jpg"), StatusCode::kResourceExhausted, kWant);

  std::string bmp = "BM" + Le32(54) + Le32(0) + Le32(54) + Le32(40) + Le32(100000) + Le32(100000) +
                    Le16(1) + Le16(24) + std::string(24, '\0');
  ExpectError(DecodeImage(bmp, "photos/cat.jpg"), StatusCode::kResourceExhausted, kWant);

  std::string tiff = std::string("II*\0", 4) + Le32(8) + Le16(2) + Le16(256) + Le16(4) + Le32(1) +
                     Le32(100000) + Le16(257) + Le16(4) + Le32(1) + Le32(100000) + Le32(0);
  ExpectError(DecodeImage(tiff, "photos/cat.jpg"), StatusCode::kResourceExhausted, kWant);

  // JPEG caps sides at 65535; a real file with its frame header patched, so it is
  // otherwise complete.
  std::string jpeg = Encode(".jpg", TestPicture(16, 16));
  size_t sof = jpeg.find("\xFF\xC0");
  jpeg[sof + 5] = jpeg[sof + 6] = jpeg[sof + 7] = jpeg[sof + 8] = '\xFF';
  ExpectError(DecodeImage(jpeg, "photos/cat.jpg"), StatusCode::kResourceExhausted,
              "65535x65535 = 4295 Mpixel, above the 50 Mpixel limit");

  DecodeLimits small;
  small.max_pixels = 1000;
  ExpectError(DecodeImage(Encode(".png", TestPicture(40, 30)), "photos/cat.jpg", small),
              StatusCode::kResourceExhausted, "40x30 = 0.0012 Mpixel, above the 0.001 Mpixel limit");
}

// A little-endian classic TIFF: the header, `data` at offset 8, then one directory of
// `entries` (tag, type, count, 4-byte value field) and, unless `ends_in_directory`, the
// next-directory offset 0 and `tail`.
struct TiffEntry {
  uint16_t tag, type;
  uint32_t count, value;
};
std::string MakeTiff(const std::vector<TiffEntry>& entries, const std::string& data = "",
                     bool ends_in_directory = false, const std::string& tail = "") {
  std::string bytes = std::string("II*\0", 4) + Le32(uint32_t(8 + data.size())) + data + Le16(uint32_t(entries.size()));
  for (const TiffEntry& e : entries) bytes += Le16(e.tag) + Le16(e.type) + Le32(e.count) + Le32(e.value);
  return ends_in_directory ? bytes : bytes + Le32(0) + tail;
}
constexpr uint16_t kShort = 3, kLong = 4, kLong8 = 16;

// Issue 9, row 5: libtiff (OpenCV's decoder) keeps the FIRST of a duplicated tag; the
// header check used to keep the last, so a 30000x30000 image passed the 50 Mpixel check
// as 1x1 and the decoder allocated gigabytes.
TEST(ImageDecoderErrorTest, TiffDuplicatedSizeTagsAreReadLikeLibtiffThenRefused) {
  const std::string kStrip(2'600'000, '\0');  // the reported file was 2.6 MB
  auto tiff = [&](uint32_t first_side, uint32_t second_side) {
    uint32_t strip_at = 8 + 2 + 11 * 12 + 4;
    return MakeTiff({{256, kLong, 1, first_side}, {257, kLong, 1, first_side}, {256, kLong, 1, second_side},
                     {257, kLong, 1, second_side}, {258, kShort, 1, 8}, {259, kShort, 1, 1}, {262, kShort, 1, 1},
                     {273, kLong, 1, strip_at}, {277, kShort, 1, 1}, {278, kLong, 1, 1},
                     {279, kLong, 1, uint32_t(kStrip.size())}},
                    "", false, kStrip);
  };
  std::string bomb = tiff(30000, 1);
  ASSERT_GT(bomb.size(), 2'600'000u);
  auto start = std::chrono::steady_clock::now();
  ExpectError(DecodeImage(bomb, "photos/cat.jpg"), StatusCode::kResourceExhausted,
              "30000x30000 = 900 Mpixel, above the 50 Mpixel limit");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));  // header only
  // The other way round the decoder would read 1x1, but the file is still ambiguous.
  ExpectError(DecodeImage(tiff(1, 30000), "photos/cat.jpg"), StatusCode::kInvalidArgument,
              "corrupt TIFF 'photos/cat.jpg': tag 256 (ImageWidth) appears more than once in the first directory");
}

// Issue 9, row 5: in a classic TIFF a LONG8 value does not fit in the entry, so the entry
// holds its offset. The check used to read 8 bytes inline, 4 past the end of a file whose
// last entry it was (ASan: heap-buffer-overflow; the fuzz build runs this test under ASan).
TEST(ImageDecoderErrorTest, TiffLong8AtTheEndIsReadFromItsOffsetNotPastTheBuffer) {
  auto decode_exact = [](const std::string& bytes) {
    std::unique_ptr<char[]> exact(new char[bytes.size()]);  // no slack after the last byte
    std::memcpy(exact.get(), bytes.data(), bytes.size());
    return DecodeImage(std::string_view(exact.get(), bytes.size()), "photos/cat.jpg");
  };
  std::string past_end = MakeTiff({{257, kShort, 1, 10}, {256, kLong8, 1, 0xFFFFFFF0u}}, "", true);
  ExpectError(decode_exact(past_end), StatusCode::kInvalidArgument,
              "truncated TIFF 'photos/cat.jpg': the value of ImageWidth at offset 4294967280 is past the end");
  // A LONG8 at an offset inside the file is read from there, as libtiff reads it.
  std::string at_offset = MakeTiff({{257, kLong8, 1, 8}, {256, kLong8, 1, 8}}, Le32(100000) + Le32(0), true);
  ExpectError(decode_exact(at_offset), StatusCode::kResourceExhausted, "100000x100000 = 10000 Mpixel");
}

TEST(ImageDecoderErrorTest, TiffSizeTagsOfOtherIntegerTypesAndBadOnes) {
  // BYTE and SSHORT sizes are read (libtiff accepts every integer type).
  ExpectError(DecodeImage(MakeTiff({{256, 1, 1, 200}, {257, 8, 1, 200}}), "photos/cat.jpg",
                          DecodeLimits{.max_pixels = 1000}),
              StatusCode::kResourceExhausted, "200x200");
  ExpectError(DecodeImage(MakeTiff({{256, 8, 1, 0xFFFF}, {257, kShort, 1, 4}}), "photos/cat.jpg"),
              StatusCode::kInvalidArgument, "ImageWidth is out of range (negative)");
  ExpectError(DecodeImage(MakeTiff({{256, kShort, 2, 4}, {257, kShort, 1, 4}}), "photos/cat.jpg"),
              StatusCode::kInvalidArgument, "ImageWidth has 2 values, not one");
  ExpectError(DecodeImage(MakeTiff({{256, 5, 1, 8}, {257, kShort, 1, 4}}), "photos/cat.jpg"),
              StatusCode::kInvalidArgument, "ImageWidth has type 5, not an integer");
  // Any duplicated tag, not only the sizes: decoders disagree on which one counts.
  ExpectError(DecodeImage(MakeTiff({{256, kShort, 1, 4}, {257, kShort, 1, 4}, {259, kShort, 1, 1}, {259, kShort, 1, 5}}),
                          "photos/cat.jpg"),
              StatusCode::kInvalidArgument, "tag 259 appears more than once");
}

// OpenCV allocates one tile (TileWidth x TileLength) or strip (ImageWidth x RowsPerStrip)
// whatever the image size: a 16x16 image with 16384x16384 tiles made it allocate 1 GiB.
TEST(ImageDecoderErrorTest, TiffTileAndStripBuffersCountAgainstThePixelLimit) {
  std::vector<TiffEntry> base = {{256, kShort, 1, 16}, {257, kShort, 1, 16}, {258, kShort, 1, 8},
                                 {262, kShort, 1, 2}, {277, kShort, 1, 3}};
  auto with = [&](std::vector<TiffEntry> extra) {
    std::vector<TiffEntry> entries = base;
    entries.insert(entries.end(), extra.begin(), extra.end());
    return MakeTiff(entries);
  };
  ExpectError(DecodeImage(with({{322, kLong, 1, 16384}, {323, kLong, 1, 16384}}), "photos/cat.jpg"),
              StatusCode::kResourceExhausted,
              "asks the decoder for a 16384x16384 tile or strip buffer = 268 Mpixel, above the 50 Mpixel limit");
  ExpectError(DecodeImage(with({{278, kLong, 1, 100'000'000}}), "photos/cat.jpg"), StatusCode::kResourceExhausted,
              "16x100000000 tile or strip buffer");
  // "All rows in one strip" (2^32-1, the TIFF default) is the image itself.
  Result<cv::Mat> whole = DecodeImage(with({{278, kLong, 1, 0xFFFFFFFFu}}), "photos/cat.jpg");
  ASSERT_FALSE(whole.ok());
  EXPECT_NE(whole.status().code(), StatusCode::kResourceExhausted) << whole.status().ToString();
}

// Every scan of a progressive JPEG decodes the whole image again, so a small file of
// repeated scans was a CPU bomb (2,000 scans of a 2000x2000 image: 52 KB, 47 s to decode).
TEST(ImageDecoderErrorTest, JpegWithTooManyScansIsRefusedFromTheHeader) {
  std::string jpeg = Encode(".jpg", cv::Mat(64, 64, CV_8UC3, cv::Scalar(90, 120, 200)),
                            {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
  size_t last_scan = jpeg.rfind("\xFF\xDA");
  std::string scan = jpeg.substr(last_scan, jpeg.size() - 2 - last_scan);
  std::string bomb = jpeg.substr(0, jpeg.size() - 2);
  for (int i = 0; i < 2000; ++i) bomb += scan;
  bomb += "\xFF\xD9";
  ExpectError(DecodeImage(bomb, "photos/cat.jpg"), StatusCode::kResourceExhausted,
              "has 2010 JPEG scans, above the limit of 100");
  EXPECT_EQ(MustDecode(jpeg).size(), cv::Size(64, 64));  // its own 10 scans are fine
}

TEST(ImageDecoderErrorTest, BytesOverTheLimit) {
  std::string bytes = Encode(".png", TestPicture(64, 64));
  DecodeLimits small;
  small.max_bytes = 1000;
  ExpectError(DecodeImage(bytes, "photos/cat.jpg", small), StatusCode::kResourceExhausted,
              "bytes, above the 1000 bytes limit");
  ExpectError(DecodeImageWithAlpha(bytes, "photos/cat.jpg", small), StatusCode::kResourceExhausted, "limit");
  ExpectError(DecodeImage(std::string(70 << 20, 'x'), "photos/cat.jpg"), StatusCode::kResourceExhausted,
              "is 70.0 MiB, above the 64.0 MiB limit");
}

TEST(ImageDecoderErrorTest, CorruptHeaders) {
  std::string png = Encode(".png", TestPicture(8, 8));
  png[12] = 'X';  // first chunk no longer IHDR
  ExpectError(DecodeImage(png, "photos/cat.jpg"), StatusCode::kInvalidArgument, "corrupt PNG");
  std::string png_data = Encode(".png", TestPicture(64, 64));
  size_t idat = png_data.find("IDAT");
  for (size_t i = idat + 10; i < idat + 60; ++i) png_data[i] = char(0x5A);
  ExpectError(DecodeImage(png_data, "photos/cat.jpg"), StatusCode::kInvalidArgument, "corrupt PNG");
  std::string webp = Encode(".webp", TestPicture(8, 8));
  webp.replace(12, 4, "ABCD");
  ExpectError(DecodeImage(webp, "photos/cat.jpg"), StatusCode::kInvalidArgument, "corrupt WebP");
  std::string tiff = std::string("II*\0", 4) + Le32(8) + Le16(0) + Le32(0);
  ExpectError(DecodeImage(tiff, "photos/cat.jpg"), StatusCode::kInvalidArgument, "corrupt TIFF");
}

// ---- helpers -----------------------------------------------------------------------

TEST(ImageDecoderTest, SniffImageFormat) {
  EXPECT_EQ(SniffImageFormat(Encode(".jpg", TestPicture(8, 8))), "jpeg");
  EXPECT_EQ(SniffImageFormat(Encode(".png", TestPicture(8, 8))), "png");
  EXPECT_EQ(SniffImageFormat(Encode(".webp", TestPicture(8, 8))), "webp");
  EXPECT_EQ(SniffImageFormat(Encode(".bmp", TestPicture(8, 8))), "bmp");
  EXPECT_EQ(SniffImageFormat(Encode(".tiff", TestPicture(8, 8))), "tiff");
  EXPECT_EQ(SniffImageFormat("GIF87a......"), "gif");
  EXPECT_EQ(SniffImageFormat(""), "");
  EXPECT_EQ(SniffImageFormat("\xFF\xD8"), "");
  EXPECT_EQ(SniffImageFormat("RIFF\0\0\0\0WAVE"), "");
}

TEST(ImageDecoderTest, HasImageExtension) {
  for (const char* name : {"a.jpg", "dir/B.JPEG", "c.png", "d.Webp", "e.bmp", "f.tif", "g.TIFF", "h.jpe", "i.jfif"}) {
    EXPECT_TRUE(HasImageExtension(name)) << name;
  }
  for (const char* name : {"a.gif", "b.txt", "noext", "dir.jpg/file", ".", "manifest.json", "x.svg"}) {
    EXPECT_FALSE(HasImageExtension(name)) << name;
  }
}

}  // namespace
}  // namespace labelloop::vision
