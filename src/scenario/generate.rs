//! Synthetic scenarios of a given size, for scale tests and benchmarks.
//!
//! The shape imitates a large provider: regions → data centers → rooms; services placed
//! in rooms of one or more data centers; dependencies drawn by preferential attachment
//! (a new service depends on earlier ones with probability proportional to their
//! dependents + 1), which gives the power-law fan-in that makes a few services portals;
//! a mix of active-active and active-standby modes, partial dependencies with grace,
//! a handful of operations services that everyone's recovery needs, and a battery fire in
//! one room followed by a power cut of its data center. Deterministic for a seed.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;

#[derive(Debug, Clone, Copy)]
pub struct GenerateOptions {
    pub services: usize,
    /// Data centers (at least 2); regions hold 4 each; each has 3 rooms.
    pub sites: usize,
    pub seed: u64,
}

fn dur(h: f64) -> String {
    if h >= 1.0 {
        format!("{:.0}h", h.round())
    } else {
        format!("{:.0}m", (h * 60.0).round().max(1.0))
    }
}

pub fn generate(o: GenerateOptions) -> Scenario {
    let mut rng = ChaCha8Rng::seed_from_u64(o.seed);
    let n_dc = o.sites.max(2);
    let n_regions = n_dc.div_ceil(4);
    let rooms_per_dc = 3;
    let mut sites = Vec::new();
    for r in 0..n_regions {
        sites.push(SiteSpec {
            id: format!("r{r}"),
            parent: None,
            kind: SiteKind::Region,
            name: None,
            names: Default::default(),
            hazards: vec![],
        });
    }
    for d in 0..n_dc {
        sites.push(SiteSpec {
            id: format!("r{}/dc{d}", d / 4),
            parent: Some(format!("r{}", d / 4)),
            kind: SiteKind::DataCenter,
            name: None,
            names: Default::default(),
            hazards: vec![HazardSpec {
                mtbf: DistSpec::fixed("5y"),
                repair: DistSpec::Tagged(TaggedDist::Exp { mean: "4h".into() }),
            }],
        });
        for k in 0..rooms_per_dc {
            sites.push(SiteSpec {
                id: format!("r{}/dc{d}/room{k}", d / 4),
                parent: Some(format!("r{}/dc{d}", d / 4)),
                kind: SiteKind::Room,
                name: None,
                names: Default::default(),
                hazards: vec![],
            });
        }
    }
    let room = |d: usize, k: usize| format!("r{}/dc{d}/room{k}", d / 4);
    let n_ops = (o.services / 200).clamp(1, 20).min(o.services);
    // Each service appears in `pool` once plus once per dependent: a uniform pick from it
    // is a pick proportional to fan-in + 1.
    let mut pool: Vec<usize> = Vec::with_capacity(o.services * 3);
    let mut services = Vec::with_capacity(o.services);
    for i in 0..o.services {
        let home = rng.random_range(0..n_dc);
        let ops = i < n_ops;
        let n_rep = if ops {
            1
        } else {
            [1, 1, 2, 2, 3][rng.random_range(0..5)]
        }
        .min(n_dc);
        let mut replicas = vec![room(home, rng.random_range(0..rooms_per_dc))];
        while replicas.len() < n_rep {
            let d = rng.random_range(0..n_dc);
            let r = room(d, rng.random_range(0..rooms_per_dc));
            if !replicas.contains(&r) {
                replicas.push(r);
            }
        }
        let mode = if n_rep >= 2 && rng.random_bool(0.4) {
            Some(ModeSpec::ActiveStandby {
                failover: DistSpec::Tagged(TaggedDist::LogNormal {
                    median: "30m".into(),
                    p95: "4h".into(),
                }),
                success: 0.9,
            })
        } else if n_rep == 3 && rng.random_bool(0.3) {
            Some(ModeSpec::ActiveActive { min: 2 })
        } else {
            None
        };
        // Preferential attachment over earlier services.
        let mut depends_on: Vec<DepSpec> = Vec::new();
        if i > n_ops {
            let k = rng.random_range(0..=3usize).min(i - n_ops);
            let mut chosen: Vec<usize> = Vec::new();
            for _ in 0..k * 4 {
                if chosen.len() == k || pool.is_empty() {
                    break;
                }
                let pick = pool[rng.random_range(0..pool.len())];
                if !chosen.contains(&pick) {
                    chosen.push(pick);
                }
            }
            for j in chosen {
                pool.push(j);
                let id = format!("svc{j}");
                if rng.random_bool(0.3) {
                    depends_on.push(DepSpec::Full(DepFull {
                        on: OnSpec::Id(id),
                        share: Some([0.1, 0.3, 0.5][rng.random_range(0..3)]),
                        grace: Some(dur(rng.random_range(0.0..2.0))),
                    }));
                } else if rng.random_bool(0.2) {
                    depends_on.push(DepSpec::Full(DepFull {
                        on: OnSpec::Id(id),
                        share: None,
                        grace: Some("30m".into()),
                    }));
                } else {
                    depends_on.push(DepSpec::Id(id));
                }
            }
        }
        let recovery_needs = if !ops && n_ops > 0 && rng.random_bool(0.5) {
            vec![format!("svc{}", rng.random_range(0..n_ops))]
        } else {
            vec![]
        };
        let hazards = if rng.random_bool(0.2) {
            vec![HazardSpec {
                mtbf: DistSpec::fixed("1y"),
                repair: DistSpec::Tagged(TaggedDist::Exp { mean: "2h".into() }),
            }]
        } else {
            vec![]
        };
        let users = if rng.random_bool(0.5) {
            10f64.powf(rng.random_range(3.0..7.5)) as u64
        } else {
            0
        };
        services.push(ServiceSpec {
            id: format!("svc{i}"),
            name: None,
            names: Default::default(),
            group: if ops {
                "operations".into()
            } else {
                format!("group{}", i % 12)
            },
            description: String::new(),
            users,
            replicas,
            instances: None,
            mode,
            restart: Some(DistSpec::Tagged(TaggedDist::LogNormal {
                median: "20m".into(),
                p95: "3h".into(),
            })),
            rebuild: None,
            depends_on,
            recovery_needs,
            hazards,
            substitutes: vec![],
            tolerance: None,
        });
        if !ops {
            pool.push(i);
        }
    }
    let fire_room = room(0, 0);
    Scenario {
        name: format!(
            "Synthetic: {} services in {} data centers (seed {})",
            o.services, n_dc, o.seed
        ),
        description: "Generated by `blastradius generate` for scale tests.".into(),
        sources: vec![],
        horizon: "10d".into(),
        trials: Some(1000),
        seed: Some(o.seed),
        currency: None,
        sites,
        services,
        events: vec![EventSpec {
            name: "Battery-room fire".into(),
            site: Some(fire_room),
            sites: vec![],
            count: None,
            at: Some(DistSpec::Tagged(TaggedDist::Uniform {
                min: "0h".into(),
                max: "24h".into(),
            })),
            after: None,
            probability: Some(1.0),
            lasts: DistSpec::Tagged(TaggedDist::LogNormal {
                median: "8h".into(),
                p95: "24h".into(),
            }),
            destroys: false,
            per_year: Some(0.02),
            then: vec![EventSpec {
                name: "Data-center power cut for firefighting".into(),
                site: Some("r0/dc0".into()),
                sites: vec![],
                count: None,
                at: None,
                after: Some(DistSpec::fixed("1h")),
                probability: Some(0.5),
                lasts: DistSpec::Tagged(TaggedDist::Uniform {
                    min: "10h".into(),
                    max: "60h".into(),
                }),
                destroys: false,
                per_year: None,
                then: vec![],
            }],
        }],
        recovery: RecoverySpec {
            crews: Some(((o.services / 50).max(2)) as u64),
            order: OrderSpec::ByUsers,
            bootstrap: Some("12h".into()),
        },
        variants: vec![],
        params: Default::default(),
        observed: vec![],
        calibrated: Default::default(),
        names: Default::default(),
        thresholds: vec![],
        common_cause: vec![],
        journeys: vec![],
    }
}

/// The scenario as RON text, ready to be written to a file.
pub fn to_ron(s: &Scenario) -> String {
    let cfg = ron::ser::PrettyConfig::new()
        .depth_limit(4)
        .indentor("  ".to_string())
        .extensions(ron::extensions::Extensions::IMPLICIT_SOME);
    let mut out = ron::ser::to_string_pretty(s, cfg).expect("scenario shapes serialise");
    out.push('\n');
    out
}
