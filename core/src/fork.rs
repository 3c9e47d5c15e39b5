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
