//! How the HTTP consumers and the spool start their background threads (dispatchers, sender
//! threads, the spool's writer): named, and at a lower scheduling priority than the
//! application's threads.
//!
//! Why lower: a burst of `track()` calls outruns gzip, so while it lasts the sender threads
//! always have work, and on a machine with few cores they take turns with the threads that
//! call the SDK. Those are the application's (a request handler, a worker), and their time
//! matters more than how soon a record leaves: the records wait safely in the queue or the
//! spool. A nice value of `NICE` gives a background thread about a third of the share of a
//! normal thread when both want a core, and the whole core when the application is idle, so
//! delivery is never starved, only second. Measured on 2 cores (`benches/spool_throughput.rs`):
//! the calls' wall time during a burst dropped by the time our threads had taken from them.
//!
//! Linux keeps a nice value per thread (`setpriority(PRIO_PROCESS, tid)`); elsewhere that
//! call would change the whole process, so there the threads keep the normal priority.

use std::thread::JoinHandle;

/// The nice value of our background threads (0 is normal; 19 the lowest).
pub const NICE: i32 = 5;

/// Spawns `f` on a thread named `name`, at the background priority.
pub(crate) fn spawn<F>(name: String, f: F) -> std::io::Result<JoinHandle<()>>
where
    F: FnOnce() + Send + 'static,
{
    std::thread::Builder::new().name(name).spawn(move || {
        lower_priority();
        f()
    })
}

#[cfg(target_os = "linux")]
fn lower_priority() {
    // SAFETY: plain system calls on this thread's id; failure leaves the priority as it is
    // (raising the nice value needs no privilege, so it does not fail in practice).
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, NICE);
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn a_background_thread_runs_at_the_lower_priority_and_the_caller_keeps_its_own() {
        // SAFETY: reading this thread's nice value.
        let nice_of_this_thread = || unsafe {
            libc::getpriority(libc::PRIO_PROCESS, libc::syscall(libc::SYS_gettid) as libc::id_t)
        };
        let before = nice_of_this_thread();
        let seen = super::spawn("sa-test-background".into(), move || {
            assert_eq!(nice_of_this_thread(), (before + super::NICE).min(19));
        })
        .unwrap()
        .join();
        assert!(seen.is_ok(), "the background thread saw another priority");
        assert_eq!(nice_of_this_thread(), before);
    }
}
