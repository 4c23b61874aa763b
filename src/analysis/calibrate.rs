//! `calibrate`: fit scale factors of named parameters to observed restoration times, and
//! say how well the fitted scenario *predicts* a service it was not fitted to.
//!
//! For a vector of scale factors (one per fitted parameter, each multiplying every
//! duration of that parameter's distribution), the scenario is lowered again with the
//! parameters scaled and `trials` trials are played on common random numbers (the same
//! seed and trial indices every time), so the objective
//!
//! `Σ over observed services (ln simulated median restored_at − ln observed)²`
//!
//! is a deterministic function of the factors. It is minimised by a compass search in
//! log space (each factor in turn multiplied and divided by a step that halves when no
//! move helps), which needs no derivative: the median of finitely many trials is only
//! piecewise smooth in the factors.
//!
//! Factors are relative to the parameters as `params` gives them (the values set before
//! any fitting, from the facts): every fit starts there, whatever factors the scenario's
//! `calibrated` map holds, so a fit, and above all a leave-one-out refit, never starts
//! from values that saw the observation it is judged on.
//!
//! Leave-one-out: for each observed service `i`, the fit is redone without `i`, and `i`'s
//! restoration is predicted with those factors. A parameter that no other observed
//! service depends on cannot be fitted without `i`: it keeps its value from `params`
//! (factor 1).

use crate::analysis::batch;
use crate::error::Error;
use crate::model::{self, Loaded, Model, ServiceIdx};
use crate::sim::{Compiled, Trial};

/// Trials per evaluation of the objective when `--trials` is not given: every
/// evaluation replays the scenario, and a fit takes tens of evaluations.
pub const DEFAULT_TRIALS: u64 = 1000;

/// The factors are kept within `[1/LIMIT, LIMIT]` of the file's values.
const LIMIT: f64 = 100.0;
/// The first step of the search, in log space: a factor of 2.
const FIRST_STEP: f64 = std::f64::consts::LN_2;
/// The search stops when the step is below this (a factor of 1.002).
const LAST_STEP: f64 = 0.002;
/// At most this many evaluations per fit.
const MAX_EVALS: u64 = 400;

/// What to fit.
#[derive(Debug, Clone)]
pub struct CalibrateOptions {
    /// Names of the parameters to fit; empty: every parameter.
    pub fit: Vec<String>,
    pub trials: u64,
    pub seed: u64,
    pub threads: Option<usize>,
}

/// An observed service: where it stands in the fit and in the prediction.
#[derive(Debug, Clone)]
pub struct ServiceFit {
    pub service: ServiceIdx,
    pub observed_hours: f64,
    /// Median simulated restored-at with the parameters as `params` gives them (factor 1).
    pub prior_hours: f64,
    /// Median simulated restored-at with the scenario's own `calibrated` factors.
    pub file_hours: f64,
    /// Median simulated restored-at with the fitted factors.
    pub fitted_hours: f64,
    /// 5th and 95th percentiles of the simulated restored-at with the fitted factors.
    pub fitted_p5: f64,
    pub fitted_p95: f64,
    /// Median simulated restored-at with the factors fitted without this service.
    pub loo_hours: f64,
    /// Fitted parameters that kept their file value when this service was left out (no
    /// other observed service depends on them).
    pub loo_unfitted: Vec<usize>,
    /// The share of trials in which the service was down (with the fitted factors).
    pub down_share: f64,
}

#[derive(Debug, Clone)]
pub struct Calibration {
    /// The fitted parameters (indices into `Model::params`) and their factors.
    pub params: Vec<usize>,
    pub scales: Vec<f64>,
    /// Parameters left out of a default fit because no observed service depends on them.
    pub skipped: Vec<usize>,
    pub services: Vec<ServiceFit>,
    /// Sum of squared log errors with the file's values and with the fitted factors.
    pub prior_loss: f64,
    pub fitted_loss: f64,
    /// Evaluations of the objective over all fits.
    pub evaluations: u64,
    pub trials: u64,
    pub seed: u64,
}

impl Calibration {
    /// Median over services of |fitted − observed| / observed, in percent.
    pub fn fit_median_abs_pct(&self) -> f64 {
        median_abs_pct(
            self.services
                .iter()
                .map(|s| (s.fitted_hours, s.observed_hours)),
        )
    }

    /// Median over services of |leave-one-out prediction − observed| / observed, in %.
    pub fn loo_median_abs_pct(&self) -> f64 {
        median_abs_pct(
            self.services
                .iter()
                .map(|s| (s.loo_hours, s.observed_hours)),
        )
    }

