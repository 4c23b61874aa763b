//! The application layer: one function per command, each running its pipeline (load →
//! analyse) on checked options ([`options`]) and returning a result value. It prints
//! nothing and writes no file: the command line (`cli`) maps flags to these calls and
//! hands the results to `report` to render and write, the way hyperfine's `main`
//! goes from `Options` through its `Scheduler` to an `Exporter`.
//!
//! Progress is reported through a callback, `progress(label, done, total)`, called from
//! the calling thread after each batch of trials.

pub mod options;

use crate::analysis::calibrate::{self, Calibration};
use crate::analysis::compare::Comparison;
use crate::analysis::gateway::PortalMeasures;
use crate::analysis::importance::ImportanceStats;
use crate::analysis::plan::{Analysis, RunSize};
use crate::analysis::policy::{self, PolicyAnalyses};
use crate::analysis::portal::{PortalStats, Reach};
use crate::analysis::run::RunStats;
use crate::analysis::whatif::BlastRow;
use crate::error::{Diagnostic, Error};
use crate::model::{self, Loaded, Model};
use crate::report::partial::{check_coverage, check_same_run, Partial};
use options::{Shard, Sim};

/// What a run too big for the machine is told, after how big it is.
const HOW_TO_SHRINK: &str = "Shrink it: fewer trials (--trials N), or --precision R to stop as soon as the mean total loss is known within ±R (e.g. 0.01), with a smaller scenario or horizon; or shard it over machines with `run --shard K/N` and combine the parts with `merge`.";

/// What an analysis too big for the machine is told, after how big it is.
const ANALYSIS_HOW_TO_SHRINK: &str =
    "Shrink it: fewer trials (--trials N), or a smaller scenario or horizon.";

/// The same for `importance`, which can also play fewer sites.
const IMPORTANCE_HOW_TO_SHRINK: &str = "Shrink it: fewer trials (--trials N), only the sites you need (--site ID), or a smaller scenario or horizon.";

/// What a report too big for the machine is told, after how big it is.
const REPORT_HOW_TO_SHRINK: &str = "Shrink it: fewer trials (--trials N), or --precision R to stop the base run as soon as the mean total loss is known within ±R (e.g. 0.01), or a smaller scenario or horizon.";

/// Refuses `trials` trials of `analysis` of `m` when they are far beyond the machine.
fn check_analysis(m: &Model, trials: u64, sim: &Sim, analysis: Analysis) -> Result<(), Error> {
    let how = match analysis {
        Analysis::Importance(..) => IMPORTANCE_HOW_TO_SHRINK,
        _ => ANALYSIS_HOW_TO_SHRINK,
    };
    RunSize::analysis(m, trials, sim.threads.resolve(), analysis).check(how)
}

/// The size of `compare`'s arms, `base` and each of `variants`, played side by side.
fn compare_size(base: &Model, variants: &[&Model], trials: u64, threads: usize) -> RunSize {
    let arm = |m: &Model| RunSize::run(m, trials, threads);
    let mut size = variants.iter().fold(arm(base), |size, v| size.and(arm(v)));
    size.plays = "once per arm: the base design and each variant";
    size
}

/// Trials per evaluation of the report's leave-one-out check of a replay.
pub const REPORT_CALIBRATE_TRIALS: u64 = 500;

/// `progress(label, done, total)`.
pub type Progress<'a> = &'a mut dyn FnMut(&str, u64, u64);

/// A scenario file, loaded and validated, with its design warnings.
pub struct Validated {
    pub loaded: Loaded,
    pub warnings: Vec<Diagnostic>,
}

pub fn validate(file: &str) -> Result<Validated, Error> {
    let loaded = model::load(file)?;
    let warnings = loaded.warnings();
    Ok(Validated { loaded, warnings })
}

/// A scenario and the model a command works on: the base design or one variant.
pub struct Chosen {
    pub loaded: Loaded,
    pub variant: Option<String>,
}

