"""blastradius beside CERN's AvailSim4 on one case: 1,000,000-hour timelines of a
four-component series-parallel system, A -- (B | C) -- D, with exponential failures and
repairs that start at the failure.

Run through compare.sh, which makes the virtual environment with AvailSim4 and builds
blastradius; by hand:

    python compare.py --blastradius target/release/blastradius --out target/availsim4

The components' MTTF and MTTR are read from series-parallel.ron (the blastradius
scenario), so both tools simulate the same numbers. The script

1. writes AvailSim4's input, system.xlsx and simulation.xlsx (openpyxl), into --out;
2. runs AvailSim4 in this process (its readers, then MonteCarlo.run, as its LocalRunner
   does without the exporters) and times the simulation call alone, so importing the
   package and reading the spreadsheets are not counted;
3. runs `blastradius run` on one thread for a few and for many timelines, and takes the
   difference, which removes its start-up, parsing and output;
4. prints the time per timeline of each, their ratio, and each tool's unavailability of
   the system with its 95 % confidence interval beside the closed form.

Times are CPU seconds of the process doing the work (the machine may be shared; wall
times are printed too).
"""

import argparse
import json
import logging
import math
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCENARIO = HERE / "series-parallel.ron"
HORIZON_HOURS = 1_000_000.0
SEED = 4

# The structure, in AvailSim4's terms: SYSTEM = AND(A, BC, D), BC = 1OO2(B, C). In the
# scenario: `system` runs on sites b and c (ActiveActive(min: 1)) and needs `front` (site
# a) and `back` (site d).
SERIES = ["a", "d"]
PARALLEL = ["b", "c"]

HAZARD = re.compile(
    r'\(id: "([a-z])", hazards: \[\(mtbf: Exp\(mean: "([0-9.]+)h"\), '
    r'repair: Exp\(mean: "([0-9.]+)h"\)\)\]\)'
)


def components():
    """{site: (mttf_hours, mttr_hours)} as written in the scenario."""
    text = SCENARIO.read_text()
    found = {m[1]: (float(m[2]), float(m[3])) for m in HAZARD.finditer(text)}
    if sorted(found) != sorted(SERIES + PARALLEL):
        sys.exit(
            f"{SCENARIO}: expected one line `(id: \"x\", hazards: [(mtbf: Exp(mean: \"…h\"), "
            f"repair: Exp(mean: \"…h\"))])` for each of the sites {SERIES + PARALLEL}, "
            f"found {sorted(found)}"
        )
    if f'horizon: "{HORIZON_HOURS:.0f}h"' not in text:
        sys.exit(f'{SCENARIO}: expected horizon: "{HORIZON_HOURS:.0f}h"')
    return found


def closed_form(comp):
    """Long-run unavailability: independent alternating renewal processes (every repair
    starts at its failure, no crew limit), u = MTTR / (MTTF + MTTR) each."""
    u = {k: mttr / (mttf + mttr) for k, (mttf, mttr) in comp.items()}
    up = 1.0
    for k in SERIES:
        up *= 1.0 - u[k]
    up *= 1.0 - math.prod(u[k] for k in PARALLEL)
    return 1.0 - up


def failures_per_timeline(comp):
    return sum(HORIZON_HOURS / (mttf + mttr) for mttf, mttr in comp.values())


# --- AvailSim4 -------------------------------------------------------------------------


