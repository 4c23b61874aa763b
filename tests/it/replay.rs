//! Replayed never-down counterfactuals (`sim::replay`) against the full re-simulation:
//! for every service down in every trial, the total, its own loss and every service's loss
//! must be the full counterfactual's to the bit, on the bundled scenarios and their
//! variants, generated graphs with crews, and random small scenarios with everything the
//! format has.

use blastradius::model::{load_str, Model};
use blastradius::scenario::generate::{generate, to_ron, GenerateOptions};
use blastradius::sim::replay::{deadlock_capable, NeverDown, Path};
use blastradius::sim::Compiled;

use crate::util::scenarios_dir;

/// Counterfactuals checked, by the path the replay took.
#[derive(Debug, Default)]
struct Paths {
    alone: u64,
    replayed: u64,
    full: u64,
}

/// Checks every counterfactual of trials `0..trials`; returns how each was computed.
fn check(m: &Model, trials: u64, what: &str) -> Paths {
    let c = Compiled::new(m);
    let capable = deadlock_capable(&c);
    let mut cf = NeverDown::new(&c, &capable);
    let mut paths = Paths::default();
    let n = c.n_services();
    for i in 0..trials {
        let o = cf.base(m.seed, i);
        let down: Vec<u32> = (0..n as u32)
            .filter(|&s| o.downtime[s as usize] > 0.0 || !o.restored_at[s as usize].is_nan())
            .collect();
        let fast = cf.never_down(&down, m.seed, i).to_vec();
        let losses: Vec<Option<Vec<u64>>> = (0..down.len())
            .map(|k| (0..n).map(|x| cf.loss(k, x).map(f64::to_bits)).collect())
            .collect();
        for (k, &s) in down.iter().enumerate() {
            let s = s as usize;
            let fast = fast[k];
            match fast.path {
                Path::Alone => paths.alone += 1,
                Path::Replayed => paths.replayed += 1,
                Path::Full => paths.full += 1,
            }
            let full = cf.full(s, m.seed, i);
            let at = format!(
                "{what}: trial {i}, service {} ({:?})",
                m.services[s].id, fast.path
            );
            assert_eq!(fast.total.to_bits(), full.total.to_bits(), "total, {at}");
            assert_eq!(fast.own.to_bits(), full.own.to_bits(), "own loss, {at}");
            let Some(losses) = &losses[k] else {
                assert_eq!(fast.path, Path::Full);
                continue;
            };
            for (x, &loss) in losses.iter().enumerate() {
                assert_eq!(
                    loss,
                    cf.full_loss(x).to_bits(),
                    "loss of {}, {at}",
                    m.services[x].id
                );
            }
        }
    }
    paths
}

#[test]
fn bundled_scenarios_and_variants_replay_to_the_bit() {
    let mut files: Vec<_> = std::fs::read_dir(scenarios_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    let mut total = Paths::default();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let loaded = load_str("s.ron", &text).unwrap_or_else(|e| panic!("{e}"));
        let models = std::iter::once((String::new(), &loaded.model))
            .chain(loaded.variants.iter().map(|v| (v.name.clone(), &v.model)));
        for (name, m) in models {
            let p = check(m, 200, &format!("{} {name}", f.display()));
            eprintln!("{} {name}: {p:?}", f.display());
            total.alone += p.alone;
            total.replayed += p.replayed;
            total.full += p.full;
        }
    }
    eprintln!("{total:?}");
    assert!(total.replayed > 1000, "{total:?}");
}

#[test]
fn generated_graphs_with_crews_replay_to_the_bit() {
    for (services, sites, seed) in [(300, 4, 7), (400, 8, 11)] {
        let text = to_ron(&generate(GenerateOptions {
            services,
            sites,
            seed,
        }));
        let loaded = load_str("g.ron", &text).unwrap();
        assert!(loaded.model.recovery.crews.is_some());
        let p = check(&loaded.model, 24, &format!("generated {services}"));
        eprintln!("{services}: {p:?}");
        assert!(p.replayed > 100 && p.full > 0, "{p:?}");
    }
}

/// Random small scenarios with everything the engine has: nested sites with hazards,
/// destroying events at fixed and random times (ties between instants), both modes,
/// fleets, rebuilds, hard and partial dependencies with and without grace, cycles of
/// dependencies and of recovery needs, substitutes inside and outside the scenario,
/// hazards with fixed times, crews and bootstrap.
mod random {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;

