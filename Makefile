# msreview — two commands on a fresh Debian/Ubuntu machine:
#   make run    installs what is missing, builds, opens the workstation on Samples/
#   make test   installs what is missing, builds, starts PostgreSQL, runs every test on both stores
SHELL := /bin/bash
.DEFAULT_GOAL := build

# Debian packages the build, the tests and the benchmarks need.
DEB_PACKAGES := pkg-config libsqlite3-dev libarchive-dev libsndfile1-dev libjpeg-dev libexif-dev \
                libssl-dev libncurses-dev libasound2-dev librubberband-dev libchafa-dev libglib2.0-dev alsa-utils sox \
                sqlite3 openssl tmux python3 time chromium poppler-utils strace \
                libpq-dev postgresql imagemagick libjpeg-turbo-progs exiv2 \
                libcurl4-openssl-dev python3-aiosmtpd
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SWIFT ?= swift
STORE ?= $(or $(MSREVIEW_DB),$(or $(XDG_DATA_HOME),$(HOME)/.local/share)/msreview/msreview.sqlite)

.PHONY: deps build release test run bench clean samples fuzz soak team team-stop

deps:
	@command -v $(SWIFT) >/dev/null || { echo "make: the Swift 6 toolchain is not on PATH (see https://www.swift.org/install/linux/)"; exit 1; }
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# XCTest only (no Swift Testing suites), so the runner's closing line counts every test.
# Every suite on SQLite, then the store, application and end-to-end suites on a throwaway
# PostgreSQL 15 cluster that tools/test.sh starts and always stops. The clock is pinned
# (MSREVIEW_NOW): no test depends on today's date.
test: build
	SWIFT=$(SWIFT) tools/test.sh

# Imports the samples and opens the workstation. On a store without a lead, you (the OS user)
# become its first lead, so every session is visible; `msreview reviewers` manages the rest.
run: release
	@.build/release/msreview --db "$(STORE)" import Samples/ || true
	@.build/release/msreview --db "$(STORE)" reviewers list --json | grep -q '"lead"' || \
	  .build/release/msreview --db "$(STORE)" reviewers add "$$(id -un)" --role lead
	@.build/release/msreview --db "$(STORE)" checklists load Checklists/ > /dev/null || true
	@if [ -t 0 ] && [ -t 1 ]; then .build/release/msreview --db "$(STORE)"; else .build/release/msreview --db "$(STORE)" sessions; fi

# Team mode locally: a throwaway PostgreSQL cluster on a unix socket (docs/team.md), the samples
# imported, the OS user as the first lead.
TEAM_DIR ?= /tmp/msreview-team
team: release
	@base=$$(tools/pg.sh start "$(TEAM_DIR)/pg" 55499) && \
	  psql "$${base/\/msreview\?//postgres?}" -qAtc "SELECT 1 FROM pg_database WHERE datname = 'msreview'" | grep -q 1 || \
	  psql "$${base/\/msreview\?//postgres?}" -qc "CREATE DATABASE msreview"; \
	.build/release/msreview --db "$$base" import Samples/ > /dev/null || true; \
	.build/release/msreview --db "$$base" reviewers list --json | grep -q '"lead"' || \
	  .build/release/msreview --db "$$base" --reviewer "$$(id -un)" reviewers add "$$(id -un)" --role lead; \
	.build/release/msreview --db "$$base" --reviewer "$$(id -un)" checklists load Checklists/ > /dev/null || true; \
	echo "team store: export MSREVIEW_DB='$$base'   (make team-stop ends it)"

team-stop:
	tools/pg.sh stop "$(TEAM_DIR)/pg"

bench: release
	python3 tools/bench.py

# libFuzzer + AddressSanitizer on the manifest, EXIF, checklist and tar-import targets, each for
# FUZZ_SECONDS (default 300); figures go to docs/reliability.md (see tools/fuzz.py).
FUZZ_SECONDS ?= 300
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) python3 tools/fuzz.py

# 8 reviewer processes, an importer and a killer against one store for SOAK_SECONDS (default
# 300), then the checks; figures go to docs/reliability.md (see tools/soak.py).
SOAK_SECONDS ?= 300
soak: release
	SOAK_SECONDS=$(SOAK_SECONDS) python3 tools/soak.py

# Regenerates Samples/ (needs espeak-ng, sox, imagemagick, exiftool; the result is committed).
samples:
	$(SUDO) apt-get install -y -qq espeak-ng sox libsox-fmt-all imagemagick libimage-exiftool-perl
	bash tools/make-samples.sh

clean:
	rm -rf .build .build-fuzz
