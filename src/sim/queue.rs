//! The event queue of a trial: events by time, ties in the order they were pushed.

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

/// A heap entry: 24 bytes, where the event itself (24 more) waits in the queue's slab,
/// so that sifting moves half as much.
#[derive(Debug, Clone, Copy)]
struct QItem {
    /// The time, as the integer whose order is `f64::total_cmp`'s ([`key`]).
    key: i64,
    seq: u64,
    /// Where the event is in [`EventQueue::slab`].
    slot: u32,
    /// The run the event came from ([`EventQueue::begin_run`]), or `NO_RUN`.
    run: u32,
}

const NO_RUN: u32 = u32::MAX;

impl QItem {
    /// Whether `self` comes out before `o`: earlier, or as early and pushed first. Push
    /// numbers are unique, so this is a strict total order.
    #[inline(always)]
    fn before(&self, o: &QItem) -> bool {
        (self.key, self.seq) < (o.key, o.seq)
    }

    #[inline(always)]
    fn new(t: f64, seq: u64, slot: u32, run: u32) -> Self {
        QItem {
            key: key(t),
            seq,
            slot,
            run,
        }
    }

    /// The time (exactly: [`key`] is its own inverse on the bits).
    #[inline(always)]
    fn t(&self) -> f64 {
        f64::from_bits(key_bits(self.key) as u64)
    }
}

/// `t`'s bits as an integer ordered as `f64::total_cmp` orders times (the transformation
/// `total_cmp` applies to both sides before comparing them), computed once per event
/// instead of at every comparison in the heap.
#[inline(always)]
fn key(t: f64) -> i64 {
    key_bits(t.to_bits() as i64)
}

/// Flips every bit but the sign of a negative number: `total_cmp`'s key, and its own
/// inverse.
#[inline(always)]
fn key_bits(b: i64) -> i64 {
    b ^ (((b >> 63) as u64) >> 1) as i64
}

/// A binary min-heap of queue items. Apart from what `BinaryHeap` offers, it replaces its
/// top with a new item that sinks from a value held aside, never first stored at the top
/// and read back (which the store-to-load path of the processor makes slow).
struct MinHeap {
    v: Vec<QItem>,
}

impl MinHeap {
    #[inline]
    fn peek(&self) -> Option<&QItem> {
        self.v.first()
    }

    fn push(&mut self, item: QItem) {
        let pos = self.v.len();
        self.v.push(item);
        Self::rise(&mut self.v, pos, item);
    }

    /// Puts `item` at `pos` or above, moving down the parents that come after it.
    #[inline(always)]
    fn rise(v: &mut [QItem], mut pos: usize, item: QItem) {
        while pos > 0 {
            let parent = (pos - 1) / 2;
            if !item.before(&v[parent]) {
                break;
            }
            v[pos] = v[parent];
            pos = parent;
        }
        v[pos] = item;
    }

    /// Removes the top: the last item takes its place, sinking to the bottom along the
    /// earlier children, then rising to its place (as `BinaryHeap::pop` does).
    fn pop(&mut self) {
        let Some(last) = self.v.pop() else { return };
        let v = &mut self.v;
        let n = v.len();
        if n == 0 {
            return;
        }
        let mut pos = 0;
        let mut child = 1;
        while child + 1 < n {
            // Without a branch: which child comes first is a coin toss for the predictor.
            child += v[child + 1].before(&v[child]) as usize;
            v[pos] = v[child];
            pos = child;
            child = 2 * pos + 1;
        }
        if child == n - 1 {
            v[pos] = v[child];
            pos = child;
        }
        Self::rise(v, pos, last);
    }

