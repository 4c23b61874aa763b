//! Engine throughput in service-trials per second (services × trials / time).
//!
//! `cargo bench --bench engine` runs: the bundled DESIGN.md example scenario and a
//! generated 1,000-service scenario, one thread each (the per-core figure), plus the
//! 1,000-service scenario through the parallel runner on 1 and on 2 threads, so the
//! scaling ratio comes from one run. Criterion reports time per batch of trials; the
//! throughput line (`thrpt`) is in service-trials per second.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use blastradius::analysis::run::{run, RunOptions};
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

fn single_thread(c: &mut Criterion) {
    let mut g = c.benchmark_group("trials_single_thread");
    for (name, text) in [
        ("design-example", bundled()),
        ("synthetic-1000", synthetic(1000)),
    ] {
        let loaded = load_str(name, &text).expect("valid scenario");
        let compiled = Compiled::new(&loaded.model);
        let trials = 100u64;
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
    let text = synthetic(1000);
    let loaded = load_str("synthetic-1000", &text).expect("valid scenario");
    let n = loaded.model.services.len() as u64;
    let trials = 2048u64;
    let mut g = c.benchmark_group("runner_synthetic_1000");
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

criterion_group!(benches, single_thread, parallel);
criterion_main!(benches);
