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
        interop ci clean help

all: build

help:
	@echo "make run           build and run cartd on $(SOCKET) (SQLite at $(DATABASE))"
	@echo "make test          build and run every test"
	@echo "make ci            check-protos + test + interop (what .ci/run runs)"
	@echo "make protos        regenerate Sources/CCartProto from Protos/"
	@echo "make check-protos  fail if Sources/CCartProto differs from what Protos/ generates"
	@echo "make interop       run the Go ttrpc client (containerd/ttrpc) against a fresh cartd"

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

## CI ----------------------------------------------------------------------------------------

ci: check-protos test interop

clean:
	rm -rf .build $(RUN_DIR) Tests/Interop/go/bin