impl Chosen {
    pub fn load(file: &str, variant: Option<String>) -> Result<Self, Error> {
        let loaded = model::load(file)?;
        loaded.model_of(variant.as_deref())?;
        Ok(Chosen { loaded, variant })
    }

    pub fn model(&self) -> &Model {
        self.loaded
            .model_of(self.variant.as_deref())
            .expect("checked when loaded")
    }

    pub fn variant(&self) -> Option<&str> {
        self.variant.as_deref()
    }
}

/// What `run` and `merge` produce: the accumulators of a whole run, with what its
/// output names (the scenario's hash, the model, the variant and the seed).
pub struct RunOutput {
    pub sha256: String,
    pub model: Model,
    pub variant: Option<String>,
    pub seed: u64,
    pub stats: RunStats,
}

/// `run`: the whole run, or one shard's partial result for `merge`.
pub enum RunResult {
    Whole(Box<RunOutput>),
    Part(Box<Partial>),
}

pub struct RunRequest {
    pub file: String,
    pub variant: Option<String>,
    pub sim: Sim,
    pub shard: Option<Shard>,
}

pub fn run(req: RunRequest, progress: Progress) -> Result<RunResult, Error> {
    req.sim.with_shard(req.shard)?;
    let loaded = model::load(&req.file)?;
    if let Some(v) = &req.variant {
        loaded.variant(v)?;
    }
    // Keep only what the run and its output need: on a 100,000-service scenario the
    // parsed file and the other variants are hundreds of megabytes.
    let Loaded {
        file,
        sha256,
        text,
        model,
        variants,
        scenario,
    } = loaded;
    drop(scenario);
    // Only a shard's partial result carries the text; dropped here otherwise, not at the
    // end of this function (a binding moved on one branch only lives to its scope's end).
    let text = if req.shard.is_some() {
        text
    } else {
        drop(text);
        String::new()
    };
    let m = take_model(model, variants, req.variant.as_deref());
    let mut opts = req.sim.options(&m);
    opts.shard = req.shard.map(|s| (s.k(), s.n()));
    let threads = req.sim.threads.resolve();
    // A shard is sized by its own trials.
    RunSize::run(&m, opts.trials_played(), threads).check(HOW_TO_SHRINK)?;
    let stats =
        crate::analysis::run::run(&m, &opts, &mut |done, total| progress("run", done, total))?;
    if let Some(shard) = req.shard {
        return Ok(RunResult::Part(Box::new(Partial {
            format: crate::report::partial::FORMAT.into(),
            format_version: crate::report::partial::FORMAT_VERSION,
            blastradius_version: env!("CARGO_PKG_VERSION").into(),
            scenario_file: file,
            scenario_sha256: sha256,
            scenario_text: text,
            variant: req.variant,
            seed: opts.seed,
            trials: opts.trials,
            shard: shard.k(),
            shards: shard.n(),
            stats,
        })));
    }
    Ok(RunResult::Whole(Box::new(RunOutput {
        sha256,
        model: m,
        variant: req.variant,
        seed: opts.seed,
        stats,
    })))
}

/// The model of `variant` (already checked to exist), or the base, taken out of a loaded
/// scenario so the rest of it can be dropped.
fn take_model(base: Model, variants: Vec<model::Variant>, variant: Option<&str>) -> Model {
    match variant {
        Some(v) => variants
            .into_iter()
            .find(|x| x.name == v)
            .map_or(base, |x| x.model),
        None => base,
    }
}

