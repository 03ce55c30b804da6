# cartsync — build, run, test.  `make run` and `make test` are all a newcomer needs.
#
# Every target that needs system packages installs the missing ones first (apt-get, with sudo
# when not root). Swift builds share one .build directory.

SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)

SWIFT        ?= swift
SWIFT_FLAGS  ?=
RUN_DIR      ?= .run
SOCKET       ?= $(RUN_DIR)/cartd.sock
DATABASE     ?= $(RUN_DIR)/cart.db
DEBUG_BIN    := .build/debug
RELEASE_BIN  := .build/release
# Release binaries carry the Swift runtime and Foundation statically linked: measured on cartd (BENCHMARKS.md),
# 4 MiB less idle RSS, ~20 ms faster start and 1-2 us less CPU per call than the shared libraries. Generic
# code is specialised across modules (-cross-module-optimization): store-bench add-item about 6 % faster.
# They are linked by the toolchain's lld (a toolset file written into .build: gold cannot pack relocations)
# with relative relocations packed (-z pack-relative-relocs: 3 MB of .rela.dyn become 24 KB of .relr.dyn,
# which glibc >= 2.36 applies) and without exporting every Swift symbol (--no-export-dynamic: the dynamic
# symbol table shrinks from 4 MB to 25 KB); together ~5 MiB less RSS (BENCHMARKS.md). The functions cartd
# runs (build-support/link-order.txt, written by `make link-order`) are placed together at the start of .text:
# an idle cartd then holds about half as much of its code in memory (9.7 instead of 18.8 MiB; BENCHMARKS.md).
# Release code is built without Swift's dynamic exclusivity checks (-enforce-exclusivity=unchecked, every
# module, dependencies too): each access to a class's stored property otherwise goes through
# swift_beginAccess and a thread-local access set, ~4 % of cartd's CPU per Health call. Debug builds,
# `make test` and the sanitizers keep the checks, so a violation still traps there (BENCHMARKS.md).
RELEASE_TOOLSET := .build/release-toolset.json
LINK_ORDER   := build-support/link-order.txt
RELEASE_FLAGS ?= --static-swift-stdlib -Xswiftc -cross-module-optimization -Xswiftc -enforce-exclusivity=unchecked --toolset $(RELEASE_TOOLSET) \
                 -Xlinker --no-export-dynamic -Xlinker -z -Xlinker pack-relative-relocs \
                 -Xlinker --symbol-ordering-file=$(CURDIR)/$(LINK_ORDER) -Xlinker --no-warn-symbol-ordering
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Debian packages: the runtime/build libraries, and the Go ttrpc peer for interop.
APT_BASE     := libprotobuf-c-dev protobuf-c-compiler libsqlite3-dev
APT_INTEROP  := golang-go golang-github-containerd-ttrpc-dev gogottrpc gogoprotobuf protobuf-compiler \
                golang-github-gogo-protobuf-dev

.PHONY: all deps deps-interop deps-release build release link-order run test test-unit test-integration protos check-protos \
        check-alerts interop ci clean help

all: build

help:
	@echo "make run           build and run cartd on $(SOCKET) (SQLite at $(DATABASE))"
	@echo "make test          build and run every test"
	@echo "make ci            check-protos, check-alerts, test, interop, fuzz-ci, soak-ci (what .ci/run runs)"
	@echo "make protos        regenerate Sources/CCartProto from Protos/"
	@echo "make check-protos  fail if Sources/CCartProto differs from what Protos/ generates"
	@echo "make interop       run the Go ttrpc client (containerd/ttrpc) against a fresh cartd"
	@echo "make link-order    record the functions cartd runs (valgrind) into $(LINK_ORDER), placed first by the release link"
	@echo "make bench         release build + cart-bench (unpinned and pinned) -> bench/results/latest.json"
	@echo "make bench-scale   cart-bench at 1k…1M carts -> bench/results/scale.json"
	@echo "make bench-peer    the Go ttrpc peer vs cartd, one Go client -> bench/results/peer.json"
	@echo "make bench-store   store-bench: the SQLite store in-process (AddItem commit, load + price) -> bench/results/store.json"
	@echo "make benchmarks-md regenerate BENCHMARKS.md from bench/results/*.json"
	@echo "make fuzz          libFuzzer+ASan on frames, envelopes and payloads for FUZZ_SECONDS (600); CI: fuzz-ci (60 s)"
	@echo "make sanitize      the unit tests under AddressSanitizer, then ThreadSanitizer (two full builds)"
	@echo "make soak          release cartd under mixed load for DURATION (10m), RSS sampled, invariants checked; CI: soak-ci (20 s)"
	@echo "make crash-soak    the kill -9 crash-safety test with CRASH_ROUNDS (200) kills instead of CI's 24"

