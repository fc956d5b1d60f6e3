#!/usr/bin/env bash
# Fetches the background pictures for synthetic training composites (logos pasted on
# backgrounds, plus the background class) into var/backgrounds/ as JPEGs whose long side
# is at most 1024 px, with SOURCES.txt naming the package and original path of each.
#
# Backgrounds come ONLY from these Debian packages: the benchmarks use pictures from other
# packages, and keeping the two apart keeps measurement honest. The packages are not
# installed (they pull desktop dependencies): `apt-get download` + `dpkg-deb -x` only.
# Raster images are kept, and SVG wallpapers (most of the artwork in these packages) are
# rendered with rsvg-convert at a long side of 1024 px first. Icons, logos, transparent
# overlays, flat fills and near-duplicates are dropped, with the reason, in SKIPPED.txt:
# of one artwork (the same picture at several resolutions, crops or aspect ratios) at most
# two are kept, the second only at a clearly different aspect ratio.
#
# Idempotent: a stamp holding this script's hash; re-running does nothing unless the
# script changed or --force is given. The .deb files and the SVG renderings are cached in
# var/cache/backgrounds, so even a forced re-run neither downloads nor renders again.
# Needs g++, pkg-config, libopencv-dev and librsvg2-bin (scripts/install-deps.sh).
set -euo pipefail

PACKAGES=(desktop-base plasma-wallpapers-addons sway-backgrounds
  debian-edu-artwork-buster debian-edu-artwork-emerald debian-edu-artwork-homeworld
  debian-edu-artwork-softwaves debian-edu-artwork-spacefun)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/var/backgrounds"
CACHE="$ROOT/var/cache/backgrounds"
STAMP="$OUT/.complete"
RECIPE="$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)"
MAX_SIDE=1024

