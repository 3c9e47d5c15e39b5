//! Whether the receiver is answering, as the batch consumers' background threads see it.
//!
//! A receiver that refuses some requests (503s, resets, a 429) is *flaky*: batches are
//! retried on their own schedules while the senders go on with other batches. A receiver
//! that cannot be reached, or that failed many requests in a row, is *down*: then one request
//! at a time probes it, on a growing backoff (never sooner than its `Retry-After`), and
//! nothing else is sent until a probe succeeds. This keeps a dead receiver from being
//! hammered by every queued batch and tells the spool to take new batches at once.

use std::time::{Duration, Instant};

use super::retry::RetryPolicy;

/// Failures in a row (of any kind) after which a receiver that answers counts as down. At a
/// 50% failure rate sixteen in a row happen about once in 65 000 requests, so a flaky
/// receiver is not throttled to one probe; a receiver refusing everything is recognised
/// within a few seconds, and one nobody answers (refused connections) at its first failure.
pub(crate) const DOWN_AFTER_FAILURES: u32 = 16;

#[derive(Debug)]
pub(crate) struct Health {
    /// Failures since the last success.
    failures: u32,
    /// Probes that failed since the receiver went down, for the probe backoff.
    failed_probes: u32,
    down: bool,
    /// The earliest time the next probe may start, while down.
    next_probe: Instant,
    /// The last failure was a connection nobody answered (not a refusal by a server).
    unreachable: bool,
}

impl Default for Health {
    fn default() -> Self {
        Health {
            failures: 0,
            failed_probes: 0,
            down: false,
            next_probe: Instant::now(),
            unreachable: false,
        }
    }
}

impl Health {
    pub fn is_down(&self) -> bool {
        self.down
    }

    /// Down, and the last try found nobody listening: no point in waiting for it now.
    pub fn is_unreachable(&self) -> bool {
        self.down && self.unreachable
    }

    pub fn on_success(&mut self) {
        self.unreachable = false;
        self.failures = 0;
        self.failed_probes = 0;
        self.down = false;
    }

    /// `unreachable`: no server answered (connection refused or unreachable).
    pub fn on_failure(
        &mut self,
        unreachable: bool,
        retry_after: Option<Duration>,
        policy: &RetryPolicy,
    ) {
        self.failures = self.failures.saturating_add(1);
        self.unreachable = unreachable;
        if self.down {
            self.failed_probes = self.failed_probes.saturating_add(1);
        } else if unreachable || self.failures >= DOWN_AFTER_FAILURES {
            self.down = true;
            self.failed_probes = 1;
        } else {
            return;
        }
        self.next_probe = Instant::now() + policy.delay(self.failed_probes, retry_after);
    }

    /// Whether a request may start now, with `in_flight` requests under way.
    pub fn may_send(&self, in_flight: usize, max_in_flight: usize) -> bool {
        if self.down {
            in_flight == 0 && Instant::now() >= self.next_probe
        } else {
            in_flight < max_in_flight
        }
    }

    /// While down: when the next probe is due.
    pub fn probe_due(&self) -> Option<Instant> {
        self.down.then_some(self.next_probe)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flaky_is_not_down_but_unreachable_or_many_failures_is() {
        let p = RetryPolicy::default();
        let mut h = Health::default();
        for _ in 0..DOWN_AFTER_FAILURES - 1 {
            h.on_failure(false, None, &p);
        }
        assert!(!h.is_down());
        assert!(h.may_send(1, 2));
        h.on_success();
        h.on_failure(true, None, &p);
        assert!(h.is_down());
        assert!(!h.may_send(0, 2), "a probe waits for its backoff");
        assert!(!h.may_send(1, 2));
        h.on_success();
        assert!(h.may_send(1, 2));
    }

    #[test]
    fn probes_back_off_and_honour_retry_after() {
        let p = RetryPolicy {
            jitter: 0.0,
            ..RetryPolicy::default()
        };
        let mut h = Health::default();
        h.on_failure(true, None, &p);
        let first = h.probe_due().unwrap();
        h.on_failure(true, None, &p);
        let second = h.probe_due().unwrap();
        assert!(second - first >= Duration::from_millis(400));
        h.on_failure(false, Some(Duration::from_secs(5)), &p);
        assert!(h.probe_due().unwrap() >= Instant::now() + Duration::from_secs(4));
    }
}