## System packages ---------------------------------------------------------------------------

define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

deps:
	$(call apt_install,$(APT_BASE))

deps-interop:
	$(call apt_install,$(APT_INTEROP))

deps-release: deps
	@mkdir -p $(dir $(RELEASE_TOOLSET))
	@lld="$$(dirname "$$(readlink -f "$$(command -v $(SWIFT))")")/ld.lld"; \
	  [ -x "$$lld" ] || { echo "no ld.lld next to $(SWIFT) ($$lld)" >&2; exit 1; }; \
	  printf '{ "schemaVersion": "1.0", "linker": { "path": "%s" } }\n' "$$lld" > $(RELEASE_TOOLSET).tmp; \
	  cmp -s $(RELEASE_TOOLSET).tmp $(RELEASE_TOOLSET) && rm $(RELEASE_TOOLSET).tmp || mv $(RELEASE_TOOLSET).tmp $(RELEASE_TOOLSET)

## Build -------------------------------------------------------------------------------------

build: deps
	$(SWIFT) build $(SWIFT_FLAGS)

release: deps-release
	$(SWIFT) build -c release $(RELEASE_FLAGS) $(SWIFT_FLAGS)

# Re-record $(LINK_ORDER) from a release cartd under valgrind (start-up, a few calls of each kind, shutdown),
# then link again with it. Commit the file; regenerate after large changes to start-up or the serving path.
link-order: release
	$(call apt_install,valgrind binutils)
	scripts/link-order.sh $(RELEASE_BIN) $(LINK_ORDER)
	rm -f $(RELEASE_BIN)/cartd $(RELEASE_BIN)/cartctl  # SwiftPM does not track the file: force the link
	$(SWIFT) build -c release $(RELEASE_FLAGS) $(SWIFT_FLAGS)

## Run ---------------------------------------------------------------------------------------

# Development: a private .run/ directory, a JWT secret made on first use (mode 0600, used by
# `cartctl --user`), the demo catalog loaded into an empty database, the simulated gateway.
JWT_SECRET   ?= $(RUN_DIR)/jwt.secret

run: build
	@mkdir -p $(RUN_DIR) && chmod 700 $(RUN_DIR)
	@[ -s $(JWT_SECRET) ] || (umask 077 && head -c 32 /dev/urandom | base64 > $(JWT_SECRET) && \
	  echo "created $(JWT_SECRET) (mode 0600)")
	$(DEBUG_BIN)/cartd --socket $(SOCKET) --database $(DATABASE) --jwt-secret-file $(JWT_SECRET) \
	  --seed-catalog deploy/demo-catalog.json --metrics-listen 127.0.0.1:9464 $(CARTD_FLAGS)

## Tests -------------------------------------------------------------------------------------

# Unit tests first, then the socket-level tests (which start real cartd processes) on a quieter machine.
test: deps
	$(SWIFT) build --build-tests $(SWIFT_FLAGS)
	$(SWIFT) test --skip-build --skip IntegrationTests $(SWIFT_FLAGS)
	$(SWIFT) test --skip-build --filter IntegrationTests $(SWIFT_FLAGS)

test-unit: deps
	$(SWIFT) build --build-tests $(SWIFT_FLAGS)
	$(SWIFT) test --skip-build --skip IntegrationTests $(SWIFT_FLAGS)

test-integration: deps
	$(SWIFT) build --build-tests $(SWIFT_FLAGS)
	$(SWIFT) test --skip-build --filter IntegrationTests $(SWIFT_FLAGS)

## Protocol buffers --------------------------------------------------------------------------

protos: deps
	scripts/gen-protos.sh Sources/CCartProto

check-protos: deps
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	scripts/gen-protos.sh "$$tmp/CCartProto" && \
	if diff -r "$$tmp/CCartProto" Sources/CCartProto; then echo "check-protos: generated code matches Protos/"; \
	else echo "check-protos: Sources/CCartProto differs from Protos/; run 'make protos' and commit" >&2; exit 1; fi

## Interop with containerd's Go ttrpc client ------------------------------------------------

interop: deps deps-interop build
	Tests/Interop/run.sh $(DEBUG_BIN)/cartd

## Alerts ------------------------------------------------------------------------------------

check-alerts:
	$(call apt_install,prometheus)
	promtool check rules deploy/prometheus/alerts.yml
	cd deploy/prometheus && promtool test rules alerts_test.yml

## Install -----------------------------------------------------------------------------------
# make install [PREFIX=/usr/local] [DESTDIR=] [SYSTEMDDIR=/lib/systemd/system]: the release binaries,
# the systemd units (ExecStart follows PREFIX), and $(DESTDIR)/etc/cartd/cartd.json from
# deploy/cartd.example.json unless one exists. `make uninstall` removes binaries and units (never the config).

