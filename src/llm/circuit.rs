//! A circuit breaker per provider: after a run of failures (or a 429 that says how long to stay
//! away) the provider is skipped, so a dead server is not hammered and callers fall back at
//! once. When the wait is over, one call is let through as a probe: success closes the circuit,
//! failure opens it again for twice as long (at most ten minutes).

use std::time::{Duration, Instant};

const MAX_OPEN: Duration = Duration::from_secs(600);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admit {
    /// Closed: call.
    Call,
    /// The wait is over: this call is the probe.
    Probe,
    /// Open: skip, for about this long still.
    Skip(Duration),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CircuitState {
    Closed,
    Open,
    /// A probe call has been let through and has not answered yet.
    Probing,
}

impl CircuitState {
    pub fn as_str(self) -> &'static str {
        match self {
            CircuitState::Closed => "closed",
            CircuitState::Open => "open",
            CircuitState::Probing => "probing",
        }
    }
}

#[derive(Debug)]
pub struct Breaker {
    threshold: u32,
    base_open: Duration,
    consecutive_failures: u32,
    /// Set while open (or probing): skip calls until then.
    open_until: Option<Instant>,
    probing: bool,
    /// How long the next opening lasts (doubles after a failed probe).
    next_open: Duration,
}

impl Breaker {
    pub fn new(threshold: u32, base_open: Duration) -> Breaker {
        Breaker {
            threshold: threshold.max(1),
            base_open,
            consecutive_failures: 0,
            open_until: None,
            probing: false,
            next_open: base_open,
        }
    }

    pub fn admit(&mut self, now: Instant) -> Admit {
        match self.open_until {
            None => Admit::Call,
            Some(until) if now < until => Admit::Skip(until - now),
            Some(_) => {
                // Keep others away while the probe runs; if the probe is abandoned (its caller
                // was dropped), another one is let through after this wait.
                self.open_until = Some(now + self.next_open);
                self.probing = true;
                Admit::Probe
            }
        }
    }

    pub fn success(&mut self) {
        self.consecutive_failures = 0;
        self.open_until = None;
        self.probing = false;
        self.next_open = self.base_open;
    }

    /// Records a failure; `wait` is the provider's own hint (429 `Retry-After`), which opens
    /// the circuit at once for at least that long.
    pub fn failure(&mut self, now: Instant, wait: Option<Duration>) {
        self.consecutive_failures += 1;
        let failed_probe = self.probing;
        self.probing = false;
        if failed_probe {
            self.next_open = (self.next_open * 2).min(MAX_OPEN);
        }
        if failed_probe || wait.is_some() || self.consecutive_failures >= self.threshold {
            // A provider's own Retry-After is honoured up to an hour (a broken header must
            // not shut a provider out for days).
            let hold = match wait {
                Some(w) => w.max(self.next_open).min(Duration::from_secs(3600)),
                None => self.next_open,
            };
            self.open_until = Some(now + hold);
        }
    }

    pub fn state(&self, now: Instant) -> CircuitState {
        match self.open_until {
            None => CircuitState::Closed,
            Some(_) if self.probing => CircuitState::Probing,
            Some(until) if now < until => CircuitState::Open,
            // The wait is over; the next call will probe.
            Some(_) => CircuitState::Open,
        }
    }

    pub fn consecutive_failures(&self) -> u32 {
        self.consecutive_failures
    }

    /// How long until a probe may go, when open.
    pub fn retry_in(&self, now: Instant) -> Option<Duration> {
        self.open_until.map(|u| u.saturating_duration_since(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_threshold_then_probes_and_backs_off() {
        let t0 = Instant::now();
        let mut b = Breaker::new(3, Duration::from_secs(10));
        for _ in 0..2 {
            assert_eq!(b.admit(t0), Admit::Call);
            b.failure(t0, None);
        }
        assert_eq!(b.state(t0), CircuitState::Closed);
        b.failure(t0, None);
        assert_eq!(b.state(t0), CircuitState::Open);
        assert!(matches!(
            b.admit(t0 + Duration::from_secs(5)),
            Admit::Skip(_)
        ));
        // Wait over: exactly one probe goes through.
        let t1 = t0 + Duration::from_secs(11);
        assert_eq!(b.admit(t1), Admit::Probe);
        assert!(matches!(b.admit(t1), Admit::Skip(_)));
        assert_eq!(b.state(t1), CircuitState::Probing);
        // A failed probe opens it for twice as long.
        b.failure(t1, None);
        assert!(matches!(
            b.admit(t1 + Duration::from_secs(15)),
            Admit::Skip(_)
        ));
        let t2 = t1 + Duration::from_secs(21);
        assert_eq!(b.admit(t2), Admit::Probe);
        b.success();
        assert_eq!(b.state(t2), CircuitState::Closed);
        assert_eq!(b.admit(t2), Admit::Call);
        assert_eq!(b.consecutive_failures(), 0);
    }

    #[test]
    fn retry_after_opens_at_once_for_that_long() {
        let t0 = Instant::now();
        let mut b = Breaker::new(3, Duration::from_secs(1));
        b.failure(t0, Some(Duration::from_secs(30)));
        assert!(matches!(
            b.admit(t0 + Duration::from_secs(29)),
            Admit::Skip(_)
        ));
        assert_eq!(b.admit(t0 + Duration::from_secs(31)), Admit::Probe);
    }

    #[test]
    fn an_abandoned_probe_is_replaced_later() {
        let t0 = Instant::now();
        let mut b = Breaker::new(1, Duration::from_secs(10));
        b.failure(t0, None);
        let t1 = t0 + Duration::from_secs(10);
        assert_eq!(b.admit(t1), Admit::Probe);
        // Nobody reports back; after another wait a new probe goes.
        assert_eq!(b.admit(t1 + Duration::from_secs(10)), Admit::Probe);
    }
}
