#!/usr/bin/env bash
# Fetches the background pictures for synthetic training composites (logos pasted on
# backgrounds, plus the background class) into var/backgrounds/ as JPEGs whose long side
# is at most 1024 px, with SOURCES.txt naming the package and original path of each.
#
# Backgrounds come ONLY from these Debian packages: the benchmarks use pictures from other
# packages, and keeping the two apart keeps measurement honest. The packages are not
# installed (they pull desktop dependencies): `apt-get download` + `dpkg-deb -x` only.
# Raster images are kept (SVG is skipped); icons, logos, transparent overlays, flat fills
# and near-duplicates (the same picture at several resolutions or crops) are dropped,
# with the reason, in SKIPPED.txt.
#
# Idempotent: a stamp holding this script's hash; re-running does nothing unless the
# script changed or --force is given. Needs g++, pkg-config and libopencv-dev
# (scripts/install-deps.sh) to build the small resize/dedup tool below.
set -euo pipefail

PACKAGES=(desktop-base plasma-wallpapers-addons sway-backgrounds
  debian-edu-artwork-buster debian-edu-artwork-emerald debian-edu-artwork-homeworld
  debian-edu-artwork-softwaves debian-edu-artwork-spacefun)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/var/backgrounds"
CACHE="$ROOT/var/cache/backgrounds"
STAMP="$OUT/.complete"
RECIPE="$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)"

if [ "${1:-}" != "--force" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$RECIPE" ]; then
  echo "fetch-backgrounds: up to date ($(grep -vc '^#' "$OUT/SOURCES.txt") images in $OUT)" >&2
  exit 0
fi

SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
if ! apt-cache show "${PACKAGES[0]}" >/dev/null 2>&1; then
  echo "fetch-backgrounds: apt lists are empty, running apt-get update" >&2
  $SUDO apt-get update -qq
fi

# 1. Download and unpack (the .deb files are kept in the cache; a re-download is skipped).
mkdir -p "$CACHE/debs"
missing=()
for p in "${PACKAGES[@]}"; do
  ls "$CACHE/debs/${p}"_*.deb >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "fetch-backgrounds: downloading ${missing[*]}" >&2
  (cd "$CACHE/debs" && apt-get -qq -o APT::Sandbox::User=root download "${missing[@]}")
fi
rm -rf "$CACHE/unpacked"
LIST="$CACHE/candidates.tsv"
: > "$LIST"
for pkg in "${PACKAGES[@]}"; do
  # shellcheck disable=SC2012  # Debian package file names are plain
  deb="$(ls -v "$CACHE/debs/${pkg}"_*.deb | tail -n 1)"  # the newest, if several were fetched
  version="$(dpkg-deb -f "$deb" Version)"
  dest="$CACHE/unpacked/$pkg"
  mkdir -p "$dest"
  dpkg-deb -x "$deb" "$dest"
  (cd "$dest" && find . -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \
      -o -iname '*.webp' -o -iname '*.bmp' -o -iname '*.tif' -o -iname '*.tiff' \) | sort) |
    while read -r rel; do
      printf '%s\t%s\t%s\t%s\n' "$pkg" "$version" "$dest/${rel#./}" "/${rel#./}" >> "$LIST"
    done
done

# 2. Build the tool (OpenCV): decode, filter, dedup, resize, encode.
TOOL_SRC="$CACHE/prepare_backgrounds.cc"
cat > "$TOOL_SRC.new" <<'EOF'
// prepare_backgrounds OUT_DIR MAX_SIDE < candidates.tsv (package, version, file, original path)
// Keeps opaque, non-flat pictures of a usable size, one per picture, as JPEG.
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

struct Entry {
  std::string package, version, file, path, name_key, out_name;
  int width = 0, height = 0;
  cv::Mat thumb;
  std::vector<uchar> jpeg;
};

// 16x16 colour thumbnail of the central square: the same picture at another resolution
// or cropped to another aspect ratio gives (almost) the same thumbnail. Measured on these
// packages: resized/cropped copies differ by a mean of 0-10 levels; different pictures in
// the same dark blue style by 17 or more. (A grey difference hash merged those.)
cv::Mat CentreThumb(const cv::Mat& bgr) {
  int side = std::min(bgr.cols, bgr.rows);
  cv::Mat thumb;
  cv::resize(bgr(cv::Rect((bgr.cols - side) / 2, (bgr.rows - side) / 2, side, side)), thumb,
             cv::Size(16, 16), 0, 0, cv::INTER_AREA);
  return thumb;
}
constexpr double kSamePictureMaxDiff = 10;