def write_availsim4_input(comp, out, timelines):
    """AvailSim4's two spreadsheets. Every failure is DETECTABLE and never held, with no
    inspection and no phase: its repair starts at the failure and lasts a draw of the
    repair law, and the next failure is drawn from the end of the repair. AvailSim4
    has no repair crews, so repairs are independent, as the sites' repairs of the
    scenario."""
    from openpyxl import Workbook

    def sheet(wb, title, header, rows):
        ws = wb.create_sheet(title)
        ws.append(header)
        for r in rows:
            ws.append(r)

    name = {k: k.upper() for k in comp}
    wb = Workbook()
    wb.remove(wb.active)
    sheet(
        wb,
        "ARCHITECTURE",
        ["COMPONENT_NAME", "COMPONENT_TYPE", "COMPONENT_NUMBER", "CHILDREN_NAME",
         "CHILDREN_LOGIC", "IN_MRU", "TRIGGER_MRU"],
        [["SYSTEM", "compound", 1,
          f"{name[SERIES[0]]},BC,{name[SERIES[1]]}", "AND", "none", "none"],
         [name[SERIES[0]], "basic", 1, "none", "none", "none", "none"],
         ["BC", "compound", 1, ",".join(name[k] for k in PARALLEL), "1OO2", "none", "none"]]
        + [[name[k], "basic", 1, "none", "none", "none", "none"] for k in PARALLEL]
        + [[name[SERIES[1]], "basic", 1, "none", "none", "none", "none"]],
    )
    sheet(
        wb,
        "FAILURE_MODES",
        ["FAILURE_MODE_NAME", "FAILURE_LAW", "FAILURE_PARAMETERS", "REPAIR_LAW",
         "REPAIR_PARAMETERS", "TYPE_OF_FAILURE", "HELD_BEFORE_REPAIR", "INSPECTION_NAME",
         "PHASE_NAME", "NEXT_PHASE_IF_FAILURE", "PHASE_CHANGE_TRIGGER", "HELD_AFTER_REPAIR"],
        [[f"{name[k]}_FAILURE", "EXP", f"[{mttf}]", "EXP", f"[{mttr}]", "DETECTABLE",
          "NEVER_HELD", "none", "none", "none", "NEVER", "NEVER_HELD"]
         for k, (mttf, mttr) in sorted(comp.items())],
    )
    sheet(wb, "FAILURE_MODE_ASSIGNMENTS", ["COMPONENT_NAME", "FAILURE_MODE_NAME"],
          [[name[k], f"{name[k]}_FAILURE"] for k in sorted(comp)])
    sheet(wb, "MRU", ["MRU_NAME", "MRU_LAW", "MRU_PARAMETERS", "MRU_SCHEDULE",
                      "LOWEST_COMMON_ANCESTOR_SCOPE", "TRIGGERING_STATUS"], [])
    sheet(wb, "INSPECTIONS", ["INSPECTION_NAME", "INSPECTION_PERIOD", "INSPECTION_DURATION"], [])
    sheet(wb, "PHASES", ["PHASE_NAME", "PHASE_LAW", "PHASE_PARAMETERS", "NEXT_DEFAULT_PHASE",
                         "FIRST_PHASE", "NEXT_DEFAULT_PHASE_IF_FAILURE"], [])
    sheet(wb, "ROOT_CAUSE_ANALYSIS", ["TRIGGERING_COMPONENT_NAME",
                                      "TRIGGERED_BY_COMPONENT_STATUS", "TRIGGERED_IN_PHASE"], [])
    sheet(wb, "PHASE_JUMP", ["TRIGGERING_COMPONENT_NAME", "TRIGGERED_BY_COMPONENT_STATUS",
                             "FROM_PHASE", "TO_PHASE"], [])
    system = out / "system.xlsx"
    wb.save(system)

    wb = Workbook()
    wb.remove(wb.active)
    sheet(
        wb,
        "SIMULATION",
        ["SIMULATION_TYPE", "MIN_NUMBER_OF_SIMULATION", "MAX_NUMBER_OF_SIMULATION",
         "CONVERGENCE_MARGIN", "MAX_EXECUTION_TIME", "SEED", "DIAGNOSTICS",
         "SIMULATION_DURATION"],
        [["MONTE_CARLO", timelines, timelines, 0, 10**9, SEED, "SUMMARY", HORIZON_HOURS]],
    )
    simulation = out / "simulation.xlsx"
    wb.save(simulation)
    return system, simulation