PREFIX      ?= /usr/local
DESTDIR     ?=
SYSTEMDDIR  ?= /lib/systemd/system
CONFIG_DIR  := $(DESTDIR)/etc/cartd

.PHONY: install uninstall

install: release
	install -d -m 0755 $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(SYSTEMDDIR) $(CONFIG_DIR)
	install -m 0755 $(RELEASE_BIN)/cartd $(RELEASE_BIN)/cartctl $(DESTDIR)$(PREFIX)/bin/
	sed 's|/usr/local/bin/cartd|$(PREFIX)/bin/cartd|g' deploy/systemd/cartd.service > $(DESTDIR)$(SYSTEMDDIR)/cartd.service
	install -m 0644 deploy/systemd/cartd.socket $(DESTDIR)$(SYSTEMDDIR)/cartd.socket
	chmod 0644 $(DESTDIR)$(SYSTEMDDIR)/cartd.service
	@if [ -e $(CONFIG_DIR)/cartd.json ]; then echo "keeping the existing $(CONFIG_DIR)/cartd.json"; \
	else install -m 0640 deploy/cartd.example.json $(CONFIG_DIR)/cartd.json && echo "installed $(CONFIG_DIR)/cartd.json"; fi
	@if [ -z "$(DESTDIR)" ] && getent group cartd >/dev/null; then chgrp cartd $(CONFIG_DIR)/cartd.json; fi
	@echo "next: see README, Configuring (user cartd, /etc/cartd/jwt.secret, systemctl enable --now cartd.socket)"

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/cartd $(DESTDIR)$(PREFIX)/bin/cartctl
	rm -f $(DESTDIR)$(SYSTEMDDIR)/cartd.service $(DESTDIR)$(SYSTEMDDIR)/cartd.socket
	@echo "left $(CONFIG_DIR) and /var/lib/cartd (configuration and data) in place"

## Benchmarks (issue 7) -----------------------------------------------------------------------
# Run them under `sbuild` so no Swift build competes for the CPUs while measuring.

BENCH_RESULTS ?= bench/results

.PHONY: bench bench-scale bench-peer bench-store benchmarks-md

# cart-bench, unpinned and pinned, 10 s per phase: $(BENCH_RESULTS)/latest.json. BENCH_ARGS adds flags.
bench: deps-release
	$(SWIFT) build -c release $(RELEASE_FLAGS) $(SWIFT_FLAGS)
	scripts/bench.sh $(RELEASE_BIN) $(BENCH_RESULTS)/latest.json $(BENCH_ARGS)

# Database sizes 1k…1M carts: throughput, cold start, RSS with 1,000 idle connections: $(BENCH_RESULTS)/scale.json.
bench-scale: deps-release
	$(call apt_install,sqlite3)
	$(SWIFT) build -c release $(RELEASE_FLAGS) $(SWIFT_FLAGS)
	scripts/bench-scale.sh $(RELEASE_BIN) $(BENCH_RESULTS)/scale.json $(BENCH_ARGS)

# The Go ttrpc peer and the same Go client against cartd: $(BENCH_RESULTS)/peer.json.
bench-peer: deps-release deps-interop
	$(SWIFT) build -c release $(RELEASE_FLAGS) $(SWIFT_FLAGS)
	scripts/bench-peer.sh $(RELEASE_BIN) $(BENCH_RESULTS)/peer.json

# The SQLite store in-process (issue 3: AddItem commit, 5-line load + price): $(BENCH_RESULTS)/store.json.
bench-store: deps-release
	$(SWIFT) build -c release --product store-bench $(RELEASE_FLAGS) $(SWIFT_FLAGS)
	@mkdir -p $(BENCH_RESULTS)
	$(RELEASE_BIN)/store-bench --json $(BENCH_RESULTS)/store.json

# BENCHMARKS.md from $(BENCH_RESULTS)/*.json (never edit it by hand).
benchmarks-md:
	scripts/bench-md.sh $(BENCH_RESULTS) BENCHMARKS.md

## Fuzzing and sanitizers (issue 8) ---------------------------------------------------------
# make fuzz [FUZZ_SECONDS=600]: libFuzzer + AddressSanitizer over the frame decoder, the ttrpc envelopes
# and every request payload (Fuzz/, its own package and build folder). New inputs go to
# $(FUZZ_BUILD)/corpus (Fuzz/corpus, the committed seeds, is only read); a crash lands in Fuzz/crashes/
# and fails the target: turn it into a regression test (Fuzz/README.md).
# make sanitize: the unit tests (not IntegrationTests) under ASan (with LeakSanitizer), then TSan; any
# report fails the target (TSan exits 66 after the run). Two full builds: not in CI.

