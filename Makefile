# OpenStaff — the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

export PATH := $(HOME)/.cargo/bin:$(CURDIR)/.tools/node_modules/.bin:$(PATH)
BIND ?= 127.0.0.1:8080
DATABASE_URL ?= sqlite://data/openstaff.db
TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
BIN := $(TARGET_DIR)/release/openstaff

.PHONY: help run test web web-tools e2e e2e-deps fmt-check clippy unit test-pg openapi-check openapi bench clean

help:
	@echo "make run    build the app and serve the demo organisation on http://$(BIND)"
	@echo "make test   every check: fmt, clippy (native + wasm32), unit, integration (SQLite and PostgreSQL), spec, e2e"
	@echo "make bench  benchmarks"

## Tools the SPA build needs (rust target, trunk, wasm-bindgen, wasm-opt); idempotent.
web-tools:
	@scripts/web-tools.sh

## Build the SPA (release) into web/dist, which the server binary embeds.
web: web-tools
	cd web && trunk build --release

run: web
	cargo build --release -p openstaff
	mkdir -p data
	DATABASE_URL=$(DATABASE_URL) $(BIN) seed demo --if-empty
	DATABASE_URL=$(DATABASE_URL) $(BIN) serve --bind $(BIND)

fmt-check:
	cargo fmt --all -- --check

clippy: web-tools
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p openstaff-web -p openstaff-shared --target wasm32-unknown-unknown -- -D warnings

unit:
	cargo test --workspace

## Every API integration test again, on PostgreSQL (a throw-away server of its own).
test-pg:
	scripts/pg-test.sh start
	OPENSTAFF_TEST_POSTGRES="$$(scripts/pg-test.sh url)" cargo test -p openstaff --test api -- --include-ignored; \
	  status=$$?; scripts/pg-test.sh stop; exit $$status

## The committed spec must equal the generated one.
openapi-check:
	cargo test -p openstaff --test api openapi_spec_is_committed

openapi:
	cargo run -q -p openstaff -- openapi > openapi/openapi.json

e2e-deps:
	@scripts/e2e-deps.sh

e2e: web e2e-deps
	cargo build --release -p openstaff
	cd e2e && npx playwright test

test: fmt-check clippy web unit test-pg e2e
	@echo "make test: all checks passed"

## Web app size and API load benchmarks; writes bench/results.md.
bench: web
	cargo build --release -p openstaff
	scripts/bench.sh

clean:
	cargo clean
	rm -rf web/dist e2e/node_modules .tools
