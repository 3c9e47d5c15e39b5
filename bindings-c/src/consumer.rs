//! `sa_consumer`: where a client's records go. The console and file consumers of the core,
//! and a consumer written in C (Python's "any object with send, flush and close").
//! The HTTP consumers are in `http_consumer.rs`.

use std::cell::Cell;
use std::ffi::{c_char, c_int, c_void};
use std::sync::Arc;

use sensorsanalytics::consumer::options;
use sensorsanalytics::{ConcurrentLoggingConsumer, ConsoleConsumer, Consumer, Error, LoggingConsumer};

use crate::args;
use crate::error::{Failure, Outcome, SA_ERR_DEBUG, SA_ERR_FILE_LOCK, SA_ERR_ILLEGAL_DATA, SA_OK};

/// A consumer handle. A handle is a counted reference: sa_new() takes its own reference, so
/// the caller may free its handle at any time after sa_new() and the client keeps working.
pub struct sa_consumer {
    pub(crate) inner: Arc<dyn Consumer>,
    /// Whether it has delivery counters (sa_consumer_get_stats): the HTTP and Kafka consumers.
    pub(crate) counted: bool,
}

/// Makes a handle in `*out` from the consumer `make` builds.
pub(crate) unsafe fn put(
    out: *mut *mut sa_consumer,
    counted: bool,
    make: impl FnOnce() -> Outcome<Arc<dyn Consumer>>,
) -> c_int {
    unsafe { args::construct(out, || Ok(sa_consumer { inner: make()?, counted })) }
}

/// ConsoleConsumer(): writes each record as one line to standard output.
#[no_mangle]
pub unsafe extern "C" fn sa_consumer_console_new(out: *mut *mut sa_consumer) -> c_int {
    unsafe { put(out, false, || Ok(Arc::new(ConsoleConsumer::new()))) }
}

/// LoggingConsumer(prefix, backupCount, when): appends records to the file `prefix` and
/// rotates it by time as Python's TimedRotatingFileHandler: `when` is "S", "M", "H", "D",
/// "midnight" (Python's default) or "W0".."W6"; `backup_count` > 0 keeps that many rotated
/// files (Python's default 0 keeps all). The file is opened now: a path that cannot be
/// opened is SA_ERR_FILE_LOCK; a bad `when` is SA_ERR_ILLEGAL_DATA.
/// Records are buffered: sa_flush() writes them out.
#[no_mangle]
pub unsafe extern "C" fn sa_consumer_logging_new(
    prefix: *const c_char,
    backup_count: usize,
    when: *const c_char,
    out: *mut *mut sa_consumer,
) -> c_int {
    unsafe {
        put(out, false, || {
            let prefix = args::text(prefix, "prefix")?;
            let (keep, when) = options::logging(Some(backup_count as f64), Some(args::text(when, "when")?))?;
            Ok(Arc::new(LoggingConsumer::new(prefix, keep, when)?))
        })
    }
}

/// ConcurrentLoggingConsumer(prefix, bufferSize): appends to `prefix.YYYY-MM-DD` (the local
/// date when written). Records are buffered and written when more than `buffer_size` wait
/// (Python's default is 8192), and by sa_flush()/sa_close(); each block is written under an
/// exclusive flock so that many processes can share the file. The file is opened now.
/// Failures to open, lock or write are SA_ERR_FILE_LOCK.
#[no_mangle]
pub unsafe extern "C" fn sa_consumer_concurrent_logging_new(
    prefix: *const c_char,
    buffer_size: usize,
    out: *mut *mut sa_consumer,
) -> c_int {
    unsafe {
        put(out, false, || {
            let prefix = args::text(prefix, "prefix")?;
            let size = options::buffer_size(Some(buffer_size as f64))?;
            Ok(Arc::new(ConcurrentLoggingConsumer::new(prefix, size)?))
        })
    }
}

