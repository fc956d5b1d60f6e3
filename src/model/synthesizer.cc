#include "model/synthesizer.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace labelloop::model {
namespace {

using Rng = std::mt19937_64;

double Uniform(Rng& rng, double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); }
int UniformInt(Rng& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
bool Chance(Rng& rng, double p) { return Uniform(rng, 0.0, 1.0) < p; }

cv::Scalar RandomColour(Rng& rng) {
  return cv::Scalar(UniformInt(rng, 0, 255), UniformInt(rng, 0, 255), UniformInt(rng, 0, 255));
}

// A colour far from `other` in RGB, so plates and recoloured logos stay visible.
cv::Scalar ContrastingColour(Rng& rng, const cv::Scalar& other) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    cv::Scalar c = RandomColour(rng);
    double d = std::abs(c[0] - other[0]) + std::abs(c[1] - other[1]) + std::abs(c[2] - other[2]);
    if (d > 200) return c;
  }
  return cv::Scalar(255 - other[0], 255 - other[1], 255 - other[2]);
}

cv::Mat Gradient(Rng& rng, cv::Size size) {
  cv::Mat canvas(size, CV_8UC3);
  cv::Scalar a = RandomColour(rng), b = RandomColour(rng);
  bool vertical = Chance(rng, 0.5);
  for (int y = 0; y < size.height; ++y) {
    for (int x = 0; x < size.width; ++x) {
      double t = vertical ? double(y) / size.height : double(x) / size.width;
      canvas.at<cv::Vec3b>(y, x) = cv::Vec3b(cv::saturate_cast<uchar>(a[0] + (b[0] - a[0]) * t),
                                             cv::saturate_cast<uchar>(a[1] + (b[1] - a[1]) * t),
                                             cv::saturate_cast<uchar>(a[2] + (b[2] - a[2]) * t));
    }
  }
  return canvas;
}

// Smooth coloured blobs: low-resolution noise scaled up (cloud, foliage, wall textures).
cv::Mat Blobs(Rng& rng, cv::Size size) {
  int cells = UniformInt(rng, 2, 12);
  cv::Mat small(cells, cells, CV_8UC3);
  cv::Scalar base = RandomColour(rng);
  int spread = UniformInt(rng, 20, 120);
  for (int y = 0; y < cells; ++y) {
    for (int x = 0; x < cells; ++x) {
      for (int c = 0; c < 3; ++c) small.at<cv::Vec3b>(y, x)[c] = cv::saturate_cast<uchar>(base[c] + UniformInt(rng, -spread, spread));
    }
  }
  cv::Mat canvas;
  cv::resize(small, canvas, size, 0, 0, cv::INTER_CUBIC);
  if (Chance(rng, 0.5)) {  // fine grain on top, like gravel or fabric
    cv::Mat grain(size, CV_8UC3);
    cv::RNG(rng()).fill(grain, cv::RNG::UNIFORM, 0, 255);  // seeded: cv::randu would use OpenCV's global RNG
    cv::addWeighted(canvas, 0.8, grain, 0.2, 0, canvas);
  }
  return canvas;
}

// Many overlapping shapes and lines, blurred a little: a busy scene without any logo.
cv::Mat Shapes(Rng& rng, cv::Size size) {
  cv::Mat canvas(size, CV_8UC3, RandomColour(rng));
  int n = UniformInt(rng, 5, 40);
  for (int i = 0; i < n; ++i) {
    cv::Point p(UniformInt(rng, 0, size.width), UniformInt(rng, 0, size.height));
    cv::Scalar colour = RandomColour(rng);
    switch (UniformInt(rng, 0, 2)) {
      case 0: cv::rectangle(canvas, cv::Rect(p.x, p.y, UniformInt(rng, 5, size.width / 2), UniformInt(rng, 5, size.height / 2)),
                            colour, cv::FILLED); break;
      case 1: cv::circle(canvas, p, UniformInt(rng, 3, size.width / 4), colour, cv::FILLED, cv::LINE_AA); break;
      default: cv::line(canvas, p, {UniformInt(rng, 0, size.width), UniformInt(rng, 0, size.height)}, colour,
                        UniformInt(rng, 1, 12), cv::LINE_AA);
    }
  }
  cv::GaussianBlur(canvas, canvas, cv::Size(0, 0), Uniform(rng, 0.5, 4.0));
  return canvas;
}

