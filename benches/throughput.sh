#!/usr/bin/env bash
# Whole-command throughput of `blastradius run` on the 1,000-service graph of
# docs/performance.md (`generate --services 1000 --sites 8 --seed 7`): service-trials
# per second on 1 and 2 threads, and the 2-thread speed-up, each the fastest of several
# alternating runs (the fastest is the least disturbed by whatever else the machine
# does).
#
#   benches/throughput.sh                     # 20,480 trials, 5 rounds
#   BASE=/path/to/older/blastradius benches/throughput.sh   # and an older build beside it
#
# Environment: BIN (default target/release/blastradius, built if missing), BASE (another
# binary timed in the same rounds, for a before/after ratio), TRIALS (default 20480),
# ROUNDS (default 5), SERVICES (default 1000), WORK (default a temporary directory).
# Everything is written to files under WORK; the command's JSON goes to /dev/null.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/blastradius}
TRIALS=${TRIALS:-20480}
ROUNDS=${ROUNDS:-5}
SERVICES=${SERVICES:-1000}
WORK=${WORK:-$(mktemp -d)}
[ -x "$BIN" ] || cargo build --release
graph=$WORK/gen$SERVICES.ron
[ -f "$graph" ] || "$BIN" generate --services "$SERVICES" --sites 8 --seed 7 --out "$graph"
bins=("$BIN")
[ -n "${BASE:-}" ] && bins+=("$BASE")
declare -A best
seconds() {
  local start end
  start=$(date +%s.%N)
  "$@" > /dev/null
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f", b - a }' 
}
for ((r = 1; r <= ROUNDS; r++)); do
  for b in "${bins[@]}"; do
    for t in 1 2; do
      s=$(seconds "$b" run "$graph" --trials "$TRIALS" --threads "$t" -q --format json)
      k="$b|$t"
      if [ -z "${best[$k]:-}" ] || awk -v s="$s" -v b="${best[$k]}" 'BEGIN { exit !(s < b) }'; then
        best[$k]=$s
      fi
    done
  done
done
echo "run, $SERVICES services, $TRIALS trials, fastest of $ROUNDS alternating rounds:"
for b in "${bins[@]}"; do
  one=${best["$b|1"]}
  two=${best["$b|2"]}
  awk -v b="$b" -v one="$one" -v two="$two" -v t="$TRIALS" -v s="$SERVICES" 'BEGIN {
    st = t * s
    printf "%s\n  1 thread : %6.3f s  %5.1f M service-trials/s\n", b, one, st / one / 1e6
    printf "  2 threads: %6.3f s  %5.1f M service-trials/s  (%.2fx)\n", two, st / two / 1e6, one / two
  }'
done
