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
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Debian packages: the runtime/build libraries, and the Go ttrpc peer for interop.
APT_BASE     := libprotobuf-c-dev protobuf-c-compiler libsqlite3-dev
APT_INTEROP  := golang-go golang-github-containerd-ttrpc-dev gogottrpc gogoprotobuf protobuf-compiler \
                golang-github-gogo-protobuf-dev

.PHONY: all deps deps-interop build release run test test-unit test-integration protos check-protos \
        check-alerts interop ci clean help

all: build

help:
	@echo "make run           build and run cartd on $(SOCKET) (SQLite at $(DATABASE))"
	@echo "make test          build and run every test"
	@echo "make ci            check-protos + test + interop (what .ci/run runs)"
	@echo "make protos        regenerate Sources/CCartProto from Protos/"
	@echo "make check-protos  fail if Sources/CCartProto differs from what Protos/ generates"
	@echo "make interop       run the Go ttrpc client (containerd/ttrpc) against a fresh cartd"
	@echo "make bench         release build + cart-bench (unpinned and pinned) -> bench/results/latest.json"
	@echo "make bench-scale   cart-bench at 1k…1M carts -> bench/results/scale.json"
	@echo "make bench-peer    the Go ttrpc peer vs cartd, one Go client -> bench/results/peer.json"
	@echo "make benchmarks-md regenerate BENCHMARKS.md from bench/results/*.json"

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

## Build -------------------------------------------------------------------------------------

build: deps
	$(SWIFT) build $(SWIFT_FLAGS)

release: deps
	$(SWIFT) build -c release $(SWIFT_FLAGS)

## Run ---------------------------------------------------------------------------------------

run: build
	@mkdir -p $(RUN_DIR) && chmod 700 $(RUN_DIR)
	$(DEBUG_BIN)/cartd --socket $(SOCKET)

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

.PHONY: bench bench-scale bench-peer benchmarks-md

# cart-bench, unpinned and pinned, 10 s per phase: $(BENCH_RESULTS)/latest.json. BENCH_ARGS adds flags.
bench: deps
	$(SWIFT) build -c release $(SWIFT_FLAGS)
	scripts/bench.sh $(RELEASE_BIN) $(BENCH_RESULTS)/latest.json $(BENCH_ARGS)

# Database sizes 1k…1M carts: throughput, cold start, RSS with 1,000 idle connections: $(BENCH_RESULTS)/scale.json.
bench-scale: deps
	$(call apt_install,sqlite3)
	$(SWIFT) build -c release $(SWIFT_FLAGS)
	scripts/bench-scale.sh $(RELEASE_BIN) $(BENCH_RESULTS)/scale.json $(BENCH_ARGS)

# The Go ttrpc peer and the same Go client against cartd: $(BENCH_RESULTS)/peer.json.
bench-peer: deps deps-interop
	$(SWIFT) build -c release $(SWIFT_FLAGS)
	scripts/bench-peer.sh $(RELEASE_BIN) $(BENCH_RESULTS)/peer.json

# BENCHMARKS.md from $(BENCH_RESULTS)/*.json (never edit it by hand).
benchmarks-md:
	scripts/bench-md.sh $(BENCH_RESULTS) BENCHMARKS.md

## CI ----------------------------------------------------------------------------------------

ci: check-protos check-alerts test interop

clean:
	rm -rf .build $(RUN_DIR) Tests/Interop/go/bin
