#!/usr/bin/env bash
# Builds the Go interop client against Debian's containerd/ttrpc (GOPATH mode, no network) and runs
# it against a freshly started cartd.  usage: Tests/Interop/run.sh PATH/TO/cartd
set -euo pipefail
cartd=$(realpath "${1:?usage: run.sh PATH/TO/cartd}")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d /tmp/cartsync-interop-XXXXXX)
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

gen=cartsync.local/interop/gen
out="$work/gopath/src/$gen"
mkdir -p "$out" "$work/gopath/src/cartsync.local/interop/cmd"
mapping="Mcart/v1/common.proto=$gen/cart/v1,Mcart/v1/cart.proto=$gen/cart/v1"
mapping="$mapping,Mgrpc/health/v1/health.proto=$gen/grpc/health/v1,Mcartsync/testing/v1/testing.proto=$gen/cartsync/testing/v1"
# One protoc run per Go package; gogottrpc as PROTOCOL.md prescribes (--go_out messages panic with ttrpc 1.1.1).
for protos in "grpc/health/v1/health.proto" "cartsync/testing/v1/testing.proto" "cart/v1/common.proto cart/v1/cart.proto"; do
  (cd "$root/Protos" && protoc --gogottrpc_out="plugins=ttrpc,paths=source_relative,$mapping:$out" $protos)
done
cp "$here/go/main.go" "$work/gopath/src/cartsync.local/interop/cmd/main.go"
(cd "$work/gopath/src/cartsync.local/interop/cmd" && \
  GO111MODULE=off GOPATH="$work/gopath:/usr/share/gocode" GOPROXY=off GOFLAGS=-mod=mod GOCACHE="$work/cache" \
  go build -o "$work/interop" .)

chmod 700 "$work"
socket="$work/cartd.sock"
head -c 32 /dev/urandom | base64 > "$work/jwt.secret" && chmod 600 "$work/jwt.secret"
args=(--socket "$socket" --enable-test-service --database "$work/cart.db" --jwt-secret-file "$work/jwt.secret"
      --seed-catalog "$root/deploy/demo-catalog.json")
token=$("$(dirname "$cartd")/cartctl" token mint --user interop-user --secret-file "$work/jwt.secret" --ttl 10m)
"$cartd" "${args[@]}" > "$work/cartd.log" 2>&1 &
pid=$!
for _ in $(seq 1 200); do [ -S "$socket" ] && break; sleep 0.05; done
[ -S "$socket" ] || { echo "cartd did not start:"; cat "$work/cartd.log"; exit 1; }

status=0
"$work/interop" -socket "$socket" -token "$token" || status=$?
if [ $status -ne 0 ]; then echo "--- cartd log ---"; cat "$work/cartd.log"; fi
exit $status
