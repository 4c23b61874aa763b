//! Recovery tasks and the crews that work on them.
//!
//! Tasks live in an arena whose slots are reused (`free`); a slot's `version` tells a
//! stale `TaskDone` event from a live one. A task started at an instant has its
//! completion numbered at once but queued only when the instant ends, if it still runs
//! then (`started`): crews preempt and hand over within an instant, and those
//! completions would otherwise only be popped stale. With crews, runnable tasks sit in two heaps
//! (running, worst first; waiting, best first) whose entries are invalidated lazily by a
//! `stamp`. The per-service lists of tasks, and what a task's service needs, stay with
//! the [`Trial`](super::trial::Trial) that orchestrates them.

use std::collections::BinaryHeap;

use super::compiled::{Compiled, NONE};
use super::queue::{Ev, EventQueue};
use super::trial::Slot;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Kind {
    Restart {
        slot: Slot,
    },
    /// The restart of one instance of a fleet, by its instance slot (`CFleet`).
    RestartInstance {
        inst: u32,
    },
    Failover {
        target: u32,
        success: bool,
    },
    Rebuild {
        site: u32,
    },
    /// The repair of a hazard failure of instance `instance` (0 for a single instance).
    Repair {
        hazard: u32,
        instance: u32,
    },
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Task {
    pub(super) service: u32,
    pub(super) kind: Kind,
    pub(super) remaining: f64,
    pub(super) last_update: f64,
    pub(super) running: bool,
    pub(super) version: u32,
    /// Since when its needs have been down; NaN while not blocked.
    pub(super) blocked_since: f64,
    pub(super) bypass: bool,
    pub(super) cycle_found: bool,
    /// Creation order, for stable priority ties.
    pub(super) seq: u64,
    pub(super) alive: bool,
    /// Where it stands for crews; `stamp` invalidates its older heap entries.
    pub(super) queue: Queue,
    pub(super) stamp: u32,
    /// Neighbours in its service's list of tasks.
    pub(super) next: u32,
    pub(super) prev: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Queue {
    /// Blocked (its needs are down), or finished.
    Out,
    /// Runnable, waiting for a crew.
    Waiting,
    /// Holding a crew (or, without crews, simply progressing).
    Running,
}

/// A heap entry: crew priority (service rank, creation order), task, stamp.
type QEntry = (u32, u64, u32, u32);

/// The task arena and the crews' queues. Reused across trials: [`Tasks::clear`] keeps
/// every buffer.
pub(super) struct Tasks<'c> {
    c: &'c Compiled,
    tasks: Vec<Task>,
    free: Vec<u32>,
    task_seq: u64,
    /// Runnable tasks without a crew, best first (a min-heap through `Reverse`).
    waiting: BinaryHeap<std::cmp::Reverse<QEntry>>,
    /// Tasks holding a crew, worst first (the one to preempt).
    running_heap: BinaryHeap<QEntry>,
    n_running: usize,
    /// The most tasks live at once since [`Tasks::take_peak`].
    peak: usize,
    /// Completions of tasks started at this instant, due later: time, push number,
    /// task, version. They enter the event queue when the instant ends
    /// ([`Tasks::flush_started`]), those of tasks still running then; a task that a
    /// higher-priority one preempted, or that blocked or was dropped, within the same
    /// instant never puts its completion into the queue only to have it popped stale.
    started: Vec<(f64, u64, u32, u32)>,
}

impl std::ops::Index<usize> for Tasks<'_> {
    type Output = Task;
    #[inline]
    fn index(&self, id: usize) -> &Task {
        &self.tasks[id]
    }
}

impl std::ops::IndexMut<usize> for Tasks<'_> {
    #[inline]
    fn index_mut(&mut self, id: usize) -> &mut Task {
        &mut self.tasks[id]
    }
}

impl<'c> Tasks<'c> {
    pub(super) fn new(c: &'c Compiled) -> Self {
        Tasks {
            c,
            tasks: Vec::new(),
            free: Vec::new(),
            task_seq: 0,
            waiting: BinaryHeap::new(),
            running_heap: BinaryHeap::new(),
            n_running: 0,
            peak: 0,
            started: Vec::new(),
        }
    }

    pub(super) fn clear(&mut self) {
        self.tasks.clear();
        self.free.clear();
        self.task_seq = 0;
        self.waiting.clear();
        self.running_heap.clear();
        self.n_running = 0;
        self.peak = 0;
        self.started.clear();
    }

    /// A new live task, out of the crews' queues, at the head of its service's list
    /// (before `next`); reuses a freed slot when there is one.
    pub(super) fn alloc(
        &mut self,
        service: u32,
        kind: Kind,
        work: f64,
        now: f64,
        next: u32,
    ) -> u32 {
        self.task_seq += 1;
        self.peak = self.peak.max(self.tasks.len() - self.free.len() + 1);
        let task = Task {
            service,
            kind,
            remaining: work,
            last_update: now,
            running: false,
            version: 0,
            blocked_since: f64::NAN,
            bypass: false,
            cycle_found: false,
            seq: self.task_seq,
            alive: true,
            queue: Queue::Out,
            stamp: 0,
            next,
            prev: NONE,
        };
        match self.free.pop() {
            Some(id) => {
                let old = self.tasks[id as usize];
                self.tasks[id as usize] = Task {
                    version: old.version.wrapping_add(1),
                    stamp: old.stamp.wrapping_add(1),
                    ..task
                };
                id
            }
            None => {
                self.tasks.push(task);
                (self.tasks.len() - 1) as u32
            }
        }
    }

