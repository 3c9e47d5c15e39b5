//! Random numbers for the `_track_id` of each record and the jitter of retry waits: not
//! cryptographic, only spread out. A per-thread xorshift64* seeded from the clock, the process
//! id, the thread's own address space (the address of its state) and a process-wide counter.
//!
//! Ours rather than `fastrand`'s global generator: seeding that one calls
//! `std::thread::current()`, which on a thread Rust did not start (a C program's main thread)
//! allocates a handle that is never freed, so a C user's `valgrind --leak-check=full` reported
//! 48 bytes "possibly lost" from the first `sa_track()`. Nothing here allocates or registers a
//! thread-local destructor. A fork child draws a fresh seed, so parent and child never repeat
//! each other's numbers.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

thread_local! {
    /// (xorshift state, fork generation it was seeded in); a zero state is not seeded yet.
    static STATE: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
}

/// Makes two seeds drawn in the same nanosecond differ.
static SEEDS: AtomicU64 = AtomicU64::new(0);

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn seed() -> u64 {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    let here = STATE.with(|s| s as *const Cell<(u64, u64)> as u64);
    let n = SEEDS.fetch_add(1, Ordering::Relaxed);
    let s = splitmix64(nanos ^ splitmix64(u64::from(std::process::id()) ^ here.rotate_left(17)) ^ splitmix64(n));
    if s == 0 {
        0x2545_F491_4F6C_DD1D
    } else {
        s
    }
}

/// 64 random bits.
pub(crate) fn u64() -> u64 {
    let generation = crate::fork::generation();
    STATE.with(|cell| {
        let (mut x, seeded_in) = cell.get();
        if x == 0 || seeded_in != generation {
            x = seed();
        }
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        cell.set((x, generation));
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    })
}

/// A number in `0..=i32::MAX`.
pub(crate) fn non_negative_i32() -> i32 {
    (u64() >> 33) as i32
}

/// A number in `[0, 1)`.
pub(crate) fn f64() -> f64 {
    (u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_spread() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..10_000 {
            let i = non_negative_i32();
            assert!(i >= 0);
            seen.insert(i);
            let f = f64();
            assert!((0.0..1.0).contains(&f));
        }
        assert!(seen.len() > 9_990, "{} distinct of 10 000", seen.len());
        let mean: f64 = (0..10_000).map(|_| f64()).sum::<f64>() / 10_000.0;
        assert!((0.45..0.55).contains(&mean), "mean {mean}");
    }

    #[test]
    fn threads_draw_different_numbers() {
        let a: Vec<u64> = std::thread::spawn(|| (0..4).map(|_| u64()).collect()).join().unwrap();
        let b: Vec<u64> = std::thread::spawn(|| (0..4).map(|_| u64()).collect()).join().unwrap();
        assert_ne!(a, b);
    }
}