    fn pick<'a>(rng: &mut ChaCha8Rng, xs: &[&'a str]) -> &'a str {
        xs[rng.random_range(0..xs.len())]
    }

    fn scenario(seed: u64) -> String {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let sites = ["a", "b", "c", "d"];
        let mut t = String::from("Scenario(name: \"random\", horizon: \"5d\", sites: [");
        t.push_str(
            "(id: \"a\"), (id: \"b\"), (id: \"c\", parent: \"a\"), (id: \"d\", parent: \"b\"",
        );
        if rng.random_bool(0.3) {
            t.push_str(", hazards: [(mtbf: Exp(mean: \"3d\"), repair: \"6h\")]");
        }
        t.push_str(")],\nservices: [\n");
        let n = rng.random_range(4..=8);
        for i in 0..n {
            let k = rng.random_range(1..=2);
            let mut reps: Vec<&str> = sites.to_vec();
            while reps.len() > k {
                reps.remove(rng.random_range(0..reps.len()));
            }
            let reps: Vec<String> = reps.iter().map(|r| format!("\"{r}\"")).collect();
            t.push_str(&format!(
                "  (id: \"s{i}\", users: {}, replicas: [{}], instances: {}, restart: {}",
                pick(&mut rng, &["0", "10", "250", "1000"]),
                reps.join(", "),
                pick(&mut rng, &["1", "1", "1", "3"]),
                pick(
                    &mut rng,
                    &["\"0h\"", "\"1h\"", "Exp(mean: \"2h\")", "\"30m\""]
                )
            ));
            if k > 1 && rng.random_bool(0.4) {
                t.push_str(&format!(
                    ", mode: ActiveStandby(failover: {}, success: {})",
                    pick(&mut rng, &["Exp(mean: \"1h\")", "\"20m\""]),
                    pick(&mut rng, &["1.0", "0.5"])
                ));
            } else {
                t.push_str(&format!(
                    ", mode: ActiveActive(min: {})",
                    rng.random_range(1..=k)
                ));
            }
            if rng.random_bool(0.15) {
                t.push_str(&format!(
                    ", rebuild: (to: [\"{}\"], takes: \"6h\")",
                    pick(&mut rng, &sites)
                ));
            }
            let mut deps = Vec::new();
            for j in 0..n {
                if j != i && rng.random_bool(if j < i { 0.35 } else { 0.1 }) {
                    deps.push(format!(
                        "(on: \"s{j}\", share: {}, grace: {})",
                        pick(&mut rng, &["1.0", "1.0", "0.3", "0.6"]),
                        pick(&mut rng, &["\"0h\"", "\"0h\"", "\"1h\"", "\"30m\""])
                    ));
                }
            }
            t.push_str(&format!(", depends_on: [{}]", deps.join(", ")));
            let j = rng.random_range(0..n);
            if j != i && rng.random_bool(0.3) {
                t.push_str(&format!(", recovery_needs: [\"s{j}\"]"));
            }
            let j = rng.random_range(0..n);
            if rng.random_bool(0.3) {
                let to = if j != i && rng.random_bool(0.7) {
                    format!("to: \"s{j}\"")
                } else {
                    "outside: \"elsewhere\"".into()
                };
                t.push_str(&format!(
                    ", substitutes: [({to}, share: {}, after: {})]",
                    pick(&mut rng, &["0.2", "0.5", "1.0"]),
                    pick(&mut rng, &["\"0h\"", "\"2h\"", "\"30m\""])
                ));
            }
            if rng.random_bool(0.4) {
                t.push_str(&format!(
                    ", hazards: [(mtbf: {}, repair: {})]",
                    pick(&mut rng, &["\"2d\"", "Exp(mean: \"2d\")"]),
                    pick(&mut rng, &["Exp(mean: \"5h\")", "\"4h\""])
                ));
            }
            t.push_str("),\n");
        }
        t.push_str("],\nevents: [\n");
        for _ in 0..rng.random_range(1..=3) {
            t.push_str(&format!(
                "  (name: \"e\", site: \"{}\", at: {}, lasts: {}, probability: 0.8, destroys: {}),\n",
                pick(&mut rng, &sites),
                pick(&mut rng, &["\"1d\"", "Uniform(min: \"0h\", max: \"3d\")"]),
                pick(&mut rng, &["\"10h\"", "Exp(mean: \"10h\")"]),
                rng.random_bool(0.15)
            ));
        }
        t.push_str("],\nrecovery: (");
        t.push_str(pick(&mut rng, &["", "crews: 1, ", "crews: 2, "]));
        t.push_str(pick(&mut rng, &["", "bootstrap: \"4h\""]));
        t.push_str("))\n");
        t
    }

    #[test]
    fn random_scenarios_replay_to_the_bit() {
        let mut total = Paths::default();
        let seeds: u64 = std::env::var("SEEDS").map_or(300, |s| s.parse().unwrap());
        for seed in 0..seeds {
            let text = scenario(seed);
            let loaded = load_str("r.ron", &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
            let p = check(&loaded.model, 30, &format!("seed {seed}\n{text}"));
            total.alone += p.alone;
            total.replayed += p.replayed;
            total.full += p.full;
        }
        eprintln!("{total:?}");
        assert!(total.replayed > 2000 && total.full > 100, "{total:?}");
    }
}
