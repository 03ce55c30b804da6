#!/usr/bin/env bash
# Regenerates the protobuf-c code of Protos/ into a CCartProto-shaped tree.
# usage: scripts/gen-protos.sh OUT_DIR   (OUT_DIR gets *.pb-c.c and include/**.pb-c.h)
set -euo pipefail
out=${1:?usage: gen-protos.sh OUT_DIR}
mkdir -p "$out" && out=$(cd "$out" && pwd)
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$here/Protos"
mapfile -t protos < <(find . -name '*.proto' | sed 's|^\./||' | LC_ALL=C sort)
protoc-c --c_out="$tmp" "${protos[@]}"
rm -rf "$out"
mkdir -p "$out/include"
(cd "$tmp" && find . -name '*.pb-c.c' | LC_ALL=C sort) | while read -r f; do
  mkdir -p "$out/$(dirname "$f")"
  cp "$tmp/$f" "$out/$f"
done
(cd "$tmp" && find . -name '*.pb-c.h' | LC_ALL=C sort) | while read -r f; do
  mkdir -p "$out/include/$(dirname "$f")"
  cp "$tmp/$f" "$out/include/$f"
done
# No umbrella header: SwiftPM then makes include/ an umbrella directory, which takes the
# nested headers (include/cart/v1/*.pb-c.h) as they are.
