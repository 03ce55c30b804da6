#!/bin/sh
# Writes the release link's symbol order (Makefile RELEASE_FLAGS, --symbol-ordering-file): the functions
# cartd runs from start-up, through a few calls of each kind, to shutdown — as recorded by valgrind's
# callgrind — so that the release link places them together at the start of .text.
#
# Why: every page fault on the binary's code maps its whole 64 KiB neighbourhood, and start-up touches
# functions spread over 30 MB of .text: ~6,600 functions (1.8 MB of code) kept 4,800 pages (18.8 MiB) of it
# resident; placed together, 2,500 (9.7 MiB).
#
# Usage: scripts/link-order.sh RELEASE_BIN OUTPUT   (make link-order). Needs valgrind and binutils.
# Names that later stop existing are ignored by the linker (--no-warn-symbol-ordering); regenerate after
# large changes to what start-up or the serving path runs.
set -eu
bin=$1
out=$2
work=$(mktemp -d)
vg=
watcher=
cleanup() {
    [ -n "$watcher" ] && kill "$watcher" 2>/dev/null || true
    [ -n "$vg" ] && kill "$vg" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# valgrind 3.19 cannot read the DWARF 5 debug info of the toolchain's output: profile a copy without it.
objcopy --strip-debug "$bin/cartd" "$work/cartd"
head -c 32 /dev/urandom > "$work/secret"
chmod 600 "$work/secret"
valgrind --tool=callgrind --demangle=no --callgrind-out-file="$work/callgrind.out" \
    "$work/cartd" --socket "$work/cartd.sock" --database "$work/cart.db" --jwt-secret-file "$work/secret" \
    > "$work/cartd.log" 2>&1 &
vg=$!

ctl() { "$bin/cartctl" "$@" --socket "$work/cartd.sock" --timeout 60; }
as() { user=$1; shift; ctl "$@" --secret-file "$work/secret" --user "$user"; }
i=0
until ctl health > /dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -ge 240 ] || ! kill -0 "$vg" 2>/dev/null; then
        cat "$work/cartd.log" >&2
        echo "cartd under valgrind did not start" >&2
        exit 1
    fi
    sleep 0.5
done

# What a day of cartd runs: the catalog, every cart mutation, a watch, a refused call, checkout.
as admin catalog import deploy/demo-catalog.json --admin > /dev/null
as admin catalog list --admin > /dev/null
as alice cart add backpack-daypack --variant backpack-daypack-olive --qty 2 > /dev/null
as alice cart add notebook-a5-dotted > /dev/null
as alice cart add notebook-a5-dotted --qty 2 --json > /dev/null
as alice cart add no-such-product > /dev/null 2>&1 || true
item=$(as alice cart show --json | sed -n 's/.*"items":\[{[^]]*"id":"\(item_[A-Z0-9]*\)".*/\1/p')
[ -n "$item" ] || { echo "no item id in alice's cart" >&2; exit 1; }
"$bin/cartctl" cart watch --socket "$work/cartd.sock" --secret-file "$work/secret" --user alice > /dev/null 2>&1 &
watcher=$!
sleep 2
as alice cart update "$item" 3 > /dev/null
as alice cart remove "$item" > /dev/null
sleep 2
kill "$watcher" 2>/dev/null || true
wait "$watcher" 2>/dev/null || true
watcher=
as alice cart show > /dev/null
as bob cart add mug-travel > /dev/null
printf '%s\n' '{"name":"Bob","line1":"1 Main Road","city":"Pune","postal_code":"411001","country":"IN"}' \
    > "$work/address.json"
as bob checkout --shipping-file "$work/address.json" > /dev/null
as bob cart clear > /dev/null
ctl health > /dev/null

kill -TERM "$vg"
status=0
wait "$vg" || status=$?
vg=
[ "$status" -eq 0 ] || { cat "$work/cartd.log" >&2; echo "cartd under valgrind exited with $status" >&2; exit 1; }
[ -s "$work/callgrind.out" ] || { echo "callgrind wrote no profile" >&2; exit 1; }

# Every function callgrind saw that the binary defines (named by the symbol table, not a bare address).
sed -n 's/^c\{0,1\}fn=([0-9]*) \(.*\)$/\1/p' "$work/callgrind.out" | grep -v '^0x' | sort -u > "$work/seen"
nm --defined-only "$bin/cartd" | awk '$2 ~ /^[tTwW]$/ { print $3 }' | sort -u > "$work/defined"
comm -12 "$work/seen" "$work/defined" > "$work/order"
# A whole run sees thousands of functions; far fewer means the profile is broken: keep the old file.
[ "$(wc -l < "$work/order")" -ge 2000 ] || { echo "only $(wc -l < "$work/order") functions seen" >&2; exit 1; }
mv "$work/order" "$out"
echo "$(wc -l < "$out") functions written to $out"
