#!/usr/bin/env bash
# Regenerates BENCHMARKS.md from bench/results/*.json (cart-bench's latest.json and scale.json, the Go
# peer's peer.json) and, when present, bench/notes.md (profiles and explanations, written by people).
# BENCHMARKS.md itself is never edited by hand.
#
# usage: scripts/bench-md.sh [RESULTS_DIR] [OUTPUT]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
results=${1:-$root/bench/results}
out=${2:-$root/BENCHMARKS.md}
python3 - "$results" "$out" "$root/bench/notes.md" <<'PY'
import json, os, sys
results, out, notes_path = sys.argv[1:4]

def load(name):
    path = os.path.join(results, name)
    return json.load(open(path)) if os.path.exists(path) else None

latest, scale, peer, store = load("latest.json"), load("scale.json"), load("peer.json"), load("store.json")
runs = {k: latest[k] for k in ("unpinned", "pinned") if isinstance((latest or {}).get(k), dict)}
lines = []
w = lines.append

def f(x, d=1):
    return "–" if x is None else f"{x:,.{d}f}"

def shape(p):
    return "1×1" if p["mode"] == "sequential" else f"{p['connections']}×{p['inFlight']}"

w("# cartsync benchmarks")
w("")
w("> **Generated** by `make benchmarks-md` (scripts/bench-md.sh) from `bench/results/*.json`"
  " and `bench/notes.md`. Never edit this file by hand: re-run the benchmarks and regenerate it.")
w("")
w("## Method")
w("")
w("- `cart-bench` (Sources/cart-bench) starts the **release** `cartd` next to itself on a private temporary"
  " directory (socket, SQLite database, JWT secret; `--max-line-quantity 10000` so AddItem never hits the line"
  " limit), loads a 20-product catalog with an admin token, and fills each user's cart with 5 lines through AddItem.")
w("- Each workload runs **closed-loop**: every connection keeps W calls in flight and sends the next call from"
  " the completion callback on its NIO event loop (future-based `unaryCall`, no task hop per call). Each phase"
  " has a warm-up, then a measured window; only calls that start and end inside the window count.")
w("  `sequential` is 1 connection × 1 call; `concurrent` is C connections × W calls.")
w("- Workloads: `health` (grpc.health.v1.Health/Check, no auth); `get-cart` (a random user's 5-line cart, bearer"
  " token pre-minted); `add-item` (one unit onto an existing line, fresh `idempotency-key` per call: a durable write"
  " plus an idempotency record); `update-item` (a line toggled between 1 and 2 units); `mixed` (90 % GetCart /"
  " 10 % AddItem); `watch-fanout` (M WatchCart streams on K carts over dedicated connections, a writer changing"
  " the carts at a steady rate; latency = receipt on the watcher's event loop minus the time the change was sent"
  " — an upper bound of commit-to-delivery — and minus the time its reply arrived, a lower bound).")
w("- Latencies: HdrHistogram (3 significant digits), µs. **cartd CPU/call** = utime+stime delta of the daemon"
  " (`/proc/PID/stat`) over the window ÷ calls; **bench CPU/call** is the client's own; **peak RSS** is the"
  " daemon's VmHWM (reset with `clear_refs` before each phase); idle RSS is VmRSS right after start-up.")
w("- **Floor**: a blocking C ping-pong over a Unix socket (Sources/CUDSFloor) with the request/response frame"
  " sizes cartd actually exchanged for that workload, measured in the same run with the same pinning. Every"
  " latency is quoted as a ratio to it.")
w("- **Pinning**: `unpinned` leaves the 2 CPUs to the scheduler; `pinned` (`--pin`) puts the bench, every cartd"
  " thread and both floor ends on CPU 0.")
w("- **Peer**: one Go closed-loop client (containerd/ttrpc 1.1.1 from Debian, GOMAXPROCS = CPUs) drives"
  " containerd's Go ttrpc server echoing 100 bytes (and answering Health/Check with the same frames as cartd),"
  " and cartd's Health/Check and GetCart; the servers run side by side and are measured in interleaved"
  " rounds, each ratio is cartd ÷ Go echo throughput for the same client shape in the same round, and the"
  " targets are judged on the median of the rounds' ratios (their range is shown with it).")
w("- Client and daemon share the machine's CPUs: the bench's own CPU per call is part of every figure.")
w("")
w("Commands: `sbuild make bench` (both pinnings, 10 s per phase), `sbuild make bench-scale`,"
  " `sbuild make bench-peer`, then `make benchmarks-md`. One run by hand:"
  " `.build/release/cart-bench --workloads get-cart --duration 10s --connections 4 --in-flight 4 [--pin] [--json]`.")
w("")

