#include "model/synthesizer.h"

#include <thread>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

namespace labelloop::model {
namespace {

bool Identical(const cv::Mat& a, const cv::Mat& b) {
  if (a.size() != b.size() || a.type() != b.type()) return false;
  cv::Mat diff;
  cv::absdiff(a, b, diff);
  return cv::countNonZero(diff.reshape(1)) == 0;
}

// A red 40x25 rectangle at (20, 30) on a fully transparent 100x80 canvas.
cv::Mat TransparentLogo() {
  cv::Mat bgra(80, 100, CV_8UC4, cv::Scalar(255, 255, 255, 0));
  cv::rectangle(bgra, cv::Rect(20, 30, 40, 25), cv::Scalar(0, 0, 255, 255), cv::FILLED);
  return bgra;
}

TEST(ExtractLogoTest, TransparentBackgroundIsCroppedToTheShape) {
  std::optional<cv::Mat> logo = Synthesizer::ExtractLogo(TransparentLogo());
  ASSERT_TRUE(logo.has_value());
  EXPECT_EQ(logo->type(), CV_8UC4);
  EXPECT_EQ(logo->size(), cv::Size(40, 25));
  for (int y = 0; y < logo->rows; ++y) {
    for (int x = 0; x < logo->cols; ++x) {
      ASSERT_EQ(logo->at<cv::Vec4b>(y, x), cv::Vec4b(0, 0, 255, 255)) << x << "," << y;
    }
  }
}

TEST(ExtractLogoTest, PlainWhiteBackgroundIsCutAway) {
  // A blue ring (white inside, not connected to the border) and a black bar on white.
  cv::Mat bgra(100, 120, CV_8UC4, cv::Scalar(255, 255, 255, 255));
  cv::circle(bgra, cv::Point(45, 50), 25, cv::Scalar(200, 60, 0, 255), 8, cv::LINE_8);
  cv::rectangle(bgra, cv::Rect(80, 20, 12, 60), cv::Scalar(0, 0, 0, 255), cv::FILLED);
  std::optional<cv::Mat> logo = Synthesizer::ExtractLogo(bgra);
  ASSERT_TRUE(logo.has_value());
  ASSERT_EQ(logo->type(), CV_8UC4);
  // Shapes span x 16..91, y 20..79 (ring 45±29 by 21..79, bar 80..91 by 20..79); the edge
  // softening may add a pixel on each side (and the ring's drawn radius may be off by one).
  EXPECT_GE(logo->cols, 75);
  EXPECT_LE(logo->cols, 79);
  EXPECT_GE(logo->rows, 59);
  EXPECT_LE(logo->rows, 63);

  // Alpha is 0 on the white background (away from the soft edge), 255 inside the shapes
  // and inside the ring's enclosed white hole.
  cv::Mat white, blue, black;
  cv::inRange(*logo, cv::Scalar(255, 255, 255, 0), cv::Scalar(255, 255, 255, 255), white);
  cv::inRange(*logo, cv::Scalar(200, 60, 0, 0), cv::Scalar(200, 60, 0, 255), blue);
  cv::inRange(*logo, cv::Scalar(0, 0, 0, 0), cv::Scalar(0, 0, 0, 255), black);
  cv::Mat kernel = cv::getStructuringElement(cv::MORPH_RECT, cv::Size(3, 3));
  cv::erode(white, white, kernel, cv::Point(-1, -1), 1, cv::BORDER_CONSTANT, cv::Scalar(255));
  cv::erode(blue, blue, kernel, cv::Point(-1, -1), 1, cv::BORDER_CONSTANT, cv::Scalar(0));
  cv::erode(black, black, kernel, cv::Point(-1, -1), 1, cv::BORDER_CONSTANT, cv::Scalar(0));
  // The ring's hole: in logo coordinates its centre is about (45 - 16, 50 - 20)
  // plus the softened edge.
  cv::Point hole_centre(45 - 16 + (logo->cols - 76) / 2, 50 - 20 + (logo->rows - 60) / 2);
  int outside = 0, inside = 0;
  for (int y = 0; y < logo->rows; ++y) {
    for (int x = 0; x < logo->cols; ++x) {
      uchar a = logo->at<cv::Vec4b>(y, x)[3];
      // The ring is drawn between radius ~21 and ~29.
      double r = cv::norm(cv::Point(x, y) - hole_centre);
      bool in_hole = r < 19;
      if (white.at<uchar>(y, x) && r > 31) {
        EXPECT_EQ(a, 0) << "background pixel " << x << "," << y;
        ++outside;
      }
      if (white.at<uchar>(y, x) && in_hole) {
        EXPECT_EQ(a, 255) << "enclosed pixel " << x << "," << y;
      }
      if (blue.at<uchar>(y, x) || black.at<uchar>(y, x)) {
        EXPECT_EQ(a, 255) << "logo pixel " << x << "," << y;
        ++inside;
      }
    }
  }
  EXPECT_GT(outside, 500);
  EXPECT_GT(inside, 800);
}

TEST(ExtractLogoTest, NoisyPhotoBlankAndWrongInputsAreNotLogos) {
  cv::Mat bgra(128, 160, CV_8UC4);
  cv::RNG rng(7);
  rng.fill(bgra, cv::RNG::UNIFORM, 0, 256);
  std::vector<cv::Mat> ch;
  cv::split(bgra, ch);
  ch[3].setTo(255);
  cv::merge(ch, bgra);
  EXPECT_FALSE(Synthesizer::ExtractLogo(bgra).has_value());

  {  // Blank images and wrong inputs.
    EXPECT_FALSE(Synthesizer::ExtractLogo(cv::Mat(64, 64, CV_8UC4, cv::Scalar(255, 255, 255, 255))).has_value());
    EXPECT_FALSE(Synthesizer::ExtractLogo(cv::Mat(64, 64, CV_8UC4, cv::Scalar(0, 0, 0, 0))).has_value());
    EXPECT_FALSE(Synthesizer::ExtractLogo(cv::Mat(64, 64, CV_8UC3, cv::Scalar(255, 255, 255))).has_value());
    EXPECT_FALSE(Synthesizer::ExtractLogo(cv::Mat()).has_value());
  }
}

std::vector<cv::Mat> TwoBackgrounds() {
  cv::Mat a(300, 400, CV_8UC3), b(500, 360, CV_8UC3);
  cv::RNG rng(3);
  rng.fill(a, cv::RNG::UNIFORM, 0, 256);
  cv::GaussianBlur(a, a, cv::Size(0, 0), 5);
  for (int y = 0; y < b.rows; ++y) b.row(y).setTo(cv::Scalar(y % 256, 100, 255 - y % 256));
  return {a, b};
}

void ExpectScene(const cv::Mat& scene, uint64_t seed) {
  ASSERT_FALSE(scene.empty()) << "seed " << seed;
  EXPECT_EQ(scene.type(), CV_8UC3) << "seed " << seed;
  EXPECT_GE(scene.cols, 200) << "seed " << seed;
  EXPECT_LE(scene.cols, 480) << "seed " << seed;
  EXPECT_GE(scene.rows, 200) << "seed " << seed;
  EXPECT_LE(scene.rows, 480) << "seed " << seed;
}

TEST(SynthesizerTest, RenderIsDeterministicPerSeed) {
  cv::Mat logo = *Synthesizer::ExtractLogo(TransparentLogo());
  for (bool with_backgrounds : {false, true}) {
    Synthesizer synth(with_backgrounds ? TwoBackgrounds() : std::vector<cv::Mat>{});
    EXPECT_EQ(synth.background_count(), with_backgrounds ? 2u : 0u);
    // Enough seeds that every random step (grain, noise, JPEG, ...) is taken several times.
    for (uint64_t seed = 0; seed < 12; ++seed) {
      cv::Mat a = synth.Render(&logo, seed);
      cv::Mat b = synth.Render(&logo, seed);
      EXPECT_TRUE(Identical(a, b)) << "seed " << seed;
      cv::Mat c = synth.Render(nullptr, seed);
      cv::Mat d = synth.Render(nullptr, seed);
      EXPECT_TRUE(Identical(c, d)) << "background scene, seed " << seed;
    }
  }
}

TEST(SynthesizerTest, RenderIsThreadSafeAndTheSameOnEveryThread) {
  cv::Mat logo = *Synthesizer::ExtractLogo(TransparentLogo());
  const Synthesizer synth(TwoBackgrounds());
  std::vector<cv::Mat> serial, threaded(8);
  for (uint64_t seed = 0; seed < 8; ++seed) serial.push_back(synth.Render(seed % 2 ? &logo : nullptr, seed));
  std::vector<std::thread> threads;
  for (uint64_t t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t seed = t; seed < 8; seed += 2) threaded[seed] = synth.Render(seed % 2 ? &logo : nullptr, seed);
    });
  }
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < serial.size(); ++i) EXPECT_TRUE(Identical(serial[i], threaded[i])) << "seed " << i;
}