cv::Mat Stripes(Rng& rng, cv::Size size) {
  cv::Mat canvas(size, CV_8UC3, RandomColour(rng));
  cv::Scalar other = RandomColour(rng);
  int period = UniformInt(rng, 6, 60);
  bool checker = Chance(rng, 0.3);
  for (int y = 0; y < size.height; ++y) {
    for (int x = 0; x < size.width; ++x) {
      bool on = checker ? ((x / period + y / period) % 2 == 0) : ((x + y) / period % 2 == 0);
      if (on) canvas.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(other[0]), uchar(other[1]), uchar(other[2]));
    }
  }
  return canvas;
}

// A generated background: plain colour, gradient, blobs, shapes or stripes.
cv::Mat GeneratedBackground(Rng& rng, cv::Size size) {
  double r = Uniform(rng, 0, 1);
  if (r < 0.2) return cv::Mat(size, CV_8UC3, RandomColour(rng));
  if (r < 0.45) return Gradient(rng, size);
  if (r < 0.7) return Blobs(rng, size);
  if (r < 0.9) return Shapes(rng, size);
  return Stripes(rng, size);
}

cv::Mat PhotoCrop(Rng& rng, const cv::Mat& photo, cv::Size size) {
  // A random window of the photo, at least a quarter of its short side, resized to size.
  double aspect = double(size.width) / size.height;
  int max_h = std::min(photo.rows, int(photo.cols / aspect));
  int h = UniformInt(rng, std::max(8, max_h / 4), std::max(8, max_h));
  int w = std::min(photo.cols, std::max(8, int(h * aspect)));
  int x = UniformInt(rng, 0, photo.cols - w);
  int y = UniformInt(rng, 0, photo.rows - h);
  cv::Mat out;
  cv::resize(photo(cv::Rect(x, y, w, h)), out, size, 0, 0, cv::INTER_AREA);
  return out;
}

// Alpha-blends BGRA `src` onto BGR `dst` with its top-left corner at `at` (clipped).
void Blend(cv::Mat& dst, const cv::Mat& src, cv::Point at) {
  cv::Rect dst_rect = cv::Rect(at, src.size()) & cv::Rect(0, 0, dst.cols, dst.rows);
  if (dst_rect.empty()) return;
  cv::Rect src_rect(dst_rect.tl() - at, dst_rect.size());
  for (int y = 0; y < dst_rect.height; ++y) {
    const cv::Vec4b* s = src.ptr<cv::Vec4b>(src_rect.y + y) + src_rect.x;
    cv::Vec3b* d = dst.ptr<cv::Vec3b>(dst_rect.y + y) + dst_rect.x;
    for (int x = 0; x < dst_rect.width; ++x) {
      int a = s[x][3];
      if (a == 0) continue;
      for (int c = 0; c < 3; ++c) d[x][c] = static_cast<uchar>((s[x][c] * a + d[x][c] * (255 - a) + 127) / 255);
    }
  }
}

// Keeps the logo's shape, paints it one colour (as logos appear printed in black/white).
cv::Mat Recolour(const cv::Mat& logo, const cv::Scalar& colour) {
  cv::Mat out(logo.size(), CV_8UC4, cv::Scalar(colour[0], colour[1], colour[2], 0));
  std::vector<cv::Mat> channels;
  cv::split(logo, channels);
  cv::Mat alpha = channels[3];
  cv::Mat out_channels[4];
  cv::split(out, out_channels);
  alpha.copyTo(out_channels[3]);
  cv::merge(out_channels, 4, out);
  return out;
}

cv::Scalar MeanVisibleColour(const cv::Mat& bgra) {
  std::vector<cv::Mat> ch;
  cv::split(bgra, ch);
  cv::Mat mask = ch[3] > 128;
  if (cv::countNonZero(mask) == 0) return cv::Scalar(128, 128, 128);
  return cv::mean(bgra, mask);
}

