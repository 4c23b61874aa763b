//! The hot loop allocates nothing per trial: after a warm-up trial has grown every
//! buffer, further trials of the same `Trial` make no heap allocation at all. Checked
//! with a counting global allocator (this file is its own test binary). It counts the
//! allocations of each thread apart: the tests here run on threads of their own, and
//! the test harness allocates on other threads when a test ends.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    /// Allocations made by this thread. Constant-initialised, so reading it allocates
    /// nothing.
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

fn count() {
    // A thread being torn down has no counter left; its allocations are no test's.
    let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
}

/// Allocations made by the calling thread so far.
fn allocs() -> u64 {
    ALLOCS.with(Cell::get)
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn trials_allocate_nothing_after_warm_up() {
    use blastradius::scenario::generate::{generate, to_ron, GenerateOptions};
    let text = to_ron(&generate(GenerateOptions {
        services: 300,
        sites: 6,
        seed: 5,
    }));
    let loaded = blastradius::model::load_str("synthetic.ron", &text).unwrap();
    let c = blastradius::sim::Compiled::new(&loaded.model);
    let mut t = blastradius::sim::Trial::new(&c);
    // Warm-up: the largest trial among the first 200 sizes every buffer.
    for i in 0..200 {
        t.run(1, i);
    }
    let before = allocs();
    let mut lost = 0.0;
    for i in 0..200 {
        t.run(1, i);
        lost += t.outcome.total_user_hours_lost;
    }
    let after = allocs();
    assert!(lost > 0.0, "the trials did something");
    assert_eq!(after - before, 0, "allocations during 200 trials");
}

/// The same with fleets: their instances' state is allocated once, and their restart and
/// repair tasks reuse the task arena.
#[test]
fn fleet_trials_allocate_nothing_after_warm_up() {
    use blastradius::scenario::generate::{generate, to_ron, GenerateOptions};
    let mut scenario = generate(GenerateOptions {
        services: 300,
        sites: 6,
        seed: 5,
    });
    for s in scenario.services.iter_mut().step_by(3) {
        s.instances = Some(7);
    }
    let loaded = blastradius::model::load_str("fleets.ron", &to_ron(&scenario)).unwrap();
    let c = blastradius::sim::Compiled::new(&loaded.model);
    assert!(c.has_fleet);
    let mut t = blastradius::sim::Trial::new(&c);
    for i in 0..200 {
        t.run(1, i);
    }
    let before = allocs();
    let mut degraded = 0.0;
    for i in 0..200 {
        t.run(1, i);
        degraded += t.outcome.degraded.iter().step_by(3).sum::<f64>();
    }
    let after = allocs();
    assert!(degraded > 0.0, "the fleets were degraded at times");
    assert_eq!(after - before, 0, "allocations during 200 trials");
}

/// The same with journeys: their state is allocated once, and the list of journeys to
/// re-derive at an instant is reused.
#[test]
fn journey_trials_allocate_nothing_after_warm_up() {
    use blastradius::scenario::generate::{generate, to_ron, GenerateOptions};
    use blastradius::scenario::JourneySpec;
    let mut scenario = generate(GenerateOptions {
        services: 300,
        sites: 6,
        seed: 5,
    });
    let ids: Vec<String> = scenario.services.iter().map(|s| s.id.clone()).collect();
    scenario.journeys = ids
        .chunks(5)
        .enumerate()
        .map(|(k, needs)| JourneySpec {
            name: format!("journey {k}"),
            names: Default::default(),
            weight: Some(1.0),
            users: None,
            needs: needs.to_vec(),
        })
        .collect();
    let loaded = blastradius::model::load_str("journeys.ron", &to_ron(&scenario)).unwrap();
    let c = blastradius::sim::Compiled::new(&loaded.model);
    assert!(c.has_journeys);
    let mut t = blastradius::sim::Trial::new(&c);
    for i in 0..200 {
        t.run(1, i);
    }
    let before = allocs();
    let mut down = 0.0;
    for i in 0..200 {
        t.run(1, i);
        down += t.outcome.journey_downtime.iter().sum::<f64>();
    }
    let after = allocs();
    assert!(down > 0.0, "some journeys were down at times");
    assert_eq!(after - before, 0, "allocations during 200 trials");
}
