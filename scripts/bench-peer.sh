#!/usr/bin/env bash
# The Go ttrpc peer, measured by one Go client against two servers: containerd's Go ttrpc server
# (Debian's 1.1.1) echoing 100 bytes, and the release cartd's Health/Check and GetCart (a 5-line cart),
# with its default event loops (one per CPU) and, as a second cartd, with one (the cartd-1loop rows).
# The servers run side by side and are measured in ROUNDS interleaved rounds, so every cartd ÷ Go echo
# ratio divides two figures taken seconds apart on this shared machine; the summary is the median of
# the rounds' ratios with their range. Builds the peer in GOPATH mode with gogottrpc messages generated
# into a temporary GOPATH (nothing generated is committed), writes bench/results/peer.json and prints
# the table and the ratios.
#
# usage: scripts/bench-peer.sh [RELEASE_BIN_DIR] [OUTPUT_JSON]
#   env: DURATION (5s per measurement), WARMUP (1s), ROUNDS (3), PIN=1 to run everything on CPU 0,
#        KEEP_PEER=DIR to keep the built Go client and server there (scripts/instructions-per-call.sh)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${1:-$root/.build/release}")
out=${2:-$root/bench/results/peer.json}
duration=${DURATION:-5s}
warmup=${WARMUP:-1s}
rounds=${ROUNDS:-3}
case $rounds in ""|*[!0-9]*|0) echo "bench-peer: ROUNDS must be a positive integer, not '$rounds'" >&2; exit 2 ;; esac
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
if [ -n "${KEEP_PEER:-}" ]; then mkdir -p "$KEEP_PEER" && cp "$work/peer-client" "$work/peer-server" "$KEEP_PEER/"; fi
echo "bench-peer: built the Go peer ($(go version | awk '{print $3}'), containerd/ttrpc $(dpkg-query -W -f='${Version}' golang-github-containerd-ttrpc-dev 2>/dev/null || echo '?'))" >&2

client() { "${pin[@]}" "$work/peer-client" -duration "$duration" -warmup "$warmup" "$@"; }
results=()

# --- the three servers, all started before the first measurement --------------------------------
# The Go server; cartd with its default event loops (one per CPU); the same cartd binary with one
# event loop (the cartd-1loop rows). Each cartd has its own database with the same 5-line cart.
"${pin[@]}" "$work/peer-server" -socket "$work/peer.sock" &
pids+=($!)
go_pid=$!
for _ in $(seq 1 100); do [ -S "$work/peer.sock" ] && break; sleep 0.05; done
[ -S "$work/peer.sock" ] || { echo "the Go peer server did not start"; exit 1; }

head -c 32 /dev/urandom | base64 > "$work/jwt.secret" && chmod 600 "$work/jwt.secret"
"$root/scripts/bench-peer-catalog.py" "$work/catalog.json"
token=$("$bin/cartctl" token mint --user bench-peer-user --secret-file "$work/jwt.secret" --ttl 2h)
# start_cartd NAME [ARGS…]: cartd on $work/NAME.sock and $work/NAME.db with the demo cart, waited
# for; prints its pid.
start_cartd() {
  local name=$1; shift
  "${pin[@]}" "$bin/cartd" --socket "$work/$name.sock" --database "$work/$name.db" \
    --jwt-secret-file "$work/jwt.secret" --seed-catalog "$work/catalog.json" "$@" >> "$work/$name.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 200); do [ -S "$work/$name.sock" ] && break; sleep 0.05; done
  [ -S "$work/$name.sock" ] || { echo "cartd $name did not start:" >&2; cat "$work/$name.log" >&2; exit 1; }
  for i in 0 1 2 3 4; do
    "$bin/cartctl" cart add --socket "$work/$name.sock" --token "$token" "bench-p00$i" > /dev/null
  done
  echo "$pid"
}
cartd_pid=$(start_cartd cartd)
pids+=("$cartd_pid")
oneloop_pid=$(start_cartd cartd-1loop --event-loop-threads 1)
pids+=("$oneloop_pid")

# phase ROUND LABEL C W: one measurement, recorded with its round.
phase() {
  local round=$1 label=$2 c=$3 w=$4 socket pid target extra=()
  case $label in
    go-echo) socket=peer.sock pid=$go_pid target=echo ;;
    go-health) socket=peer.sock pid=$go_pid target=health ;;
    cartd-health) socket=cartd.sock pid=$cartd_pid target=health ;;
    cartd-get-cart) socket=cartd.sock pid=$cartd_pid target=get-cart extra=(-token "$token") ;;
    cartd-1loop-health) socket=cartd-1loop.sock pid=$oneloop_pid target=health ;;
    cartd-1loop-get-cart) socket=cartd-1loop.sock pid=$oneloop_pid target=get-cart extra=(-token "$token") ;;
  esac
  echo "bench-peer: round $round/$rounds $label $c×$w …" >&2
  results+=("$(client -socket "$work/$socket" -server-pid "$pid" -target "$target" "${extra[@]}" -conns "$c" \
    -inflight "$w" -label "$label" | python3 -c 'import json, sys; r = json.load(sys.stdin); r["round"] = int(sys.argv[1]); print(json.dumps(r))' "$round")")
}