    /// The same with the scenario's own `calibrated` factors.
    pub fn file_median_abs_pct(&self) -> f64 {
        median_abs_pct(
            self.services
                .iter()
                .map(|s| (s.file_hours, s.observed_hours)),
        )
    }

    /// The same with the parameters as `params` gives them, before any fitting.
    pub fn prior_median_abs_pct(&self) -> f64 {
        median_abs_pct(
            self.services
                .iter()
                .map(|s| (s.prior_hours, s.observed_hours)),
        )
    }
}

/// The median of `|a − b| / b × 100` over the pairs (simulated, observed); NaN for none.
pub fn median_abs_pct(pairs: impl Iterator<Item = (f64, f64)>) -> f64 {
    let mut v: Vec<f64> = pairs.map(|(a, b)| (a - b).abs() / b * 100.0).collect();
    median_of(&mut v)
}

/// The median of `v` (the mean of the two middle values for an even count); NaN if
/// empty. Sorts `v`.
fn median_of(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    median_sorted(v)
}

/// The median of sorted `v`; NaN if empty.
fn median_sorted(v: &[f64]) -> f64 {
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The value at quantile `q` of sorted `v` (nearest rank); NaN if empty.
fn quantile_sorted(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let k = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
    v[k]
}

/// Restored-at statistics of each observed service under one set of factors.
struct Eval {
    /// Sorted restored-at values of the trials in which the service was down.
    restored: Vec<Vec<f64>>,
}

impl Eval {
    fn median(&self, i: usize) -> f64 {
        median_sorted(&self.restored[i])
    }
}

/// The objective's machinery: the scenario, what is fitted and observed, and a counter.
struct Problem<'a> {
    loaded: &'a Loaded,
    variant: Option<&'a str>,
    params: Vec<usize>,
    names: Vec<String>,
    obs: Vec<(ServiceIdx, f64)>,
    opts: &'a CalibrateOptions,
    evaluations: u64,
    progress: &'a mut dyn FnMut(&str, u64, u64),
    label: String,
    /// An estimate of the evaluations the whole calibration takes, for progress.
    expected: u64,
}

impl Problem<'_> {
    /// Plays the trials with `scales` (one per fitted parameter; log factors).
    fn eval(&mut self, log_scales: &[f64]) -> Result<Eval, Error> {
        let scales: model::Scales = self
            .names
            .iter()
            .zip(log_scales)
            .map(|(n, x)| (n.clone(), x.exp()))
            .collect();
        let m = model::scaled(self.loaded, self.variant, &scales)?;
        let eval = play(&m, &self.obs, self.opts)?;
        self.evaluations += 1;
        self.expected = self.expected.max(self.evaluations + 1);
        let t = self.opts.trials;
        (self.progress)(&self.label, self.evaluations * t, self.expected * t);
        Ok(eval)
    }

    /// Σ (ln median − ln observed)² over the observed services in `which`; infinite if
    /// one of them is never down.
    fn loss(&self, e: &Eval, which: &[usize]) -> f64 {
        let mut sum = 0.0;
        for &i in which {
            let m = e.median(i);
            if m.is_nan() || m <= 0.0 {
                return f64::INFINITY;
            }
            let d = m.ln() - self.obs[i].1.ln();
            sum += d * d;
        }
        sum
    }

    /// Minimises the loss over the observed services in `which`, moving only the
    /// parameters in `free` (positions in `self.params`); the others stay at 0 (factor 1).
    fn fit(&mut self, which: &[usize], free: &[usize]) -> Result<Vec<f64>, Error> {
        let mut x = vec![0.0; self.params.len()];
        let mut best = {
            let e = self.eval(&x)?;
            self.loss(&e, which)
        };
        if free.is_empty() {
            return Ok(x);
        }
        let mut step = FIRST_STEP;
        let mut evals = 1;
        let bound = LIMIT.ln();
        while step >= LAST_STEP && evals < MAX_EVALS {
            let mut moved = false;
            for &j in free {
                for dir in [1.0, -1.0] {
                    let mut y = x.clone();
                    y[j] = (y[j] + dir * step).clamp(-bound, bound);
                    if y[j] == x[j] {
                        continue;
                    }
                    let e = self.eval(&y)?;
                    evals += 1;
                    let l = self.loss(&e, which);
                    if l < best {
                        best = l;
                        x = y;
                        moved = true;
                        break;
                    }
                }
            }
            if !moved {
                step /= 2.0;
            }
        }
        Ok(x)
    }
}