/// `merge`: the partial results of `run --shard K/N`, read and merged one at a time (so
/// merging many parts of a large graph needs about one part's memory), checked to be
/// the shards of one run that together cover it exactly.
pub fn merge(parts: &[String]) -> Result<RunOutput, Error> {
    let mut heads = Vec::new();
    let mut run: Option<(Loaded, RunStats)> = None;
    for p in parts {
        let part = {
            let text = std::fs::read_to_string(p).map_err(|e| Error::read(p, e))?;
            Partial::from_json(p, &text)?
        };
        let head = part.head(p);
        if let Some(first) = heads.first() {
            check_same_run(first, &head)?;
        }
        let (loaded, stats) = match &mut run {
            Some(r) => r,
            None => {
                let loaded = model::load_str(&part.scenario_file, &part.scenario_text)?;
                let m = loaded.model_of(part.variant.as_deref())?;
                let stats = RunStats::new(&crate::sim::Compiled::new(m));
                run.insert((loaded, stats))
            }
        };
        let m = loaded.model_of(part.variant.as_deref())?;
        if part.stats.services.len() != m.services.len()
            || part.stats.journeys.len() != m.journeys.len()
            || !part.stats.has_run_layout()
        {
            return Err(Error::usage(format!(
                "{p}: a partial result that does not match its scenario's services and journeys"
            )));
        }
        stats.merge(&part.stats);
        heads.push(head);
    }
    let first = heads.first().cloned();
    check_coverage(heads)?;
    let (Some(first), Some((loaded, stats))) = (first, run) else {
        return Err(Error::usage("merge needs at least one partial result"));
    };
    if stats.trials != first.trials {
        return Err(Error::usage(format!(
            "the parts hold {} trials, but the run had {}",
            stats.trials, first.trials
        )));
    }
    let variant = first.variant.clone();
    let Loaded {
        sha256,
        model,
        variants,
        ..
    } = loaded;
    let model = take_model(model, variants, variant.as_deref());
    Ok(RunOutput {
        sha256,
        model,
        variant,
        seed: first.seed,
        stats,
    })
}

/// `whatif`: the blast matrix of the chosen model.
pub fn whatif(chosen: &Chosen) -> Vec<BlastRow> {
    crate::analysis::whatif::whatif(chosen.model())
}

/// An analysis's statistics with the seed it played.
pub struct Played<T> {
    pub seed: u64,
    pub stats: T,
}

/// What `portal` measures: structural reach, gateway reach and isolated failure of each
/// service (deterministic), and the marginal attribution (Monte Carlo).
pub struct PortalResult {
    pub reach: Vec<Reach>,
    pub measures: Vec<PortalMeasures>,
    pub played: Played<PortalStats>,
}

/// `portal`: the three measures, `--trials` capped by default. The isolated failure lasts
/// `isolated_for` hours when given, else each service's median downtime when it goes down
/// in the scenario, else 1 hour.
pub fn portal(
    chosen: &Chosen,
    sim: &Sim,
    isolated_for: Option<f64>,
    progress: Progress,
) -> Result<PortalResult, Error> {
    let m = chosen.model();
    let opts = sim.capped(m, "portal")?;
    check_analysis(m, opts.trials, sim, Analysis::Portal)?;
    let stats = crate::analysis::portal::portal(m, &opts, &mut |done, total| {
        progress("portal", done, total)
    })?;
    let reach = crate::analysis::portal::reach(m);
    let measures = crate::analysis::gateway::all(m, isolated_for, &stats.median_downtimes());
    Ok(PortalResult {
        reach,
        measures,
        played: Played {
            seed: opts.seed,
            stats,
        },
    })
}

/// `importance`: achievement and reduction worth of each site, or of the sites with the
/// ids `sites` when any are given (`--site`), `--trials` capped by default.
pub fn importance(
    chosen: &Chosen,
    sim: &Sim,
    sites: &[String],
    achievement_trials: Option<u64>,
    progress: Progress,
) -> Result<Played<ImportanceStats>, Error> {
    let m = chosen.model();
    let played = site_indices(m, sites)?;
    let opts = sim.capped(m, "importance")?;
    let size = Analysis::Importance(played.as_ref().map(Vec::len), achievement_trials);
    check_analysis(m, opts.trials, sim, size)?;
    let stats = crate::analysis::importance::importance(
        m,
        &opts,
        played.as_deref(),
        achievement_trials,
        &mut |done, total| progress("importance", done, total),
    )?;
    Ok(Played {
        seed: opts.seed,
        stats,
    })
}

