//! What both dispatchers (the in-memory one in `pipeline.rs` and the spool's in
//! `spool/deliver.rs`) keep about requests: how many are under way, the batches waiting to be
//! retried with their not-before times, and the receiver's health. They differ only in where
//! new batches come from (the channel, or the spool's segments), so handing batches to the
//! senders, and settling what comes back (counters, health, the retry schedule and budget),
//! is written once, here; a dispatcher only says what becomes of a batch it cannot keep.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use super::health::Health;
use super::retry::{give_up_error, Attempt, RetryPolicy};
use super::senders::{Batch, Outcome, Senders};
use super::stats::Counters;
use crate::error::Error;

/// What became of a batch a sender handed back, once [`Flight::settle`] has done the
/// bookkeeping both dispatchers share. Only the dispatcher knows what "done with it" means
/// (an index range, a spool segment), so the batch comes back to it unless it is kept.
pub(crate) enum Settled {
    Delivered(Batch),
    /// Refused for good, or out of its retry budget: the dispatcher reports it.
    GaveUp(Batch, Error),
    /// Retryable, but the dispatcher is shutting down: it decides (the in-memory one gives
    /// it up, the spool leaves it in its segment for the next time).
    Aborted(Batch, Error),
    /// In the retry queue for another attempt.
    Kept,
}

/// Whether a retryable batch has a budget (the in-memory pipeline, which must give up some
/// time) or waits as long as it takes (the spool, where it is safe on disk).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Budget {
    Limited,
    Unlimited,
}

pub(crate) struct Flight {
    /// To the sender threads; `None` once aborted (they end after their current batch).
    pub work: Option<Senders>,
    /// Batches waiting for their next attempt (push with [`Flight::retry_later`], so that
    /// they count as waiting in the stats).
    retries: Vec<Batch>,
    /// Requests under way.
    pub in_flight: usize,
    pub health: Health,
    counters: Arc<Counters>,
}

impl Flight {
    pub fn new(work: Senders, counters: Arc<Counters>) -> Self {
        Flight {
            work: Some(work),
            retries: Vec::new(),
            in_flight: 0,
            health: Health::default(),
            counters,
        }
    }

    /// Hands batches to free senders: the retries that are due first, then what `next`
    /// gives, for as long as the receiver's health allows (while down: one probe).
    pub fn start<S>(
        state: &mut S,
        flight: fn(&mut S) -> &mut Flight,
        max_in_flight: usize,
        next: fn(&mut S) -> Option<Batch>,
    ) {
        loop {
            let f = flight(state);
            if !f.health.may_send(f.in_flight, max_in_flight.max(1)) {
                return;
            }
            let batch = match f.take_due_retry() {
                Some(b) => b,
                None => match next(state) {
                    Some(b) => b,
                    None => return,
                },
            };
            flight(state).launch(batch);
        }
    }

    /// The retry due soonest, if its time has come (while down: the probe).
    fn take_due_retry(&mut self) -> Option<Batch> {
        let now = Instant::now();
        let down = self.health.is_down();
        let (i, _) = self
            .retries
            .iter()
            .enumerate()
            .filter(|(_, b)| b.not_before <= now || down)
            .min_by_key(|(_, b)| (b.not_before, b.id, b.offset))?;
        let b = self.retries.swap_remove(i);
        self.counters.retrying.fetch_sub(b.records.len(), Ordering::Relaxed);
        Some(b)
    }

    /// Keeps a batch for another attempt at its `not_before`.
    pub fn retry_later(&mut self, batch: Batch) {
        self.counters
            .retrying
            .fetch_add(batch.records.len(), Ordering::Relaxed);
        self.retries.push(batch);
    }

    /// Takes every waiting retry (abort).
    pub fn take_retries(&mut self) -> Vec<Batch> {
        self.counters.retrying.store(0, Ordering::Relaxed);
        std::mem::take(&mut self.retries)
    }

    pub fn has_retries(&self) -> bool {
        !self.retries.is_empty()
    }

    fn launch(&mut self, batch: Batch) {
        self.in_flight += 1;
        self.counters
            .in_flight
            .fetch_add(batch.records.len(), Ordering::Relaxed);
        if let Some(work) = &mut self.work {
            work.send(batch);
        }
    }

    /// A batch of `n` records came back from sender `sender`.
    fn landed(&mut self, n: usize, sender: usize) {
        if let Some(work) = &mut self.work {
            work.returned(sender);
        }
        self.in_flight -= 1;
        self.counters.in_flight.fetch_sub(n, Ordering::Relaxed);
    }

    /// Takes a batch back from a sender: counts it, tells the receiver's health, and either
    /// schedules its next attempt or returns it to the dispatcher with what became of it.
    ///
    /// A retryable batch waits the base backoff (or the server's `Retry-After`) while the
    /// receiver answers others: it was unlucky, not the receiver overloaded (that is the
    /// health's down state, which backs off exponentially with one probe at a time), and a
    /// growing wait would leave a few unlucky batches waiting for many seconds at close.
    /// While the receiver is down the batch waits for the probe, and an outage is not its
    /// fault: its budget starts again once the receiver answers.
    pub fn settle(&mut self, o: Outcome, policy: &RetryPolicy, budget: Budget, aborted: bool) -> Settled {
        let mut batch = o.batch;
        self.landed(batch.records.len(), o.sender);
        let (message, retry_after, unreachable) = match o.result {
            Attempt::Delivered => {
                self.health.on_success();
                Counters::add(&self.counters.sent, batch.records.len());
                return Settled::Delivered(batch);
            }
            Attempt::Final(e) => return Settled::GaveUp(batch, e),
            Attempt::Retry {
                message,
                retry_after,
                unreachable,
            } => (message, retry_after, unreachable),
        };
        Counters::add(&self.counters.retried, 1);
        self.counters.set_error(&message);
        let was_down = self.health.is_down();
        self.health.on_failure(unreachable, retry_after, policy);
        if aborted {
            let e = give_up_error(&message, batch.attempts + 1, Instant::now(), "consumer closing");
            return Settled::Aborted(batch, e);
        }
        if was_down || self.health.is_down() {
            batch.attempts = 0;
            batch.first_try = None;
            batch.not_before = self.health.probe_due().unwrap_or_else(Instant::now);
        } else {
            batch.attempts += 1;
            let first = *batch.first_try.get_or_insert_with(Instant::now);
            let wait = policy.delay(1, retry_after);
            let why = if budget == Budget::Unlimited {
                None
            } else if policy.max_attempts.is_some_and(|m| batch.attempts >= m) {
                Some("attempt limit")
            } else if first.elapsed() + wait > policy.max_elapsed {
                Some("retry time limit")
            } else {
                None
            };
            if let Some(why) = why {
                let e = give_up_error(&message, batch.attempts, first, why);
                return Settled::GaveUp(batch, e);
            }
            batch.not_before = Instant::now() + wait;
        }
        self.retry_later(batch);
        Settled::Kept
    }

    /// When the earliest retry is due.
    pub fn next_retry(&self) -> Option<Instant> {
        self.retries.iter().map(|b| b.not_before).min()
    }
}
