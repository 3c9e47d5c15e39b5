//! Counters a user can read from every HTTP consumer, so that nothing is lost silently
//! (docs/SPEC.md §4): what was sent, given up on, refused, retried, and what still waits.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use arc_swap::ArcSwapOption;

use crate::error::Error;

/// A snapshot of an HTTP consumer's counters (records, unless said otherwise).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Delivered: the server answered 2xx.
    pub sent: u64,
    /// Given up on after the retries (or at once, for a final answer), and reported by an
    /// error or the give-up callback. BatchConsumer keeps such records buffered and tries
    /// them again on the next flush, so they may later count as sent as well.
    pub failed: u64,
    /// Refused by `send` and never queued: queue full, or the consumer closed.
    pub dropped: u64,
    /// Requests repeated after a retryable failure (requests, not records).
    pub retried: u64,
    /// Waiting to be sent: in the queue, the batch buffer or the retry queue, not in a
    /// request now.
    pub queue_depth: usize,
    /// In requests under way (AsyncBatchConsumer).
    pub in_flight: usize,
    /// The most recent failure's message, retried ones included.
    pub last_error: Option<String>,
    /// Records written to the spool (`spool_dir`): with a spool, every record accepted.
    pub spooled: u64,
    /// Records delivered from spool segments that an earlier (or another, dead) process left.
    pub replayed: u64,
    /// Bytes the spool's segments hold now, ours and adopted.
    pub spool_bytes: u64,
    /// Corrupt spool records skipped (a torn tail, a damaged spot, a damaged file).
    pub corrupt: u64,
}

impl Stats {
    /// Every counter by its name, in the order above: bindings whose language takes a map
    /// (Python's dict) build it from this list rather than spelling the names again. Typed
    /// bindings (a C struct, a TypeScript interface, a uniffi record) declare the same fields
    /// because their FFI needs a type; the shared Stats test in each pins the names.
    pub fn counters(&self) -> [(&'static str, u64); 10] {
        [
            ("sent", self.sent),
            ("failed", self.failed),
            ("dropped", self.dropped),
            ("retried", self.retried),
            ("queue_depth", self.queue_depth as u64),
            ("in_flight", self.in_flight as u64),
            ("spooled", self.spooled),
            ("replayed", self.replayed),
            ("spool_bytes", self.spool_bytes),
            ("corrupt", self.corrupt),
        ]
    }
}

/// The live counters behind [`Stats`]. Lock-free, so a fork child can read a copy of them
/// even if a parent thread was updating them at the moment of the fork.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub sent: AtomicU64,
    pub failed: AtomicU64,
    pub dropped: AtomicU64,
    pub retried: AtomicU64,
    /// Records accepted by `send` (AsyncBatchConsumer), for flush reports.
    pub accepted: AtomicU64,
    /// Records held outside the channel (a batch buffer).
    pub buffered: AtomicUsize,
    /// Records in batches waiting in a retry queue for their next attempt.
    pub retrying: AtomicUsize,
    pub in_flight: AtomicUsize,
    pub spooled: AtomicU64,
    pub replayed: AtomicU64,
    pub spool_bytes: AtomicU64,
    pub corrupt: AtomicU64,
    last_error: ArcSwapOption<String>,
}

impl Counters {
    pub fn add(counter: &AtomicU64, n: usize) {
        counter.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub fn add_u64(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub fn set_error(&self, message: &str) {
        self.last_error.store(Some(Arc::new(message.to_owned())));
    }

    pub fn fail(&self, records: usize, e: &Error) {
        Self::add(&self.failed, records);
        self.set_error(e.message());
    }

    pub fn last_error(&self) -> Option<String> {
        self.last_error.load_full().map(|s| (*s).clone())
    }

    /// `queued` is what waits outside [`Counters::buffered`] (an async channel's length).
    pub fn snapshot(&self, queued: usize) -> Stats {
        Stats {
            sent: self.sent.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            retried: self.retried.load(Ordering::Relaxed),
            queue_depth: queued
                + self.buffered.load(Ordering::Relaxed)
                + self.retrying.load(Ordering::Relaxed),
            in_flight: self.in_flight.load(Ordering::Relaxed),
            last_error: self.last_error(),
            spooled: self.spooled.load(Ordering::Relaxed),
            replayed: self.replayed.load(Ordering::Relaxed),
            spool_bytes: self.spool_bytes.load(Ordering::Relaxed),
            corrupt: self.corrupt.load(Ordering::Relaxed),
        }
    }
}