def run_availsim4(system, simulation):
    # AvailSim4 warns at import that the optional qmcpy (quasi-Monte Carlo) is missing.
    logging.getLogger().setLevel(logging.ERROR)
    t0 = time.perf_counter()
    from availsim4core.src.context.context import Context
    from availsim4core.src.context.phase.phase_manager import PhaseManager
    from availsim4core.src.context.system.component_tree.component_factory import (
        ComponentFactory,
    )
    from availsim4core.src.context.system.component_tree.status import Status
    from availsim4core.src.reader.xlsx.simulation_reader import SimulationReader
    from availsim4core.src.reader.xlsx.system_template_reader import SystemTemplateReader
    from availsim4core.src.results.result_record_entry_component import (
        ResultRecordEntryComponent,
    )

    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    sim = SimulationReader().read(simulation)
    template = SystemTemplateReader(None).read(system)
    root = ComponentFactory(template).build()
    context = Context(root, PhaseManager(template.phase_set, template.phase_jump_trigger_set))
    t_read = time.perf_counter() - t0

    up_status = {Status.RUNNING, Status.DEGRADED, Status.BLIND_DEGRADED}
    down_status = {Status.FAILED, Status.BLIND_FAILED, Status.INSPECTION, Status.UNDER_REPAIR}
    root_id = f"{root.name}_{root.local_id}_{root.global_id}"

    # Each timeline's downtime of the root, for the confidence interval: AvailSim4's
    # statistics are kept per (component, status, description), which gives the mean
    # downtime but not its spread. Read from the finished timeline's records (as
    # AvailSim4's own duration statistics do); the time this takes is not counted.
    per_timeline = []
    hook_cpu = [0.0, 0.0]
    update = sim.update_statistics

    def update_and_record(results, des, weight, level):
        update(results, des, weight, level)
        c0, w0 = time.process_time(), time.perf_counter()
        recs = [r for r in des.context.timeline_record.record_list
                if r.get_name() == root_id]
        down = 0.0
        for r, nxt in zip(recs, recs[1:] + [None]):
            end = nxt.timestamp if nxt is not None else HORIZON_HOURS
            if r.status in down_status:
                down += end - r.timestamp
        per_timeline.append(down / HORIZON_HOURS)
        hook_cpu[0] += time.process_time() - c0
        hook_cpu[1] += time.perf_counter() - w0

    sim.update_statistics = update_and_record

    c0, w0 = time.process_time(), time.perf_counter()
    results = sim.run(context)
    cpu = time.process_time() - c0 - hook_cpu[0]
    wall = time.perf_counter() - w0 - hook_cpu[1]
    n = len(per_timeline)

    # AvailSim4's own estimate, as its SUMMARY exporter computes it (root_statistics):
    # mean uptime / (mean uptime + mean downtime) of the root component.
    up = down = 0.0
    for entry, stats in results.duration_statistics.items():
        if isinstance(entry, ResultRecordEntryComponent) and entry.identifier() == root_id:
            if entry.status in up_status:
                up += stats.mean
            elif entry.status in down_status:
                down += stats.mean
    estimate = down / (up + down)
    mean = sum(per_timeline) / n
    if abs(mean - estimate) > 1e-9 * max(estimate, 1e-12):
        sys.exit(f"AvailSim4: per-timeline mean {mean} differs from its estimate {estimate}")
    var = sum((x - mean) ** 2 for x in per_timeline) / (n - 1)
    b_events = results.execution_metrics_statistics["number_of_b_events_executed"].mean
    return {
        "timelines": n,
        "cpu": cpu,
        "wall": wall,
        "import": t_import,
        "read": t_read,
        "estimate": estimate,
        "se": math.sqrt(var / n),
        "b_events": b_events,
    }


# --- blastradius -----------------------------------------------------------------------


def run_blastradius(binary, trials, out):
    """One `blastradius run` on one thread: (cpu seconds, wall seconds, JSON)."""
    path = out / f"blastradius-{trials}.json"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    w0 = time.perf_counter()
    subprocess.run(
        [str(binary), "run", str(SCENARIO), "--trials", str(trials), "--seed", str(SEED),
         "--threads", "1", "--quiet", "--format", "json", "--out", str(path)],
        check=True,
    )
    wall = time.perf_counter() - w0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, json.loads(path.read_text())


def time_blastradius(binary, few, many, repeats, out):
    """Per-timeline time from the difference of `many` and `few` timelines, the fastest
    of `repeats` runs of each (other work on the machine only ever adds time)."""
    runs = {}
    for n in (few, many):
        samples = [run_blastradius(binary, n, out) for _ in range(repeats)]
        runs[n] = (min(s[0] for s in samples), min(s[1] for s in samples), samples[0][2])
    system = next(s for s in runs[many][2]["services"] if s["id"] == "system")
    return {
        "timelines": many,
        "cpu": (runs[many][0] - runs[few][0]) / (many - few),
        "wall": (runs[many][1] - runs[few][1]) / (many - few),
        "estimate": system["downtime_hours"]["mean"] / HORIZON_HOURS,
        "se": system["downtime_hours"]["std_err"] / HORIZON_HOURS,
        "startup_cpu": runs[few][0],
    }


# --- report ----------------------------------------------------------------------------


