//! The event queue of a trial: events by time, ties in the order they were pushed.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

#[derive(Debug, Clone, Copy)]
pub(super) enum Ev {
    Site {
        site: u32,
        delta: i32,
        destroy: bool,
    },
    /// A failure of hazard `hazard` (an index into `Compiled::svc_hazards.items`) of
    /// instance `instance` of the service (always 0 for a single-instance service).
    Hazard {
        service: u32,
        hazard: u32,
        instance: u32,
    },
    TaskDone {
        task: u32,
        version: u32,
    },
    Grace {
        service: u32,
        edge: u32,
        since: f64,
    },
    Bypass {
        task: u32,
        since: f64,
    },
    /// A substitute of a service down since `since` takes its users from now on.
    Substitute {
        service: u32,
        since: f64,
    },
    /// A replayed counterfactual sets a service's own state (and a fleet's lost share)
    /// as its recorded trial had it at this time (`super::replay`).
    Own {
        service: u32,
        down: bool,
        share: f64,
    },
}

#[derive(Debug, Clone, Copy)]
struct QItem {
    t: f64,
    seq: u64,
    ev: Ev,
    /// The run the event came from ([`EventQueue::begin_run`]), or `NO_RUN`.
    run: u32,
}

const NO_RUN: u32 = u32::MAX;

impl PartialEq for QItem {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for QItem {}
impl PartialOrd for QItem {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for QItem {
    // Reversed: BinaryHeap is a max-heap and we want the earliest (then first pushed).
    fn cmp(&self, o: &Self) -> Ordering {
        o.t.total_cmp(&self.t).then(o.seq.cmp(&self.seq))
    }
}

/// Pending events on `[0, horizon)`, earliest first, then first pushed. Reused across
/// trials: [`EventQueue::clear`] keeps its buffers.
///
/// Runs. A sequence of events pushed in time order (a site hazard's failures and repairs
/// over the whole horizon, drawn when the trial starts) can be pushed as a *run*: its
/// events are numbered as if pushed one by one, but only the earliest pending one of each
/// run is in the heap; popping it brings in the next. Each run is ordered by (time, push
/// number), so the earliest pending event overall is always the head of a run or a
/// single event, and events come out in exactly the order a heap of all of them would
/// give. A long horizon with many hazard events keeps a heap of a few entries instead of
/// one per event (callgrind, a 1,000,000-hour timeline of four sites: see the
/// changelog).
pub(super) struct EventQueue {
    heap: BinaryHeap<QItem>,
    seq: u64,
    horizon: f64,
    /// The events of every run, one after another.
    run_events: Vec<(f64, u64, Ev)>,
    /// Per run: its next event's index in `run_events` and its end.
    runs: Vec<(usize, usize)>,
    /// Where the run being pushed started in `run_events`, while one is.
    open_run: Option<usize>,
}

impl EventQueue {
    pub(super) fn new(horizon: f64) -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            seq: 0,
            horizon,
            run_events: Vec::new(),
            runs: Vec::new(),
            open_run: None,
        }
    }

    pub(super) fn clear(&mut self) {
        self.heap.clear();
        self.seq = 0;
        self.run_events.clear();
        self.runs.clear();
        self.open_run = None;
    }

    /// Schedules `ev` at time `t`; an event at or past the horizon never happens and is
    /// dropped.
    #[inline]
    pub(super) fn push(&mut self, t: f64, ev: Ev) {
        if t < self.horizon {
            self.seq += 1;
            if self.open_run.is_some() {
                self.run_events.push((t, self.seq, ev));
            } else {
                self.heap.push(QItem {
                    t,
                    seq: self.seq,
                    ev,
                    run: NO_RUN,
                });
            }
        }
    }

    /// Starts a run: the events pushed until [`EventQueue::end_run`] are due in the
    /// order they are pushed.
    pub(super) fn begin_run(&mut self) {
        debug_assert!(self.open_run.is_none());
        self.open_run = Some(self.run_events.len());
    }

    /// Ends the run begun last. Should its times not be in order after all, its events
    /// go into the heap one by one, with the numbers they were given.
    pub(super) fn end_run(&mut self) {
        let start = self.open_run.take().expect("a run was begun");
        let end = self.run_events.len();
        if start == end {
            return;
        }
        let sorted = self.run_events[start..end]
            .windows(2)
            .all(|w| w[0].0.total_cmp(&w[1].0).is_le());
        if sorted {
            let run = self.runs.len() as u32;
            self.runs.push((start + 1, end));
            let (t, seq, ev) = self.run_events[start];
            self.heap.push(QItem { t, seq, ev, run });
        } else {
            for k in start..end {
                let (t, seq, ev) = self.run_events[k];
                self.heap.push(QItem {
                    t,
                    seq,
                    ev,
                    run: NO_RUN,
                });
            }
            self.run_events.truncate(start);
        }
    }

    /// The time of the earliest pending event.
    #[inline]
    pub(super) fn peek_time(&self) -> Option<f64> {
        self.heap.peek().map(|top| top.t)
    }

    /// The next event due exactly at time `t`, if any, removed from the queue.
    #[inline]
    pub(super) fn pop_due(&mut self, t: f64) -> Option<Ev> {
        let top = self.heap.peek()?;
        if top.t != t {
            return None;
        }
        let item = self.heap.pop().expect("peeked");
        if item.run != NO_RUN {
            let (next, end) = &mut self.runs[item.run as usize];
            if *next < *end {
                let (t, seq, ev) = self.run_events[*next];
                *next += 1;
                self.heap.push(QItem {
                    t,
                    seq,
                    ev,
                    run: item.run,
                });
            }
        }
        Some(item.ev)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(n: u32) -> Ev {
        Ev::TaskDone {
            task: n,
            version: 0,
        }
    }

    fn id(e: Ev) -> u32 {
        match e {
            Ev::TaskDone { task, .. } => task,
            _ => unreachable!(),
        }
    }

    fn drain(q: &mut EventQueue) -> Vec<(f64, u32)> {
        let mut out = Vec::new();
        while let Some(t) = q.peek_time() {
            while let Some(e) = q.pop_due(t) {
                out.push((t, id(e)));
            }
        }
        out
    }

    /// Runs (sorted or not) among single events, with many equal times, come out in the
    /// order of a plain queue given the same pushes: by time, then push order.
    #[test]
    fn runs_pop_as_if_pushed_one_by_one() {
        let mut x: u64 = 99;
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..200 {
            let (mut with_runs, mut plain) = (EventQueue::new(40.0), EventQueue::new(40.0));
            let mut n = 0;
            for _ in 0..(rnd() % 12) {
                let as_run = rnd() % 2 == 0;
                let in_order = rnd() % 4 != 0;
                if as_run {
                    with_runs.begin_run();
                }
                let mut t = (rnd() % 5) as f64;
                for _ in 0..(rnd() % 10) {
                    with_runs.push(t, ev(n));
                    plain.push(t, ev(n));
                    n += 1;
                    let step = (rnd() % 4) as f64 * 2.5;
                    t = if in_order { t + step } else { (t - step).abs() };
                }
                if as_run {
                    with_runs.end_run();
                }
            }
            assert_eq!(drain(&mut with_runs), drain(&mut plain), "round {round}");
        }
    }
}
