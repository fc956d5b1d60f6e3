#!/usr/bin/env bash
# Renders made-up logos ("decoys") for the background class of synthetic training scenes:
# invented words in the fonts Debian ships (DejaVu, Lato), plain or on badges, with the odd
# swoosh, as transparent PNGs in var/decoys/. They teach the model that a logo-like thing
# is not enough: it has to be one of the labels. None is a real brand. Deterministic (fixed
# seed) and idempotent (a stamp holds this script's hash).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/var/decoys"
COUNT="${DECOY_COUNT:-240}"
STAMP="$OUT/.complete"
log() { echo "make-decoys: $*" >&2; }

hash=$(sha256sum "$0" | cut -c1-16)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$hash/$COUNT" ]; then exit 0; fi
command -v rsvg-convert >/dev/null || { log "error: rsvg-convert not found (scripts/install-deps.sh installs librsvg2-bin)"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/decoys.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
RANDOM=4242  # fixed seed: the same decoys on every machine
pick() { local a=("$@"); echo "${a[RANDOM % ${#a[@]}]}"; }
syllables=(ka lo mi ne ru ta vo zen qua bri sto fle gra pon dex tri mar sol vin cor lux nov ark ble fin hal)
word() { local n=$((2 + RANDOM % 3)) w=""; for ((i = 0; i < n; i++)); do w+=$(pick "${syllables[@]}"); done; echo "$w"; }
colour() { printf '#%02x%02x%02x' $((RANDOM % 256)) $((RANDOM % 256)) $((RANDOM % 256)); }
fonts=("DejaVu Sans" "DejaVu Serif" "DejaVu Sans Mono" "Lato" "DejaVu Sans Condensed")

log "rendering $COUNT decoy logos"
for ((n = 0; n < COUNT; n++)); do
  text=$(word); [ $((RANDOM % 2)) = 0 ] && text=${text^^}
  second=""; [ $((RANDOM % 3)) = 0 ] && second=$(word)
  font=$(pick "${fonts[@]}"); weight=$(pick normal bold bold 900); style=$(pick normal normal italic)
  case $((RANDOM % 4)) in 0) fill="#ffffff" ;; 1) fill="#000000" ;; *) fill=$(colour) ;; esac
  size=64; len=${#text}; [ ${#second} -gt "$len" ] && len=${#second}
  w=$((len * 42 + 40))
  [ -n "$second" ] && h=170 || h=100
  shape=""; layout=$((RANDOM % 3))
  if [ "$layout" = 1 ]; then  # round badge
    side=$(( (w > h ? w : h) + 20 )); cx=$((side / 2))
    shape="<circle cx='$cx' cy='$cx' r='$cx' fill='$(colour)'/>"; ox=$(( (side - w) / 2 )); oy=$(( (side - h) / 2 )); w=$side; h=$side
  elif [ "$layout" = 2 ]; then  # rounded plate
    shape="<rect x='0' y='0' width='$((w + 40))' height='$((h + 30))' rx='$((RANDOM % 40))' fill='$(colour)'/>"
    ox=20; oy=15; w=$((w + 40)); h=$((h + 30))
  else
    ox=0; oy=0
  fi
  swoosh=""
  if [ $((RANDOM % 4)) = 0 ]; then
    swoosh="<path d='M $((ox + 20)) $((oy + h - 25)) Q $((ox + w / 2)) $((oy + h + 5)) $((ox + w - 20)) $((oy + h - 35))' stroke='$(colour)' stroke-width='9' fill='none' stroke-linecap='round'/>"
  fi
  lines="<text x='$((ox + (w - 2 * ox) / 2))' y='$((oy + 75))' text-anchor='middle'>$text</text>"
  [ -n "$second" ] && lines+="<text x='$((ox + (w - 2 * ox) / 2))' y='$((oy + 145))' text-anchor='middle'>$second</text>"
  cat >"$tmp/$n.svg" <<SVG
<svg xmlns='http://www.w3.org/2000/svg' width='$w' height='$((h + 20))'>$shape
<g font-family='$font' font-weight='$weight' font-style='$style' font-size='$size' fill='$fill'>$lines</g>$swoosh</svg>
SVG
  rsvg-convert "$tmp/$n.svg" -o "$tmp/$(printf 'decoy-%03d' $n).png"
done
rm -f "$tmp"/*.svg
rm -rf "$OUT.new"; mkdir -p "$OUT.new"; mv "$tmp"/*.png "$OUT.new/"
echo "$hash/$COUNT" >"$OUT.new/.complete"
rm -rf "$OUT"; mv "$OUT.new" "$OUT"
log "wrote $COUNT decoys to $OUT"
