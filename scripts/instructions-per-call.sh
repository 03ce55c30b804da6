#!/usr/bin/env bash
# cartd's user-space instructions per call under the Go peer client, counted by valgrind's callgrind:
# a figure that does not move with the load on this shared machine, for comparing two builds of the
# daemon (the wall-clock figures of `make bench-peer` vary by ±20 % between runs here).
#
# Starts BIN_DIR/cartd (a copy without debug info, which valgrind 3.19 cannot read) under callgrind
# with the 5-line cart bench-peer uses, warms it for 1 s, zeroes the counters, drives DURATION of
# TARGET (health or get-cart) at C connections × W calls in flight with the Go client, and divides
# the instructions counted by the calls answered. The kernel's share (about half of cartd's CPU
# here) is not counted. Under valgrind cartd's threads run one at a time, so batching differs
# from a real run: compare builds with each other, not with bench-peer's CPU per call.
#
# usage: PEER_CLIENT=path/to/peer-client scripts/instructions-per-call.sh BIN_DIR TARGET C W
#   PEER_CLIENT: the Go client scripts/bench-peer.sh builds (run it with KEEP_PEER=DIR to keep one)
#   env: DURATION (5s)
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: PEER_CLIENT=… $0 BIN_DIR TARGET C W" >&2; exit 2; }
bin=$(realpath "$1") target=$2 conns=$3 inflight=$4 duration=${DURATION:-5s}
client=${PEER_CLIENT:?set PEER_CLIENT to the Go peer client (scripts/bench-peer.sh with KEEP_PEER=DIR builds one)}
case $target in health|get-cart) ;; *) echo "TARGET must be health or get-cart, not '$target'" >&2; exit 2 ;; esac
for n in "$conns" "$inflight"; do
  case $n in ""|*[!0-9]*|0) echo "C and W must be positive integers, not '$n'" >&2; exit 2 ;; esac
done
work=$(mktemp -d /tmp/cartsync-ipc-XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
objcopy --strip-debug "$bin/cartd" "$work/cartd"
head -c 32 /dev/urandom | base64 > "$work/jwt.secret" && chmod 600 "$work/jwt.secret"
"$(dirname "$0")/bench-peer-catalog.py" "$work/catalog.json"
token=$("$bin/cartctl" token mint --user bench-peer-user --secret-file "$work/jwt.secret" --ttl 2h)
valgrind --tool=callgrind --demangle=no --callgrind-out-file="$work/callgrind.out" "$work/cartd" \
  --socket "$work/cartd.sock" --database "$work/cart.db" --jwt-secret-file "$work/jwt.secret" \
  --seed-catalog "$work/catalog.json" > "$work/cartd.log" 2>&1 &
pid=$!
for _ in $(seq 1 1800); do [ -S "$work/cartd.sock" ] && break; sleep 0.1; done
[ -S "$work/cartd.sock" ] || { cat "$work/cartd.log" >&2; echo "cartd under valgrind did not start" >&2; exit 1; }
for i in 0 1 2 3 4; do "$bin/cartctl" cart add --socket "$work/cartd.sock" --token "$token" --timeout 60 "bench-p00$i" > /dev/null; done
extra=()
[ "$target" = get-cart ] && extra=(-token "$token")
run() { "$client" -socket "$work/cartd.sock" -target "$target" "${extra[@]}" -conns "$conns" -inflight "$inflight" \
  -warmup 0s -label ipc "$@"; }
run -duration 1s > /dev/null
callgrind_control -z "$pid" > /dev/null 2>&1
run -duration "$duration" > "$work/result.json"
callgrind_control -d "$pid" > /dev/null 2>&1
sleep 1
calls=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["calls"])' "$work/result.json")
dump=$(ls -t "$work"/callgrind.out.* | head -1)
instructions=$(callgrind_annotate "$dump" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }')
echo "$target ${conns}×${inflight}: $calls calls, $instructions instructions, $(( instructions / calls )) per call"
