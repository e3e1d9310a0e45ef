# Espresso: build, check and run.
#
#   make deps    install the Debian packages and Go tools the build and tests need
#   make build   bin/espresso (desktop app), bin/espresso-helper, bin/espressoctl
#   make build-helper  bin/espresso-helper and bin/espressoctl alone
#   make package dist/espresso_VERSION_amd64.deb and dist/espresso-VERSION.x86_64.rpm
#   make test    lint, cross-builds and every test (root-only tests need root)
#   make strongswan6  build strongSwan 6 for the tests, once per machine
#   make lint    gofmt, go mod tidy -diff, go vet, staticcheck
#   make cross   build and vet the non-GUI code for macOS and FreeBSD
#   make fuzz    every fuzz target for FUZZTIME each, with executions and new corpus entries
#   make bench   benchmarks with ratios against baselines measured in the same run
#   make demo    a local strongSwan gateway in a namespace, Espresso connected to it
#   make clean   remove what the build made

SHELL       := /bin/bash
# Fyne complains at start-up about a locale without a language.
export LANG ?= C.UTF-8
GO          ?= go
TOOLS       := $(CURDIR)/.tools
STATICCHECK := $(TOOLS)/staticcheck
STATICCHECK_VERSION := v0.8.2
NFPM        := $(TOOLS)/nfpm
NFPM_VERSION := v2.48.0
# wireguard-go, the userland tunnel make bench compares with, at the
# version go.mod requires (the module's root package is the command).
WIREGUARD_VERSION := $(shell awk '$$1 == "golang.zx2c4.com/wireguard" { print $$2 }' go.mod)
WIREGUARD_GO := $(TOOLS)/wireguard-go-$(WIREGUARD_VERSION)/wireguard
# How long make fuzz runs each fuzz target (go test -fuzztime).
FUZZTIME ?= 10s
# More flags for the system benchmark: make bench BENCH_FLAGS='-rounds 5 -profile build/helper.pprof'
BENCH_FLAGS ?=

# One version for the binaries and the packages, from git describe
# (packaging/version.sh); internal/version falls back to the Go build
# information when a build does not stamp it.
VERSION     := $(shell packaging/version.sh)
LDFLAGS     := -X github.com/espressovpn/espresso/internal/version.stamp=$(VERSION)

# Everything but the GUI main builds without cgo on every OS we support.
PORTABLE := ./helper/... ./ipsec/... ./platform/... ./app/espressoctl/...
CROSS_TARGETS := darwin/amd64 darwin/arm64 freebsd/amd64

# Debian packages: the C toolchain and X11/GL headers Fyne needs, then what the
# tests use (strongSwan with kernel-libipsec, iperf3, namespaces, Xvfb, captures,
# and what building strongSwan 6 from source takes).
# They are installed with service starts disabled (policy-rc.d), so that
# strongSwan's packages do not start a system charon: the tests run their own.
DEB_PACKAGES := gcc pkg-config libgl1-mesa-dev xorg-dev \
	strongswan-charon strongswan-swanctl libcharon-extra-plugins \
	libstrongswan-standard-plugins libstrongswan-extra-plugins \
	libcharon-extauth-plugins iperf3 iproute2 iputils-ping nftables \
	tcpdump xvfb imagemagick procps conntrack wireguard-tools ethtool \
	lintian rpm systemd \
	autoconf automake libtool gperf bison flex libgmp-dev libssl-dev make

.PHONY: all deps build build-helper package test gotest lint cross fuzz bench demo clean strongswan6

all: build

deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then \
		echo "deps: Debian packages present"; \
	elif [ "$$(id -u)" != 0 ]; then \
		echo "deps: missing Debian packages:$$missing (run make deps as root; tests that need them will skip)"; \
	else \
		echo "deps: installing$$missing"; \
		apt-get update -qq || exit 1; \
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; rc=$$?; \
		rm -f /usr/sbin/policy-rc.d; \
		exit $$rc; \
	fi
	@$(MAKE) --no-print-directory $(STATICCHECK) $(NFPM) $(WIREGUARD_GO)

$(STATICCHECK):
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

