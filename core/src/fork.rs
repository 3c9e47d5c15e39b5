//! Telling that this process is a fork child, cheaply: a counter bumped by a `pthread_atfork`
//! child handler. Reading it is one atomic load, where `getpid()` would be a syscall per record.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;

static GENERATION: AtomicU64 = AtomicU64::new(0);
static INSTALL: Once = Once::new();

extern "C" fn in_child() {
    // Async-signal-safe: one atomic add, nothing else.
    GENERATION.fetch_add(1, Ordering::SeqCst);
}

/// A number that changes in a child process after every `fork()`.
pub fn generation() -> u64 {
    INSTALL.call_once(|| {
        // SAFETY: registering a handler that only touches an atomic is sound; the return code
        // only reports ENOMEM, in which case we fall back to never seeing forks (as before).
        unsafe {
            libc::pthread_atfork(None, None, Some(in_child));
        }
    });
    GENERATION.load(Ordering::Relaxed)
}

/// Something whose threads live in one process only (a consumer's background engine): a fork
/// child must neither use nor drop its parent's, and makes its own instead.
pub(crate) trait PerProcess {
    /// The [`generation`] it was made in.
    fn generation(&self) -> u64;
}

/// The slot's value if it was made in this process.
pub(crate) fn own<T: PerProcess>(slot: &arc_swap::ArcSwapOption<T>) -> Option<std::sync::Arc<T>> {
    slot.load_full().filter(|e| e.generation() == generation())
}

/// The slot's value if it was made in this process; else one made now by `start`, which a
/// racing thread may have beaten (then its value is returned and ours dropped).
pub(crate) fn own_or_start<T: PerProcess>(
    slot: &arc_swap::ArcSwapOption<T>,
    start: impl FnOnce(u64) -> crate::Result<T>,
) -> crate::Result<std::sync::Arc<T>> {
    use std::sync::Arc;
    let generation = generation();
    let current = slot.load_full();
    if let Some(e) = &current {
        if e.generation() == generation {
            return Ok(e.clone());
        }
    }
    let new = Arc::new(start(generation)?);
    let prev = arc_swap::Guard::into_inner(slot.compare_and_swap(&current, Some(new.clone())));
    let won = match (&prev, &current) {
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        (None, None) => true,
        _ => false,
    };
    forget_if_stale(prev);
    forget_if_stale(current);
    if won {
        Ok(new)
    } else {
        own(slot).ok_or_else(|| crate::Error::Network("the background sender was replaced".into()))
    }
}

/// Leaks a value a parent process made: its threads do not exist here, and dropping it could
/// wait for them or on a lock one of them held at the fork.
pub(crate) fn forget_if_stale<T: PerProcess>(e: Option<std::sync::Arc<T>>) {
    if let Some(e) = e {
        if e.generation() != generation() {
            std::mem::forget(e);
        }
    }
}