// Puts the logo on a rounded plate (badge) of a contrasting colour, with a margin.
cv::Mat OnPlate(Rng& rng, const cv::Mat& logo) {
  int margin = std::max(2, int(std::max(logo.cols, logo.rows) * Uniform(rng, 0.08, 0.3)));
  cv::Size size(logo.cols + 2 * margin, logo.rows + 2 * margin);
  bool circle = Chance(rng, 0.35);
  if (circle) {
    int side = std::max(size.width, size.height);
    size = cv::Size(side, side);
  }
  cv::Scalar colour = ContrastingColour(rng, MeanVisibleColour(logo));
  cv::Mat plate(size, CV_8UC4, cv::Scalar(0, 0, 0, 0));
  cv::Scalar fill(colour[0], colour[1], colour[2], 255);
  if (circle) {
    cv::circle(plate, cv::Point(size.width / 2, size.height / 2), size.width / 2, fill, cv::FILLED, cv::LINE_AA);
  } else {
    int r = int(std::min(size.width, size.height) * Uniform(rng, 0.0, 0.25));
    cv::rectangle(plate, cv::Rect(r, 0, size.width - 2 * r, size.height), fill, cv::FILLED);
    cv::rectangle(plate, cv::Rect(0, r, size.width, size.height - 2 * r), fill, cv::FILLED);
    if (r > 0) {
      for (cv::Point c : {cv::Point(r, r), cv::Point(size.width - r - 1, r), cv::Point(r, size.height - r - 1),
                          cv::Point(size.width - r - 1, size.height - r - 1)}) {
        cv::circle(plate, c, r, fill, cv::FILLED, cv::LINE_AA);
      }
    }
  }
  // Composite logo over the plate in BGRA (plate is opaque where drawn).
  cv::Point at((size.width - logo.cols) / 2, (size.height - logo.rows) / 2);
  for (int y = 0; y < logo.rows; ++y) {
    for (int x = 0; x < logo.cols; ++x) {
      const cv::Vec4b s = logo.at<cv::Vec4b>(y, x);
      cv::Vec4b& d = plate.at<cv::Vec4b>(y + at.y, x + at.x);
      int a = s[3];
      for (int c = 0; c < 3; ++c) d[c] = static_cast<uchar>((s[c] * a + d[c] * (255 - a) + 127) / 255);
      d[3] = static_cast<uchar>(std::max<int>(d[3], a));
    }
  }
  return plate;
}

