#!/usr/bin/env bash
# blastradius beside CERN's AvailSim4 on one case (see compare.py and
# docs/performance.md): makes a virtual environment with AvailSim4 from PyPI under
# target/availsim4/venv, builds blastradius in release, and runs compare.py, which passes
# on any other argument (--availsim4-timelines N, --blastradius-timelines N, --repeats N).
#
# Needs python3 with venv and tkinter (AvailSim4 imports it; Debian: python3-venv
# python3-tk) and network access to PyPI on the first run.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=target/availsim4/venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r benches/availsim4/requirements.txt
cargo build --release --quiet
exec "$venv/bin/python" benches/availsim4/compare.py --blastradius target/release/blastradius "$@"