/// The indices of the sites with the ids `ids`, in file order, each once; `None` for no
/// ids. An id the scenario does not have is an error that names the nearest one.
fn site_indices(m: &Model, ids: &[String]) -> Result<Option<Vec<usize>>, Error> {
    if ids.is_empty() {
        return Ok(None);
    }
    let mut found = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(k) = m.sites.iter().position(|s| &s.id == id) else {
            let names = m.sites.iter().map(|s| s.id.as_str());
            let mut msg = format!("--site: the scenario has no site \"{id}\"");
            if let Some(s) = crate::error::suggest(id, names) {
                msg.push_str(&format!("; did you mean \"{s}\"?"));
            } else if m.sites.len() <= 12 {
                let ids: Vec<&str> = m.sites.iter().map(|s| s.id.as_str()).collect();
                msg.push_str(&format!("; its sites: {}", ids.join(", ")));
            } else {
                msg.push_str(&format!("; it has {} sites", m.sites.len()));
            }
            return Err(Error::usage(msg));
        };
        found.push(k);
    }
    found.sort_unstable();
    found.dedup();
    Ok(Some(found))
}

/// `risk`: each event with `per_year` forced on its own, and the hazards on their own,
/// annualised; `--trials` capped by default like `portal` (each trial is played once per
/// such event, and once more without events when the model has hazards).
pub fn risk(
    chosen: &Chosen,
    sim: &Sim,
    progress: Progress,
) -> Result<Played<crate::analysis::risk::Risk>, Error> {
    let m = chosen.model();
    let opts = sim.capped(m, "risk")?;
    check_analysis(m, opts.trials, sim, Analysis::Risk)?;
    let stats =
        crate::analysis::risk::risk(m, &opts, &mut |done, total| progress("risk", done, total))?;
    Ok(Played {
        seed: opts.seed,
        stats,
    })
}

/// `compare`: the base design against `variant`, or every variant.
pub fn compare<'a>(
    loaded: &'a Loaded,
    variant: Option<&str>,
    sim: &Sim,
    progress: Progress,
) -> Result<(Vec<&'a model::Variant>, Played<Comparison>), Error> {
    let variants: Vec<&model::Variant> = match variant {
        Some(v) => vec![loaded.variant(v)?],
        None => loaded.variants.iter().collect(),
    };
    if variants.is_empty() {
        return Err(Error::usage(format!(
            "{} has no variants to compare with the base design",
            loaded.file
        )));
    }
    let opts = sim.fixed(&loaded.model, "compare")?;
    let models: Vec<&Model> = variants.iter().map(|v| &v.model).collect();
    compare_size(&loaded.model, &models, opts.trials, sim.threads.resolve())
        .check(ANALYSIS_HOW_TO_SHRINK)?;
    let stats = crate::analysis::compare::compare(&loaded.model, &models, &opts, &mut |d, t| {
        progress("compare", d, t)
    })?;
    Ok((
        variants,
        Played {
            seed: opts.seed,
            stats,
        },
    ))
}

/// What the policy report is made of: the run, and the analyses it draws on.
pub struct PolicyRun {
    pub loaded: Loaded,
    pub seed: u64,
    pub stats: RunStats,
    pub analyses: PolicyAnalyses,
}