/// The functions of a consumer written in C. Each returns SA_OK, or an error code that the
/// client call which triggered it returns (SA_ERR_ILLEGAL_DATA, SA_ERR_FILE_LOCK and
/// SA_ERR_DEBUG keep their meaning; any other code is reported as SA_ERR_NETWORK).
///
/// Thread safety: when the client is used from several threads, `send` is called from all
/// of them, concurrently: it must do its own locking. A callback must not throw a C++
/// exception or longjmp out (an exception reaching the library aborts the process). It may
/// call the client again (for example to track an event about a failure).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sa_consumer_callbacks {
    /// Passed back as the first argument of every callback.
    pub user_data: *mut c_void,
    /// Takes one record: `record` is the JSON text, NUL-terminated, `length` bytes long
    /// without the NUL. The pointer is valid only during the call: copy what you keep.
    /// Required.
    pub send: Option<
        unsafe extern "C" fn(user_data: *mut c_void, record: *const c_char, length: usize) -> c_int,
    >,
    /// Called by sa_flush(). Optional (NULL: nothing to flush).
    pub flush: Option<unsafe extern "C" fn(user_data: *mut c_void) -> c_int>,
    /// Called by sa_close() and by sa_free() when the client was not closed. Optional (NULL:
    /// flush is called instead).
    pub close: Option<unsafe extern "C" fn(user_data: *mut c_void) -> c_int>,
    /// Called once when the last reference to the consumer goes away (the handle and every
    /// client using it freed): release `user_data` here. Optional.
    pub release: Option<unsafe extern "C" fn(user_data: *mut c_void)>,
}

struct CallbackConsumer {
    callbacks: sa_consumer_callbacks,
}

// SAFETY: sa_consumer_callbacks documents that the callbacks and user_data must be usable from
// any thread, concurrently; that is the caller's promise, which the type system cannot see.
unsafe impl Send for CallbackConsumer {}
unsafe impl Sync for CallbackConsumer {}

thread_local! {
    /// The NUL-terminated copy of the record being sent. Taken out while in use, so that a
    /// callback that tracks again gets a buffer of its own.
    static RECORD: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

fn callback_result(code: c_int, what: &str) -> sensorsanalytics::Result<()> {
    let message = format!("consumer callback `{what}` failed with code {code}");
    match code {
        SA_OK => Ok(()),
        SA_ERR_ILLEGAL_DATA => Err(Error::IllegalData(message)),
        SA_ERR_FILE_LOCK => Err(Error::FileLock(message)),
        SA_ERR_DEBUG => Err(Error::Debug(message)),
        _ => Err(Error::Network(message)),
    }
}

impl Consumer for CallbackConsumer {
    fn send(&self, record: &str) -> sensorsanalytics::Result<()> {
        let Some(send) = self.callbacks.send else {
            return Ok(());
        };
        let mut buffer = RECORD.with(Cell::take);
        buffer.clear();
        buffer.extend_from_slice(record.as_bytes());
        buffer.push(0);
        // SAFETY: a callback the caller registered, with their user_data and a valid string.
        let code = unsafe { send(self.callbacks.user_data, buffer.as_ptr().cast(), record.len()) };
        RECORD.with(|cell| cell.set(buffer));
        callback_result(code, "send")
    }

    fn flush(&self) -> sensorsanalytics::Result<()> {
        match self.callbacks.flush {
            // SAFETY: as in send.
            Some(flush) => callback_result(unsafe { flush(self.callbacks.user_data) }, "flush"),
            None => Ok(()),
        }
    }

    fn close(&self) -> sensorsanalytics::Result<()> {
        match self.callbacks.close {
            // SAFETY: as in send.
            Some(close) => callback_result(unsafe { close(self.callbacks.user_data) }, "close"),
            None => self.flush(),
        }
    }
}

impl Drop for CallbackConsumer {
    fn drop(&mut self) {
        if let Some(release) = self.callbacks.release {
            // SAFETY: as in send; this is the last use of user_data.
            unsafe { release(self.callbacks.user_data) }
        }
    }
}

/// A consumer that calls C functions: the way to send records somewhere the library does
/// not know (a message queue, a test's capture buffer). `callbacks` is copied; `send` must
/// not be NULL (SA_ERR_INVALID_ARGUMENT, and `release` is not called).
#[no_mangle]
pub unsafe extern "C" fn sa_consumer_custom_new(
    callbacks: *const sa_consumer_callbacks,
    out: *mut *mut sa_consumer,
) -> c_int {
    unsafe {
        put(out, false, || {
            let callbacks = *args::object(callbacks, "callbacks")?;
            if callbacks.send.is_none() {
                return Err(Failure::invalid("callbacks->send must not be NULL"));
            }
            Ok(Arc::new(CallbackConsumer { callbacks }))
        })
    }
}

/// Releases the caller's reference to a consumer. A client made from it keeps its own
/// reference: the consumer lives until both are freed. NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn sa_consumer_free(consumer: *mut sa_consumer) {
    unsafe { args::free(consumer) }
}