def interval(est, se):
    return f"{est:.6f} ± {1.96 * se:.6f}  [{est - 1.96 * se:.6f}, {est + 1.96 * se:.6f}]"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--blastradius", required=True, type=Path, help="the release binary")
    p.add_argument("--out", type=Path, default=HERE.parent.parent / "target" / "availsim4",
                   help="where the AvailSim4 input and blastradius output are written")
    p.add_argument("--availsim4-timelines", type=int, default=30)
    p.add_argument("--blastradius-timelines", type=int, default=2000)
    p.add_argument("--blastradius-baseline", type=int, default=100,
                   help="the few timelines whose time is subtracted (start-up, parsing, output)")
    p.add_argument("--repeats", type=int, default=3, help="blastradius runs per count; fastest kept")
    a = p.parse_args()
    if a.availsim4_timelines < 2 or a.blastradius_timelines <= a.blastradius_baseline:
        sys.exit("need at least 2 AvailSim4 timelines and more blastradius timelines than the baseline")
    a.out.mkdir(parents=True, exist_ok=True)

    comp = components()
    exact = closed_form(comp)
    system, simulation = write_availsim4_input(comp, a.out, a.availsim4_timelines)
    from importlib.metadata import version

    print(f"case: {SCENARIO.relative_to(HERE.parent.parent)}, one timeline = {HORIZON_HOURS:,.0f} h")
    for k in SERIES[:1] + PARALLEL + SERIES[1:]:
        mttf, mttr = comp[k]
        print(f"  {k.upper()}: MTTF {mttf:g} h, MTTR {mttr:g} h (exponential)")
    print(f"  system = {SERIES[0].upper()} and ({PARALLEL[0].upper()} or {PARALLEL[1].upper()}) "
          f"and {SERIES[1].upper()}; {failures_per_timeline(comp):,.0f} failures and as many "
          f"repairs per timeline on average")
    print(f"AvailSim4 {version('availsim4')} input: {system}, {simulation}")
    print(f"  (the same run from the shell: availsim4 --system {system} --simulation {simulation} "
          f"--output_folder {a.out / 'availsim4-output'})")
    print(flush=True)

    print(f"AvailSim4: {a.availsim4_timelines} timelines, one process ...", flush=True)
    av = run_availsim4(system, simulation)
    print(f"blastradius: {a.blastradius_baseline} and {a.blastradius_timelines} timelines, "
          f"1 thread, fastest of {a.repeats} ...", flush=True)
    br = time_blastradius(a.blastradius, a.blastradius_baseline, a.blastradius_timelines,
                          a.repeats, a.out)
    print()

    print("time per timeline (CPU; wall in brackets):")
    print(f"  AvailSim4    {av['cpu'] / av['timelines'] * 1e3:10.1f} ms  "
          f"({av['wall'] / av['timelines'] * 1e3:.1f} ms)   "
          f"[{av['timelines']} timelines; import {av['import']:.1f} s and reading the "
          f"input {av['read']:.2f} s not counted]")
    print(f"  blastradius  {br['cpu'] * 1e3:10.3f} ms  ({br['wall'] * 1e3:.3f} ms)   "
          f"[({br['timelines']} - {a.blastradius_baseline} timelines) / "
          f"{br['timelines'] - a.blastradius_baseline}; a {a.blastradius_baseline}-timeline run "
          f"takes {br['startup_cpu']:.2f} s]")
    print(f"  ratio        {av['cpu'] / av['timelines'] / br['cpu']:10.0f} x  "
          f"({av['wall'] / av['timelines'] / br['wall']:.0f} x)")
    print(f"  AvailSim4 executes {av['b_events']:,.0f} events per timeline "
          f"(failure, start of repair, end of repair)")
    print()
    print("unavailability of the system, 95 % interval (mean ± 1.96 standard errors):")
    print(f"  closed form  {exact:.6f}")
    apart = []
    for label, r in (("AvailSim4", av), ("blastradius", br)):
        z = (r["estimate"] - exact) / r["se"]
        print(f"  {label:<12} {interval(r['estimate'], r['se'])}   "
              f"{r['timelines']} timelines, {z:+.1f} standard errors from the closed form")
        if abs(z) > 4:
            apart.append(label)
    # 4 standard errors: a correct estimate lands further out about once in 16,000 runs.
    if apart:
        sys.exit(f"{' and '.join(apart)}: more than 4 standard errors from the closed form")


if __name__ == "__main__":
    main()
