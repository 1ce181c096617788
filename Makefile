# The two commands of the README: `make run` and `make test`. Both install and start the local
# stack first (scripts/stack up), so they work on a fresh machine.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

# Build artifacts live outside the clone so every clone (and CI) on this machine reuses them.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/healthcert/target
export CARGO_TERM_COLOR ?= never

# dev.env holds the local stack's credentials and development-only secrets.
WITH_DEV_ENV := set -a && source ./dev.env && set +a &&

.PHONY: run test stack-up stack-down stack-status lint unit token

## Set everything up and run the service: migrations, API on :8002 and worker in one process.
run: stack-up
	$(WITH_DEV_ENV) cargo run --locked --bin healthcert -- dev

## Set everything up and run every check and test against the real stack, then fuzz the
## running API against its OpenAPI document.
test: stack-up lint
	$(WITH_DEV_ENV) cargo test --locked --workspace --all-targets
	$(WITH_DEV_ENV) scripts/api-fuzz

## Formatting and lints, as CI runs them.
lint:
	cargo fmt --all -- --check
	cargo clippy --locked --workspace --all-targets -- -D warnings

## Unit tests only (no services needed).
unit:
	cargo test --locked --workspace --lib

## Print a health-admin token for trying the API.
token:
	@$(WITH_DEV_ENV) cargo run --locked -q --bin healthcert -- token --role health_admin

stack-up:
	scripts/stack up

stack-down:
	scripts/stack down

stack-status:
	scripts/stack status
