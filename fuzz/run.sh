#!/usr/bin/env bash
# Runs the fuzz target (see docs/fuzzing.md). Arguments after the script name go to
# libFuzzer, e.g. `fuzz/run.sh -max_total_time=1800`.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/load_and_trial artifacts/load_and_trial
# Seed corpus: the bundled scenarios and the hostile test files (copied, not duplicated
# in git).
cp ../scenarios/*.ron corpus/load_and_trial/ 2>/dev/null || true
cp ../tests/hostile/*.ron corpus/load_and_trial/ 2>/dev/null || true
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
# cargo-fuzz needs nightly-only flags; RUSTC_BOOTSTRAP lets a stable toolchain accept them.
export RUSTC_BOOTSTRAP=1
exec cargo fuzz run load_and_trial --sanitizer none --debug-assertions \
    --fuzz-dir . corpus/load_and_trial -- \
    -rss_limit_mb=2048 -timeout=10 -max_len=65536 \
    -artifact_prefix=artifacts/load_and_trial/ -dict=load_and_trial.dict "$@"