// Scales to `long_side_px`, rotates and warps the perspective a little.
cv::Mat Transform(Rng& rng, const cv::Mat& logo, int long_side_px) {
  double s = double(long_side_px) / std::max(logo.cols, logo.rows);
  cv::Mat scaled;
  cv::resize(logo, scaled, cv::Size(std::max(1, int(logo.cols * s)), std::max(1, int(logo.rows * s))), 0, 0,
             s < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
  double angle = Chance(rng, 0.6) ? Uniform(rng, -25, 25) : 0.0;
  double persp = Chance(rng, 0.5) ? Uniform(rng, 0.0, 0.15) : 0.0;
  int pad = int(std::max(scaled.cols, scaled.rows) * 0.3) + 2;
  cv::Mat padded;
  cv::copyMakeBorder(scaled, padded, pad, pad, pad, pad, cv::BORDER_CONSTANT, cv::Scalar(0, 0, 0, 0));
  cv::Point2f c(padded.cols / 2.0f, padded.rows / 2.0f);
  float w = scaled.cols / 2.0f, h = scaled.rows / 2.0f;
  std::vector<cv::Point2f> src = {{c.x - w, c.y - h}, {c.x + w, c.y - h}, {c.x + w, c.y + h}, {c.x - w, c.y + h}};
  std::vector<cv::Point2f> dst(4);
  double rad = angle * CV_PI / 180.0;
  for (int i = 0; i < 4; ++i) {
    cv::Point2f p = src[i] - c;
    p.x += float(Uniform(rng, -persp, persp) * scaled.cols);
    p.y += float(Uniform(rng, -persp, persp) * scaled.rows);
    dst[i] = c + cv::Point2f(float(p.x * std::cos(rad) - p.y * std::sin(rad)),
                             float(p.x * std::sin(rad) + p.y * std::cos(rad)));
  }
  cv::Mat warped;
  cv::warpPerspective(padded, warped, cv::getPerspectiveTransform(src, dst), padded.size(), cv::INTER_LINEAR,
                      cv::BORDER_CONSTANT, cv::Scalar(0, 0, 0, 0));
  // Crop to visible pixels so placement uses the real extent.
  std::vector<cv::Mat> ch;
  cv::split(warped, ch);
  cv::Rect box = cv::boundingRect(ch[3] > 0);
  return box.empty() ? warped : warped(box).clone();
}

// A made-up mark that is none of the labels: random text or shapes, BGRA.
cv::Mat DistractorMark(Rng& rng) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  // Real logos are mostly black or white, or one strong colour.
  double pick = Uniform(rng, 0, 1);
  cv::Scalar colour = pick < 0.25 ? cv::Scalar(255, 255, 255) : pick < 0.5 ? cv::Scalar(0, 0, 0) : RandomColour(rng);
  cv::Scalar fill(colour[0], colour[1], colour[2], 255);
  cv::Mat mark;
  if (Chance(rng, 0.6)) {
    // A made-up wordmark: one or two lines of letters, thin to very bold, sometimes with
    // an underline or swoosh, the way real logos look (and none of the labels).
    int lines = Chance(rng, 0.3) ? 2 : 1;
    int font = UniformInt(rng, 0, 7);
    double scale = 2.0;
    int thickness = UniformInt(rng, 2, 14);
    std::vector<std::string> texts(lines);
    int width = 0, height = 0, baseline = 0;
    std::vector<cv::Size> sizes;
    for (auto& text : texts) {
      int n = UniformInt(rng, 3, 9);
      bool upper = Chance(rng, 0.5);
      for (int i = 0; i < n; ++i) text += kAlphabet[UniformInt(rng, upper ? 0 : 26, upper ? 25 : 51)];
      sizes.push_back(cv::getTextSize(text, font, scale, thickness, &baseline));
      width = std::max(width, sizes.back().width);
      height += sizes.back().height + baseline + thickness;
    }
    bool swoosh = Chance(rng, 0.3);
    int pad = 2 * thickness + 4;
    mark = cv::Mat(height + 2 * pad + (swoosh ? 30 : 0), width + 2 * pad, CV_8UC4, cv::Scalar(0, 0, 0, 0));
    int y = pad;
    for (size_t i = 0; i < texts.size(); ++i) {
      y += sizes[i].height;
      cv::putText(mark, texts[i], cv::Point(pad + (width - sizes[i].width) / 2, y), font, scale, fill, thickness, cv::LINE_AA);
      y += baseline + thickness;
    }
    if (swoosh) {
      cv::Scalar c = Chance(rng, 0.5) ? fill : cv::Scalar(UniformInt(rng, 0, 255), UniformInt(rng, 0, 255), UniformInt(rng, 0, 255), 255);
      cv::ellipse(mark, cv::Point(mark.cols / 2, y), cv::Size(std::max(4, width / 2), 18), 0, 20, 160, c,
                  UniformInt(rng, 4, 10), cv::LINE_AA);
    }
  } else {
    int side = 120;
    mark = cv::Mat(side, side, CV_8UC4, cv::Scalar(0, 0, 0, 0));
    int shapes = UniformInt(rng, 1, 4);
    for (int i = 0; i < shapes; ++i) {
      cv::Scalar c = Chance(rng, 0.5) ? fill : cv::Scalar(UniformInt(rng, 0, 255), UniformInt(rng, 0, 255), UniformInt(rng, 0, 255), 255);
      switch (UniformInt(rng, 0, 3)) {
        case 0: cv::circle(mark, {UniformInt(rng, 30, 90), UniformInt(rng, 30, 90)}, UniformInt(rng, 10, 30), c,
                           Chance(rng, 0.5) ? cv::FILLED : UniformInt(rng, 3, 10), cv::LINE_AA); break;
        case 1: cv::rectangle(mark, cv::Rect(UniformInt(rng, 5, 50), UniformInt(rng, 5, 50), UniformInt(rng, 20, 60),
                              UniformInt(rng, 20, 60)), c, Chance(rng, 0.5) ? cv::FILLED : UniformInt(rng, 3, 10)); break;
        case 2: {
          std::vector<cv::Point> poly;
          int k = UniformInt(rng, 3, 6);
          for (int j = 0; j < k; ++j) poly.emplace_back(UniformInt(rng, 5, 115), UniformInt(rng, 5, 115));
          cv::fillPoly(mark, std::vector<std::vector<cv::Point>>{poly}, c, cv::LINE_AA);
          break;
        }
        default: cv::line(mark, {UniformInt(rng, 5, 115), UniformInt(rng, 5, 115)},
                          {UniformInt(rng, 5, 115), UniformInt(rng, 5, 115)}, c, UniformInt(rng, 4, 14), cv::LINE_AA);
      }
    }
  }
  return Chance(rng, 0.4) ? OnPlate(rng, mark) : mark;
}

