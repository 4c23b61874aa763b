//! Engine throughput in service-trials per second (services × trials / time).
//!
//! `cargo bench --bench engine` runs: the bundled example scenario
//! (`scenarios/design-example.ron`) and generated 1,000- and 100,000-service scenarios, one
//! thread each, the engine alone (the per-core figure); then the 1,000- and the
//! 100,000-service scenarios through the whole `run` (engine and statistics) on 1 and on 2
//! threads, so each scaling ratio comes from one run. Criterion reports time per batch of
//! trials; the throughput line (`thrpt`) is in service-trials per second. The
//! 100,000-service groups take a few minutes; select groups with a filter, e.g.
//! `cargo bench --bench engine -- 1000`.
//!
//! `portal_measures` times `portal`'s deterministic measures (gateway reach and the
//! isolated failure of every service, one traversal each) on the 1,000- and
//! 100,000-service graphs: `cargo bench --bench engine -- portal_measures`.
//!
//! `counterfactual` times the Monte Carlo analyses that play counterfactuals against `run`
//! with the same 128 trials on one thread, on `generate --services 1000 --sites 8 --seed
//! 7` and `--services 10000 --sites 40 --seed 7`: `run`, `portal`'s attribution
//! (never-down counterfactuals, replayed by `sim::replay`) and `importance` (on the
//! 1,000-service graph; sites always down replayed where that is exact, else played in
//! full), `importance` with each site always down in the first 16 trials only (both
//! graphs), and, on the 1,000-service graph, the attribution with every counterfactual
//! played in full (`portal_batch_full`, 32 trials), the cost the replay saves. The ratio
//! portal / run is what README.md and docs/performance.md report:
//! `cargo bench --bench engine -- counterfactual`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use blastradius::analysis::importance::importance;
use blastradius::analysis::plan::RunOptions;
use blastradius::analysis::portal::{portal, portal_batch_full};
use blastradius::analysis::run::run;
use blastradius::model::load_str;
use blastradius::scenario::generate::{generate, to_ron, GenerateOptions};
use blastradius::sim::replay::deadlock_capable;
use blastradius::sim::{Compiled, Trial};

fn bundled() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/design-example.ron"
    ))
    .expect("bundled scenario")
}

fn synthetic(n: usize) -> String {
    to_ron(&generate(GenerateOptions {
        services: n,
        sites: 8,
        seed: 7,
    }))
}

/// The large graph of docs/performance.md's scale figures: `generate --services 100000 --sites 40
/// --seed 3`.
fn synthetic_100k() -> String {
    to_ron(&generate(GenerateOptions {
        services: 100_000,
        sites: 40,
        seed: 3,
    }))
}

fn single_thread(c: &mut Criterion) {
    let mut g = c.benchmark_group("trials_single_thread");
    for (name, text, trials) in [
        ("design-example", bundled(), 100u64),
        ("synthetic-1000", synthetic(1000), 100),
        ("synthetic-100000", synthetic_100k(), 2),
    ] {
        let loaded = load_str(name, &text).expect("valid scenario");
        let compiled = Compiled::new(&loaded.model);
        g.throughput(Throughput::Elements(trials * compiled.n_services() as u64));
        g.bench_function(name, |b| {
            let mut t = Trial::new(&compiled);
            let mut i = 0u64;
            b.iter(|| {
                for _ in 0..trials {
                    t.run(1, i);
                    i += 1;
                }
                t.outcome.total_user_hours_lost
            })
        });
    }
    g.finish();
}

fn parallel(c: &mut Criterion) {
    for (name, text, trials) in [
        ("synthetic_1000", synthetic(1000), 2048u64),
        ("synthetic_100000", synthetic_100k(), 256),
    ] {
        let loaded = load_str(name, &text).expect("valid scenario");
        let n = loaded.model.services.len() as u64;
        let mut g = c.benchmark_group(format!("runner_{name}"));
        g.sample_size(10);
        g.throughput(Throughput::Elements(trials * n));
        for threads in [1usize, 2] {
            g.bench_function(format!("threads_{threads}"), |b| {
                b.iter(|| {
                    let opts = RunOptions {
                        trials,
                        seed: 3,
                        threads: Some(threads),
                        precision: None,
                        shard: None,
                    };
                    run(&loaded.model, &opts, &mut |_, _| {})
                        .expect("run")
                        .trials
                })
            });
        }
        g.finish();
    }
}

fn portal_measures(c: &mut Criterion) {
    let mut g = c.benchmark_group("portal_measures");
    g.sample_size(10);
    for (name, text) in [
        ("synthetic-1000", synthetic(1000)),
        ("synthetic-100000", synthetic_100k()),
    ] {
        let loaded = load_str(name, &text).expect("valid scenario");
        let m = &loaded.model;
        g.throughput(Throughput::Elements(m.services.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| blastradius::analysis::gateway::all(m, Some(10.0), &[]));
        });
    }
    g.finish();
}

/// `generate --services n --sites sites --seed 7`.
fn generated(services: usize, sites: usize) -> String {
    to_ron(&generate(GenerateOptions {
        services,
        sites,
        seed: 7,
    }))
}

fn counterfactual(c: &mut Criterion) {
    let mut g = c.benchmark_group("counterfactual");
    g.sample_size(10);
    let opts = RunOptions {
        trials: 128,
        seed: 7,
        threads: Some(1),
        precision: None,
        shard: None,
    };
    for (n, sites) in [(1000usize, 8usize), (10_000, 40)] {
        let loaded = load_str("g.ron", &generated(n, sites)).expect("valid scenario");
        let m = &loaded.model;
        g.bench_function(format!("run_{n}"), |b| {
            b.iter(|| run(m, &opts, &mut |_, _| {}).expect("run").trials)
        });
        g.bench_function(format!("portal_{n}"), |b| {
            b.iter(|| portal(m, &opts, &mut |_, _| {}).expect("portal").trials)
        });
        // Each site always down in the first 16 trials only (`--achievement-trials 16`).
        g.bench_function(format!("importance_{n}_achievement_16"), |b| {
            b.iter(|| {
                importance(m, &opts, None, Some(16), &mut |_, _| {})
                    .expect("importance")
                    .trials
            })
        });
        if n == 1000 {
            g.bench_function(format!("importance_{n}"), |b| {
                b.iter(|| {
                    importance(m, &opts, None, None, &mut |_, _| {})
                        .expect("importance")
                        .trials
                })
            });
            let compiled = Compiled::new(m);
            let capable = deadlock_capable(&compiled);
            g.bench_function(format!("portal_full_{n}_32_trials"), |b| {
                b.iter(|| portal_batch_full(&compiled, &capable, 7, 0, 32).trials)
            });
        }
    }
    g.finish();
}

criterion_group!(
    benches,
    single_thread,
    parallel,
    portal_measures,
    counterfactual
);
criterion_main!(benches);
