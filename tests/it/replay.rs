//! Replayed never-down counterfactuals (`sim::replay`) against the full re-simulation:
//! for every service down in every trial, the total, its own loss and every service's loss
//! must be the full counterfactual's to the bit, on the bundled scenarios and their
//! variants, generated graphs with crews, and random small scenarios with everything the
//! format has.

use blastradius::model::{load_str, Model};
use blastradius::scenario::generate::{generate, to_ron, GenerateOptions};
use blastradius::sim::replay::{deadlock_capable, hits, NeverDown, Path};
use blastradius::sim::{Compiled, Trial};

use crate::util::bundled_scenarios;

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

/// Calls `f` with every bundled scenario and each of its variants, and their names.
fn each_bundled_model(mut f: impl FnMut(&Model, &str)) {
    for file in bundled_scenarios() {
        let text = std::fs::read_to_string(&file).unwrap();
        let loaded = load_str("s.ron", &text).unwrap_or_else(|e| panic!("{e}"));
        let models = std::iter::once((String::new(), &loaded.model))
            .chain(loaded.variants.iter().map(|v| (v.name.clone(), &v.model)));
        for (name, m) in models {
            f(m, &format!("{} {name}", file.display()));
        }
    }
}

#[test]
fn bundled_scenarios_and_variants_replay_to_the_bit() {
    let mut total = Paths::default();
    each_bundled_model(|m, what| {
        let p = check(m, 200, what);
        eprintln!("{what}: {p:?}");
        total.alone += p.alone;
        total.replayed += p.replayed;
        total.full += p.full;
    });
    eprintln!("{total:?}");
    assert!(total.replayed > 1000, "{total:?}");
}

/// Two generated graphs (crews, a fire, active–standby services), by their size.
fn generated_graphs() -> impl Iterator<Item = (usize, Model)> {
    [(300, 4, 7), (400, 8, 11)]
        .map(|(services, sites, seed)| {
            let text = to_ron(&generate(GenerateOptions {
                services,
                sites,
                seed,
            }));
            (services, load_str("g.ron", &text).unwrap().model)
        })
        .into_iter()
}

#[test]
fn generated_graphs_with_crews_replay_to_the_bit() {
    for (services, m) in generated_graphs() {
        assert!(m.recovery.crews.is_some());
        let p = check(&m, 24, &format!("generated {services}"));
        eprintln!("{services}: {p:?}");
        assert!(p.replayed > 100 && p.full > 0, "{p:?}");
    }
}

/// Random small scenarios (`util::random_scenario`): ties between instants, crews, fleets,
/// substitutes, cycles of needs. `SEEDS=n` checks `n` scenarios instead of 300.
mod random {
    use super::*;
    use crate::util::random_scenario;

    #[test]
    fn random_scenarios_replay_to_the_bit() {
        let mut total = Paths::default();
        let seeds: u64 = std::env::var("SEEDS").map_or(300, |s| s.parse().unwrap());
        for seed in 0..seeds {
            let text = random_scenario(seed);
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

/// Always-down counterfactuals of sites (`NeverDown::always_down`, for `importance`): each
/// one replayed must give the full re-simulation's total to the bit. Returns how many were
/// replayed and how many left to the full trial.
fn check_always_down(m: &Model, trials: u64, what: &str) -> (u64, u64) {
    let c = Compiled::new(m);
    let capable = deadlock_capable(&c);
    let hits: Vec<_> = (0..c.n_sites()).map(|site| hits(&c, site)).collect();
    let mut cf = NeverDown::new(&c, &capable);
    cf.record_recovery();
    let mut full = Trial::new(&c);
    let (mut replayed, mut played) = (0, 0);
    for i in 0..trials {
        cf.base(m.seed, i);
        for (site, hits) in hits.iter().enumerate() {
            let Some(total) = cf.always_down(site, hits) else {
                played += 1;
                continue;
            };
            replayed += 1;
            full.overrides_mut().site_always_down[site] = true;
            full.run(m.seed, i);
            full.overrides_mut().site_always_down[site] = false;
            assert_eq!(
                total.to_bits(),
                full.outcome.total_user_hours_lost.to_bits(),
                "{what}: trial {i}, site {}: {total} against {}",
                m.sites[site].id,
                full.outcome.total_user_hours_lost
            );
        }
    }
    (replayed, played)
}

#[test]
fn always_down_sites_replay_to_the_bit() {
    let (mut replayed, mut played) = (0, 0);
    each_bundled_model(|m, what| {
        let p = check_always_down(m, 100, what);
        eprintln!("{what}: {p:?}");
        replayed += p.0;
        played += p.1;
    });
    for (services, m) in generated_graphs() {
        let p = check_always_down(&m, 24, &format!("generated {services}"));
        eprintln!("generated {services}: {p:?}");
        replayed += p.0;
        played += p.1;
    }
    for seed in 0..150 {
        let text = crate::util::random_scenario(seed);
        let loaded = load_str("r.ron", &text).unwrap();
        let p = check_always_down(&loaded.model, 20, &format!("seed {seed}\n{text}"));
        replayed += p.0;
        played += p.1;
    }
    eprintln!("replayed {replayed}, played in full {played}");
    assert!(
        replayed > 1000,
        "replayed {replayed}, played in full {played}"
    );
}
