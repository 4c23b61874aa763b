//! What one trial produces (`docs/semantics.md`, "What is reported, per trial"), in flat
//! arrays indexed by service.

use super::compiled::Compiled;

/// Number of points of the recovery curve, evenly spaced on `[0, horizon]`.
pub const CURVE_POINTS: usize = 101;

#[derive(Debug, Clone)]
pub struct Outcome {
    /// Hours fully down.
    pub downtime: Vec<f64>,
    /// Hours up but degraded by a partial dependency or, for a fleet, by instances down.
    pub degraded: Vec<f64>,
    /// Σ lost share × degraded hours.
    pub lost_share_hours: Vec<f64>,
    /// Σ share of its users served by substitutes × hours, while down. Empty when the
    /// scenario has no substitutes (nothing to reset or read per trial).
    pub substituted_hours: Vec<f64>,
    /// The largest share of its users the service lost at any moment: 1 if it was down,
    /// else its worst `1 − (1 − fleet share) × Π(1 − share)` while degraded, 0 if never
    /// affected.
    pub peak_lost_share: Vec<f64>,
    /// `users × (downtime − substituted_hours + lost_share_hours)`.
    pub user_hours_lost: Vec<f64>,
    /// When the service last came back from a full outage (the horizon if it never did);
    /// NaN if it was never down.
    pub restored_at: Vec<f64>,
    /// Downtime by cause: slot 0 is the service's own state, then one per hard
    /// dependency, at `Compiled::cause_offsets[s]..`.
    pub cause_hours: Vec<f64>,
    pub total_user_hours_lost: f64,
    /// Services down or degraded at some time: the blast radius.
    pub services_affected: u32,
    pub peak_down: u32,
    pub deadlock: bool,
    /// User-weighted share of service available at the grid times.
    pub curve: Vec<f64>,
    /// Per journey: hours down (some service it needs down). Empty without journeys.
    pub journey_downtime: Vec<f64>,
    /// Per journey: Σ lost share × hours, its lost share being `1 − Π(1 − lost_i)` over
    /// the services it needs (a down service's `lost_i` is 1 less what substitutes serve).
    pub journey_lost_hours: Vec<f64>,
    /// Per journey: `users × journey_lost_hours` (0 for a journey given by weight).
    pub journey_user_hours_lost: Vec<f64>,
}

impl Outcome {
    pub fn new(c: &Compiled) -> Self {
        let n = c.n_services();
        Outcome {
            downtime: vec![0.0; n],
            degraded: vec![0.0; n],
            lost_share_hours: vec![0.0; n],
            substituted_hours: if c.has_subs { vec![0.0; n] } else { Vec::new() },
            peak_lost_share: vec![0.0; n],
            user_hours_lost: vec![0.0; n],
            restored_at: vec![f64::NAN; n],
            cause_hours: vec![0.0; c.n_causes()],
            total_user_hours_lost: 0.0,
            services_affected: 0,
            peak_down: 0,
            deadlock: false,
            curve: vec![1.0; CURVE_POINTS],
            journey_downtime: vec![0.0; c.n_journeys()],
            journey_lost_hours: vec![0.0; c.n_journeys()],
            journey_user_hours_lost: vec![0.0; c.n_journeys()],
        }
    }

    /// Back to the outcome of a trial where nothing happened; `changed` holds every
    /// service the last trial wrote a figure of.
    pub(super) fn reset(&mut self, c: &Compiled, changed: &[u32]) {
        let subs = !self.substituted_hours.is_empty();
        for &s in changed {
            let s = s as usize;
            self.downtime[s] = 0.0;
            self.degraded[s] = 0.0;
            self.lost_share_hours[s] = 0.0;
            if subs {
                self.substituted_hours[s] = 0.0;
            }
            self.peak_lost_share[s] = 0.0;
            self.user_hours_lost[s] = 0.0;
            self.restored_at[s] = f64::NAN;
            let causes = c.cause_offsets[s] as usize..c.cause_offsets[s + 1] as usize;
            self.cause_hours[causes].fill(0.0);
        }
        self.total_user_hours_lost = 0.0;
        self.services_affected = 0;
        self.peak_down = 0;
        self.deadlock = false;
        self.curve.fill(1.0);
        self.journey_downtime.fill(0.0);
        self.journey_lost_hours.fill(0.0);
        self.journey_user_hours_lost.fill(0.0);
    }

    /// Whether every figure is that of a trial where nothing happened (debug builds).
    #[cfg(debug_assertions)]
    pub(super) fn check_reset(&self, c: &Compiled) {
        let zero = |v: &[f64]| v.iter().all(|&x| x == 0.0 && x.is_sign_positive());
        assert!(zero(&self.downtime) && zero(&self.degraded) && zero(&self.lost_share_hours));
        assert!(zero(&self.substituted_hours) && zero(&self.peak_lost_share));
        assert!(zero(&self.user_hours_lost) && zero(&self.cause_hours));
        assert!(self.restored_at.iter().all(|x| x.is_nan()));
        assert_eq!(self.cause_hours.len(), c.n_causes());
    }

    /// The per-service totals of the trial. `changed` holds, in increasing order, every
    /// service the trial wrote a figure of: the others lost nothing (their user-hours stay
    /// 0), and the total, summed in service order, adds the same numbers as a sum over
    /// all of them would, but the zeros.
    pub(super) fn finish(&mut self, c: &Compiled, changed: &[u32]) {
        let mut total = 0.0;
        let mut affected = 0;
        for &s in changed {
            let s = s as usize;
            let served = self.substituted_hours.get(s).copied().unwrap_or(0.0);
            let uh = c.users[s] * (self.downtime[s] - served + self.lost_share_hours[s]);
            self.user_hours_lost[s] = uh;
            total += uh;
            if self.downtime[s] > 0.0 || self.degraded[s] > 0.0 {
                affected += 1;
            }
        }
        self.total_user_hours_lost = total;
        self.services_affected = affected;
        for (j, &users) in c.journey_users.iter().enumerate() {
            self.journey_user_hours_lost[j] = users * self.journey_lost_hours[j];
        }
    }
}