# Rounds: every server is measured at each shape in every round, the servers one after another, so
# each ratio divides two figures taken seconds apart; the order rotates from round to round.
# 1×1 (no target) is measured in the first round only.
for label in go-echo go-health cartd-health cartd-get-cart; do phase 1 "$label" 1 1; done
labels=(go-echo go-health cartd-health cartd-get-cart cartd-1loop-health cartd-1loop-get-cart)
for round in $(seq 1 "$rounds"); do
  for shape in "4 4" "1 16"; do
    set -- $shape
    for i in "${!labels[@]}"; do
      phase "$round" "${labels[$(( (i + round - 1) % ${#labels[@]} ))]}" "$1" "$2"
    done
  done
done

# --- peer.json and the ratios ---------------------------------------------------------------------
mkdir -p "$(dirname "$out")"
printf '%s\n' "${results[@]}" > "$work/results.jsonl"
python3 - "$out" "${PIN:-0}" "$duration" "$warmup" "$rounds" "$work/results.jsonl" <<'PY'
import json, sys, datetime, platform, os, statistics
out, pin, duration, warmup, rounds = sys.argv[1], sys.argv[2] == "1", sys.argv[3], sys.argv[4], int(sys.argv[5])
rows = [json.loads(line) for line in open(sys.argv[6]) if line.strip()]
def find(label, c, w, rnd):
    return next((r for r in rows if r["label"] == label and r["connections"] == c and r["in_flight"] == w
                 and r["round"] == rnd), None)
# The shapes and cartd's labels, in the order they were measured.
shapes = list(dict.fromkeys((r["connections"], r["in_flight"]) for r in rows))
cartd_labels = list(dict.fromkeys(r["label"] for r in rows if r["label"].startswith("cartd")))
# One ratio per round: cartd ÷ the Go echo (and Go health) of the same round and shape.
ratios = []
for c, w in shapes:
    for rnd in range(1, rounds + 1):
        echo, goh = find("go-echo", c, w, rnd), find("go-health", c, w, rnd)
        for label in cartd_labels:
            r = find(label, c, w, rnd)
            if r and echo and echo["calls_per_second"]:
                ratios.append({"cartd": label, "connections": c, "in_flight": w, "round": rnd,
                               "cartd_calls_per_second": r["calls_per_second"],
                               "go_echo_calls_per_second": echo["calls_per_second"],
                               "ratio_to_go_echo": r["calls_per_second"] / echo["calls_per_second"],
                               "ratio_to_go_health": (r["calls_per_second"] / goh["calls_per_second"]) if goh else None})
# The summary: per cartd call and shape, the median of the rounds' ratios and their range.
summary = []
for c, w in shapes:
    for label in cartd_labels:
        xs = [x for x in ratios if x["cartd"] == label and x["connections"] == c and x["in_flight"] == w]
        if not xs:
            continue
        echo = [x["ratio_to_go_echo"] for x in xs]
        health = [x["ratio_to_go_health"] for x in xs if x["ratio_to_go_health"] is not None]
        summary.append({"cartd": label, "connections": c, "in_flight": w, "rounds": len(xs),
                        "median_ratio_to_go_echo": statistics.median(echo),
                        "min_ratio_to_go_echo": min(echo), "max_ratio_to_go_echo": max(echo),
                        "median_ratio_to_go_health": statistics.median(health) if health else None,
                        "median_cartd_calls_per_second": statistics.median(x["cartd_calls_per_second"] for x in xs),
                        "median_go_echo_calls_per_second": statistics.median(x["go_echo_calls_per_second"] for x in xs)})
model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "")
report = {"tool": "bench-peer", "generated_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
          "machine": {"nproc": os.cpu_count(), "cpu_model": model, "kernel": platform.release()},
          "pinned": pin, "duration": duration, "warmup": warmup, "rounds": rounds, "results": rows,
          "ratios": ratios, "summary": summary, "errors": sum(r["errors"] for r in rows)}
json.dump(report, open(out, "w"), indent=2)
print(f"{'client → server':24} {'round':>5} {'C×W':>6} {'calls/s':>10} {'p50 µs':>9} {'p99 µs':>9} {'client CPU µs':>14} {'server CPU µs':>14}")
for r in sorted(rows, key=lambda r: (r["connections"] * r["in_flight"], r["connections"], r["label"], r["round"])):
    server_cpu = r.get("server_cpu_us_per_call")
    print(f"{r['label']:24} {r['round']:>5} {str(r['connections'])+'×'+str(r['in_flight']):>6} {r['calls_per_second']:>10.0f} "
          f"{r['p50_us']:>9.1f} {r['p99_us']:>9.1f} {r.get('client_cpu_us_per_call', 0):>14.1f} "
          + (f"{server_cpu:>14.1f}" if server_cpu is not None else f"{'?':>14}"))
print(f"\ncartd / Go ttrpc peer throughput, same Go client, median of the rounds (range):")
for x in summary:
    print(f"  {x['cartd']:20} {x['connections']}×{x['in_flight']:<3} {x['median_ratio_to_go_echo']:.2f}× Go echo"
          f" ({x['min_ratio_to_go_echo']:.2f}–{x['max_ratio_to_go_echo']:.2f}, {x['rounds']} round{'s' if x['rounds'] != 1 else ''})"
          + (f", {x['median_ratio_to_go_health']:.2f}× Go health" if x['median_ratio_to_go_health'] else ""))
print(f"\nwrote {out}")
sys.exit(1 if report["errors"] else 0)
PY
