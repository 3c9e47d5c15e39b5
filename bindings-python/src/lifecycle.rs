//! Interpreter exit: open clients flush, within a bounded time.
//!
//! Every client registers here (weakly) and leaves on `close()`. At exit (an `atexit` hook
//! registered by the package), clients on a Python consumer are flushed inline (their code
//! needs the interpreter), clients on our consumers are flushed on a helper thread while the
//! exiting thread waits at most the exit timeout with the GIL released: a server that does
//! not answer cannot hold the process. What fails or times out is logged to the
//! `sensorsanalytics` logger.
//!
//! The registry lock is only taken with the GIL held, so a fork (which Python performs with
//! the GIL held) never happens while another thread holds it.
//!
//! Fork while another thread works with the GIL released (inside `flush()`/`close()`, or
//! sending through a consumer that may block): that thread holds the core's locks (a
//! consumer's state), which a fork would leave locked for ever in the child. Every such call
//! runs inside a gate ([`detach`]); `os.register_at_fork` hooks (registered by the package)
//! close the gate before the fork, wait with the GIL released until no thread is inside, and
//! open it again after the fork in parent and child. The gate is one atomic word, so the
//! child never inherits a held lock of it either. The core's own threads (file writers,
//! senders) are not gated: the core's consumers leave their state alone in a fork child.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::ops::Deref;
use std::sync::{Arc, Mutex, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use pyo3::prelude::*;
use sensorsanalytics::Client;
use sensorsanalytics::consumer::options::{self, DEFAULT_EXIT_FLUSH_TIMEOUT};

use crate::log;

struct Entry {
    client: Weak<Client>,
    /// Flushing it calls Python code (a user's consumer, ConsoleConsumer).
    calls_python: bool,
}

static OPEN: Mutex<Vec<Entry>> = Mutex::new(Vec::new());

/// Threads dropping a consumer whose drop drains a queue (see [`OffThreadDrop`]).
static DROPPING: Mutex<Vec<JoinHandle<()>>> = Mutex::new(Vec::new());

/// Exit timeout in milliseconds.
static EXIT_TIMEOUT_MS: AtomicU64 = AtomicU64::new(DEFAULT_EXIT_FLUSH_TIMEOUT.as_millis() as u64);

/// Set once the exit flush is over: from then on our threads never call into Python (the
/// interpreter is being torn down; attaching to it could hang them).
static EXITING: AtomicBool = AtomicBool::new(false);

pub fn exiting() -> bool {
    EXITING.load(Ordering::Acquire)
}

fn open() -> std::sync::MutexGuard<'static, Vec<Entry>> {
    OPEN.lock().unwrap_or_else(|p| p.into_inner())
}

/// A value whose drop may wait on the network (AsyncBatchConsumer drains its queue, up to
/// 10 s): dropped on a thread of its own, as the reference's daemon sender thread would go on
/// sending after the consumer object is gone, so that a Python `del` (with the GIL held)
/// never waits. Interpreter exit waits for those threads within the exit timeout; after
/// that, such values are not dropped at all (the process is ending).
pub struct OffThreadDrop<T: Send + 'static> {
    value: Option<T>,
    slow: bool,
}

impl<T: Send + 'static> OffThreadDrop<T> {
    pub fn new(value: T, slow: bool) -> Self {
        OffThreadDrop { value: Some(value), slow }
    }

    /// Whether dropping it may wait (and so happens on a thread of its own).
    pub fn is_slow(&self) -> bool {
        self.slow
    }
}

impl<T: Send + 'static> Deref for OffThreadDrop<T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.value.as_ref().expect("taken only by drop")
    }
}

impl<T: Send + 'static> Drop for OffThreadDrop<T> {
    fn drop(&mut self) {
        let Some(value) = self.value.take() else { return };
        if !self.slow {
            return;
        }
        if exiting() {
            std::mem::forget(value);
            return;
        }
        // If no thread can be started, the value comes back inside the error and is dropped here.
        if let Ok(handle) = std::thread::Builder::new().name("sensorsanalytics-drop".into()).spawn(move || drop(value)) {
            let mut dropping = DROPPING.lock().unwrap_or_else(|p| p.into_inner());
            dropping.retain(|h| !h.is_finished());
            dropping.push(handle);
        }
    }
}

/// Threads inside the gate, plus [`FORKING`] while a fork is being prepared.
static GATE: AtomicUsize = AtomicUsize::new(0);
const FORKING: usize = 1 << (usize::BITS - 1);

