#!/usr/bin/env bash
# One shard of a sharded `blastradius run`, on any batch engine.
#
# The shard index comes from the first of these that is set:
#   SHARD_INDEX            (by hand, GNU parallel: SHARD_INDEX={} ...)
#   JOB_COMPLETION_INDEX   (Kubernetes Indexed Job)
#   SLURM_ARRAY_TASK_ID    (Slurm job array)
# Required: SCENARIO (the .ron file), SHARD_COUNT (N), RESULTS (a directory shared by all
# shards). Optional: TRIALS, SEED, VARIANT, BLASTRADIUS (the binary; default on PATH).
# Writes $RESULTS/part-$index.json, atomically.
set -euo pipefail
: "${SCENARIO:?set SCENARIO to the scenario file}"
: "${SHARD_COUNT:?set SHARD_COUNT to the number of shards}"
: "${RESULTS:?set RESULTS to the shared results directory}"
index="${SHARD_INDEX:-${JOB_COMPLETION_INDEX:-${SLURM_ARRAY_TASK_ID:-}}}"
if [[ -z "$index" ]]; then
  echo "run-shard.sh: no shard index (SHARD_INDEX, JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID)" >&2
  exit 2
fi
bin="${BLASTRADIUS:-blastradius}"
mkdir -p "$RESULTS"
args=(run "$SCENARIO" --shard "$index/$SHARD_COUNT" --quiet --out "$RESULTS/part-$index.json")
if [[ -n "${TRIALS:-}" ]]; then args+=(--trials "$TRIALS"); fi
if [[ -n "${SEED:-}" ]]; then args+=(--seed "$SEED"); fi
if [[ -n "${VARIANT:-}" ]]; then args+=(--variant "$VARIANT"); fi
exec "$bin" "${args[@]}"
