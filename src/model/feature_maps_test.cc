#include "model/feature_maps.h"

#include <cmath>
#include <cstring>
#include <random>

#include <gtest/gtest.h>

namespace labelloop::model {
namespace {

vision::FeatureMap RandomMap(std::mt19937& rng, int c, int h, int w, float scale) {
  vision::FeatureMap m{c, h, w, {}};
  std::normal_distribution<float> dist(0.0f, scale);
  for (int i = 0; i < c * h * w; ++i) m.data.push_back(dist(rng));
  return m;
}

bool RowIs(const cv::Mat& img, int y, cv::Vec3b colour) {
  for (int x = 0; x < img.cols; ++x) {
    if (img.at<cv::Vec3b>(y, x) != colour) return false;
  }
  return true;
}

bool ColIs(const cv::Mat& img, int x, cv::Vec3b colour) {
  for (int y = 0; y < img.rows; ++y) {
    if (img.at<cv::Vec3b>(y, x) != colour) return false;
  }
  return true;
}

const cv::Vec3b kGrey(127, 127, 127);
const cv::Vec3b kRed(0, 0, 255);

TEST(LetterboxTest, WideImageGetsBandsTopAndBottom) {
  cv::Mat red(100, 200, CV_8UC3, cv::Scalar(0, 0, 255));
  cv::Mat out = Letterbox(red, 64);
  ASSERT_EQ(out.size(), cv::Size(64, 64));
  ASSERT_EQ(out.type(), CV_8UC3);
  // 200x100 -> 64x32, centred: rows 16..47 red, the rest grey.
  for (int y = 0; y < 64; ++y) {
    bool middle = y >= 16 && y < 48;
    EXPECT_TRUE(RowIs(out, y, middle ? kRed : kGrey)) << "row " << y;
  }
}

TEST(LetterboxTest, TallImageGetsBandsLeftAndRightAndSmallImagesAreScaledUp) {
  cv::Mat red(40, 10, CV_8UC3, cv::Scalar(0, 0, 255));  // 10 wide, 40 tall
  cv::Mat out = Letterbox(red, 64);
  ASSERT_EQ(out.size(), cv::Size(64, 64));
  // 10x40 -> 16x64, centred: columns 24..39 red.
  for (int x = 0; x < 64; ++x) {
    bool middle = x >= 24 && x < 40;
    EXPECT_TRUE(ColIs(out, x, middle ? kRed : kGrey)) << "column " << x;
  }

  {  // A square image fills the square.
    cv::Mat red(300, 300, CV_8UC3, cv::Scalar(0, 0, 255));
    cv::Mat out = Letterbox(red, 32);
    for (int y = 0; y < 32; ++y) EXPECT_TRUE(RowIs(out, y, kRed)) << "row " << y;
  }
}

TEST(FeatureMapsTest, EncodeDecodeRoundTripWithinFloat16Precision) {
  std::mt19937 rng(5);
  MultiScaleMaps maps = {RandomMap(rng, 5, 6, 7, 3.0f), RandomMap(rng, 5, 3, 3, 100.0f),
                         RandomMap(rng, 2, 1, 1, 0.01f)};
  maps[0].data[0] = 0.0f;
  maps[0].data[1] = -1.5f;  // exactly representable
  Result<MultiScaleMaps> decoded = DecodeMaps(EncodeMaps(maps));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->size(), maps.size());
  for (size_t i = 0; i < maps.size(); ++i) {
    const auto& a = maps[i];
    const auto& b = (*decoded)[i];
    EXPECT_EQ(b.channels, a.channels);
    EXPECT_EQ(b.height, a.height);
    EXPECT_EQ(b.width, a.width);
    ASSERT_EQ(b.data.size(), a.data.size());
    for (size_t k = 0; k < a.data.size(); ++k) {
      // float16: 11 significant bits (relative error <= 2^-11), subnormal below 6e-5.
      EXPECT_NEAR(b.data[k], a.data[k], std::abs(a.data[k]) * 4.9e-4 + 1e-7) << "map " << i << " value " << k;
    }
  }
  EXPECT_EQ((*decoded)[0].data[0], 0.0f);
  EXPECT_EQ((*decoded)[0].data[1], -1.5f);

  {  // Two bytes a value, plus a small header.
    std::mt19937 rng(1);
    MultiScaleMaps maps = {RandomMap(rng, 4, 5, 6, 1.0f)};
    EXPECT_EQ(EncodeMaps(maps).size(), 8u + 12u + 4 * 5 * 6 * 2);
  }

  {  // No maps.
    Result<MultiScaleMaps> decoded = DecodeMaps(EncodeMaps({}));
    ASSERT_TRUE(decoded.ok());
    EXPECT_TRUE(decoded->empty());
  }
}

void ExpectDataLoss(const std::string& bytes, const std::string& what) {
  Result<MultiScaleMaps> r = DecodeMaps(bytes);
  ASSERT_FALSE(r.ok()) << what;
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << what << ": " << r.status().ToString();
}

template <typename T>
void Overwrite(std::string& bytes, size_t pos, T value) {
  std::memcpy(bytes.data() + pos, &value, sizeof(T));
}

TEST(FeatureMapsTest, DecodeRejectsEveryTruncation) {
  std::mt19937 rng(2);
  std::string bytes = EncodeMaps({RandomMap(rng, 3, 2, 2, 1.0f), RandomMap(rng, 3, 1, 2, 1.0f)});
  for (size_t n = 0; n < bytes.size(); ++n) ExpectDataLoss(bytes.substr(0, n), "truncated to " + std::to_string(n));
}

TEST(FeatureMapsTest, DecodeRejectsBadMagicCountShapesAndTrailingBytes) {
  std::mt19937 rng(3);
  const std::string good = EncodeMaps({RandomMap(rng, 3, 2, 2, 1.0f)});
  ASSERT_TRUE(DecodeMaps(good).ok());
  // Layout: magic u32, count u32, then per map c, h, w (i32) and c*h*w float16.
  std::string bad = good;
  bad[0] ^= 0x20;
  ExpectDataLoss(bad, "bad magic");

  bad = good;
  Overwrite<uint32_t>(bad, 4, 1000);
  ExpectDataLoss(bad, "absurd map count");

  for (auto [c, h, w] : std::vector<std::tuple<int32_t, int32_t, int32_t>>{
           {0, 2, 2}, {3, 0, 2}, {3, 2, -1}, {-3, -2, 2}, {1 << 20, 1 << 10, 1 << 10},
           {INT32_MAX, INT32_MAX, INT32_MAX}, {65536, 65536, 1}}) {
    bad = good;
    Overwrite<int32_t>(bad, 8, c);
    Overwrite<int32_t>(bad, 12, h);
    Overwrite<int32_t>(bad, 16, w);
    ExpectDataLoss(bad, "shape " + std::to_string(c) + "x" + std::to_string(h) + "x" + std::to_string(w));
  }

  bad = good;
  Overwrite<int32_t>(bad, 8, 4);  // claims more values than there are
  ExpectDataLoss(bad, "shape larger than the data");

  ExpectDataLoss(good + "x", "one trailing byte");
  ExpectDataLoss(good + std::string(8, '\0'), "trailing zeros");
}

}  // namespace
}  // namespace labelloop::model
