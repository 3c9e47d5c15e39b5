//! Waiting a moment for the rest of a group, shared by the two threads that take records
//! from the callers' channel: AsyncBatchConsumer's dispatcher (`pipeline.rs`) and the spool's
//! writer (`spool/writer.rs`).
//!
//! At a service's steady rate records arrive a few at a time. A thread that keeps up takes
//! each few as they come, parks on the channel again, and the next `send` has to wake it: a
//! futex wake on the caller's thread and a context switch in the background for every few
//! records, plus (for the writer) a write(2) and a message to the spool's dispatcher. Measured
//! with `spool_throughput` at 250 000 calls/s, that wake was about 30% of the caller's wall
//! time per `track()` (README, "waking per record"). Having taken a small group, the thread
//! instead sleeps (not parked on the channel, so sends need not wake it) until enough records
//! wait or [`LINGER`] has passed, then takes them together.
//!
//! The sleep must not let the channel fill: each sleep is shorter than the fastest callers
//! ([`MAX_RATE`]) need to fill the channel's first three quarters, and the wait ends once a
//! quarter of it is waiting; channels smaller than [`MIN_CAPACITY`] do not linger at all. (A
//! wake-up the scheduler delays is what a busy machine costs a parked thread too.) A large
//! channel sleeps the whole [`LINGER`] at once, since each look costs a wake-up. A burst is
//! never slowed: its first take is already large.

use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;

/// The longest wait for a group: a batch or a spool write goes out at most this much later.
/// Well inside the 50 ms a SIGKILL may lose with a spool (issue 12).
pub(crate) const LINGER: Duration = Duration::from_millis(2);
/// The fastest callers are assumed to add records: two threads calling `track()` at full
/// speed on two cores. A sleep never lasts longer than they need to fill what is left of the
/// channel's first three quarters.
const MAX_RATE: f64 = 5e6;
/// The shortest sleep between looks at the channel.
const MIN_STEP: Duration = Duration::from_micros(50);
/// Channels holding fewer records than this never linger: a user who sized the queue small
/// gets it drained at once. (At full speed, even the shortest sleep adds 250 records to the
/// quarter that ends a wait. AsyncBatchConsumer's default `max_size` is this, so a default
/// consumer lingers, looking every 150 µs.)
const MIN_CAPACITY: usize = 1000;

/// Sleeps while fewer than `enough` records (capped at a quarter of the channel) are held
/// (`have`) or wait in `rx`, for at most [`LINGER`]. Returns false at once when the channel
/// is small or `have` is already enough; true when the caller should take from `rx` again.
pub(crate) fn wait_for_group<T>(rx: &Receiver<T>, have: usize, enough: usize) -> bool {
    let capacity = rx.capacity();
    let enough = match capacity {
        Some(c) if c < MIN_CAPACITY => return false,
        Some(c) => enough.min(c / 4),
        None => enough,
    };
    if have >= enough {
        return false;
    }
    let until = Instant::now() + LINGER;
    loop {
        let queued = rx.len();
        let now = Instant::now();
        if have + queued >= enough || now >= until {
            return true;
        }
        let room = capacity.map_or(usize::MAX, |c| (c * 3 / 4).saturating_sub(queued));
        let safe = Duration::from_secs_f64(room as f64 / MAX_RATE).max(MIN_STEP);
        std::thread::sleep(safe.min(until - now));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossbeam_channel::bounded;

    #[test]
    fn a_default_consumer_lingers() {
        assert!(crate::consumer::options::DEFAULT_QUEUE_SIZE >= MIN_CAPACITY);
    }

    #[test]
    fn a_small_channel_or_a_large_group_does_not_wait() {
        let (_tx, rx) = bounded::<u32>(MIN_CAPACITY - 1);
        assert!(!wait_for_group(&rx, 0, 100));
        let (_tx, rx) = bounded::<u32>(10_000);
        assert!(!wait_for_group(&rx, 100, 100));
    }

    #[test]
    fn waits_at_most_the_linger_for_a_group_that_does_not_come() {
        let (_tx, rx) = bounded::<u32>(10_000);
        let t = Instant::now();
        assert!(wait_for_group(&rx, 1, 100));
        let took = t.elapsed();
        assert!(took >= LINGER && took < LINGER * 20, "{took:?}");
    }

    #[test]
    fn ends_once_a_quarter_of_the_channel_waits() {
        let (tx, rx) = bounded::<u32>(MIN_CAPACITY);
        for i in 0..MIN_CAPACITY as u32 / 4 {
            tx.send(i).unwrap();
        }
        let t = Instant::now();
        // Asked for far more than a quarter: a quarter already waits, so no sleep at all.
        assert!(wait_for_group(&rx, 0, 10_000));
        assert!(t.elapsed() < LINGER, "{:?}", t.elapsed());
    }
}