    /// Replaces the top with `item`, which sinks to its place.
    fn replace_top(&mut self, item: QItem) {
        let v = &mut self.v;
        let n = v.len();
        let mut pos = 0;
        loop {
            let mut child = 2 * pos + 1;
            if child >= n {
                break;
            }
            if child + 1 < n {
                child += v[child + 1].before(&v[child]) as usize;
            }
            if !v[child].before(&item) {
                break;
            }
            v[pos] = v[child];
            pos = child;
        }
        v[pos] = item;
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
    heap: MinHeap,
    /// The events of the heap's entries, by [`QItem::slot`]; `free` lists the slots
    /// of events popped.
    slab: Vec<Ev>,
    free: Vec<u32>,
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
            heap: MinHeap { v: Vec::new() },
            slab: Vec::new(),
            free: Vec::new(),
            seq: 0,
            horizon,
            run_events: Vec::new(),
            runs: Vec::new(),
            open_run: None,
        }
    }

    pub(super) fn clear(&mut self) {
        self.heap.v.clear();
        self.slab.clear();
        self.free.clear();
        self.seq = 0;
        self.run_events.clear();
        self.runs.clear();
        self.open_run = None;
    }

    /// Puts `ev` in a slot of the slab and its entry (time `t`, push number `seq`, from
    /// run `run` or `NO_RUN`) into the heap.
    #[inline(always)]
    fn enter(&mut self, t: f64, seq: u64, ev: Ev, run: u32) {
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slab[slot as usize] = ev;
                slot
            }
            None => {
                self.slab.push(ev);
                (self.slab.len() - 1) as u32
            }
        };
        self.heap.push(QItem::new(t, seq, slot, run));
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
                self.enter(t, self.seq, ev, NO_RUN);
            }
        }
    }

    /// The push number an event at time `t` pushed now would get, taken as if it were
    /// pushed ([`EventQueue::push_numbered`] pushes it later); `None` at or past the
    /// horizon, where [`EventQueue::push`] drops an event without numbering it.
    #[inline]
    pub(super) fn number(&mut self, t: f64) -> Option<u64> {
        debug_assert!(self.open_run.is_none());
        if t < self.horizon {
            self.seq += 1;
            Some(self.seq)
        } else {
            None
        }
    }

    /// Pushes an event numbered earlier by [`EventQueue::number`]. It comes out in the
    /// order its time and number give, as if it had been pushed when numbered, provided
    /// that no event due before it has been popped since.
    #[inline]
    pub(super) fn push_numbered(&mut self, t: f64, seq: u64, ev: Ev) {
        self.enter(t, seq, ev, NO_RUN);
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
            self.enter(t, seq, ev, run);
        } else {
            for k in start..end {
                let (t, seq, ev) = self.run_events[k];
                self.enter(t, seq, ev, NO_RUN);
            }
            self.run_events.truncate(start);
        }
    }

    /// The time of the earliest pending event.
    #[inline]
    pub(super) fn peek_time(&self) -> Option<f64> {
        self.heap.peek().map(|top| top.t())
    }

    /// The next event due exactly at time `t`, if any, removed from the queue. An event
    /// of a run is replaced at the top of the heap by the run's next one, which then sinks
    /// to its place: one sift instead of a pop and a push.
    #[inline]
    pub(super) fn pop_due(&mut self, t: f64) -> Option<Ev> {
        let top = self.heap.peek()?;
        if top.t() != t {
            return None;
        }
        let (slot, run) = (top.slot, top.run);
        let ev = self.slab[slot as usize];
        if run != NO_RUN {
            let (next, end) = &mut self.runs[run as usize];
            if *next < *end {
                // The run's next event takes the slot of the one popped.
                let (t, seq, next_ev) = self.run_events[*next];
                *next += 1;
                self.slab[slot as usize] = next_ev;
                self.heap.replace_top(QItem::new(t, seq, slot, run));
                return Some(ev);
            }
        }
        self.heap.pop();
        self.free.push(slot);
        Some(ev)
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

    /// A xorshift64 stream from `x` (not 0): the tests' source of shapes and times.
    fn xorshift(mut x: u64) -> impl FnMut() -> u64 {
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
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
        let mut rnd = xorshift(99);
        for round in 0..200 {
            let (mut with_runs, mut plain) = (EventQueue::new(40.0), EventQueue::new(40.0));
            let mut n = 0;
            for _ in 0..(rnd() % 12) {
                let as_run = rnd().is_multiple_of(2);
                let in_order = !rnd().is_multiple_of(4);
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

    /// Pushes and pops interleaved, with many equal times: events come out by time, then
    /// push order, as from a sorted list of everything pushed.
    #[test]
    fn heap_pops_in_time_then_push_order() {
        let mut rnd = xorshift(7);
        for round in 0..100 {
            let mut q = EventQueue::new(1e9);
            let mut pending: Vec<(f64, u32)> = Vec::new();
            let mut n = 0;
            let mut now = 0.0;
            for _ in 0..(rnd() % 60) {
                for _ in 0..(rnd() % 6) {
                    let t = now + (rnd() % 5) as f64;
                    q.push(t, ev(n));
                    pending.push((t, n));
                    n += 1;
                }
                // Pop everything due at the earliest time, as the engine does.
                if let Some(t) = q.peek_time() {
                    now = t;
                    let mut due: Vec<(f64, u32)> =
                        pending.iter().copied().filter(|p| p.0 == t).collect();
                    due.sort_by_key(|p| p.1);
                    pending.retain(|p| p.0 != t);
                    let mut got = Vec::new();
                    while let Some(e) = q.pop_due(t) {
                        got.push((t, id(e)));
                    }
                    assert_eq!(got, due, "round {round}");
                }
            }
            pending.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            assert_eq!(drain(&mut q), pending, "round {round}");
        }
    }

    /// Events numbered at an instant and pushed when it ends (some of them never, as the
    /// engine drops stale completions), among events pushed at once and with many equal
    /// times, come out in the order of a plain queue given every push at once, less the
    /// dropped ones; past the horizon, numbering takes no number, as a push does.
    #[test]
    fn numbered_events_pop_as_if_pushed_when_numbered() {
        let mut rnd = xorshift(31);
        for round in 0..100 {
            let (mut late, mut plain) = (EventQueue::new(30.0), EventQueue::new(30.0));
            let mut dropped = Vec::new();
            let mut n = 0;
            let mut now = 0.0;
            for _ in 0..(rnd() % 40) {
                let mut held = Vec::new();
                for _ in 0..(rnd() % 8) {
                    let t = now + 1.0 + (rnd() % 4) as f64 * 5.0;
                    if rnd().is_multiple_of(2) {
                        late.push(t, ev(n));
                    } else if let Some(seq) = late.number(t) {
                        held.push((t, seq, n));
                    }
                    plain.push(t, ev(n));
                    n += 1;
                }
                for (t, seq, k) in held {
                    if rnd().is_multiple_of(3) {
                        dropped.push(k);
                    } else {
                        late.push_numbered(t, seq, ev(k));
                    }
                }
                let Some(t) = late.peek_time() else { break };
                now = t;
                let mut a = Vec::new();
                while let Some(e) = late.pop_due(t) {
                    a.push(id(e));
                }
                let mut b = Vec::new();
                while let Some(t2) = plain.peek_time() {
                    if t2 > t {
                        break;
                    }
                    while let Some(e) = plain.pop_due(t2) {
                        if !dropped.contains(&id(e)) {
                            b.push(id(e));
                        }
                    }
                }
                assert_eq!(a, b, "round {round}");
            }
            let rest: Vec<_> = drain(&mut plain)
                .into_iter()
                .filter(|e| !dropped.contains(&e.1))
                .collect();
            assert_eq!(drain(&mut late), rest, "round {round}");
        }
    }
}
