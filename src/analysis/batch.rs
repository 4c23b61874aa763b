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
