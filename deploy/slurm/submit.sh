#!/usr/bin/env bash
# Queue the shard array, then the merge once every shard has succeeded.
# Run from the repository root (or set DEPLOY_DIR); SCENARIO, TRIALS, SEED, RESULTS
# are passed through to the jobs.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
array=$(sbatch --parsable --export=ALL "$here/shards.sbatch")
sbatch --export=ALL --dependency="afterok:${array%%;*}" "$here/merge.sbatch"