/// The policy report's sequence of analyses, in one place: the base run (fixed or
/// adaptive) and, on exactly the trials it plays (so the report is a function of the
/// command line it prints), the analyses of [`policy_analyses`].
pub fn policy(file: &str, sim: &Sim, progress: Progress) -> Result<PolicyRun, Error> {
    let loaded = model::load(file)?;
    let m = &loaded.model;
    let opts = sim.options(m);
    // Sized as if everything were held at once: an upper bound (see below).
    let threads = sim.threads.resolve();
    let analysis_trials = opts.trials.min(options::ANALYSIS_DEFAULT_TRIALS);
    let mut size = RunSize::run(m, opts.trials, threads)
        .and(RunSize::analysis(
            m,
            analysis_trials,
            threads,
            Analysis::Portal,
        ))
        .and(RunSize::analysis(
            m,
            analysis_trials,
            threads,
            Analysis::Risk,
        ));
    if !loaded.variants.is_empty() {
        let variants: Vec<&Model> = loaded.variants.iter().map(|v| &v.model).collect();
        size = size.and(compare_size(m, &variants, opts.trials, threads));
    }
    size.plays = "the base run, and portal, risk and the design comparison on its trials";
    size.check(REPORT_HOW_TO_SHRINK)?;
    let base = |progress: Progress| {
        crate::analysis::run::run(m, &opts, &mut |done, total| progress("base", done, total))
    };
    // With a fixed number of trials the analyses' trials are known before the base run,
    // so they come first, each reduced to what the report shows before the next starts:
    // at most one set of per-service accumulators is alive at a time (on 100,000
    // services each is hundreds of megabytes). An adaptive run decides its trials, so it
    // comes first and its statistics stay beside each analysis. Either way every
    // analysis plays the same trials, so the report is the same.
    let adaptive = match opts.precision {
        Some(_) => Some(base(progress)?),
        None => None,
    };
    let fixed = crate::analysis::plan::RunOptions {
        trials: adaptive.as_ref().map_or(opts.trials, |s| s.trials),
        precision: None,
        ..opts.clone()
    };
    let analyses = policy_analyses(&loaded, &fixed, progress)?;
    let stats = match adaptive {
        Some(stats) => stats,
        None => base(progress)?,
    };
    Ok(PolicyRun {
        seed: opts.seed,
        stats,
        analyses,
        loaded,
    })
}

/// The analyses of the policy report on `fixed` (the base run's trials and seed, fixed):
/// the blast matrix, the portal attribution (capped like `portal`'s default: it replays
/// each service's outage trials without it), the design comparison when the scenario
/// has variants, a replay's leave-one-out check when it has observed times, and risk
/// per year.
fn policy_analyses(
    loaded: &Loaded,
    fixed: &crate::analysis::plan::RunOptions,
    progress: Progress,
) -> Result<PolicyAnalyses, Error> {
    let m = &loaded.model;
    let rows = crate::analysis::whatif::whatif(m);
    let portal_opts = crate::analysis::plan::RunOptions {
        trials: fixed.trials.min(options::ANALYSIS_DEFAULT_TRIALS),
        ..fixed.clone()
    };
    let portal_stats = crate::analysis::portal::portal(m, &portal_opts, &mut |done, total| {
        progress("portal", done, total)
    })?;
    // What the report shows of it; its per-service accumulators go before the next.
    let portals = policy::portals(m, &portal_stats, &rows);
    let portal_trials = portal_stats.trials;
    let medians = portal_stats.median_downtimes();
    drop(portal_stats);
    let designs = if loaded.variants.is_empty() {
        None
    } else {
        let variants: Vec<&Model> = loaded.variants.iter().map(|v| &v.model).collect();
        let c = crate::analysis::compare::compare(m, &variants, fixed, &mut |done, total| {
            progress("compare", done, total)
        })?;
        Some(policy::designs(loaded, &c))
    };
    // A replay's leave-one-out check, on fewer trials per evaluation than the run: a fit
    // takes tens of evaluations, and each observed service is fitted once more without it.
    let replay = if calibrate::fittable(m) {
        let copts = calibrate::CalibrateOptions {
            fit: Vec::new(),
            trials: fixed.trials.min(REPORT_CALIBRATE_TRIALS),
            seed: fixed.seed,
            threads: fixed.threads,
        };
        Some(calibrate::calibrate(
            loaded,
            None,
            &copts,
            &mut |l, d, t| progress(&format!("replay: {l}"), d, t),
        )?)
    } else {
        None
    };
    let gateways =
        crate::analysis::gateway::gateways(m, crate::analysis::gateway::all(m, None, &medians));
    // Risk per year on the portal's bounded trials (one forced run per annualised event).
    let risk = crate::analysis::risk::risk(m, &portal_opts, &mut |done, total| {
        progress("risk", done, total)
    })?;
    Ok(PolicyAnalyses {
        single_losses: Some(policy::single_losses(m, &rows)),
        portals: Some(portals),
        portal_trials: Some(portal_trials),
        designs,
        gateways: Some(gateways),
        replay,
        risk: Some(risk),
    })
}