    /// The most tasks live at once since the last call (or since the trial started),
    /// and from now on the count of those live.
    pub(super) fn take_peak(&mut self) -> usize {
        let live = self.tasks.len() - self.free.len();
        std::mem::replace(&mut self.peak, live).max(live)
    }

    /// Frees the slot of a task already out of the crews' queues and off its service's
    /// list.
    pub(super) fn release(&mut self, id: u32) {
        let t = &mut self.tasks[id as usize];
        t.alive = false;
        t.version = t.version.wrapping_add(1);
        self.free.push(id);
    }

    /// Crew priority of a task: its service's rank, then creation order. Unique.
    #[inline]
    fn entry(&self, id: u32) -> QEntry {
        let t = &self.tasks[id as usize];
        (self.c.priority[t.service as usize], t.seq, id, t.stamp)
    }

    #[inline]
    fn entry_valid(&self, e: &QEntry, q: Queue) -> bool {
        let t = &self.tasks[e.2 as usize];
        t.alive && t.stamp == e.3 && t.queue == q
    }

    fn start(&mut self, id: u32, q: &mut EventQueue, now: f64) {
        let t = &mut self.tasks[id as usize];
        t.stamp = t.stamp.wrapping_add(1);
        t.queue = Queue::Running;
        self.n_running += 1;
        if self.c.crews.is_some() {
            let e = self.entry(id);
            self.running_heap.push(e);
        }
        self.set_running(id, true, q, now);
    }

    fn make_waiting(&mut self, id: u32, q: &mut EventQueue, now: f64) {
        if self.tasks[id as usize].queue == Queue::Running {
            self.n_running -= 1;
        }
        let t = &mut self.tasks[id as usize];
        t.stamp = t.stamp.wrapping_add(1);
        t.queue = Queue::Waiting;
        let e = self.entry(id);
        self.waiting.push(std::cmp::Reverse(e));
        self.set_running(id, false, q, now);
    }

    /// A task whose needs are up (or bypassed) joins the crews' queue. With crews, it
    /// takes a free crew, or the crew of the lowest-priority running task if it ranks
    /// higher, or waits. So the running tasks are always the `crews` highest-priority
    /// runnable ones, whatever the order in which changes arrive.
    pub(super) fn make_runnable(&mut self, id: u32, q: &mut EventQueue, now: f64) {
        let Some(crews) = self.c.crews else {
            self.start(id, q, now);
            return;
        };
        if self.n_running < crews {
            self.start(id, q, now);
            return;
        }
        while let Some(top) = self.running_heap.peek().copied() {
            if !self.entry_valid(&top, Queue::Running) {
                self.running_heap.pop();
                continue;
            }
            if self.entry(id) < top {
                self.running_heap.pop();
                self.make_waiting(top.2, q, now);
                self.start(id, q, now);
            } else {
                self.make_waiting(id, q, now);
            }
            return;
        }
        self.start(id, q, now);
    }

    /// A task that is blocked or finished leaves the queue; a freed crew goes to the best
    /// waiting task.
    pub(super) fn make_unrunnable(&mut self, id: u32, q: &mut EventQueue, now: f64) {
        let t = &mut self.tasks[id as usize];
        let was = t.queue;
        t.queue = Queue::Out;
        t.stamp = t.stamp.wrapping_add(1);
        if was == Queue::Running {
            self.n_running -= 1;
            self.set_running(id, false, q, now);
            self.fill_crews(q, now);
        }
    }

    fn fill_crews(&mut self, q: &mut EventQueue, now: f64) {
        let Some(crews) = self.c.crews else { return };
        while self.n_running < crews {
            let Some(std::cmp::Reverse(top)) = self.waiting.pop() else {
                return;
            };
            if self.entry_valid(&top, Queue::Waiting) {
                self.start(top.2, q, now);
            }
        }
    }

    /// Starts or stops a task's progress at `now`; a task that starts has its
    /// completion scheduled (an older completion event goes stale with the version).
    fn set_running(&mut self, id: u32, want: bool, q: &mut EventQueue, now: f64) {
        let t = &mut self.tasks[id as usize];
        if t.running == want {
            return;
        }
        if t.running {
            t.remaining = (t.remaining - (now - t.last_update)).max(0.0);
        }
        t.last_update = now;
        t.running = want;
        t.version = t.version.wrapping_add(1);
        if want {
            let (done, version) = (now + t.remaining, t.version);
            if done > now {
                // Numbered now, queued when the instant ends (see `started`).
                if let Some(seq) = q.number(done) {
                    self.started.push((done, seq, id, version));
                }
            } else {
                // Due at this very instant: applied before it settles.
                q.push(done, Ev::TaskDone { task: id, version });
            }
        }
    }

    /// Queues the completions of the tasks started at the instant that ends, with the
    /// numbers they were given when they started, unless the task has stopped since (its
    /// version moved on, so the event would be stale). Each is due after this instant,
    /// so the queue gives every event in the same order as if each had been pushed when
    /// its task started and the stale ones skipped when popped.
    #[inline]
    pub(super) fn flush_started(&mut self, q: &mut EventQueue) {
        if !self.started.is_empty() {
            self.queue_started(q);
        }
    }

    fn queue_started(&mut self, q: &mut EventQueue) {
        for &(done, seq, task, version) in &self.started {
            if self.tasks[task as usize].version == version {
                q.push_numbered(done, seq, Ev::TaskDone { task, version });
            }
        }
        self.started.clear();
    }
}