# nfpm builds the .deb and .rpm; a tool of its own rather than a module
# requirement, so the module's dependency graph stays the program's.
$(NFPM):
	GOBIN=$(TOOLS) $(GO) install github.com/goreleaser/nfpm/v2/cmd/nfpm@$(NFPM_VERSION)

$(WIREGUARD_GO):
	GOBIN=$(dir $@) $(GO) install golang.zx2c4.com/wireguard@$(WIREGUARD_VERSION)

build: build-helper
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/espresso ./app

# The helper and the CLI alone: what the end-to-end tests run.
build-helper:
	CGO_ENABLED=0 $(GO) build -ldflags "$(LDFLAGS)" -o bin/espresso-helper ./helper
	CGO_ENABLED=0 $(GO) build -ldflags "$(LDFLAGS)" -o bin/espressoctl ./app/espressoctl

# The Linux packages (packaging/linux, README "Installing"): the binaries
# built again without symbol tables (the helper and the CLI as static
# PIEs), a changelog for the version, espressoctl's man page and shell
# completions, then nfpm. The macOS and FreeBSD packages are built on those systems by
# packaging/darwin/build-pkg.sh and packaging/freebsd/build-pkg.sh.
# build/package is where packaging/linux/nfpm.yaml takes them from.
PKG_BUILD := $(CURDIR)/build/package
package: $(NFPM)
	@mkdir -p $(PKG_BUILD)/bin dist
	$(GO) build -ldflags "-s -w $(LDFLAGS)" -o $(PKG_BUILD)/bin/espresso ./app
	CGO_ENABLED=0 $(GO) build -buildmode=pie -ldflags "-s -w $(LDFLAGS)" -o $(PKG_BUILD)/bin/espresso-helper ./helper
	CGO_ENABLED=0 $(GO) build -buildmode=pie -ldflags "-s -w $(LDFLAGS)" -o $(PKG_BUILD)/bin/espressoctl ./app/espressoctl
	@printf 'espresso (%s) unstable; urgency=medium\n\n  * Built from %s; the changes are in the history of\n    https://github.com/espressovpn/espresso\n\n -- Espresso developers <espressovpn@users.noreply.github.com>  %s\n' \
		'$(VERSION)' "$$(git rev-parse --short=12 HEAD 2>/dev/null || echo a source tree)" \
		"$$(git log -1 --format=%aD 2>/dev/null || date -R)" | gzip -9n > $(PKG_BUILD)/changelog.gz
	@# The man page and the shell completions, from the CLI that describes
	@# itself (`espressoctl help --man`, `espressoctl completion SHELL`).
	$(PKG_BUILD)/bin/espressoctl help --man | gzip -9n > $(PKG_BUILD)/espressoctl.1.gz
	$(PKG_BUILD)/bin/espressoctl completion bash > $(PKG_BUILD)/espressoctl.bash
	$(PKG_BUILD)/bin/espressoctl completion zsh > $(PKG_BUILD)/espressoctl.zsh
	$(PKG_BUILD)/bin/espressoctl completion fish > $(PKG_BUILD)/espressoctl.fish
	rm -f dist/espresso_*_amd64.deb dist/espresso-*.x86_64.rpm
	ESPRESSO_VERSION='$(VERSION)' \
		$(NFPM) package --config packaging/linux/nfpm.yaml --packager deb --target 'dist/espresso_$(VERSION)_amd64.deb'
	ESPRESSO_VERSION='$(VERSION)' \
		$(NFPM) package --config packaging/linux/nfpm.yaml --packager rpm --target 'dist/espresso-$(VERSION).x86_64.rpm'

test: deps lint cross package strongswan6 gotest

# strongSwan 6, which the tests against it run, built from its source
# tarball into a cache directory keyed by the tarball's SHA-256 (see the
# script for the places and the variables that move them): minutes the
# first time on a machine, then nothing. Where it cannot be built (no
# root, no tarball) those tests skip and say why; a failed build fails.
strongswan6:
	@if [ "$$(id -u)" != 0 ]; then echo "strongswan6: not root: the tests against strongSwan 6 will be skipped"; exit 0; fi; \
	platform/linux/testnet/strongswan6.sh >/dev/null; rc=$$?; \
	if [ $$rc = 2 ]; then echo "strongswan6: cannot build here: the tests against strongSwan 6 will be skipped"; exit 0; fi; \
	exit $$rc

