#!/usr/bin/env bash
# borderflow's test command: formatting, unused dependencies, lints, the
# docs (warnings are errors), every test (unit, property, broker-backed
# system tests, the headless-browser dashboard test), benches compiled, and
# the deployment checks. Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/ensure-tools.sh
if [[ ! -d tests/tests/dashboard/node_modules ]]; then
  (cd tests/tests/dashboard && npm ci --no-audit --no-fund --loglevel=error)
fi

cargo fmt --all --check
# Dependencies nothing uses; a dependency only generated or macro-expanded
# code names is listed under [package.metadata.cargo-machete] with why.
cargo machete
cargo clippy --workspace --all-targets --locked -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked
# The process-level tests start these binaries.
cargo build --workspace --bins --locked
cargo test --workspace --locked
cargo bench --workspace --no-run --locked
deploy/check.sh
