#!/usr/bin/env bash
# The Go ttrpc peer, measured by one Go client against two servers: containerd's Go ttrpc server
# (Debian's 1.1.1) echoing 100 bytes, and the release cartd's Health/Check and GetCart (a 5-line cart),
# with its default event loops (one per CPU) and again with one (the cartd-1loop rows, 4×4 and 1×16).
# Builds the peer in GOPATH mode with gogottrpc messages generated into a temporary GOPATH (nothing
# generated is committed), writes bench/results/peer.json and prints cartd/peer throughput ratios.
#
# usage: scripts/bench-peer.sh [RELEASE_BIN_DIR] [OUTPUT_JSON]
#   env: DURATION (10s), WARMUP (2s), PIN=1 to run everything on CPU 0
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${1:-$root/.build/release}")
out=${2:-$root/bench/results/peer.json}
duration=${DURATION:-10s}
warmup=${WARMUP:-2s}
pin=()
[ "${PIN:-0}" = 1 ] && pin=(taskset -c 0)
work=$(mktemp -d /tmp/cartsync-bench-peer-XXXXXX)
chmod 700 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# --- build the peer (as Tests/Interop/run.sh does) ----------------------------------------------
gen=cartsync.local/benchpeer/gen
src="$work/gopath/src/cartsync.local/benchpeer"
mkdir -p "$src/gen" "$src/server" "$src/client"
mapping="Mcart/v1/common.proto=$gen/cart/v1,Mcart/v1/cart.proto=$gen/cart/v1"
mapping="$mapping,Mgrpc/health/v1/health.proto=$gen/grpc/health/v1,Mbenchpeer/v1/echo.proto=$gen/benchpeer/v1"
for protos in "grpc/health/v1/health.proto" "cart/v1/common.proto cart/v1/cart.proto"; do
  (cd "$root/Protos" && protoc --gogottrpc_out="plugins=ttrpc,paths=source_relative,$mapping:$src/gen" $protos)
done
(cd "$root/bench/peer/proto" && protoc --gogottrpc_out="plugins=ttrpc,paths=source_relative,$mapping:$src/gen" \
  benchpeer/v1/echo.proto)