machine = next((r["machine"] for r in runs.values()), None) or (scale or {}).get("machine") or (peer or {}).get("machine")
if machine:
    w("## Machine")
    w("")
    cpu = machine.get("cpuModel") or machine.get("cpu_model")
    w(f"- `nproc`: {machine['nproc']}; CPU: {cpu}; kernel: {machine['kernel']}")
    for name, run in runs.items():
        w(f"- {name} run: {run['generatedAt']}, `{' '.join(os.path.basename(a) if i == 0 else a for i, a in enumerate(run['command']))}`")
    if scale:
        w(f"- scale run: {scale['generatedAt']}")
    if peer:
        w(f"- peer run: {peer['generated_at']}")
    w("")

def phase_table(run):
    w("| workload | C×W | calls/s | p50 µs (× floor) | p90 µs | p99 µs (× floor p99) | p99.9 µs | errors | cartd CPU µs/call | bench CPU µs/call | cartd peak RSS MiB |")
    w("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for p in run["phases"]:
        p50 = f(p["p50Us"]) + (f" ({f(p['p50ToFloor'])}×)" if p.get("p50ToFloor") else "")
        p99 = f(p["p99Us"]) + (f" ({f(p['p99ToFloor'])}×)" if p.get("p99ToFloor") else "")
        w(f"| {p['workload']} | {shape(p)} | {f(p['callsPerSecond'], 0)} | {p50} | {f(p['p90Us'])} | {p99} | "
          f"{f(p['p999Us'])} | {p['errors']} | {f(p.get('daemonCPUUsPerCall'))} | {f(p['benchCPUUsPerCall'])} | "
          f"{f(p.get('daemonPeakRSSMiB'))} |")
    w("")

def find(run, workload, mode):
    return next((p for p in (run or {}).get("phases", []) if p["workload"] == workload and p["mode"] == mode), None)

for name, run in runs.items():
    w(f"## cart-bench, {name}")
    w("")
    w(f"{run['durationSeconds']:.0f} s per phase after {run['warmupSeconds']:.0f} s warm-up; concurrent ="
      f" {run['connections']} connections × {run['inFlight']} in flight; {run['users']} users;"
      f" {run['clientThreads']} client event-loop threads. cartd: start to first Health"
      f" {f(run.get('daemonStartToHealthMs'))} ms (empty database), idle RSS {f(run.get('daemonIdleRSSMiB'))} MiB.")
    w("")
    w("Floor (C ping-pong, same frame sizes and pinning):")
    w("")
    w("| frames of | request B | response B | p50 µs | p99 µs |")
    w("|---|---:|---:|---:|---:|")
    for fl in run["floors"]:
        w(f"| {fl['name']} | {fl['requestBytes']} | {fl['responseBytes']} | {f(fl['p50Us'])} | {f(fl['p99Us'])} |")
    w("")
    phase_table(run)
    wt = run.get("watch")
    if wt:
        w(f"watch-fanout: {wt['watchers']} watchers on {wt['carts']} carts over {wt['connections']} connections,"
          f" {wt['writesPerSecond']} changes/s: {wt['deliveries']:,} of {wt['expectedDeliveries']:,} deliveries;"
          f" from send p50 {f(wt['fromSentP50Us'])} / p90 {f(wt['fromSentP90Us'])} / p99 {f(wt['fromSentP99Us'])}"
          f" / p99.9 {f(wt['fromSentP999Us'])} µs; from reply p50 {f(wt['fromReplyP50Us'])} / p99"
          f" {f(wt['fromReplyP99Us'])} µs ({wt['deliveredBeforeReply']:,} events arrived before the writer's reply);"
          f" errors {wt['errors']}; cartd {f(wt.get('daemonCPUUsPerDelivery'))} µs CPU per delivery.")
        w("")

if peer:
    w("## The Go ttrpc peer (one Go client, two servers)")
    w("")
    w(f"{'pinned to CPU 0' if peer['pinned'] else 'unpinned'}; {peer['duration']} per measurement after {peer['warmup']}"
      f" warm-up; {peer['rounds']} interleaved rounds at 4×4 and 1×16 (1×1 in the first round only).")
    if any(r["label"].startswith("cartd-1loop") for r in peer["results"]):
        w("The `cartd-1loop` rows are a second cartd started with `--event-loop-threads 1` (the default is one"
          " event loop per CPU); the targets are judged on the default.")
    w("")
    w("| client → server | round | C×W | calls/s | p50 µs | p99 µs | errors | Go client CPU µs/call | server CPU µs/call |")
    w("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for r in sorted(peer["results"], key=lambda r: (r["connections"] * r["in_flight"], r["connections"], r["label"], r["round"])):
        w(f"| {r['label']} | {r['round']} | {r['connections']}×{r['in_flight']} | {f(r['calls_per_second'], 0)} |"
          f" {f(r['p50_us'])} | {f(r['p99_us'])} | {r['errors']} | {f(r.get('client_cpu_us_per_call'))} |"
          f" {f(r.get('server_cpu_us_per_call'))} |")
    w("")
    w("| cartd call | C×W | rounds | cartd calls/s (median) | Go echo calls/s (median) | cartd ÷ Go echo, median (range) | cartd ÷ Go health, median |")
    w("|---|---|---:|---:|---:|---:|---:|")
    for x in peer["summary"]:
        w(f"| {x['cartd']} | {x['connections']}×{x['in_flight']} | {x['rounds']} | {f(x['median_cartd_calls_per_second'], 0)} |"
          f" {f(x['median_go_echo_calls_per_second'], 0)} | {f(x['median_ratio_to_go_echo'], 2)}×"
          f" ({f(x['min_ratio_to_go_echo'], 2)}–{f(x['max_ratio_to_go_echo'], 2)}) | {f(x.get('median_ratio_to_go_health'), 2)}× |")
    w("")

rows = (scale or {}).get("scale") or []
if rows:
    w("## Scale: database size")
    w("")
    w(f"GetCart and AddItem at {scale['connections']}×{scale['inFlight']}, {scale['durationSeconds']:.0f} s each,"
      " over a random sample of users; carts written with sqlite3 into cartd's schema after cartd created the"
      " database (one database grown size by size); cold start = spawning cartd to its first answered Health,"
      " median of 3 starts after the file was flushed to disk (page cache warm); RSS with the idle connections open (each served one Health call).")
    w("")
    w("| carts | sqlite3 write s | DB MiB | cold start ms | idle RSS MiB | GetCart/s | p50 µs | p99 µs | AddItem/s | p50 µs | p99 µs | errors | RSS + idle conns MiB | peak RSS MiB |")
    w("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        g, a = r["getCart"], r["addItem"]
        w(f"| {r['carts']:,} | {f(r['populateSeconds'])} | {f(r['databaseMiB'], 0)} | {f(r['coldStartMs'])}"
          + (f" ({', '.join(f(x) for x in r['coldStartsMs'])})" if r.get('coldStartsMs') else "") + " |"
          f" {f(r['idleRSSMiB'])} | {f(g['callsPerSecond'], 0)} | {f(g['p50Us'])} | {f(g['p99Us'])} |"
          f" {f(a['callsPerSecond'], 0)} | {f(a['p50Us'])} | {f(a['p99Us'])} | {g['errors'] + a['errors']} |"
          f" {f(r.get('rssWithIdleConnectionsMiB'))} ({r['idleConnections']}) | {f(r.get('peakRSSMiB'))} |")
    w("")
    total = sum(r["populateSeconds"] for r in rows)
    w(f"Writing the databases took {total:.0f} s in all ({rows[-1]['carts']:,} carts).")
    w("")

if store:
    w("## The store in-process (issue 3)")
    w("")
    w(f"`make bench-store` (Sources/store-bench): the SQLite store without the socket, on a fresh database,"
      f" synchronous {store['synchronous']}, {store['calls']:,} calls per workload timed one by one (first 1 % left out).")
    w("")
    w("The `sqlite-*` rows are the floor: the same SQL through SQLite's C API alone (Sources/CStoreFloor), on the"
      " same file in the same run; the store's rows give their median as a ratio to it.")
    w("")
    w("| workload | what | median µs | p90 µs | p99 µs | × SQLite floor |")
    w("|---|---|---:|---:|---:|---:|")
    for x in store["workloads"]:
        ratio = f"{f(x['ratioToFloor'], 2)}× {x['floor']}" if "ratioToFloor" in x else ""
        w(f"| {x['name']} | {x['what']} | {f(x['p50Us'])} | {f(x['p90Us'])} | {f(x['p99Us'])} | {ratio} |")
    w("")

# Targets (issue 7), judged from the figures above.
w("## Targets")
w("")
w("| target | measured | met |")
w("|---|---|---|")
def judge(name, measured, ok):
    w(f"| {name} | {measured} | {'—' if ok is None else ('yes' if ok else '**no**')} |")
for name, run in runs.items():
    h = find(run, "health", "sequential")
    if h and h.get("p50ToFloor"):
        judge(f"Health sequential p50 ≤ 2× floor ({name})", f"{f(h['p50Us'])} µs = {f(h['p50ToFloor'])}× floor {f(h['floorP50Us'])} µs", h["p50ToFloor"] <= 2)
    g = find(run, "get-cart", "sequential")
    if g and g.get("p50ToFloor"):
        judge(f"GetCart sequential p50 ≤ 3× floor ({name})", f"{f(g['p50Us'])} µs = {f(g['p50ToFloor'])}× floor {f(g['floorP50Us'])} µs", g["p50ToFloor"] <= 3)
    gc = find(run, "get-cart", "concurrent")
    if gc and gc["connections"] * gc["inFlight"] == 16:
        judge(f"GetCart ≥ 50,000 calls/s at 16 in flight ({name})", f"{f(gc['callsPerSecond'], 0)}/s", gc["callsPerSecond"] >= 50000)
    ac = find(run, "add-item", "concurrent")
    if ac and ac["connections"] * ac["inFlight"] == 16:
        judge(f"AddItem ≥ 10,000/s and p99 ≤ 5 ms at 16 in flight ({name})", f"{f(ac['callsPerSecond'], 0)}/s, p99 {f(ac['p99Us'] / 1000, 2)} ms",
              ac["callsPerSecond"] >= 10000 and ac["p99Us"] <= 5000)
    wt = run.get("watch")
    if wt:
        judge(f"watch-fanout {wt['watchers']} watchers / {wt['carts']} carts p99 ≤ 5 ms ({name})",
              f"p99 {f(wt['fromSentP99Us'] / 1000, 2)} ms from send ({f(wt['fromReplyP99Us'] / 1000, 2)} ms from reply)",
              wt["fromSentP99Us"] <= 5000 if wt["watchers"] >= 1000 and wt["carts"] >= 100 else None)
    if run.get("daemonIdleRSSMiB") is not None:
        judge(f"idle RSS ≤ 30 MiB ({name})", f"{f(run['daemonIdleRSSMiB'])} MiB", run["daemonIdleRSSMiB"] <= 30)
if peer:
    for x in peer["summary"]:
        got = (f"{f(x['median_ratio_to_go_echo'], 2)}× (median of {x['rounds']} rounds;"
               f" range {f(x['min_ratio_to_go_echo'], 2)}–{f(x['max_ratio_to_go_echo'], 2)}×)")
        if x["connections"] * x["in_flight"] == 16 and x["cartd"] == "cartd-health":
            judge(f"Health ≥ 1.5× Go echo throughput at {x['connections']}×{x['in_flight']}", got, x["median_ratio_to_go_echo"] >= 1.5)
        if x["connections"] * x["in_flight"] == 16 and x["cartd"] == "cartd-get-cart":
            judge(f"GetCart ≥ 1.0× Go echo throughput at {x['connections']}×{x['in_flight']}", got, x["median_ratio_to_go_echo"] >= 1.0)
for r in rows:
    if r["carts"] == 100000 and r.get("rssWithIdleConnectionsMiB") is not None:
        judge(f"RSS ≤ 200 MiB with 100,000 carts and {r['idleConnections']} connections", f"{f(r['rssWithIdleConnectionsMiB'])} MiB (peak {f(r.get('peakRSSMiB'))})", r["rssWithIdleConnectionsMiB"] <= 200 and r["idleConnections"] >= 1000)
    if r["carts"] == 1000000:
        judge("cold start to first Health ≤ 200 ms with 1M carts", f"{f(r['coldStartMs'])} ms", r["coldStartMs"] <= 200)
if store:
    byname = {x["name"]: x for x in store["workloads"]}
    if "add-item" in byname:
        floor = byname.get("sqlite-add-item")
        extra = f" (SQLite's own floor for the same SQL: {f(floor['p50Us'])} µs)" if floor else ""
        judge("store: single-line AddItem commit median ≤ 60 µs", f"{f(byname['add-item']['p50Us'])} µs{extra}", byname["add-item"]["p50Us"] <= 60)
    if "load-price-5" in byname:
        floor = byname.get("sqlite-load-5")
        extra = f" (SQLite's own floor for the query: {f(floor['p50Us'])} µs)" if floor else ""
        judge("store: 5-line cart load + price median ≤ 20 µs (uncached)", f"{f(byname['load-price-5']['p50Us'])} µs{extra}", byname["load-price-5"]["p50Us"] <= 20)
    if "get-priced-5" in byname:
        judge("store: 5-line cart load + price median ≤ 20 µs (cart cache, as GetCart)", f"{f(byname['get-priced-5']['p50Us'])} µs", byname["get-priced-5"]["p50Us"] <= 20)
if len(rows) >= 2:
    g = [r["getCart"]["callsPerSecond"] for r in rows]
    a = [r["addItem"]["callsPerSecond"] for r in rows]
    judge(f"flat cost {rows[0]['carts']:,} → {rows[-1]['carts']:,} carts (largest ÷ smallest)",
          f"GetCart {f(g[-1] / g[0], 2)}×, AddItem {f(a[-1] / a[0], 2)}×", None)
w("")

if os.path.exists(notes_path):
    w("## Profiles and notes")
    w("")
    w(open(notes_path).read().rstrip())
    w("")

open(out, "w").write("\n".join(lines) + "\n")
print(f"benchmarks-md: wrote {out}")
PY
