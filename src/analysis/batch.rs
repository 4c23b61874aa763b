//! The batch driver every Monte Carlo analysis shares: trials are played in batches of
//! [`BATCH`] on a rayon pool, and each batch's result is handed back strictly in batch
//! order. A batch's content depends only on its number, so anything folded in that
//! order is a function of (scenario, seed, trials) alone, whatever the thread count.

use std::ops::ControlFlow;

use rayon::prelude::*;

use crate::error::Error;

/// Trials per batch. Part of the reproducibility contract: changing it changes where an
/// adaptive (`--precision`) run stops.
pub const BATCH: u64 = 128;

/// Batch results the batch driver ([`for_each_batch_in`]) holds at once, per worker.
pub(crate) const BATCHES_IN_FLIGHT_PER_THREAD: u64 = 4;

/// The batches of shard `k` of `n` when the run has `n_batches` batches: a contiguous,
/// nearly equal split, so the shards together cover every batch exactly once.
pub fn shard_batches(n_batches: u64, k: u64, n: u64) -> std::ops::Range<u64> {
    if n == 0 || k >= n {
        return 0..0;
    }
    let lo = (n_batches as u128 * k as u128 / n as u128) as u64;
    let hi = (n_batches as u128 * (k as u128 + 1) / n as u128) as u64;
    lo..hi
}

/// Trial indices of batch `b` when `total` trials are played: `b·BATCH ..` at most
/// [`BATCH`] of them.
pub fn batch_trials(b: u64, total: u64) -> std::ops::Range<u64> {
    let start = b * BATCH;
    start..(start + BATCH).min(total)
}

/// The shared batch driver of every Monte Carlo analysis: plays batches `0 ..
/// ⌈trials / BATCH⌉` with `play(b)` on a pool of `threads` workers (`None`: every core) and
/// hands each batch's result to `fold` strictly in batch order, on the calling thread.
/// `fold` returns [`ControlFlow::Break`] to stop early (adaptive runs); later batches are
/// then not folded.
///
/// Results folded in batch order from batches whose content depends only on the batch
/// number are a function of (scenario, seed, trials) alone, whatever the thread count.
/// At most a window of `4 × threads` batch results is held at once, so memory does not
/// grow with the number of trials.
pub fn for_each_batch<P, F>(
    trials: u64,
    threads: Option<usize>,
    play: F,
    fold: &mut dyn FnMut(P) -> ControlFlow<()>,
) -> Result<(), Error>
where
    P: Send,
    F: Fn(u64) -> P + Sync,
{
    for_each_batch_in(0..trials.div_ceil(BATCH), trials, threads, play, fold)
}

/// [`for_each_batch`] over the batches in `batches` only (a shard of the run).
pub fn for_each_batch_in<P, F>(
    batches: std::ops::Range<u64>,
    trials: u64,
    threads: Option<usize>,
    play: F,
    fold: &mut dyn FnMut(P) -> ControlFlow<()>,
) -> Result<(), Error>
where
    P: Send,
    F: Fn(u64) -> P + Sync,
{
    if trials == 0 {
        return Err(Error::usage("a run needs at least one trial"));
    }
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads {
        if t == 0 {
            return Err(Error::usage("a run needs at least one worker thread"));
        }
        builder = builder.num_threads(t);
    }
    let pool = builder
        .build()
        .map_err(|e| Error::runtime(format!("cannot start worker threads: {e}")))?;
    // Batches in flight at once: enough to keep every worker busy. It bounds memory and
    // does not affect results (folding is always in batch order).
    let window = (pool.current_num_threads() as u64 * BATCHES_IN_FLIGHT_PER_THREAD).max(1);
    let mut next = batches.start;
    while next < batches.end {
        let end = (next + window).min(batches.end);
        let parts: Vec<P> = pool.install(|| (next..end).into_par_iter().map(&play).collect());
        for p in parts {
            if fold(p).is_break() {
                return Ok(());
            }
        }
        next = end;
    }
    Ok(())
}