TEST(SynthesizerTest, DifferentSeedsAndLogosGiveDifferentScenes) {
  cv::Mat logo = *Synthesizer::ExtractLogo(TransparentLogo());
  Synthesizer synth(TwoBackgrounds());
  std::vector<cv::Mat> scenes;
  for (uint64_t seed = 10; seed < 16; ++seed) scenes.push_back(synth.Render(&logo, seed));
  for (size_t i = 0; i < scenes.size(); ++i) {
    for (size_t j = i + 1; j < scenes.size(); ++j) EXPECT_FALSE(Identical(scenes[i], scenes[j])) << i << " vs " << j;
  }

  {  // The same seed with and without a logo: the logo is pasted somewhere.
    cv::Mat logo = *Synthesizer::ExtractLogo(TransparentLogo());
    Synthesizer synth({});
    int differing = 0;
    for (uint64_t seed = 0; seed < 5; ++seed) {
      differing += !Identical(synth.Render(&logo, seed), synth.Render(nullptr, seed));
    }
    EXPECT_EQ(differing, 5);
  }
}

TEST(SynthesizerTest, ScenesAreBetween200And480PixelsASide) {
  cv::Mat logo = *Synthesizer::ExtractLogo(TransparentLogo());
  Synthesizer plain({});
  Synthesizer photos(TwoBackgrounds());
  for (uint64_t seed = 0; seed < 40; ++seed) {
    ExpectScene(plain.Render(&logo, seed), seed);
    ExpectScene(photos.Render(&logo, seed), seed);
    ExpectScene(plain.Render(nullptr, seed), seed);
    ExpectScene(photos.Render(nullptr, seed), seed);
  }
}

}  // namespace
}  // namespace labelloop::model