// Same folder and file name once sizes ("1920x1080", "16x9") are taken out.
std::string NameKey(const std::string& path) {
  std::string key = std::regex_replace(path, std::regex("[0-9]+x[0-9]+"), "");
  key = key.substr(0, key.rfind('.'));
  std::transform(key.begin(), key.end(), key.begin(), ::tolower);
  return key;
}

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  std::string out_dir = argv[1];
  int max_side = std::stoi(argv[2]);
  std::vector<Entry> entries;
  std::ofstream skipped(out_dir + "/SKIPPED.txt");
  skipped << "# package\toriginal path\treason\n";
  auto skip = [&](const Entry& e, const std::string& why) {
    skipped << e.package << '\t' << e.path << '\t' << why << '\n';
  };
  std::string line;
  while (std::getline(std::cin, line)) {
    Entry e;
    std::istringstream in(line);
    std::getline(in, e.package, '\t'), std::getline(in, e.version, '\t');
    std::getline(in, e.file, '\t'), std::getline(in, e.path, '\t');
    cv::Mat image = cv::imread(e.file, cv::IMREAD_UNCHANGED);
    if (image.empty()) { skip(e, "unreadable"); continue; }
    if (image.depth() == CV_16U) image.convertTo(image, CV_8U, 1.0 / 257.0);
    if (image.depth() != CV_8U) { skip(e, "unusual pixel depth"); continue; }
    e.width = image.cols, e.height = image.rows;
    int short_side = std::min(e.width, e.height), long_side = std::max(e.width, e.height);
    if (short_side < 320 || long_side < 480) { skip(e, "too small (icon or logo)"); continue; }
    if (long_side > 3 * short_side) { skip(e, "banner shape"); continue; }
    if (image.channels() == 4) {
      cv::Mat alpha;
      cv::extractChannel(image, alpha, 3);
      double see_through = 1.0 - cv::countNonZero(alpha >= 250) / double(alpha.total());
      if (see_through > 0.01) { skip(e, "transparent (overlay or logo)"); continue; }
      cv::cvtColor(image, image, cv::COLOR_BGRA2BGR);
    } else if (image.channels() == 1) {
      cv::cvtColor(image, image, cv::COLOR_GRAY2BGR);
    }
    cv::Scalar mean, stddev;
    cv::meanStdDev(image, mean, stddev);
    if (std::max({stddev[0], stddev[1], stddev[2]}) < 4) { skip(e, "flat colour"); continue; }
    e.thumb = CentreThumb(image);
    e.name_key = NameKey(e.package + e.path);
    double scale = std::min(1.0, double(max_side) / long_side);
    if (scale < 1.0) cv::resize(image, image, cv::Size(), scale, scale, cv::INTER_AREA);
    cv::imencode(".jpg", image, e.jpeg, {cv::IMWRITE_JPEG_QUALITY, 90});
    entries.push_back(std::move(e));
  }
  // Largest first, so the copy kept of each picture is its best one.
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return int64_t(a.width) * a.height > int64_t(b.width) * b.height;
  });
  std::vector<const Entry*> kept;
  for (const Entry& e : entries) {
    const Entry* same = nullptr;
    for (const Entry* k : kept) {
      double diff = cv::norm(k->thumb, e.thumb, cv::NORM_L1) / (16 * 16 * 3);
      if (k->name_key == e.name_key || diff <= kSamePictureMaxDiff) { same = k; break; }
    }
    if (same) { skip(e, "near-duplicate of " + same->package + ":" + same->path); continue; }
    kept.push_back(&e);
  }
  std::ofstream sources(out_dir + "/SOURCES.txt");
  sources << "# Licences: licenses/<package>.copyright. Dropped files and why: SKIPPED.txt\n"
          << "# file\tpackage\tversion\toriginal path\toriginal size\n";
  std::sort(kept.begin(), kept.end(), [](const Entry* a, const Entry* b) {
    return a->package + a->path < b->package + b->path;
  });
  size_t bytes = 0;
  for (const Entry* e : kept) {
    std::string rel = e->path.rfind("/usr/share/", 0) == 0 ? e->path.substr(10) : e->path;
    std::string name = e->package + rel;
    std::replace(name.begin(), name.end(), '/', '_');
    name = name.substr(0, name.rfind('.')) + ".jpg";
    std::ofstream(out_dir + "/" + name, std::ios::binary)
        .write(reinterpret_cast<const char*>(e->jpeg.data()), std::streamsize(e->jpeg.size()));
    sources << name << '\t' << e->package << '\t' << e->version << '\t' << e->path << '\t'
            << e->width << 'x' << e->height << '\n';
    bytes += e->jpeg.size();
  }
  std::printf("%zu images, %.1f MB (%zu candidates)\n", kept.size(), bytes / 1e6, entries.size());
  return 0;
}
EOF
TOOL="$CACHE/prepare_backgrounds"
if [ ! -x "$TOOL" ] || ! cmp -s "$TOOL_SRC.new" "$TOOL_SRC"; then
  mv "$TOOL_SRC.new" "$TOOL_SRC"
  echo "fetch-backgrounds: building $TOOL" >&2
  # shellcheck disable=SC2046  # pkg-config output is a list of flags
  g++ -O2 -std=c++17 -w -o "$TOOL" "$TOOL_SRC" $(pkg-config --cflags --libs opencv4)
else
  rm -f "$TOOL_SRC.new"
fi

# 3. Build the folder beside the old one and swap it in, so a failed run leaves no half.
TMP="$OUT.tmp.$$"
rm -rf "$TMP"
mkdir -p "$TMP/licenses"
trap 'rm -rf "$TMP"' EXIT
# libpng warns about every sRGB profile it dislikes: keep that out of the way.
if ! summary="$("$TOOL" "$TMP" 1024 < "$LIST" 2> "$CACHE/prepare.log")"; then
  cat "$CACHE/prepare.log" >&2
  echo "fetch-backgrounds: preparing the images failed" >&2
  exit 1
fi
for pkg in "${PACKAGES[@]}"; do
  cp "$CACHE/unpacked/$pkg/usr/share/doc/$pkg/copyright" "$TMP/licenses/$pkg.copyright" 2>/dev/null || true
done
echo "$RECIPE" > "$TMP/.complete"
rm -rf "$OUT"
mv "$TMP" "$OUT"
trap - EXIT
rm -rf "$CACHE/unpacked"
echo "fetch-backgrounds: $summary -> $OUT" >&2