# Root-only tests (network namespaces, TUN, strongSwan) skip with a message
# when not root; -v is off, so the skips are listed by the summary below.
# The end-to-end packages run the helper and the CLI built once into bin/
# (ESPRESSO_E2E_BIN, see helper/e2e/lab.Build) rather than each its own;
# helper/e2e/install installs, runs and purges the packages in dist/.
gotest: build-helper
	@if [ "$$(id -u)" != 0 ]; then echo "test: not root: tests that need network namespaces, TUN and strongSwan will be skipped"; fi
	@mkdir -p build
	ESPRESSO_E2E_BIN=$(CURDIR)/bin ESPRESSO_DIST=$(CURDIR)/dist $(GO) test -race -count=1 -timeout 20m ./... 2>&1 | tee build/test.log; exit $${PIPESTATUS[0]}
	@grep -h -- '--- SKIP' build/test.log || true

lint: $(STATICCHECK)
	@bad=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$bad" ]; then echo "gofmt: these files need formatting:"; echo "$$bad"; exit 1; fi
	@# go.mod must list what the code imports, direct requirements unmarked.
	@if ! diff=$$($(GO) mod tidy -diff 2>&1); then \
		echo "go.mod/go.sum are not tidy: run 'go mod tidy' and commit the result:"; \
		echo "$$diff"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

cross:
	@set -e; for t in $(CROSS_TARGETS); do \
		os=$${t%/*}; arch=$${t#*/}; \
		echo "cross: $$os/$$arch"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build $(PORTABLE); \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) vet $(PORTABLE); \
	done

# Every Fuzz function in the repository, one after another (go test fuzzes
# one target of one package at a time), FUZZTIME each. For each target the
# last progress line of the fuzzer gives its executions and the new
# interesting inputs it added to the cache corpus; a total line follows.
fuzz:
	@set -e; mkdir -p build; total=0; totalnew=0; n=0; \
	targets=$$(git grep -n -o '^func Fuzz[A-Za-z0-9_]*' -- '*_test.go' | \
		sed -E 's|^(.*)/[^/]*_test\.go:[0-9]+:func (Fuzz[A-Za-z0-9_]*)$$|./\1 \2|; s|^[^/]*_test\.go:[0-9]+:func (Fuzz[A-Za-z0-9_]*)$$|. \1|' | sort -u); \
	while read -r pkg fn; do \
		log=build/fuzz-$$(echo "$$pkg" | tr '/.' '__')-$$fn.log; \
		$(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) "$$pkg" >"$$log" 2>&1 || { cat "$$log"; exit 1; }; \
		last=$$(grep 'fuzz: elapsed:' "$$log" | tail -n 1); \
		execs=$$(echo "$$last" | sed -E 's/.*execs: ([0-9]+).*/\1/'); \
		new=$$(echo "$$last" | sed -E 's/.*new interesting: ([0-9]+).*/\1/'); \
		printf '%-28s %-30s %10s execs %5s new\n' "$$pkg" "$$fn" "$$execs" "$$new"; \
		total=$$((total + execs)); totalnew=$$((totalnew + new)); n=$$((n + 1)); \
	done <<< "$$targets"; \
	echo "fuzz: $$n targets, $(FUZZTIME) each: $$total executions, $$totalnew new corpus entries"

bench: deps
	@mkdir -p build
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./ipsec/... | tee build/bench.txt
	$(GO) run ./ipsec/internal/benchreport < build/bench.txt
	@# The system benchmark (README "Performance"): iperf3 through Espresso
	@# against its own responder, wireguard-go against itself, Espresso and
	@# a strongSwan client against strongSwan, and without a tunnel.
	@if [ "$$(id -u)" = 0 ]; then $(GO) run ./helper/e2e/sysbench -wireguard-go $(WIREGUARD_GO) $(BENCH_FLAGS); \
	else echo "bench: skipping the system benchmark: it needs root for network namespaces"; fi

# The demo needs root for its network namespaces; it builds what it runs.
demo: deps
	$(GO) run ./helper/e2e/demo

clean:
	rm -rf bin build dist
