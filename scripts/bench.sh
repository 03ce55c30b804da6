#!/usr/bin/env bash
# Runs cart-bench twice, unpinned and pinned (--pin: bench, cartd and the floor on CPU 0), and writes both
# reports into one JSON file: {"unpinned": …, "pinned": …}.
#
# usage: scripts/bench.sh [RELEASE_BIN_DIR] [OUTPUT_JSON] [extra cart-bench arguments…]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${1:-$root/.build/release}")
out=${2:-$root/bench/results/latest.json}
shift $(( $# >= 2 ? 2 : $# ))
mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d /tmp/cartsync-bench-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
status=0
"$bin/cart-bench" --output "$tmp/unpinned.json" "$@" || status=$?
"$bin/cart-bench" --pin --output "$tmp/pinned.json" "$@" || status=$?
python3 - "$tmp" "$out" <<'PY'
import json, os, sys
tmp, out = sys.argv[1], sys.argv[2]
merged = {}
for name in ("unpinned", "pinned"):
    path = os.path.join(tmp, name + ".json")
    if os.path.exists(path):
        merged[name] = json.load(open(path))
json.dump(merged, open(out, "w"), indent=2, sort_keys=True)
print(f"bench: wrote {out} ({', '.join(merged) or 'no runs'})")
PY
exit $status
