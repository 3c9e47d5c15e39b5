//! What both dispatchers (the in-memory one in `pipeline.rs` and the spool's in
//! `spool/deliver.rs`) keep about requests: how many are under way, the batches waiting to be
//! retried with their not-before times, and the receiver's health. They differ only in where
//! new batches come from (the channel, or the spool's segments), so handing batches to the
//! senders is written once, here.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::Sender;

use super::health::Health;
use super::senders::Batch;
use super::stats::Counters;

pub(crate) struct Flight {
    /// To the sender threads; `None` once aborted (they end after their current batch).
    pub work: Option<Sender<Batch>>,
    /// Batches waiting for their next attempt (push with [`Flight::retry_later`], so that
    /// they count as waiting in the stats).
    retries: Vec<Batch>,
    /// Requests under way.
    pub in_flight: usize,
    pub health: Health,
    counters: Arc<Counters>,
}

impl Flight {
    pub fn new(work: Sender<Batch>, counters: Arc<Counters>) -> Self {
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
        if let Some(work) = &self.work {
            // Unbounded, and the senders outlive the dispatcher's use of it: cannot fail.
            let _ = work.send(batch);
        }
    }

    /// A batch of `n` records came back from a sender.
    pub fn landed(&mut self, n: usize) {
        self.in_flight -= 1;
        self.counters.in_flight.fetch_sub(n, Ordering::Relaxed);
    }

    /// When the earliest retry is due.
    pub fn next_retry(&self) -> Option<Instant> {
        self.retries.iter().map(|b| b.not_before).min()
    }
}
