#!/usr/bin/env bash
# The database-size scenario: GetCart and AddItem throughput, cold start and RSS (with 1,000 idle
# connections) at 1k, 10k, 100k and 1M carts of 5 lines. Writing the 1M-cart database with sqlite3 takes
# minutes; see BENCHMARKS.md for the measured time.
#
# usage: scripts/bench-scale.sh [RELEASE_BIN_DIR] [OUTPUT_JSON] [extra cart-bench arguments…]
#   env: SCALE_CARTS (1000,10000,100000,1000000)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${1:-$root/.build/release}")
out=${2:-$root/bench/results/scale.json}
shift $(( $# >= 2 ? 2 : $# ))
mkdir -p "$(dirname "$out")"
exec "$bin/cart-bench" --scale-carts "${SCALE_CARTS:-1000,10000,100000,1000000}" --output "$out" "$@"
