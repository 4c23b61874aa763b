#!/usr/bin/env bash
# Peak memory (resident set size) of `blastradius` on the large generated graph
# (docs/performance.md): `generate --services 100000 --sites 40 --seed 3`.
#
#   benches/memory.sh                 # run, 10,000 trials, 2 threads
#   TRIALS=1024 benches/memory.sh     # fewer trials (the peak hardly depends on them)
#   COMMANDS="run portal" benches/memory.sh
#
# Each command's peak is read from `/usr/bin/time -v` ("Maximum resident set size").
# Environment: BIN (default target/release/blastradius, built if missing), TRIALS
# (default 10000, for run), FEW (default 2, trials of portal, compare, importance and risk,
# whose cost per trial is many trials), THREADS (default 2), COMMANDS (default "run"; any
# of run, adaptive, portal, compare, importance, risk), WORK (default a temporary directory).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/blastradius}
TRIALS=${TRIALS:-10000}
FEW=${FEW:-2}
THREADS=${THREADS:-2}
COMMANDS=${COMMANDS:-run}
WORK=${WORK:-$(mktemp -d)}
[ -x "$BIN" ] || cargo build --release
[ -x /usr/bin/time ] || { echo "needs GNU time at /usr/bin/time" >&2; exit 1; }
graph=$WORK/gen100k.ron
[ -f "$graph" ] || "$BIN" generate --services 100000 --sites 40 --seed 3 --out "$graph"
peak() {
  local name=$1; shift
  /usr/bin/time -v "$@" > /dev/null 2> "$WORK/$name.time"
  local kb wall
  kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/$name.time")
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$WORK/$name.time")
  printf '%-11s %6d MB peak RSS  (%s wall)  %s\n' "$name" $((kb / 1024)) "$wall" "$*"
}
for c in $COMMANDS; do
  case $c in
    run) peak run "$BIN" run "$graph" --trials "$TRIALS" --threads "$THREADS" -q --format json --out "$WORK/run.json" ;;
    adaptive) peak adaptive "$BIN" run "$graph" --trials "$TRIALS" --precision 1e-9 --threads "$THREADS" -q --format json --out "$WORK/adaptive.json" ;;
    portal) peak portal "$BIN" portal "$graph" --trials "$FEW" --threads "$THREADS" -q --format json --out "$WORK/portal.json" ;;
    importance) peak importance "$BIN" importance "$graph" --trials "$FEW" --threads "$THREADS" -q --format json --out "$WORK/importance.json" ;;
    risk) peak risk "$BIN" risk "$graph" --trials "$FEW" --threads "$THREADS" -q --format json --out "$WORK/risk.json" ;;
    compare)
      # The generated scenario has no variant: one is added that moves the first service
      # to a room of its own, with defaults for the rest (the file ends with `)`).
      [ -f "$WORK/variant.ron" ] || {
        sed '$d' "$graph"
        printf '  variants: [\n    (name: "moved", services: [(id: "svc0", replicas: ["r0/dc0/room0"])]),\n  ],\n)\n'
      } > "$WORK/variant.ron"
      peak compare "$BIN" compare "$WORK/variant.ron" --trials "$FEW" --threads "$THREADS" -q --format json --out "$WORK/compare.json" ;;
    *) echo "unknown command $c" >&2; exit 2 ;;
  esac
done