/// The number of workers [`play`] starts for `batches` batches of a run of `trials` on
/// `threads` threads (`None`: every core): no more than there are batches. The same
/// errors as [`for_each_batch`] for no trial or no thread.
pub(crate) fn workers(
    trials: u64,
    threads: Option<usize>,
    batches: &std::ops::Range<u64>,
) -> Result<usize, Error> {
    if trials == 0 {
        return Err(Error::usage("a run needs at least one trial"));
    }
    let t = match threads {
        Some(0) => return Err(Error::usage("a run needs at least one worker thread")),
        Some(t) => t,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    Ok(t.min((batches.end - batches.start).max(1) as usize))
}

/// How the workers of [`play`] take their trials.
#[derive(Clone, Copy)]
pub(crate) enum Order<'a> {
    /// Each worker takes the next whole batch as it becomes free: which worker plays
    /// which batch, and when, varies from run to run.
    Any,
    /// One batch at a time: the workers share its trials, one at a time, and once all are
    /// played `stop(trials played so far)` decides, on one worker, whether the run ends
    /// there (an adaptive run). The trials played are always whole batches from the
    /// first, whatever the thread count.
    Batches(&'a (dyn Fn(u64) -> bool + Sync)),
}

/// The driver of the analyses whose workers add every trial straight into accumulators
/// that hold the whole run (one set per worker, or one set shared by all): plays the
/// trials of `batches` (of a run of `trials`) on `workers` threads. Each worker makes
/// its state with `init(worker)` and hands it trials with `play(&mut state, trial
/// indices)`, a whole batch or, with [`Order::Batches`], one trial at a time; the states
/// are returned in worker order. The calling thread is worker 0 and calls
/// `progress(trials done)` after each batch it plays, and once at the end.
///
/// Unlike [`for_each_batch`], nothing is held per batch, so memory does not grow with
/// the number of workers beyond their states; in exchange the order in which values
/// reach an accumulator varies, so the accumulators must depend only on the multiset of
/// values added (as every one in `stats` does).
pub(crate) fn play<W: Send>(
    batches: std::ops::Range<u64>,
    trials: u64,
    workers: usize,
    order: Order,
    init: &(dyn Fn(usize) -> W + Sync),
    play: &(dyn Fn(&mut W, std::ops::Range<u64>) + Sync),
    progress: &mut dyn FnMut(u64),
) -> Vec<W> {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    let workers = workers.max(1);
    let next_batch = AtomicU64::new(batches.start);
    // With `Order::Batches`: the batch being played, its next trial, and whether the run
    // has stopped.
    let current = AtomicU64::new(batches.start);
    let next_trial = AtomicU64::new(batches.start.saturating_mul(BATCH).min(trials));
    let stopped = AtomicBool::new(batches.is_empty());
    let barrier = std::sync::Barrier::new(workers);
    let done = AtomicU64::new(0);
    let panicked = std::sync::Mutex::new(None);
    // One worker's whole work; `tick(trials done)` after each batch it plays or decides.
    let work = |w: usize, tick: &mut dyn FnMut(u64)| -> W {
        let mut state = init(w);
        match order {
            Order::Any => loop {
                let b = next_batch.fetch_add(1, Ordering::Relaxed);
                if b >= batches.end {
                    break state;
                }
                let range = batch_trials(b, trials);
                let n = range.end - range.start;
                play(&mut state, range);
                tick(done.fetch_add(n, Ordering::Relaxed) + n);
            },
            Order::Batches(stop) => loop {
                if stopped.load(Ordering::Acquire) {
                    break state;
                }
                let end = batch_trials(current.load(Ordering::Acquire), trials).end;
                // A panic must not leave the other workers waiting at the barrier: it is
                // kept, the run stops, and it is raised again once every worker has ended.
                let played = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| loop {
                    let i = next_trial.fetch_add(1, Ordering::Relaxed);
                    if i >= end {
                        break;
                    }
                    play(&mut state, i..i + 1);
                    done.fetch_add(1, Ordering::Relaxed);
                }));
                if let Err(e) = played {
                    stopped.store(true, Ordering::Release);
                    panicked
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .get_or_insert(e);
                }
                if barrier.wait().is_leader() && !stopped.load(Ordering::Acquire) {
                    let b = current.load(Ordering::Acquire) + 1;
                    if b >= batches.end || stop(done.load(Ordering::Acquire)) {
                        stopped.store(true, Ordering::Release);
                    } else {
                        current.store(b, Ordering::Release);
                        next_trial.store(b * BATCH, Ordering::Release);
                    }
                }
                barrier.wait();
                tick(done.load(Ordering::Relaxed));
            },
        }
    };
    // The calling thread is worker 0, and the only one to report progress: what it
    // allocates comes from the memory the scenario's parse freed (the allocator keeps a
    // pool per thread), and no thread waits beside the workers.
    let states = std::thread::scope(|scope| {
        let work = &work;
        let others: Vec<_> = (1..workers)
            .map(|w| scope.spawn(move || work(w, &mut |_| {})))
            .collect();
        let mut states = vec![work(0, &mut |d| progress(d))];
        states.extend(
            others
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))),
        );
        states
    });
    if let Some(e) = panicked.into_inner().unwrap_or_else(|p| p.into_inner()) {
        std::panic::resume_unwind(e);
    }
    progress(done.load(Ordering::Relaxed));
    states
}