/// `calibrate`: fit the named parameters `fit` (every parameter when empty) to the
/// scenario's `observed` times, with leave-one-out predictions. `--trials` defaults to
/// the scenario's, capped at [`crate::analysis::calibrate::DEFAULT_TRIALS`] per
/// evaluation.
pub fn calibrate(
    chosen: &Chosen,
    sim: &Sim,
    fit: Vec<String>,
    progress: Progress,
) -> Result<Calibration, Error> {
    let m = chosen.model();
    let mut opts = sim.fixed(m, "calibrate")?;
    if sim.trials.is_none() {
        opts.trials = opts.trials.min(calibrate::DEFAULT_TRIALS);
    }
    let copts = calibrate::CalibrateOptions {
        fit,
        trials: opts.trials,
        seed: opts.seed,
        threads: opts.threads,
    };
    calibrate::calibrate(&chosen.loaded, chosen.variant(), &copts, progress)
}

/// The scenario's text with its `calibrated` map holding the fitted factors
/// (`calibrate --write`), everything else as written: `params` keep the values set
/// before fitting, so a later calibration starts from them again. The result is loaded
/// again and checked: it must be valid and give the fitted parameters their fitted
/// medians.
pub fn calibrated_text(chosen: &Chosen, cal: &Calibration) -> Result<String, Error> {
    if chosen.variant().is_some() {
        return Err(Error::usage(
            "--write writes the base design's parameters; calibrate the base design (leave out --variant) to write them",
        ));
    }
    let l = &chosen.loaded;
    let m = &l.model;
    // The fitted factors, and the factors the scenario already has for the others.
    let mut factors: std::collections::BTreeMap<String, f64> =
        (l.scenario.as_ref()).map_or_else(Default::default, |s| s.calibrated.clone());
    for (&p, &k) in cal.params.iter().zip(&cal.scales) {
        factors.insert(m.params[p].name.clone(), k);
    }
    let out = crate::scenario::rewrite::set_calibrated(&l.text, &factors)
        .map_err(|e| Error::runtime(format!("cannot write the calibrated scenario: {e}")))?;
    let again = model::load_str(&l.file, &out).map_err(|e| {
        Error::runtime(format!(
            "the calibrated scenario does not load again, so it was not written: {e}"
        ))
    })?;
    for (&p, &k) in cal.params.iter().zip(&cal.scales) {
        let want = m.params[p].prior.scaled(k).quantile(0.5);
        let got = again.model.params[p].dist.quantile(0.5);
        // Factors are written to 6 significant digits.
        if (got - want).abs() > 1e-5 * want.max(1.0) {
            return Err(Error::runtime(format!(
                "the calibrated scenario gives parameter \"{}\" a median of {got} h instead of {want} h, so it was not written",
                m.params[p].name
            )));
        }
    }
    Ok(out)
}

/// `import`: a scenario from traces, a catalog and a cluster, checked by loading it.
pub fn import(opts: &crate::import::Options) -> Result<crate::import::Imported, Error> {
    crate::import::import(opts)
}