cp "$root"/bench/peer/server/*.go "$src/server/"
cp "$root"/bench/peer/client/*.go "$src/client/"
for part in server client; do
  (cd "$src/$part" && GO111MODULE=off GOPATH="$work/gopath:/usr/share/gocode" GOPROXY=off GOFLAGS=-mod=mod \
    GOCACHE="$work/cache" go build -o "$work/peer-$part" .)
done
echo "bench-peer: built the Go peer ($(go version | awk '{print $3}'), containerd/ttrpc $(dpkg-query -W -f='${Version}' golang-github-containerd-ttrpc-dev 2>/dev/null || echo '?'))" >&2

client() { "${pin[@]}" "$work/peer-client" -duration "$duration" -warmup "$warmup" "$@"; }
results=()

# --- the Go server -------------------------------------------------------------------------------
"${pin[@]}" "$work/peer-server" -socket "$work/peer.sock" &
pids+=($!)
for _ in $(seq 1 100); do [ -S "$work/peer.sock" ] && break; sleep 0.05; done
for shape in "1 1" "4 4" "1 16"; do
  set -- $shape
  echo "bench-peer: Go server echo $1×$2 …" >&2
  results+=("$(client -socket "$work/peer.sock" -server-pid "${pids[0]}" -target echo -conns "$1" -inflight "$2" -label "go-echo")")
  echo "bench-peer: Go server health $1×$2 …" >&2
  results+=("$(client -socket "$work/peer.sock" -server-pid "${pids[0]}" -target health -conns "$1" -inflight "$2" -label "go-health")")
done
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true
pids=()

# --- cartd with one 5-line cart ------------------------------------------------------------------
head -c 32 /dev/urandom | base64 > "$work/jwt.secret" && chmod 600 "$work/jwt.secret"
python3 - "$work/catalog.json" <<'PY'
import json, sys
products = [{"id": f"bench-p{i:03d}", "name": f"Bench product {i}",
             "price": {"currency_code": "INR", "amount_minor": 10000 + i * 100},
             "active": True, "stock": 1000000, "variants": []} for i in range(5)]
json.dump({"products": products}, open(sys.argv[1], "w"))
PY
# start_cartd [ARGS…]: cartd on the one socket and database, waited for; its pid is ${pids[0]}.
start_cartd() {
  "${pin[@]}" "$bin/cartd" --socket "$work/cartd.sock" --database "$work/cart.db" --jwt-secret-file "$work/jwt.secret" \
    "$@" >> "$work/cartd.log" 2>&1 &
  pids=($!)
  for _ in $(seq 1 200); do [ -S "$work/cartd.sock" ] && break; sleep 0.05; done
  [ -S "$work/cartd.sock" ] || { echo "cartd did not start:"; cat "$work/cartd.log"; exit 1; }
}
# measure_cartd LABEL SHAPE…: Health then GetCart at each "C W" shape, labelled LABEL-health, LABEL-get-cart.
measure_cartd() {
  local label=$1 shape; shift
  for shape in "$@"; do
    set -- $shape
    echo "bench-peer: $label health $1×$2 …" >&2
    results+=("$(client -socket "$work/cartd.sock" -server-pid "${pids[0]}" -target health -conns "$1" -inflight "$2" \
      -label "$label-health")")
    echo "bench-peer: $label get-cart $1×$2 …" >&2
    results+=("$(client -socket "$work/cartd.sock" -server-pid "${pids[0]}" -target get-cart -token "$token" -conns "$1" \
      -inflight "$2" -label "$label-get-cart")")
  done
}

start_cartd --seed-catalog "$work/catalog.json"
token=$("$bin/cartctl" token mint --user bench-peer-user --secret-file "$work/jwt.secret" --ttl 1h)
for i in 0 1 2 3 4; do
  "$bin/cartctl" cart add --socket "$work/cartd.sock" --token "$token" "bench-p00$i" > /dev/null
done
measure_cartd cartd "1 1" "4 4" "1 16"

# --- the same cartd with one event-loop thread (--event-loop-threads 1; the default is one per CPU) --
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true
start_cartd --event-loop-threads 1
measure_cartd cartd-1loop "4 4" "1 16"

# --- peer.json and the ratios ---------------------------------------------------------------------
mkdir -p "$(dirname "$out")"
printf '%s\n' "${results[@]}" > "$work/results.jsonl"
python3 - "$out" "${PIN:-0}" "$duration" "$warmup" "$work/results.jsonl" <<'PY'
import json, sys, datetime, platform, os
out, pin, duration, warmup = sys.argv[1], sys.argv[2] == "1", sys.argv[3], sys.argv[4]
rows = [json.loads(line) for line in open(sys.argv[5]) if line.strip()]
def find(label, c, w):
    return next((r for r in rows if r["label"] == label and r["connections"] == c and r["in_flight"] == w), None)
ratios = []
for c, w in [(1, 1), (4, 4), (1, 16)]:
    echo = find("go-echo", c, w)
    goh = find("go-health", c, w)
    for label in ("cartd-health", "cartd-get-cart", "cartd-1loop-health", "cartd-1loop-get-cart"):
        r = find(label, c, w)
        if r and echo and echo["calls_per_second"]:
            ratios.append({"cartd": label, "connections": c, "in_flight": w,
                           "cartd_calls_per_second": r["calls_per_second"],
                           "go_echo_calls_per_second": echo["calls_per_second"],
                           "ratio_to_go_echo": r["calls_per_second"] / echo["calls_per_second"],
                           "ratio_to_go_health": (r["calls_per_second"] / goh["calls_per_second"]) if goh else None})
model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "")
report = {"tool": "bench-peer", "generated_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
          "machine": {"nproc": os.cpu_count(), "cpu_model": model, "kernel": platform.release()},
          "pinned": pin, "duration": duration, "warmup": warmup, "results": rows, "ratios": ratios,
          "errors": sum(r["errors"] for r in rows)}
json.dump(report, open(out, "w"), indent=2)
print(f"{'client → server':32} {'C×W':>6} {'calls/s':>10} {'p50 µs':>9} {'p99 µs':>9} {'client CPU µs':>14} {'server CPU µs':>14}")
for r in rows:
    server_cpu = r.get("server_cpu_us_per_call")
    print(f"{r['label']:32} {str(r['connections'])+'×'+str(r['in_flight']):>6} {r['calls_per_second']:>10.0f} "
          f"{r['p50_us']:>9.1f} {r['p99_us']:>9.1f} {r.get('client_cpu_us_per_call', 0):>14.1f} "
          + (f"{server_cpu:>14.1f}" if server_cpu is not None else f"{'?':>14}"))
print("\ncartd / Go ttrpc peer throughput, same Go client:")
for x in ratios:
    print(f"  {x['cartd']:16} {x['connections']}×{x['in_flight']:<3} {x['ratio_to_go_echo']:.2f}× Go echo"
          + (f", {x['ratio_to_go_health']:.2f}× Go health" if x['ratio_to_go_health'] else ""))
print(f"\nwrote {out}")
sys.exit(1 if report["errors"] else 0)
PY