void PasteRandomly(Rng& rng, cv::Mat& canvas, const cv::Mat& mark, double min_rel, double max_rel) {
  int short_side = std::min(canvas.cols, canvas.rows);
  int long_side = std::max(8, int(short_side * Uniform(rng, min_rel, max_rel)));
  cv::Mat m = Transform(rng, mark, long_side);
  int x = UniformInt(rng, -m.cols / 6, std::max(0, canvas.cols - m.cols * 5 / 6));
  int y = UniformInt(rng, -m.rows / 6, std::max(0, canvas.rows - m.rows * 5 / 6));
  Blend(canvas, m, cv::Point(x, y));
}

void Degrade(Rng& rng, cv::Mat& img) {
  if (Chance(rng, 0.25)) {
    double sigma = Uniform(rng, 0.5, 2.5);
    cv::GaussianBlur(img, img, cv::Size(0, 0), sigma);
  }
  if (Chance(rng, 0.1)) {
    int k = UniformInt(rng, 3, 9);
    cv::Mat kernel = cv::Mat::zeros(k, k, CV_32F);
    bool horizontal = Chance(rng, 0.5);
    for (int i = 0; i < k; ++i) kernel.at<float>(horizontal ? k / 2 : i, horizontal ? i : k / 2) = 1.0f / k;
    cv::filter2D(img, img, -1, kernel);
  }
  if (Chance(rng, 0.15)) {
    double f = Uniform(rng, 0.25, 0.6);
    cv::Mat small;
    cv::resize(img, small, cv::Size(), f, f, cv::INTER_AREA);
    cv::resize(small, img, img.size(), 0, 0, cv::INTER_LINEAR);
  }
  if (Chance(rng, 0.3)) {
    cv::Mat noise(img.size(), CV_16SC3);
    double sigma = Uniform(rng, 3, 15);
    cv::RNG(rng()).fill(noise, cv::RNG::NORMAL, 0, sigma);  // seeded: cv::randn would use OpenCV's global RNG
    cv::Mat img16;
    img.convertTo(img16, CV_16SC3);
    img16 += noise;
    img16.convertTo(img, CV_8UC3);
  }
  if (Chance(rng, 0.6)) {
    std::vector<uchar> buf;
    cv::imencode(".jpg", img, buf, {cv::IMWRITE_JPEG_QUALITY, UniformInt(rng, 20, 90)});
    img = cv::imdecode(buf, cv::IMREAD_COLOR);
  }
}

}  // namespace

Synthesizer::Synthesizer(std::vector<cv::Mat> backgrounds, std::vector<cv::Mat> decoys)
    : backgrounds_(std::move(backgrounds)), decoys_(std::move(decoys)) {}

cv::Mat Synthesizer::Decoy(Rng& rng) const {
  // Font-rendered made-up logos look like real ones; OpenCV-drawn marks add variety.
  if (!decoys_.empty() && Chance(rng, 0.8)) return decoys_[UniformInt(rng, 0, int(decoys_.size()) - 1)];
  return DistractorMark(rng);
}