thread_local! {
    /// How deep this thread is inside the gate: a Python consumer called from inside may call
    /// back into a client, which must not wait for a fork that waits for this thread.
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

struct Inside;

impl Inside {
    fn enter() -> Inside {
        if DEPTH.with(|d| d.replace(d.get() + 1)) > 0 {
            GATE.fetch_add(1, Ordering::AcqRel);
            return Inside;
        }
        loop {
            let s = GATE.load(Ordering::Acquire);
            if s & FORKING != 0 {
                std::thread::sleep(Duration::from_micros(100));
            } else if GATE.compare_exchange_weak(s, s + 1, Ordering::AcqRel, Ordering::Relaxed).is_ok() {
                return Inside;
            }
        }
    }
}

impl Drop for Inside {
    fn drop(&mut self) {
        GATE.fetch_sub(1, Ordering::AcqRel);
        DEPTH.with(|d| d.set(d.get() - 1));
    }
}

/// Runs `f` with the GIL released, inside the fork gate: a fork waits until `f` has returned.
pub fn detach<T: Send>(py: Python<'_>, f: impl FnOnce() -> T + Send) -> T {
    py.detach(|| {
        let _inside = Inside::enter();
        f()
    })
}

/// `os.register_at_fork(before=...)`: closes the gate and waits (GIL released) until no
/// thread is inside.
#[pyfunction]
fn before_fork(py: Python<'_>) {
    // A fork from inside the gate (a Python consumer's code) waits for the other threads only.
    let own = DEPTH.with(|d| d.get()) as usize;
    GATE.fetch_or(FORKING, Ordering::AcqRel);
    if GATE.load(Ordering::Acquire) & !FORKING > own {
        py.detach(|| {
            while GATE.load(Ordering::Acquire) & !FORKING > own {
                std::thread::sleep(Duration::from_micros(100));
            }
        });
    }
}

/// `after_in_parent`: opens the gate again.
#[pyfunction]
fn after_fork_in_parent() {
    GATE.fetch_and(!FORKING, Ordering::AcqRel);
}

/// `after_in_child`: the child's only thread is the forking one; only it may be inside.
#[pyfunction]
fn after_fork_in_child() {
    GATE.store(DEPTH.with(|d| d.get()) as usize, Ordering::Release);
}

pub fn register(_py: Python<'_>, client: &Arc<Client>, calls_python: bool) {
    let mut open = open();
    open.retain(|e| e.client.strong_count() > 0);
    open.push(Entry { client: Arc::downgrade(client), calls_python });
}

pub fn unregister(_py: Python<'_>, client: &Arc<Client>) {
    open().retain(|e| e.client.strong_count() > 0 && !std::ptr::eq(e.client.as_ptr(), Arc::as_ptr(client)));
}

/// `set_exit_flush_timeout(seconds)`: how long interpreter exit waits for our consumers.
#[pyfunction]
fn set_exit_flush_timeout(seconds: f64) -> PyResult<()> {
    let t = options::exit_flush_timeout(seconds).map_err(crate::error::to_py)?;
    EXIT_TIMEOUT_MS.store(t.as_millis() as u64, Ordering::Relaxed);
    Ok(())
}

/// The `atexit` hook.
#[pyfunction]
fn flush_at_exit(py: Python<'_>) {
    drain(py);
    EXITING.store(true, Ordering::Release);
}

fn drain(py: Python<'_>) {
    let (python, native): (Vec<_>, Vec<_>) = {
        let open = open();
        open.iter().filter_map(|e| Some((e.client.upgrade()?, e.calls_python))).partition(|(_, p)| *p)
    };
    for (client, _) in python {
        if let Err(e) = client.flush() {
            log::warning(py, &format!("flush at exit failed: {}", crate::error::to_py(e)));
        }
    }
    let dropping = std::mem::take(&mut *DROPPING.lock().unwrap_or_else(|p| p.into_inner()));
    if native.is_empty() && dropping.is_empty() {
        return;
    }
    let timeout = Duration::from_millis(EXIT_TIMEOUT_MS.load(Ordering::Relaxed));
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new().name("sensorsanalytics-exit".into()).spawn(move || {
        let errors: Vec<String> =
            native.iter().filter_map(|(c, _)| c.flush().err()).map(|e| e.message().to_owned()).collect();
        for handle in dropping {
            let _ = handle.join();
        }
        let _ = tx.send(errors);
    });
    if spawned.is_err() {
        log::warning(py, "flush at exit: cannot start a thread");
        return;
    }
    match py.detach(move || rx.recv_timeout(timeout)) {
        Ok(errors) => {
            for e in errors {
                log::warning(py, &format!("flush at exit failed: {e}"));
            }
        }
        Err(_) => log::warning(
            py,
            &format!("flush at exit did not finish within {:.1} s; unsent records are lost", timeout.as_secs_f64()),
        ),
    }
}

pub fn register_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(set_exit_flush_timeout, m)?)?;
    m.add_function(wrap_pyfunction!(flush_at_exit, m)?)?;
    m.add_function(wrap_pyfunction!(before_fork, m)?)?;
    m.add_function(wrap_pyfunction!(after_fork_in_parent, m)?)?;
    m.add_function(wrap_pyfunction!(after_fork_in_child, m)?)?;
    Ok(())
}