/// Plays `opts.trials` trials of `m` and collects each observed service's restored-at
/// over the trials in which it was down, sorted.
///
/// Each worker keeps one trial and its own lists for the whole run (the whole-run
/// driver, [`batch::play`]), not one of each per batch of trials: sorted at the end, the
/// lists do not show which worker played which trial.
fn play(m: &Model, obs: &[(ServiceIdx, f64)], opts: &CalibrateOptions) -> Result<Eval, Error> {
    let c = Compiled::new(m);
    let batches = 0..opts.trials.div_ceil(batch::BATCH);
    let workers = batch::workers(opts.trials, opts.threads, &batches)?;
    let init = |_: usize| (Trial::new(&c), vec![Vec::new(); obs.len()]);
    let play = |w: &mut (Trial, Vec<Vec<f64>>), trials: std::ops::Range<u64>| {
        let (t, out) = w;
        for i in trials {
            t.run(opts.seed, i);
            for (k, &(s, _)) in obs.iter().enumerate() {
                let r = t.outcome.restored_at[s];
                if !r.is_nan() {
                    out[k].push(r);
                }
            }
        }
    };
    let states = batch::play(
        batches,
        opts.trials,
        workers,
        batch::Order::Any,
        &init,
        &play,
        &mut |_| {},
    );
    let mut restored: Vec<Vec<f64>> = vec![Vec::new(); obs.len()];
    for (_, out) in states {
        for (k, v) in out.into_iter().enumerate() {
            restored[k].extend(v);
        }
    }
    for v in &mut restored {
        v.sort_by(f64::total_cmp);
    }
    Ok(Eval { restored })
}

/// The services whose restoration can depend on what service `s` uses: `s` and every
/// service it reaches through `depends_on` and `recovery_needs`.
fn upstream(m: &Model, s: ServiceIdx) -> Vec<bool> {
    let mut seen = vec![false; m.services.len()];
    let mut stack = vec![s];
    seen[s] = true;
    while let Some(x) = stack.pop() {
        for n in m.graph.neighbors(Model::node(x)) {
            let y = n.index();
            if !seen[y] {
                seen[y] = true;
                stack.push(y);
            }
        }
    }
    seen
}

/// Which fitted parameters each observed service depends on: the parameter is used by a
/// site hazard or an event, or by the service or a service upstream of it.
fn dependence(m: &Model, params: &[usize]) -> Vec<Vec<bool>> {
    m.observed
        .iter()
        .map(|o| {
            let up = upstream(m, o.service);
            params
                .iter()
                .map(|&p| {
                    let p = &m.params[p];
                    p.sites_or_events || p.services.iter().any(|&s| up[s])
                })
                .collect()
        })
        .collect()
}

/// Whether `m` can be calibrated with the default `--fit`: it has observations and a
/// parameter one of them depends on.
pub fn fittable(m: &Model) -> bool {
    let all: Vec<usize> = (0..m.params.len()).collect();
    !m.observed.is_empty() && dependence(m, &all).iter().flatten().any(|&d| d)
}