std::optional<cv::Mat> Synthesizer::ExtractLogo(const cv::Mat& bgra) {
  if (bgra.empty() || bgra.type() != CV_8UC4 || bgra.cols < 8 || bgra.rows < 8) return std::nullopt;
  std::vector<cv::Mat> ch;
  cv::split(bgra, ch);
  const double total = double(bgra.total());
  cv::Mat alpha = ch[3].clone();
  double transparent = cv::countNonZero(alpha < 128) / total;
  if (transparent < 0.05) {
    // No real transparency: cut the logo from a plain background, when the border is one colour.
    cv::Mat bgr;
    cv::cvtColor(bgra, bgr, cv::COLOR_BGRA2BGR);
    std::vector<cv::Vec3b> border;
    for (int x = 0; x < bgr.cols; ++x) border.push_back(bgr.at<cv::Vec3b>(0, x)), border.push_back(bgr.at<cv::Vec3b>(bgr.rows - 1, x));
    for (int y = 0; y < bgr.rows; ++y) border.push_back(bgr.at<cv::Vec3b>(y, 0)), border.push_back(bgr.at<cv::Vec3b>(y, bgr.cols - 1));
    cv::Vec3b median;
    for (int c = 0; c < 3; ++c) {
      std::vector<uchar> v;
      for (const auto& p : border) v.push_back(p[c]);
      std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
      median[c] = v[v.size() / 2];
    }
    auto near = [&](const cv::Vec3b& p) {
      return std::abs(p[0] - median[0]) + std::abs(p[1] - median[1]) + std::abs(p[2] - median[2]) <= 40;
    };
    size_t plain = std::count_if(border.begin(), border.end(), near);
    if (plain < border.size() * 0.9) return std::nullopt;  // a photo, not a logo file
    // Background = pixels connected to the border with the border's colour.
    cv::Mat mask = cv::Mat::zeros(bgr.rows + 2, bgr.cols + 2, CV_8U);
    const int flags = 4 | cv::FLOODFILL_MASK_ONLY | cv::FLOODFILL_FIXED_RANGE | (255 << 8);
    const cv::Scalar tol(14, 14, 14);
    for (int x = 0; x < bgr.cols; ++x) {
      for (int y : {0, bgr.rows - 1}) {
        if (near(bgr.at<cv::Vec3b>(y, x)) && mask.at<uchar>(y + 1, x + 1) == 0)
          cv::floodFill(bgr, mask, cv::Point(x, y), cv::Scalar(), nullptr, tol, tol, flags);
      }
    }
    for (int y = 0; y < bgr.rows; ++y) {
      for (int x : {0, bgr.cols - 1}) {
        if (near(bgr.at<cv::Vec3b>(y, x)) && mask.at<uchar>(y + 1, x + 1) == 0)
          cv::floodFill(bgr, mask, cv::Point(x, y), cv::Scalar(), nullptr, tol, tol, flags);
      }
    }
    cv::Mat background = mask(cv::Rect(1, 1, bgr.cols, bgr.rows));
    alpha = 255 - background;
    // Soften the cut edge by one pixel so pasted logos do not get hard halos.
    cv::GaussianBlur(alpha, alpha, cv::Size(3, 3), 0);
  }
  double visible = cv::countNonZero(alpha >= 128) / total;
  if (visible < 0.01 || visible > 0.95) return std::nullopt;
  cv::Rect box = cv::boundingRect(alpha > 0);
  if (box.width < 4 || box.height < 4) return std::nullopt;
  cv::Mat out;
  cv::merge(std::vector<cv::Mat>{ch[0], ch[1], ch[2], alpha}, out);
  return out(box).clone();
}

cv::Mat Synthesizer::Render(const cv::Mat* logo, uint64_t seed) const {
  Rng rng(seed);
  // Scene size and aspect vary as real uploads do.
  int long_side = UniformInt(rng, 240, 480);
  double aspect = Uniform(rng, 0.6, 1.0);
  int short_side = std::max(200, int(long_side * aspect));  // 200-480 px a side, as documented
  cv::Size size = Chance(rng, 0.5) ? cv::Size(long_side, short_side) : cv::Size(short_side, long_side);
  cv::Mat canvas;
  if (!backgrounds_.empty() && Chance(rng, 0.5)) {
    canvas = PhotoCrop(rng, backgrounds_[UniformInt(rng, 0, int(backgrounds_.size()) - 1)], size);
  } else {
    canvas = GeneratedBackground(rng, size);
  }
  int distractors = Chance(rng, logo ? 0.35 : 0.6) ? UniformInt(rng, 1, 2) : 0;
  for (int i = 0; i < distractors; ++i) PasteRandomly(rng, canvas, Decoy(rng), 0.12, 0.4);
  if (logo == nullptr && Chance(rng, 0.8)) {
    // A background scene can hold one big made-up logo, posed like a real one: the model
    // must learn that "a logo" is not enough, it has to be one of the labels.
    cv::Mat mark = Decoy(rng);
    if (Chance(rng, 0.3)) mark = OnPlate(rng, mark);
    PasteRandomly(rng, canvas, mark, 0.3, 0.85);
  }
  if (logo != nullptr) {
    cv::Mat mark = *logo;
    double r = Uniform(rng, 0, 1);
    if (r < 0.2) mark = Recolour(mark, cv::Scalar(255, 255, 255));
    else if (r < 0.4) mark = Recolour(mark, cv::Scalar(0, 0, 0));
    else if (r < 0.45) mark = Recolour(mark, RandomColour(rng));
    if (Chance(rng, 0.45)) mark = OnPlate(rng, mark);
    PasteRandomly(rng, canvas, mark, 0.15, 0.85);
  }
  Degrade(rng, canvas);
  return canvas;
}

}  // namespace labelloop::model