#[cfg(test)]
mod tests {
    use super::*;

    type Seen = Vec<u64>;

    /// The trial indices each worker was handed, sorted together.
    fn played(states: Vec<Seen>) -> Seen {
        let mut all: Seen = states.into_iter().flatten().collect();
        all.sort_unstable();
        all
    }

    #[test]
    fn every_trial_of_the_batches_is_played_once_by_some_worker() {
        let trials = 5 * BATCH + 7;
        for workers in [1, 2, 3] {
            let mut last = 0;
            let states = play(
                1..6,
                trials,
                workers,
                Order::Any,
                &|_| Seen::new(),
                &|s: &mut Seen, r| s.extend(r),
                &mut |d| last = d,
            );
            assert_eq!(states.len(), workers);
            assert_eq!(played(states), (BATCH..trials).collect::<Seen>());
            assert_eq!(last, trials - BATCH);
        }
    }

    /// Batch by batch, the run stops after the first batch at which `stop` says so: the
    /// trials played are whole batches from the first, whatever the number of workers.
    #[test]
    fn batch_by_batch_stops_after_whole_batches() {
        for workers in [1, 2, 3] {
            let stop = |done: u64| done >= 3 * BATCH;
            let states = play(
                0..10,
                10 * BATCH,
                workers,
                Order::Batches(&stop),
                &|_| Seen::new(),
                &|s: &mut Seen, r| s.extend(r),
                &mut |_| {},
            );
            assert_eq!(
                played(states),
                (0..3 * BATCH).collect::<Seen>(),
                "{workers}"
            );
        }
    }

    /// A worker that panics in a batch-by-batch run stops it: the panic reaches the
    /// caller, and no other worker is left waiting for it.
    #[test]
    fn a_panic_in_a_batch_by_batch_run_reaches_the_caller() {
        let never = |_: u64| false;
        let r = std::panic::catch_unwind(|| {
            play(
                0..10,
                10 * BATCH,
                3,
                Order::Batches(&never),
                &|_| (),
                &|_: &mut (), r: std::ops::Range<u64>| {
                    if r.start == BATCH + 5 {
                        panic!("trial {}", r.start)
                    }
                },
                &mut |_| {},
            )
        });
        let e = r.expect_err("the panic is raised again");
        assert_eq!(
            e.downcast_ref::<String>().map(String::as_str),
            Some("trial 133")
        );
    }
}