/// Fits the parameters of `opts.fit` (every parameter when empty) of the base model or
/// `variant` to its observations, then predicts each observed service with the factors
/// fitted without it.
pub fn calibrate(
    loaded: &Loaded,
    variant: Option<&str>,
    opts: &CalibrateOptions,
    progress: &mut dyn FnMut(&str, u64, u64),
) -> Result<Calibration, Error> {
    let m = loaded.model_of(variant)?;
    if m.observed.is_empty() {
        return Err(Error::usage(format!(
            "{} has no `observed` restoration times to calibrate against; add `observed: [(service: \"id\", restored_at: \"10h\", source: \"...\")]`",
            loaded.file
        )));
    }
    let all_params: Vec<usize> = (0..m.params.len()).collect();
    let mut skipped = Vec::new();
    let params: Vec<usize> = if opts.fit.is_empty() {
        // Every parameter that an observed service depends on; the others are listed.
        let dep = dependence(m, &all_params);
        let (fit, skip): (Vec<usize>, Vec<usize>) =
            all_params.iter().partition(|&&j| dep.iter().any(|d| d[j]));
        skipped = skip;
        fit
    } else {
        let mut v = Vec::new();
        for name in &opts.fit {
            match m.params.iter().position(|p| &p.name == name) {
                Some(k) if !v.contains(&k) => v.push(k),
                Some(_) => {}
                None => {
                    let declared: Vec<&str> = m.params.iter().map(|p| p.name.as_str()).collect();
                    return Err(model::unknown_param(&declared, name));
                }
            }
        }
        v
    };
    if m.params.is_empty() {
        return Err(Error::usage(format!(
            "{} declares no `params` to fit; name the durations to fit with `params: {{\"name\": DIST}}` and use them as Param(\"name\")",
            loaded.file
        )));
    }
    if params.is_empty() {
        return Err(Error::usage(format!(
            "no observed service depends on any parameter of {}: nothing can be fitted",
            loaded.file
        )));
    }
    let dep = dependence(m, &params);
    for (j, &p) in params.iter().enumerate() {
        if !dep.iter().any(|d| d[j]) {
            return Err(Error::usage(format!(
                "no observed service depends on parameter \"{}\": it cannot be fitted; leave it out of --fit",
                m.params[p].name
            )));
        }
    }
    let obs: Vec<(ServiceIdx, f64)> = m
        .observed
        .iter()
        .map(|o| (o.service, o.restored_at))
        .collect();
    let n = obs.len();
    let mut pb = Problem {
        loaded,
        variant,
        names: params.iter().map(|&p| m.params[p].name.clone()).collect(),
        params: params.clone(),
        obs,
        opts,
        evaluations: 0,
        progress,
        label: "fit".into(),
        // About 15 evaluations per fitted parameter per fit, for the fit and each
        // leave-one-out refit.
        expected: (n as u64 + 1) * (15 * params.len() as u64 + 3),
    };
    let all: Vec<usize> = (0..n).collect();
    let free_all: Vec<usize> = (0..params.len()).collect();
    let prior = pb.eval(&vec![0.0; params.len()])?;
    for (i, &(s, _)) in pb.obs.iter().enumerate() {
        if prior.restored[i].is_empty() {
            return Err(Error::usage(format!(
                "observed service \"{}\" is never down in {} trials of the scenario: there is no simulated restoration to compare with",
                m.services[s].id, opts.trials
            )));
        }
    }
    let prior_loss = pb.loss(&prior, &all);
    let file_x: Vec<f64> = params.iter().map(|&p| m.params[p].factor.ln()).collect();
    let file = if file_x.iter().all(|&x| x == 0.0) {
        None
    } else {
        Some(pb.eval(&file_x)?)
    };
    let x = pb.fit(&all, &free_all)?;
    let fitted = pb.eval(&x)?;
    let fitted_loss = pb.loss(&fitted, &all);
    let mut services = Vec::with_capacity(n);
    for i in 0..n {
        pb.label = format!("leave out {}", m.services[pb.obs[i].0].id);
        let others: Vec<usize> = (0..n).filter(|&k| k != i).collect();
        let free: Vec<usize> = (0..params.len())
            .filter(|&j| others.iter().any(|&k| dep[k][j]))
            .collect();
        let loo_unfitted = (0..params.len())
            .filter(|j| !free.contains(j))
            .map(|j| params[j])
            .collect();
        let xi = if others.is_empty() {
            vec![0.0; params.len()]
        } else {
            pb.fit(&others, &free)?
        };
        let e = pb.eval(&xi)?;
        let v = &fitted.restored[i];
        services.push(ServiceFit {
            service: pb.obs[i].0,
            observed_hours: pb.obs[i].1,
            prior_hours: prior.median(i),
            file_hours: file.as_ref().unwrap_or(&prior).median(i),
            fitted_hours: fitted.median(i),
            fitted_p5: quantile_sorted(v, 0.05),
            fitted_p95: quantile_sorted(v, 0.95),
            loo_hours: e.median(i),
            loo_unfitted,
            down_share: v.len() as f64 / opts.trials as f64,
        });
    }
    Ok(Calibration {
        skipped,
        params,
        scales: x.iter().map(|v| v.exp()).collect(),
        services,
        prior_loss,
        fitted_loss,
        evaluations: pb.evaluations,
        trials: opts.trials,
        seed: opts.seed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_quantiles() {
        assert_eq!(median_of(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median_of(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median_of(&mut []).is_nan());
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile_sorted(&v, 0.05), 5.0);
        assert_eq!(quantile_sorted(&v, 0.95), 95.0);
        assert_eq!(quantile_sorted(&v, 0.0), 1.0);
    }
}
