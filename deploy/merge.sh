#!/usr/bin/env bash
# Merge every part in $RESULTS into $RESULTS/result.json (or FORMAT=table|csv|markdown).
# `blastradius merge` refuses parts of different runs and names any missing shard.
set -euo pipefail
: "${RESULTS:?set RESULTS to the shared results directory}"
bin="${BLASTRADIUS:-blastradius}"
format="${FORMAT:-json}"
shopt -s nullglob
parts=("$RESULTS"/part-*.json)
if ((${#parts[@]} == 0)); then
  echo "merge.sh: no part-*.json in $RESULTS" >&2
  exit 2
fi
exec "$bin" merge "${parts[@]}" --format "$format" --out "$RESULTS/result.$format"
