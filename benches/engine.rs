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

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use blastradius::analysis::plan::RunOptions;
use blastradius::analysis::run::run;
use blastradius::model::load_str;
use blastradius::scenario::generate::{generate, to_ron, GenerateOptions};
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

/// The large graph of the README's scale figures: `generate --services 100000 --sites 40
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

criterion_group!(benches, single_thread, parallel, portal_measures);
criterion_main!(benches);
