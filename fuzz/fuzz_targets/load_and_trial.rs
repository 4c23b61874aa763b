//! Arbitrary bytes → parse and validate (`model::load_str`) → warnings → compile →
//! one trial. Nothing on this path may panic, abort or hang on any input.
//!
//! One input must run fast, so the trial is skipped for models whose expected work per
//! trial is large (`analysis::plan`; the CLI refuses the extreme ones up front): a
//! fuzzer-made file can ask for a thousand years of hazards every millisecond, which is
//! a legal (if absurd) scenario, not a bug.

#![no_main]

use libfuzzer_sys::fuzz_target;

/// Trials whose expected work (events, services, replica-levels) exceeds this are not
/// played: they are correct, only slow.
const MAX_WORK_PER_TRIAL: f64 = 200_000.0;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(loaded) = blastradius::model::load_str("fuzz.ron", text) else {
        return;
    };
    let _ = loaded.warnings();
    let _ = blastradius::report::dot::render(&loaded.model);
    for m in std::iter::once(&loaded.model).chain(loaded.variants.iter().map(|v| &v.model)) {
        let size = blastradius::analysis::plan::RunSize::of(
            m,
            1,
            1,
            blastradius::analysis::plan::Accumulation::Sets(1),
        );
        if size.work_per_trial > MAX_WORK_PER_TRIAL {
            continue;
        }
        let c = blastradius::sim::Compiled::new(m);
        let mut trial = blastradius::sim::Trial::new(&c);
        for i in 0..2 {
            trial.run(m.seed, i);
            let o = &trial.outcome;
            assert!(o.total_user_hours_lost.is_finite());
            for s in 0..c.n_services() {
                assert!(o.downtime[s] >= 0.0 && o.downtime[s] <= c.horizon * (1.0 + 1e-9));
                assert!(o.degraded[s] >= 0.0 && o.degraded[s] <= c.horizon * (1.0 + 1e-9));
                assert!(o.user_hours_lost[s].is_finite());
            }
        }
    }
});