if [ "${1:-}" != "--force" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$RECIPE" ]; then
  echo "fetch-backgrounds: up to date ($(grep -vc '^#' "$OUT/SOURCES.txt") images in $OUT)" >&2
  exit 0
fi

if ! command -v rsvg-convert >/dev/null 2>&1; then
  echo "fetch-backgrounds: rsvg-convert is missing: run scripts/install-deps.sh" >&2
  exit 1
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
SVGS="$CACHE/svgs.tsv"
: > "$LIST"
: > "$SVGS"
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
  # Lock screens repeat the wallpapers byte for byte: list them last, so that the
  # wallpaper's path is the one kept of each identical pair.
  (cd "$dest" && find . -type f \( -iname '*.svg' -o -iname '*.svgz' \) | sort |
    awk '{ print (/\/lockscreen\// ? 1 : 0) "\t" $0 }' | sort -s -n -k1,1 | cut -f2-) |
    while read -r rel; do
      printf '%s\t%s\t%s\t%s\n' "$pkg" "$version" "$dest/${rel#./}" "/${rel#./}" >> "$SVGS"
    done
done

# 1b. Render the SVG wallpapers to PNG (long side MAX_SIDE), cached by content hash.
# Dropped before rendering, into PRESKIPPED: icons and logos by name, the with-logo
# variant of a picture whose logo-free twin is packaged beside it, and byte-identical
# copies. Transparent renderings (logos, overlays) and tiny drawings are dropped later
# by the tool, like raster ones.
RENDERED="$CACHE/rendered"
PRESKIPPED="$CACHE/svg-skipped.tsv"
mkdir -p "$RENDERED"
: > "$PRESKIPPED"
declare -A first_of_hash=()
jobs_list="$CACHE/render-jobs"
: > "$jobs_list"
svg_rows="$CACHE/svg-candidates.tsv"
: > "$svg_rows"
while IFS=$'\t' read -r pkg version file path; do
  name="${path##*/}"; name="${name,,}"
  twin="${file%.*}-nologo.${file##*.}"
  reason=""
  if [[ "${path,,}" == */icons/* || "$name" == *emblem* ]]; then
    reason="icon (by name)"
  elif [[ "$name" == *logo* && "$name" != *nologo* ]]; then
    reason="logo (by name)"
  elif [[ "$path" == *-withlogo/* && -d "${file%%-withlogo/*}" ]]; then
    reason="with-logo variant of ${path%%-withlogo/*}/"
  elif [ -f "$twin" ] && [ ! -L "$twin" ]; then
    reason="with-logo variant of ${twin#"$CACHE/unpacked/$pkg"}"
  fi
  if [ -n "$reason" ]; then
    printf '%s\t%s\t%s\n' "$pkg" "$path" "$reason" >> "$PRESKIPPED"
    continue
  fi
  hash="$(sha256sum < "$file" | cut -c1-32)"
  if [ -n "${first_of_hash[$hash]:-}" ]; then
    printf '%s\t%s\t%s\n' "$pkg" "$path" "same file as ${first_of_hash[$hash]}" >> "$PRESKIPPED"
    continue
  fi
  first_of_hash[$hash]="$pkg:$path"
  png="$RENDERED/$hash-$MAX_SIDE.png"
  [ -s "$png" ] || printf '%s\0%s\0' "$file" "$png" >> "$jobs_list"
  # The root <svg> tag (for the drawing's own size), on one line.
  root_tag="$( { gzip -dcf < "$file" || true; } | head -c 65536 | tr '\t\r\n' '   ' |
    grep -o '<svg[^>]*>' | head -n 1 || true)"
  printf '%s\t%s\t%s\t%s\t%s\n' "$pkg" "$version" "$png" "$path" "${root_tag:-<svg>}" >> "$svg_rows"
done < "$SVGS"
if [ -s "$jobs_list" ]; then
  echo "fetch-backgrounds: rendering $(( $(tr -cd '\0' < "$jobs_list" | wc -c) / 2 )) SVG files" >&2
  # Two at a time (the machine is shared); a file that fails to render is dropped below.
  # shellcheck disable=SC2016  # expanded by the inner shell
  xargs -0 -n 2 -P 2 sh -c 'timeout 120 nice rsvg-convert --keep-aspect-ratio \
      --width "$0" --height "$0" --output "$2.tmp" "$1" 2>/dev/null && mv "$2.tmp" "$2" ||
      rm -f "$2.tmp"' "$MAX_SIDE" < "$jobs_list" || true
fi
while IFS=$'\t' read -r pkg version png path tag; do
  if [ -s "$png" ]; then
    printf '%s\t%s\t%s\t%s\t%s\n' "$pkg" "$version" "$png" "$path" "$tag" >> "$LIST"
  else
    printf '%s\t%s\t%s\n' "$pkg" "$path" "rsvg-convert failed" >> "$PRESKIPPED"
  fi
done < "$svg_rows"
# Renderings of files no longer packaged go, so that the cache does not grow.
comm -23 <(find "$RENDERED" -type f | sort) <(cut -f3 "$svg_rows" | sort) | xargs -r -d '\n' rm -f

# 2. Build the tool (OpenCV): decode, filter, dedup, resize, encode.
TOOL_SRC="$CACHE/prepare_backgrounds.cc"
cat > "$TOOL_SRC.new" <<'EOF'
// prepare_backgrounds OUT_DIR MAX_SIDE < candidates.tsv
//   (package, version, file, original path[, root <svg> tag when the file is a rendering])
// Keeps opaque, non-flat pictures of a usable size as JPEG: of each artwork the best copy,
// and a second one only at a clearly different aspect ratio.
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

struct Entry {
  std::string package, version, file, path, svg_tag, artwork_key;
  bool vector = false;
  int width = 0, height = 0;      // the original's size (an SVG's own size; 0 if unknown)
  int out_long = 0;               // the long side it is written at
  double aspect = 1;              // width / height
  cv::Mat thumb;
  std::vector<uchar> jpeg;
};

// 16x16 colour thumbnail of the central square: the same picture at another resolution
// or cropped to another aspect ratio gives (almost) the same thumbnail. It links copies
// that their paths do not (Debian Edu's copies of desktop-base themes, a portrait variant).
// Measured on these packages: such copies differ by a mean of 0-3 levels; different designs
// by 9.6 or more (two dark boot screens, futureprototype's and moonlight's), mostly 17+.
// Each link can chain two artworks into one, so the bar sits in the gap. (A grey
// difference hash merged different designs.)
cv::Mat CentreThumb(const cv::Mat& bgr) {
  int side = std::min(bgr.cols, bgr.rows);
  cv::Mat thumb;
  cv::resize(bgr(cv::Rect((bgr.cols - side) / 2, (bgr.rows - side) / 2, side, side)), thumb,
             cv::Size(16, 16), 0, 0, cv::INTER_AREA);
  return thumb;
}
constexpr double kSamePictureMaxDiff = 6;
// A second copy of an artwork is kept only if its aspect ratio differs by at least this
// factor from the first one's (16:9 vs 16:10 is 1.11: too close; 16:9 vs 4:3 is 1.33).
constexpr double kOtherAspectMinRatio = 1.15;

// Which artwork a file is, by its path. Debian's artwork packages hold one design per
// theme, drawn for every screen shape and for the boot, login and lock screens:
// desktop-base/<theme>-theme/..., plymouth/themes/<theme>/..., pixmaps/<theme>-syslinux.png.
// Elsewhere: the same folder and file name once sizes ("1920x1080", "16x9") are taken out.
std::string ArtworkKey(const std::string& package, const std::string& path) {
  static const std::regex theme(
      "/desktop-base/([^/]+)-theme/|/plymouth/themes/([^/]+)/|/pixmaps/([^/]+)-syslinux\\.");
  std::smatch m;
  if (std::regex_search(path, m, theme))
    return package + " theme " + (m[1].matched ? m[1] : m[2].matched ? m[2] : m[3]).str();
  std::string key = std::regex_replace(package + path, std::regex("[0-9]+x[0-9]+"), "");
  key = key.substr(0, key.rfind('.'));
  std::transform(key.begin(), key.end(), key.begin(), ::tolower);
  return key;
}

// An SVG length in CSS pixels (0 if missing, relative or unparsable).
double SvgLength(const std::string& tag, const std::string& attribute) {
  std::smatch m;
  std::regex re("\\s" + attribute + "\\s*=\\s*[\"']\\s*([0-9.eE+-]+)\\s*([a-zA-Z%]*)\\s*[\"']");
  if (!std::regex_search(tag, m, re)) return 0;
  double value = std::atof(m[1].str().c_str());
  std::string unit = m[2].str();
  if (unit.empty() || unit == "px") return value;
  if (unit == "pt") return value * 4 / 3;
  if (unit == "pc") return value * 16;
  if (unit == "in") return value * 96;
  if (unit == "cm") return value * 96 / 2.54;
  if (unit == "mm") return value * 96 / 25.4;
  return 0;
}

// The drawing's own size from its root tag: width/height, else the viewBox.
void SvgSize(const std::string& tag, int* width, int* height) {
  double w = SvgLength(tag, "width"), h = SvgLength(tag, "height");
  std::smatch m;
  if ((w <= 0 || h <= 0) &&
      std::regex_search(tag, m, std::regex("\\sviewBox\\s*=\\s*[\"']\\s*[0-9.eE+-]+[\\s,]+"
                                           "[0-9.eE+-]+[\\s,]+([0-9.eE+-]+)[\\s,]+([0-9.eE+-]+)"))) {
    w = std::atof(m[1].str().c_str()), h = std::atof(m[2].str().c_str());
  }
  *width = w > 0 && h > 0 ? int(std::lround(w)) : 0;
  *height = w > 0 && h > 0 ? int(std::lround(h)) : 0;
}

bool LogoFree(const Entry& e) { return e.path.find("nologo") != std::string::npos; }

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
    std::getline(in, e.svg_tag, '\t');
    e.vector = !e.svg_tag.empty();
    cv::Mat image = cv::imread(e.file, cv::IMREAD_UNCHANGED);
    if (image.empty()) { skip(e, "unreadable"); continue; }
    if (image.depth() == CV_16U) image.convertTo(image, CV_8U, 1.0 / 257.0);
    if (image.depth() != CV_8U) { skip(e, "unusual pixel depth"); continue; }
    // An SVG is judged by the size it was drawn at, not by the size it was rendered at.
    if (e.vector) SvgSize(e.svg_tag, &e.width, &e.height);
    else e.width = image.cols, e.height = image.rows;
    if (e.width > 0) {
      int short_side = std::min(e.width, e.height), long_side = std::max(e.width, e.height);
      if (short_side < 320 || long_side < 480) { skip(e, "too small (icon or logo)"); continue; }
    }
    int short_side = std::min(image.cols, image.rows), long_side = std::max(image.cols, image.rows);
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
    e.artwork_key = ArtworkKey(e.package, e.path);
    e.aspect = double(image.cols) / image.rows;
    if (e.width == 0) e.width = image.cols, e.height = image.rows;
    double scale = std::min(1.0, double(max_side) / long_side);
    if (scale < 1.0) cv::resize(image, image, cv::Size(), scale, scale, cv::INTER_AREA);
    e.out_long = std::max(image.cols, image.rows);
    cv::imencode(".jpg", image, e.jpeg, {cv::IMWRITE_JPEG_QUALITY, 90});
    entries.push_back(std::move(e));
  }
  // Best first, so the copy kept of each picture is its best one: the largest output,
  // then the logo-free variant, then the largest original.
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (a.out_long != b.out_long) return a.out_long > b.out_long;
    if (LogoFree(a) != LogoFree(b)) return LogoFree(a);
    return int64_t(a.width) * a.height > int64_t(b.width) * b.height;
  });
  // Artworks: entries linked, directly or through others, by their path (ArtworkKey) or
  // by their thumbnail (the same picture in another package, e.g. Debian Edu's copies).
  std::vector<size_t> parent(entries.size());
  for (size_t i = 0; i < parent.size(); ++i) parent[i] = i;
  auto root = [&](size_t i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
  };
  for (size_t i = 0; i < entries.size(); ++i) {
    for (size_t j = i + 1; j < entries.size(); ++j) {
      const Entry &a = entries[i], &b = entries[j];
      double diff = cv::norm(a.thumb, b.thumb, cv::NORM_L1) / (16 * 16 * 3);
      if (a.artwork_key == b.artwork_key || diff <= kSamePictureMaxDiff) {
        size_t ra = root(i), rb = root(j);
        parent[std::max(ra, rb)] = std::min(ra, rb);  // the root stays the best entry
      }
    }
  }
  std::vector<std::vector<const Entry*>> artworks;
  std::vector<int> artwork_of(entries.size(), -1);
  for (size_t i = 0; i < entries.size(); ++i) {  // in order: each artwork's best copy first
    size_t r = root(i);
    if (artwork_of[r] < 0) artwork_of[r] = int(artworks.size()), artworks.emplace_back();
    artworks[artwork_of[r]].push_back(&entries[i]);
  }
  std::vector<const Entry*> kept;
  for (const auto& a : artworks) {
    const Entry* first = a[0];
    const Entry* second = nullptr;  // the best copy of the most different aspect ratio
    double farthest = 0;
    for (size_t i = 1; i < a.size(); ++i) {
      double distance = std::fabs(std::log(a[i]->aspect / first->aspect));
      if (distance > farthest) farthest = distance, second = a[i];
    }
    if (farthest < std::log(kOtherAspectMinRatio)) second = nullptr;
    kept.push_back(first);
    if (second) kept.push_back(second);
    for (size_t i = 1; i < a.size(); ++i) {
      if (a[i] != second)
        skip(*a[i], "near-duplicate of " + first->package + ":" + first->path +
                        (second ? " (and of " + second->path + ")" : ""));
    }
  }
  std::ofstream sources(out_dir + "/SOURCES.txt");
  sources << "# Licences: licenses/<package>.copyright. Dropped files and why: SKIPPED.txt\n"
          << "# file\tpackage\tversion\toriginal path\toriginal size (an SVG's own size)\n";
  std::sort(kept.begin(), kept.end(), [](const Entry* a, const Entry* b) {
    return a->package + a->path < b->package + b->path;
  });
  size_t bytes = 0, vectors = 0;
  std::set<std::string> names;
  for (const Entry* e : kept) {
    std::string rel = e->path.rfind("/usr/share/", 0) == 0 ? e->path.substr(10) : e->path;
    std::string name = e->package + rel;
    std::replace(name.begin(), name.end(), '/', '_');
    std::string stem = name.substr(0, name.rfind('.'));
    if (!names.insert(stem).second) {  // a.png and a.svg side by side
      stem += "_" + name.substr(name.rfind('.') + 1);
      names.insert(stem);
    }
    name = stem + ".jpg";
    std::ofstream(out_dir + "/" + name, std::ios::binary)
        .write(reinterpret_cast<const char*>(e->jpeg.data()), std::streamsize(e->jpeg.size()));
    sources << name << '\t' << e->package << '\t' << e->version << '\t' << e->path << '\t'
            << e->width << 'x' << e->height << '\n';
    bytes += e->jpeg.size();
    vectors += e->vector;
  }
  std::printf("%zu images (%zu from SVG), %.1f MB (%zu candidates, %zu artworks)\n", kept.size(),
              vectors, bytes / 1e6, entries.size(), artworks.size());
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
if ! summary="$("$TOOL" "$TMP" "$MAX_SIDE" < "$LIST" 2> "$CACHE/prepare.log")"; then
  cat "$CACHE/prepare.log" >&2
  echo "fetch-backgrounds: preparing the images failed" >&2
  exit 1
fi
for pkg in "${PACKAGES[@]}"; do
  cp "$CACHE/unpacked/$pkg/usr/share/doc/$pkg/copyright" "$TMP/licenses/$pkg.copyright" 2>/dev/null || true
done
cat "$PRESKIPPED" >> "$TMP/SKIPPED.txt"
echo "$RECIPE" > "$TMP/.complete"
rm -rf "$OUT"
mv "$TMP" "$OUT"
trap - EXIT
rm -rf "$CACHE/unpacked"
echo "fetch-backgrounds: $summary -> $OUT" >&2