FUZZ_SECONDS ?= 600
FUZZ_BUILD   := .build-fuzz
FUZZ_BIN     := $(FUZZ_BUILD)/debug/cartsync-fuzz
FUZZ_FLAGS   := -c debug --package-path Fuzz --scratch-path $(FUZZ_BUILD) -Xswiftc -sanitize=fuzzer,address
# ld.gold warns once per ASan helper symbol ("Cannot export local symbol"): harmless, and hundreds of lines.
LD_NOISE     := grep -v "Cannot export local symbol" || true

.PHONY: fuzz fuzz-ci fuzz-build fuzz-corpus sanitize

fuzz-build: deps
	@# Same dependency versions as the main build when it has resolved them (Package.resolved is not committed).
	@if [ -f Package.resolved ]; then cp Package.resolved Fuzz/Package.resolved; fi
	set -o pipefail; $(SWIFT) build $(FUZZ_FLAGS) 2>&1 | { $(LD_NOISE); }

fuzz: fuzz-build
	@mkdir -p $(FUZZ_BUILD)/corpus Fuzz/crashes
	$(FUZZ_BIN) $(FUZZ_BUILD)/corpus Fuzz/corpus -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=4096 \
	  -artifact_prefix=Fuzz/crashes/ -print_final_stats=1

fuzz-ci:
	$(MAKE) fuzz FUZZ_SECONDS=60

# Rewrites the seed corpus (Fuzz/corpus) from the real encoders; commit the result.
fuzz-corpus: fuzz-build
	rm -f Fuzz/corpus/*.bin
	$(FUZZ_BIN) --write-seed-corpus Fuzz/corpus

sanitize: deps
	set -o pipefail; $(SWIFT) build --build-tests -Xswiftc -sanitize=address --scratch-path .build-asan $(SWIFT_FLAGS) 2>&1 | { $(LD_NOISE); }
	LSAN_OPTIONS=suppressions=$(CURDIR)/scripts/lsan.supp \
	  $(SWIFT) test --skip-build --skip IntegrationTests -Xswiftc -sanitize=address --scratch-path .build-asan $(SWIFT_FLAGS)
	set -o pipefail; $(SWIFT) build --build-tests -Xswiftc -sanitize=thread --scratch-path .build-tsan $(SWIFT_FLAGS) 2>&1 | { $(LD_NOISE); }
	$(SWIFT) test --skip-build --skip IntegrationTests -Xswiftc -sanitize=thread --scratch-path .build-tsan $(SWIFT_FLAGS)

## Soak and crash safety (issue 8) -----------------------------------------------------------
# make soak [DURATION=10m] [SOAK_ARGS=…]: cart-soak (Sources/cart-soak) against the release cartd: mixed load
# from many clients with watchers and checkouts, RSS sampled every 5 s, then invariants checked on the
# database with GRDB; exits non-zero on any violation or RSS growth over 50 %. Report: $(SOAK_OUTPUT).
# make soak-ci: the same for 20 s on the debug build (part of `make ci`).
# make crash-soak [CRASH_ROUNDS=200]: CrashSafetyTests' kill -9 test with more kills than CI's 24.

DURATION     ?= 10m
SOAK_ARGS    ?=
SOAK_OUTPUT  ?= $(RUN_DIR)/soak.json
CRASH_ROUNDS ?= 200

.PHONY: soak soak-ci crash-soak

soak: deps-release
	$(SWIFT) build -c release --product cartd $(RELEASE_FLAGS) $(SWIFT_FLAGS)
	$(SWIFT) build -c release --product cart-soak $(RELEASE_FLAGS) $(SWIFT_FLAGS)
	@mkdir -p $(dir $(SOAK_OUTPUT))
	$(RELEASE_BIN)/cart-soak --duration $(DURATION) --max-rss-growth-percent 50 --output $(SOAK_OUTPUT) $(SOAK_ARGS)

soak-ci: deps
	$(SWIFT) build --product cartd $(SWIFT_FLAGS)
	$(SWIFT) build --product cart-soak $(SWIFT_FLAGS)
	$(DEBUG_BIN)/cart-soak --duration 20s --users 128 --workers 8 --watchers 16 $(SOAK_ARGS)

crash-soak: deps
	$(SWIFT) build --build-tests $(SWIFT_FLAGS)
	CARTSYNC_CRASH_ROUNDS=$(CRASH_ROUNDS) $(SWIFT) test --skip-build --filter "CrashSafetyTests/killNineUnderLoad" $(SWIFT_FLAGS)

## CI ----------------------------------------------------------------------------------------

ci: check-protos check-alerts test interop fuzz-ci soak-ci

clean:
	rm -rf .build $(RUN_DIR) Tests/Interop/go/bin
