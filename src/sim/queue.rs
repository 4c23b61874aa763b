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
}

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
/// trials: [`EventQueue::clear`] keeps its buffer.
pub(super) struct EventQueue {
    heap: BinaryHeap<QItem>,
    seq: u64,
    horizon: f64,
}

impl EventQueue {
    pub(super) fn new(horizon: f64) -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            seq: 0,
            horizon,
        }
    }

    pub(super) fn clear(&mut self) {
        self.heap.clear();
        self.seq = 0;
    }

    /// Schedules `ev` at time `t`; an event at or past the horizon never happens and is
    /// dropped.
    #[inline]
    pub(super) fn push(&mut self, t: f64, ev: Ev) {
        if t < self.horizon {
            self.seq += 1;
            self.heap.push(QItem {
                t,
                seq: self.seq,
                ev,
            });
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
        Some(item.ev)
    }
}
