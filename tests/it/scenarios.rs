//! The bundled scenario library (`scenarios/`): every file validates and runs, each
//! incident shows the structure it was built to show, and the Kakao 1015 replay reproduces
//! the real restoration times.
//!
//! Trials are played with the library (`sim::Trial`), seeded with the scenario's own seed,
//! and medians are computed exactly from every trial's outcome.

use std::path::PathBuf;

use blastradius::model::{load, load_str, Model};
use blastradius::sim::{Compiled, Outcome, Trial};

use crate::util::{bundled_scenarios, close, scenario, stdout};

/// Plays `n` trials of `m` and hands every outcome to `f`.
fn play(m: &Model, n: u64, mut f: impl FnMut(&Outcome)) {
    let c = Compiled::new(m);
    let mut t = Trial::new(&c);
    for i in 0..n {
        t.run(m.seed, i);
        f(&t.outcome);
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    assert!(!v.is_empty(), "median of no values");
    v.sort_by(f64::total_cmp);
    let k = v.len();
    if k % 2 == 1 {
        v[k / 2]
    } else {
        (v[k / 2 - 1] + v[k / 2]) / 2.0
    }
}

fn idx(m: &Model, id: &str) -> usize {
    m.service_index(id)
        .unwrap_or_else(|| panic!("no service {id} in {}", m.name))
}

/// Every file in `scenarios/`: it validates, and the base and every variant run a few
/// trials with outcomes inside the horizon.
mod library {
    use super::*;

    const TRIALS: u64 = 50;

    fn files() -> Vec<PathBuf> {
        bundled_scenarios()
    }

    fn check_runs(file: &str, m: &Model) {
        let h = m.horizon;
        play(m, TRIALS, |o| {
            for (s, svc) in m.services.iter().enumerate() {
                let (d, g, r) = (o.downtime[s], o.degraded[s], o.restored_at[s]);
                assert!(
                    (0.0..=h + 1e-9).contains(&d) && (0.0..=h + 1e-9).contains(&g),
                    "{file}: {}: downtime {d} or degraded {g} outside [0, {h}]",
                    svc.id
                );
                assert!(
                    r.is_nan() || (0.0..=h + 1e-9).contains(&r),
                    "{file}: {}: restored at {r}, outside [0, {h}]",
                    svc.id
                );
            }
            assert!(o.total_user_hours_lost.is_finite() && o.total_user_hours_lost >= 0.0);
        });
    }

    #[test]
    fn every_bundled_scenario_validates_and_runs() {
        let files = files();
        assert!(
            files.len() >= 7,
            "expected the whole library, found {files:?}"
        );
        for f in &files {
            let file = f.to_string_lossy();
            let loaded = load(&file).unwrap_or_else(|e| panic!("{file} does not validate:\n{e}"));
            check_runs(&file, &loaded.model);
            for v in &loaded.variants {
                check_runs(&format!("{file} [{}]", v.name), &v.model);
            }
        }
    }

    #[test]
    fn every_bundled_scenario_cites_sources() {
        for f in files() {
            let file = f.to_string_lossy();
            let loaded = load(&file).unwrap_or_else(|e| panic!("{e}"));
            if file.ends_with("design-example.ron") {
                continue; // the format's illustrative example, not a sourced scenario.
            }
            assert!(!loaded.model.sources.is_empty(), "{file} has no sources");
        }
    }
}

/// The Kakao 1015 replay: calibrated median restoration times against the real ones.
///
/// These medians are *calibrated*: the file's class-level parameters were fitted to the
/// real times (`blastradius calibrate`, see the top of the file), so matching them is a
/// check of the fit, not a validation; the leave-one-out prediction is checked in
/// `calibration` below.
///
/// Tolerance. Each median within ±30 % of the real time, and the same order. That 30 % is
/// a modelling tolerance (how well five class-level durations can match a single
/// historical day), not a statistical one: the sampling error of a median over N trials
/// is about 1.25 σ / √N, and with the file's own N = 10,000 and the widest spread in the
/// file (talk-drawer, σ ≈ 10 h) that is ≈ 0.13 h, 0.1 % of 127.5 h. KakaoT (22.5 h) and
/// KakaoPay (23 h) are restored by the same class of work through the same structure
/// (a hand failover once standby capacity is found), so the model puts them at the same
/// time and is not asked to order them; every other pair in the order is more than ten
/// standard errors apart. The engine is fast enough that the full 10,000 trials take
/// about a second in a debug build, so no reduced variant is needed.
mod kakao_replay {
    use super::*;

    const TOLERANCE: f64 = 0.30;

    /// (service, real hours from 2022-10-15 15:30 KST to its restoration), in the real
    /// order; docs/incidents.md K16-K29.
    const REAL: &[(&str, f64)] = &[
        ("kakaotalk-text", 10.0),  // 10-16 01:30
        ("kakao-t", 22.5),         // 10-16 14:00
        ("kakaopay", 23.0),        // 10-16 14:30
        ("kakaotalk-media", 30.0), // 10-16 21:30
        ("kakao-wallet", 48.5),    // 10-17 16:00
        ("daum-mail", 86.5),       // 10-19 06:00
    ];
    /// All services and functions restored: 10-20 23:00.
    const LAST: f64 = 127.5;

    fn medians(m: &Model) -> Vec<f64> {
        let mut restored: Vec<Vec<f64>> = vec![Vec::new(); m.services.len()];
        play(m, m.trials, |o| {
            for (s, r) in restored.iter_mut().enumerate() {
                if !o.restored_at[s].is_nan() {
                    r.push(o.restored_at[s]);
                }
            }
        });
        restored
            .into_iter()
            .map(|v| if v.is_empty() { f64::NAN } else { median(v) })
            .collect()
    }

    #[test]
    fn medians_within_30_percent_and_in_the_real_order() {
        let loaded = load(&scenario("kakao-1015.ron")).unwrap_or_else(|e| panic!("{e}"));
        let m = &loaded.model;
        let med = medians(m);
        let mut report = String::new();
        let mut failures = Vec::new();
        for &(id, real) in REAL {
            let sim = med[idx(m, id)];
            report.push_str(&format!(
                "{id:16} simulated {sim:6.1} h, real {real:6.1} h\n"
            ));
            if !((1.0 - TOLERANCE) * real..=(1.0 + TOLERANCE) * real).contains(&sim) {
                failures.push(id);
            }
        }
        // The latest service: the largest median over every service that went down.
        let (last_s, last) = med
            .iter()
            .enumerate()
            .filter(|(_, x)| !x.is_nan())
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(s, &x)| (s, x))
            .expect("some service went down");
        let last_id = m.services[last_s].id.as_str();
        report.push_str(&format!(
            "latest ({last_id}) simulated {last:6.1} h, real {LAST:6.1} h\n"
        ));
        if !((1.0 - TOLERANCE) * LAST..=(1.0 + TOLERANCE) * LAST).contains(&last) {
            failures.push("latest");
        }
        // Shown with `cargo test --test it scenarios::kakao_replay -- --nocapture`.
        println!("{report}");
        assert!(failures.is_empty(), "outside ±30 %: {failures:?}\n{report}");
        let mut order: Vec<f64> = REAL.iter().map(|&(id, _)| med[idx(m, id)]).collect();
        order.push(last);
        assert!(
            in_real_order(&order),
            "restoration order differs from the real one:\n{report}"
        );
    }

    /// Medians in the order of `REAL` followed by the latest service: increasing, except
    /// that KakaoT and KakaoPay (positions 1 and 2, half an hour apart in reality and
    /// brought back by the same class of work) may come in either order.
    pub(super) fn in_real_order(m: &[f64]) -> bool {
        let (t, pay) = (m[1], m[2]);
        m[0] < t.min(pay) && t.max(pay) < m[3] && m[3..].windows(2).all(|w| w[0] < w[1])
    }

    /// KakaoBank runs in its own data centers, which no event reaches, so "never down" on
    /// its own would hold by construction. What is checked instead is what its edges
    /// imply: in every trial it loses, at each moment, exactly `1 − Π(1 − share)` over
    /// its partial dependencies that are down then (past their grace), and nothing else.
    /// Each dependency is down once, from time 0 (checked: `restored_at == downtime`), so
    /// its outage is `[0, downtime]` and the expected lost-share hours, degraded hours and
    /// peak share are computed here from the outcome of the dependencies and the shares
    /// read from the scenario. Made hard, the key-store edge takes the bank down for
    /// exactly the key store's outage. This fails if the engine mixed shares any other way
    /// (a sum, a maximum), ignored a partial edge, or let a partial edge take the bank
    /// down; and the hard copy fails if it ignored the edge's kind.
    #[test]
    fn kakaobank_loses_the_share_of_its_down_partial_dependencies() {
        // Its own data centers kept it running; only the Kakao-linked functions failed
        // (docs/incidents.md K17 and K24).
        let loaded = load(&scenario("kakao-1015.ron")).unwrap_or_else(|e| panic!("{e}"));
        let m = &loaded.model;
        let bank = idx(m, "kakaobank");
        let deps = &m.services[bank].depends_on;
        assert!(
            deps.len() == 3 && deps.iter().all(|d| !d.is_hard()),
            "the scenario changed: KakaoBank's edges are {deps:?}"
        );
        let users = m.services[bank].users as f64;
        play(m, 300, |o| {
            // Each partial edge is active on [grace, outage end] of its dependency.
            let mut active: Vec<(f64, f64, f64)> = Vec::new(); // (from, to, share)
            for d in deps {
                let on =
                    d.on.service()
                        .expect("KakaoBank's edges are on single services");
                let (down, back) = (o.downtime[on], o.restored_at[on]);
                assert!(down > 0.0, "{} never went down", m.services[on].id);
                assert!(
                    (back - down).abs() < 1e-9,
                    "{} is not down once from time 0: down {down} h, back at {back} h",
                    m.services[on].id
                );
                if down > d.grace {
                    active.push((d.grace, down, d.share));
                }
            }
            let mut cuts: Vec<f64> = active.iter().flat_map(|a| [a.0, a.1]).collect();
            cuts.sort_by(f64::total_cmp);
            let (mut lost, mut degraded, mut peak) = (0.0, 0.0, 0.0f64);
            for w in cuts.windows(2) {
                let mid = (w[0] + w[1]) / 2.0;
                let kept: f64 = active
                    .iter()
                    .filter(|a| a.0 < mid && mid < a.1)
                    .map(|a| 1.0 - a.2)
                    .product();
                if kept < 1.0 {
                    lost += (1.0 - kept) * (w[1] - w[0]);
                    degraded += w[1] - w[0];
                    peak = peak.max(1.0 - kept);
                }
            }
            assert_eq!(o.downtime[bank], 0.0, "a partial edge took the bank down");
            assert!(
                (o.lost_share_hours[bank] - lost).abs() < 1e-9,
                "lost-share hours {} ≠ {lost}",
                o.lost_share_hours[bank]
            );
            assert!((o.degraded[bank] - degraded).abs() < 1e-9);
            assert!((o.peak_lost_share[bank] - peak).abs() < 1e-12);
            assert!((o.user_hours_lost[bank] - users * lost).abs() <= 1e-9 * users * lost);
        });
        // The same scenario with the key-store edge hard.
        let text = std::fs::read_to_string(scenario("kakao-1015.ron")).expect("readable");
        let partial = r#"(on: "key-store", share: 0.1)"#;
        assert_eq!(text.matches(partial).count(), 1, "the scenario changed");
        let hard = load_str("kakao-hard.ron", &text.replace(partial, r#""key-store""#))
            .unwrap_or_else(|e| panic!("{e}"));
        let m = &hard.model;
        let (bank, keys) = (idx(m, "kakaobank"), idx(m, "key-store"));
        play(m, 300, |o| {
            assert!(o.downtime[keys] > 0.0);
            assert!(
                (o.downtime[bank] - o.downtime[keys]).abs() < 1e-9,
                "bank down {} h, key store down {} h",
                o.downtime[bank],
                o.downtime[keys]
            );
            assert!((o.restored_at[bank] - o.restored_at[keys]).abs() < 1e-9);
        });
    }

    #[test]
    fn every_variant_restores_messaging_sooner() {
        let loaded = load(&scenario("kakao-1015.ron")).unwrap_or_else(|e| panic!("{e}"));
        let text = idx(&loaded.model, "kakaotalk-text");
        let mean_down = |m: &Model| {
            let mut sum = 0.0;
            play(m, 500, |o| sum += o.downtime[text]);
            sum / 500.0
        };
        let base = mean_down(&loaded.model);
        for v in &loaded.variants {
            if v.name == "Login cache duplicated across sites" {
                continue; // It removes a degradation of login, not an outage of messaging.
            }
            let x = mean_down(&v.model);
            assert!(x < base, "{}: text down {x:.1} h, base {base:.1} h", v.name);
        }
    }
}

/// What each of the other incidents was built to show.
mod incidents {
    use super::*;

    const TRIALS: u64 = 500;

    /// Naver's fire does reach Naver: the Pangyo zone holds a replica of every service.
    /// The user-facing services stay up only because of their Chuncheon replicas, and
    /// each loses users only while the failover of its "Pangyo slice" (active-standby,
    /// Pangyo to Chuncheon hall 3) is under way, past the slice edge's 30-minute grace.
    /// So, in every trial: no user-facing service is down; each slice is down once, from
    /// time 0, for its failover time (Triangular from 20 min to 12 h); and each service
    /// is degraded for exactly `max(slice outage − grace, 0)` hours, losing the edge's
    /// share of its users over them.
    ///
    /// Two modified copies show the redundancy is what does it. Without the Chuncheon
    /// replicas, every user-facing service is down for exactly 18 h (Naver's zone is back
    /// at 17.5 h, then a 30-minute restart). With failovers that fail (success 0), each
    /// slice stays down until its Pangyo replica is back at 17.5 h, and its service is
    /// degraded 17 h. The check fails if the engine ignored the replicas (the base
    /// services would go down), ignored the fire (the copies would not), or mishandled
    /// the failover, the grace or the share.
    #[test]
    fn naver_stays_up_through_its_redundancy_and_goes_down_without_it() {
        let text = std::fs::read_to_string(scenario("naver-1015.ron")).expect("readable");
        let m = &load_str("naver.ron", &text)
            .unwrap_or_else(|e| panic!("{e}"))
            .model;
        // (service, its slice, the slice edge's share and grace), from the scenario.
        let sliced: Vec<(usize, usize, f64, f64)> = m
            .services
            .iter()
            .enumerate()
            .filter_map(|(s, svc)| {
                let (on, d) = svc.depends_on.iter().find_map(|d| {
                    let on = d.on.service()?;
                    m.services[on]
                        .id
                        .ends_with("-pangyo-slice")
                        .then_some((on, d))
                })?;
                Some((s, on, d.share, d.grace))
            })
            .collect();
        let facing: Vec<usize> = (0..m.services.len())
            .filter(|&s| m.services[s].users > 0)
            .collect();
        assert_eq!(sliced.len(), 7, "the scenario changed");
        assert_eq!(facing.len(), 8, "the scenario changed");
        let check_slices = |o: &Outcome, min: f64, max: f64| {
            for &(s, slice, share, grace) in &sliced {
                let (id, down) = (&m.services[s].id, o.downtime[slice]);
                assert!(
                    (min - 1e-9..=max + 1e-9).contains(&down),
                    "{id}: slice down {down} h, outside [{min}, {max}]"
                );
                assert!((o.restored_at[slice] - down).abs() < 1e-9, "{id}");
                let want = (down - grace).max(0.0);
                assert_eq!(o.downtime[s], 0.0, "{id} fully down");
                assert!(
                    (o.degraded[s] - want).abs() < 1e-9,
                    "{id}: degraded {} h, slice down {down} h",
                    o.degraded[s]
                );
                assert!((o.lost_share_hours[s] - share * want).abs() < 1e-9, "{id}");
            }
        };
        play(m, TRIALS, |o| {
            for &s in &facing {
                assert_eq!(o.downtime[s], 0.0, "{} fully down", m.services[s].id);
            }
            check_slices(o, 20.0 / 60.0, 12.0);
        });

        let single = r#"replicas: ["chuncheon/hall-1", "chuncheon/hall-2", "pangyo/zone-naver"]"#;
        assert_eq!(text.matches(single).count(), 8, "the scenario changed");
        let alone = text.replace(single, r#"replicas: ["pangyo/zone-naver"]"#);
        let m2 = &load_str("naver-alone.ron", &alone)
            .unwrap_or_else(|e| panic!("{e}"))
            .model;
        play(m2, TRIALS, |o| {
            for &s in &facing {
                let id = &m2.services[s].id;
                assert!(close(o.downtime[s], 18.0), "{id}: {}", o.downtime[s]);
                assert!(close(o.restored_at[s], 18.0), "{id}");
            }
        });

        let ok = r#"max: "12h"), success: 1.0)"#;
        assert_eq!(text.matches(ok).count(), 7, "the scenario changed");
        let failing = text.replace(ok, r#"max: "12h"), success: 0.0)"#);
        let m3 = &load_str("naver-failing.ron", &failing)
            .unwrap_or_else(|e| panic!("{e}"))
            .model;
        play(m3, TRIALS, |o| check_slices(o, 17.5, 17.5));
    }

    #[test]
    fn nirs_g_drive_is_lost_and_untouched_rooms_still_stop() {
        let loaded = load(&scenario("nirs-2025.ron")).unwrap_or_else(|e| panic!("{e}"));
        let m = &loaded.model;
        let (g, rooms) = (idx(m, "g-drive"), idx(m, "rooms-1-6-standalone"));
        play(m, TRIALS, |o| {
            assert_eq!(
                o.downtime[g], m.horizon,
                "G-Drive has no backup: down to the end"
            );
            assert!(
                o.downtime[rooms] > 0.0,
                "the cooling loss stops rooms 1-6 too"
            );
        });
        let backed_up = &loaded.variant("G-Drive backed up in Daegu").unwrap().model;
        let mut sum = 0.0;
        play(backed_up, TRIALS, |o| sum += o.downtime[g]);
        assert!(sum / (TRIALS as f64) < m.horizon);
    }

    #[test]
    fn meta_deadlock_is_broken_by_bootstrap_in_about_six_hours() {
        let loaded = load(&scenario("meta-2021.ron")).unwrap_or_else(|e| panic!("{e}"));
        let m = &loaded.model;
        let fb = idx(m, "facebook");
        let mut restored = Vec::new();
        play(m, TRIALS, |o| {
            assert!(o.deadlock, "every trial deadlocks");
            restored.push(o.restored_at[fb]);
        });
        // ~6 h (docs/incidents.md M4); same ±30 % modelling tolerance as the Kakao replay.
        let med = median(restored);
        assert!((4.2..=7.8).contains(&med), "median restoration {med:.1} h");
        let fixed = &loaded
            .variant("Out-of-band access independent of production DNS")
            .unwrap()
            .model;
        play(fixed, TRIALS, |o| assert!(!o.deadlock));
    }

    #[test]
    fn aws_control_plane_down_data_plane_degraded() {
        let loaded = load(&scenario("aws-2021.ron")).unwrap_or_else(|e| panic!("{e}"));
        let m = &loaded.model;
        let control = [
            "monitoring",
            "internal-dns",
            "authorisation",
            "ec2-control-plane",
        ];
        let data = ["ec2-instances", "load-balancers", "customer-apps"];
        play(m, TRIALS, |o| {
            for id in control {
                assert!(o.downtime[idx(m, id)] >= 7.0, "{id} should be down ≥ 7 h");
            }
            for id in data {
                let s = idx(m, id);
                assert_eq!(o.downtime[s], 0.0, "{id} should keep serving");
                assert!(o.degraded[s] > 0.0, "{id} should be degraded");
            }
        });
    }

    #[test]
    fn ovh_backups_in_the_burned_site_lose_the_data() {
        let loaded = load(&scenario("ovh-2021.ron")).unwrap_or_else(|e| panic!("{e}"));
        let m = &loaded.model;
        let lost = idx(m, "sites-sbg2");
        let intact = idx(m, "sites-sbg1");
        play(m, TRIALS, |o| {
            assert_eq!(o.downtime[lost], m.horizon, "no backup to rebuild from");
            assert!(o.downtime[intact] < m.horizon, "intact rooms restart");
        });
        let off_site = &loaded.variant("Backups in another site").unwrap().model;
        play(off_site, TRIALS, |o| {
            assert!(o.downtime[lost] < off_site.horizon)
        });
    }
}

/// The same library through the command line: `validate` and `run --format json` on every
/// file, base and variants, and the replay read from the JSON contract,
/// `restored_at_hours.p50`, which is what `scenarios/README.md` tells readers to look at.
mod command_line {
    use super::*;

    fn files() -> Vec<String> {
        let files = bundled_scenarios().into_iter();
        files.map(|p| p.to_string_lossy().into_owned()).collect()
    }

    #[test]
    fn validate_and_run_50_trials_of_every_file_and_variant() {
        for f in files() {
            stdout(&["validate", "--quiet", &f]);
            let loaded = load(&f).unwrap_or_else(|e| panic!("{e}"));
            let mut runs = vec![None];
            runs.extend(loaded.variants.iter().map(|v| Some(v.name.as_str())));
            for variant in runs {
                let mut args = vec!["run", &f, "--trials", "50", "--format", "json", "-q"];
                if let Some(v) = variant {
                    args.extend(["--variant", v]);
                }
                let v: serde_json::Value =
                    serde_json::from_str(&stdout(&args)).expect("run prints JSON");
                let n = v["services"].as_array().map_or(0, |s| s.len());
                assert!(n > 0, "{f} {variant:?}: no services in the JSON");
            }
        }
    }

    #[test]
    fn kakao_replay_through_run_json() {
        // 2,000 trials: the sampling error of each median is below 0.3 h (see
        // kakao_replay), and the sketch behind p50 adds well under 1 %; ±30 % is the target.
        let f = scenario("kakao-1015.ron");
        let text = stdout(&["run", &f, "--trials", "2000", "--format", "json", "-q"]);
        let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let p50 = |id: &str| {
            v["services"]
                .as_array()
                .expect("services")
                .iter()
                .find(|s| s["id"] == id)
                .and_then(|s| s["restored_at_hours"]["p50"].as_f64())
                .unwrap_or_else(|| panic!("no restored_at_hours.p50 for {id}"))
        };
        let real = [
            ("kakaotalk-text", 10.0),
            ("kakao-t", 22.5),
            ("kakaopay", 23.0),
            ("kakaotalk-media", 30.0),
            ("kakao-wallet", 48.5),
            ("daum-mail", 86.5),
            ("talk-drawer", 127.5),
        ];
        let sim: Vec<f64> = real.iter().map(|&(id, _)| p50(id)).collect();
        for (&(id, r), &s) in real.iter().zip(&sim) {
            assert!(
                (0.7 * r..=1.3 * r).contains(&s),
                "{id}: simulated {s:.1} h, real {r} h"
            );
        }
        assert!(super::kakao_replay::in_real_order(&sim), "order: {sim:?}");
    }
}

/// `calibrate` on the bundled replays: the parameters in the files are the calibrated
/// ones, and the leave-one-out prediction (each observed service predicted with the
/// parameters fitted without it) stays within a stated error.
mod calibration {
    use super::*;

    /// `blastradius calibrate FILE --trials T --seed S --format json`, parsed.
    fn calibrate(file: &str, trials: u64, seed: u64) -> serde_json::Value {
        let (t, s) = (trials.to_string(), seed.to_string());
        let text = stdout(&[
            "calibrate",
            file,
            "--trials",
            &t,
            "--seed",
            &s,
            "--format",
            "json",
            "-q",
        ]);
        serde_json::from_str(&text).expect("calibrate prints JSON")
    }

    /// The Kakao replay, with the trials and seed of the command at the top of
    /// `kakao-1015.ron` (100 trials per evaluation, seed 1015), which wrote the file's
    /// parameters. About 1,600 evaluations of 100 trials, on one thread (one batch): 37 to
    /// 48 s of CPU in a debug build (longer by the clock on a loaded machine).
    ///
    /// What it printed when the file was written: median absolute error 3.4 % calibrated
    /// (fitted to all nine observations) and 8.7 % predicted (leave-one-out). The run is
    /// deterministic (fixed trials and seed), so these bounds are not for sampling noise
    /// on this build but for what legitimately moves the trials drawn: a change of the
    /// engine's random streams or of float rounding on another platform acts like another
    /// seed. Over seeds 1 to 10 at the same 100 trials, the command gives 0.9 % to 3.5 %
    /// calibrated and 8.6 % to 14.3 % predicted. Bounds: 6 % calibrated, 20 % predicted,
    /// about 1.5 times the worst of those seeds; failing either means the model, not the
    /// sample, got worse.
    ///
    /// At the fit, calibrating again finds the file's own factors: every fit starts from
    /// `params` (never from the factors), so the search is the one that wrote them, and the
    /// factors are written to 6 significant digits. "Within 2 %" leaves room only for float
    /// differences between platforms.
    #[test]
    fn kakao_is_at_its_fit_and_predicts_left_out_restorations() {
        let v = calibrate(&scenario("kakao-1015.ron"), 100, 1015);
        let err = &v["error"];
        let fit = err["fit_median_abs_pct"].as_f64().expect("fit error");
        let loo = err["loo_median_abs_pct"]
            .as_f64()
            .expect("leave-one-out error");
        let mut report = format!("calibrated {fit:.2} %, predicted {loo:.2} %\n");
        for s in v["services"].as_array().expect("services") {
            report.push_str(&format!(
                "{:16} observed {:6.1} h, calibrated {:6.1} h, predicted {:6.1} h\n",
                s["id"].as_str().unwrap_or("?"),
                s["observed_hours"].as_f64().unwrap_or(f64::NAN),
                s["fitted_hours"].as_f64().unwrap_or(f64::NAN),
                s["loo_hours"].as_f64().unwrap_or(f64::NAN),
            ));
        }
        // Shown with `cargo test --test it scenarios::calibration -- --nocapture`.
        println!("{report}");
        let services = v["services"].as_array().expect("services");
        assert_eq!(services.len(), 9, "the observations changed:\n{report}");
        assert!(
            services
                .iter()
                .all(|s| s["loo_unfitted"] == serde_json::json!([])),
            "every parameter must be fitted by the other observations in each refit:\n{report}"
        );
        assert!(fit < 6.0, "calibrated error {fit:.2} % ≥ 6 %:\n{report}");
        assert!(loo < 20.0, "predicted error {loo:.2} % ≥ 20 %:\n{report}");
        assert_at_fit(&v, 5, "kakao-1015.ron");
    }

    /// Every fitted factor within 2 % of the file's `calibrated` factor, and the file's
    /// errors those of its fit: the file holds what its command wrote.
    fn assert_at_fit(v: &serde_json::Value, n: usize, file: &str) {
        let params = v["params"].as_array().expect("params");
        assert_eq!(
            params.len(),
            n,
            "{file}: the parameters changed: {params:?}"
        );
        for p in params {
            let k = p["scale"].as_f64().expect("scale");
            let f = p["file_scale"].as_f64().expect("file_scale");
            assert!(
                (k / f - 1.0).abs() < 0.02,
                "{file}: {}: fitted factor {k}, the file's {f}; the file is not at its fit (run the command at its top)",
                p["name"]
            );
        }
        let e = &v["error"];
        let (fit, file_err) = (
            e["fit_median_abs_pct"].as_f64().unwrap(),
            e["file_median_abs_pct"].as_f64().unwrap(),
        );
        assert!(
            (fit - file_err).abs() < 1.0,
            "{file}: fit {fit} %, as written {file_err} %"
        );
    }

    /// The other replays with observed times, at the trials and seed of the commands at
    /// the top of their files (1,000 trials; a few seconds in a debug build). The files
    /// are at their fit, and the errors are those the files and scenarios/README.md
    /// report: deterministic runs, so ± 1 percentage point covers only float differences
    /// between platforms.
    ///
    /// Meta has one observation: the fit is exact and the "prediction" is not one (with
    /// nothing left to fit, the left-out service keeps the calibrated value), which the
    /// JSON says by listing the parameter as unfitted. OVH has two, in one window (O5),
    /// for buildings whose power came back three days apart (O4): one restart class
    /// cannot put both in it, and leave-one-out shows it (±30 %).
    #[test]
    fn meta_and_ovh_are_at_their_fit_with_the_errors_reported() {
        let v = calibrate(&scenario("meta-2021.ron"), 1000, 20211004);
        assert_at_fit(&v, 1, "meta-2021.ron");
        assert!(
            v["error"]["fit_median_abs_pct"].as_f64().unwrap() < 1.0,
            "{v}"
        );
        assert_eq!(
            v["services"][0]["loo_unfitted"],
            serde_json::json!(["reannounce-routes"]),
            "{v}"
        );

        let v = calibrate(&scenario("ovh-2021.ron"), 1000, 20210310);
        assert_at_fit(&v, 1, "ovh-2021.ron");
        let fit = v["error"]["fit_median_abs_pct"].as_f64().unwrap();
        let loo = v["error"]["loo_median_abs_pct"].as_f64().unwrap();
        assert!(
            (fit - 15.2).abs() < 1.0,
            "calibrated {fit:.2} %, reported 15.2 %"
        );
        assert!(
            (loo - 30.5).abs() < 1.0,
            "predicted {loo:.2} %, reported 30.5 %"
        );
    }
}
