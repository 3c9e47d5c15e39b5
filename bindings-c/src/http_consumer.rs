//! The HTTP consumers of the core (DefaultConsumer, BatchConsumer, AsyncBatchConsumer,
//! DebugConsumer) as `sa_consumer` handles, and their counters.

use std::ffi::{c_char, c_int, c_void, CString};
use std::sync::Arc;
use std::time::Duration;

use sensorsanalytics::consumer::options;
use sensorsanalytics::{
    AsyncBatchConfig, AsyncBatchConsumer, BatchConsumer, DebugConsumer, DefaultConsumer, Error,
    GiveUpCallback,
};

use crate::args;
use crate::consumer::{put, sa_consumer};
use crate::error::{code_of, guard, Failure, Outcome};
use crate::network::{sa_network_options, transport_of};

/// DefaultConsumer(url_prefix, request_timeout): sends each record in its own request,
/// synchronously; a failed send is SA_ERR_NETWORK from the call that tracked it. A URL that
/// is not http(s) is SA_ERR_ILLEGAL_DATA here.
#[no_mangle]
pub unsafe extern "C" fn sa_consumer_default_new(
    url_prefix: *const c_char,
    request_timeout_ms: u64,
    out: *mut *mut sa_consumer,
) -> c_int {
    let options = sa_default_options { request_timeout_ms, ..Default::default() };
    unsafe { sa_consumer_default_new_with(url_prefix, &options, out) }
}

/// The parameters of sa_consumer_default_new_with(). Fill it with sa_default_options_init(),
/// then change what you need.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct sa_default_options {
    /// Per request; 0 is the transport's default (30 s).
    pub request_timeout_ms: u64,
    /// CAs, proxy, headers, gzip.
    pub network: sa_network_options,
}

/// Fills `options` with the defaults.
#[no_mangle]
pub unsafe extern "C" fn sa_default_options_init(options: *mut sa_default_options) -> c_int {
    unsafe { args::fill_default(options) }
}

/// DefaultConsumer with every parameter of `options` (NULL: the defaults), the network
/// options among them.
#[no_mangle]
pub unsafe extern "C" fn sa_consumer_default_new_with(
    url_prefix: *const c_char,
    options: *const sa_default_options,
    out: *mut *mut sa_consumer,
) -> c_int {
    unsafe {
        put(out, true, || {
            let url = args::text(url_prefix, "url_prefix")?;
            let o = options.as_ref().copied().unwrap_or_default();
            let (timeout, transport) = (timeout(o.request_timeout_ms)?, transport_of(&o.network)?);
            Ok(Arc::new(DefaultConsumer::with_transport(url, timeout, transport)?))
        })
    }
}

/// BatchConsumer(url_prefix, max_size, request_timeout): buffers records and sends them
/// synchronously, `max_size` per request (Python's default 50, which is also the cap), from
/// the call that fills the buffer and from sa_flush()/sa_close(). Retries connection errors,
/// timeouts, 408, 429 and 5xx; a batch given up on stays buffered and is SA_ERR_NETWORK.
#[no_mangle]
pub unsafe extern "C" fn sa_consumer_batch_new(
    url_prefix: *const c_char,
    max_size: usize,
    request_timeout_ms: u64,
    out: *mut *mut sa_consumer,
) -> c_int {
    let options = sa_batch_options { max_size, request_timeout_ms, ..Default::default() };
    unsafe { sa_consumer_batch_new_with(url_prefix, &options, out) }
}

/// Told of every batch the asynchronous consumer gives up on, on one of its sender threads:
/// the `count` records (JSON texts, valid only during the call), and the error's code and
/// message. It must not throw; it must not call sa_close()/sa_free() of a client using this
/// consumer.
pub type sa_give_up_fn = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        records: *const *const c_char,
        count: usize,
        code: c_int,
        message: *const c_char,
    ),
>;

/// The parameters of sa_consumer_async_batch_new(). Fill it with sa_async_batch_options_init()
/// (the defaults of the Python SDK and of the core), then change what you need.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sa_async_batch_options {
    /// Send when the oldest waiting record has waited this long (Python's flush_max_time, 3 s).
    pub flush_max_time_ms: u64,
    /// Send as soon as this many records wait (20).
    pub flush_size: usize,
    /// Records per request at most (100). Zero counts as 1 here and in the two below.
    pub max_batch_size: usize,
    /// The queue's capacity: a record that finds it full is SA_ERR_NETWORK (1000).
    pub max_size: usize,
    /// Per request; 0 is the transport's default (30 s).
    pub request_timeout_ms: u64,
    /// Requests under way at once (2).
    pub max_in_flight: usize,
    /// How long sa_flush() waits for what was queued before it (10 s).
    pub flush_timeout_ms: u64,
    /// How long sa_close() waits for the queue to drain before giving up on the rest (10 s).
    pub close_timeout_ms: u64,
    /// Optional (NULL): told of every batch given up on.
    pub on_give_up: sa_give_up_fn,
    /// Passed to on_give_up; must stay valid as long as the consumer lives.
    pub user_data: *mut c_void,
    /// Optional (NULL: no spool): a directory where every record is written first and sent
    /// from, so that none is lost to an outage, a close bound, an exit or a crash; what an
    /// earlier process left there is sent too. Copied at construction.
    pub spool_dir: *const c_char,
    /// When the spool holds this many bytes, tracking is SA_ERR_NETWORK; 0: core's default
    /// (1 GiB).
    pub spool_max_bytes: u64,
    /// fdatasync() the spool after every write (power-loss safety, at a disk flush's cost).
    pub spool_fsync: bool,
    /// CAs, proxy, headers, gzip.
    pub network: sa_network_options,
}

/// The parameters of sa_consumer_batch_new_with(). Fill it with sa_batch_options_init(),
/// then change what you need.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sa_batch_options {
    /// Records per request (50, also the cap; 0 counts as 1).
    pub max_size: usize,
    /// Per request; 0 is the transport's default (30 s).
    pub request_timeout_ms: u64,
    /// As in sa_async_batch_options: NULL for no spool. With a spool, a call waits for one
    /// attempt at most, never for a receiver known to be down, and a spooled batch is not
    /// an error.
    pub spool_dir: *const c_char,
    pub spool_max_bytes: u64,
    pub spool_fsync: bool,
    /// CAs, proxy, headers, gzip.
    ///
    /// There is no on_give_up here: BatchConsumer gives up on nothing silently. Without a
    /// spool, a batch that fails is SA_ERR_NETWORK from the call that sent it and stays
    /// buffered for the next; with one, what fails for good is counted in the error of the
    /// sa_flush()/sa_close() that waited for it.
    pub network: sa_network_options,
}

/// Fills `options` with the defaults.
#[no_mangle]
pub unsafe extern "C" fn sa_batch_options_init(options: *mut sa_batch_options) -> c_int {
    unsafe { args::fill_default(options) }
}

impl Default for sa_batch_options {
    fn default() -> Self {
        sa_batch_options {
            max_size: options::DEFAULT_BATCH_MAX_SIZE,
            request_timeout_ms: 0,
            spool_dir: std::ptr::null(),
            spool_max_bytes: 0,
            spool_fsync: false,
            network: sa_network_options::default(),
        }
    }
}

/// `request_timeout_ms` as given, for core's rule (0 is the default there too).
fn timeout(ms: u64) -> sensorsanalytics::Result<Option<u64>> {
    options::request_timeout_ms(Some(ms as f64))
}

/// The spool fields as core's options: NULL and 0 mean core's defaults.
pub(crate) unsafe fn spool_of(dir: *const c_char, max_bytes: u64, fsync: bool) -> Outcome<options::SpoolOptions> {
    Ok(options::SpoolOptions {
        spool_dir: unsafe { args::optional_text(dir, "spool_dir") }?.map(Into::into),
        spool_max_bytes: (max_bytes > 0).then_some(max_bytes as f64),
        spool_fsync: Some(fsync),
    })
}

/// BatchConsumer with every parameter of `options` (NULL: the defaults), the spool among
/// them.
#[no_mangle]
pub unsafe extern "C" fn sa_consumer_batch_new_with(
    url_prefix: *const c_char,
    options: *const sa_batch_options,
    out: *mut *mut sa_consumer,
) -> c_int {
    unsafe {
        put(out, true, || {
            let url = args::text(url_prefix, "url_prefix")?;
            let o = options.as_ref().copied().unwrap_or_default();
            let b = options::BatchOptions {
                max_size: Some(o.max_size as f64),
                request_timeout: Some(o.request_timeout_ms as f64),
                spool: spool_of(o.spool_dir, o.spool_max_bytes, o.spool_fsync)?,
            }
            .build()?;
            let (max_size, timeout) = (b.max_size, b.request_timeout_ms);
            let transport = transport_of(&o.network)?;
            Ok(Arc::new(match b.spool {
                None => BatchConsumer::with_transport(url, max_size, timeout, transport)?,
                Some(s) => BatchConsumer::with_spool(url, max_size, timeout, s, transport)?,
            }))
        })
    }
}

pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Fills `options` with the defaults.
#[no_mangle]
pub unsafe extern "C" fn sa_async_batch_options_init(
    options: *mut sa_async_batch_options,
) -> c_int {
    unsafe { args::fill_default(options) }
}

impl Default for sa_async_batch_options {
    fn default() -> Self {
        let d = AsyncBatchConfig::default();
        sa_async_batch_options {
            flush_max_time_ms: millis(d.flush_max_time),
            flush_size: d.flush_size,
            max_batch_size: d.max_batch_size,
            max_size: d.max_size,
            request_timeout_ms: d.request_timeout_ms.unwrap_or(0),
            max_in_flight: d.max_in_flight,
            flush_timeout_ms: millis(d.flush_timeout),
            close_timeout_ms: millis(d.close_timeout),
            on_give_up: None,
            user_data: std::ptr::null_mut(),
            spool_dir: std::ptr::null(),
            spool_max_bytes: 0,
            spool_fsync: false,
            network: sa_network_options::default(),
        }
    }
}

/// The C callback and its user data, made callable from the sender threads.
pub(crate) struct GiveUp {
    callback: unsafe extern "C" fn(*mut c_void, *const *const c_char, usize, c_int, *const c_char),
    user_data: *mut c_void,
}

// SAFETY: sa_async_batch_options documents that on_give_up is called on sender threads with
// this user_data; making that sound is the caller's promise.
unsafe impl Send for GiveUp {}
unsafe impl Sync for GiveUp {}

impl GiveUp {
    /// The core's give-up callback for a C one (NULL: none).
    pub(crate) fn of(callback: sa_give_up_fn, user_data: *mut c_void) -> Option<GiveUpCallback> {
        let give_up = GiveUp { callback: callback?, user_data };
        Some(Arc::new(move |records: &[String], error: &Error| give_up.call(records, error)))
    }

    fn call(&self, records: &[String], error: &Error) {
        let texts: Vec<CString> = records
            .iter()
            .map(|r| CString::new(r.as_str()).unwrap_or_default())
            .collect();
        let pointers: Vec<*const c_char> = texts.iter().map(|t| t.as_ptr()).collect();
        let message = CString::new(error.message()).unwrap_or_default();
        let (count, code) = (pointers.len(), code_of(error.kind()));
        // SAFETY: the caller's callback, with pointers valid for the call.
        unsafe { (self.callback)(self.user_data, pointers.as_ptr(), count, code, message.as_ptr()) }
    }
}

/// AsyncBatchConsumer(url_prefix, flush_max_time, flush_size, max_batch_size, max_size,
/// request_timeout): tracking only queues the record; background threads send batches, with
/// retries. `options` may be NULL for the defaults. sa_flush() waits for what was queued
/// (SA_ERR_NETWORK if some of it was given up on or is still pending after flush_timeout_ms);
/// sa_close() drains the queue within close_timeout_ms. After fork(), the child sends
/// through threads of its own; what the parent queued stays the parent's.
#[no_mangle]
pub unsafe extern "C" fn sa_consumer_async_batch_new(
    url_prefix: *const c_char,
    options: *const sa_async_batch_options,
    out: *mut *mut sa_consumer,
) -> c_int {
    unsafe {
        put(out, true, || {
            let url = args::text(url_prefix, "url_prefix")?;
            let o = options.as_ref().copied().unwrap_or_default();
            // The reference's parameters as given, for core's rules; the rest are C's own.
            let mut config = options::AsyncBatchOptions {
                flush_max_time: Some(o.flush_max_time_ms as f64 / 1000.0),
                flush_size: Some(o.flush_size as f64),
                max_batch_size: Some(o.max_batch_size as f64),
                max_size: Some(o.max_size as f64),
                request_timeout: Some(o.request_timeout_ms as f64),
                spool: spool_of(o.spool_dir, o.spool_max_bytes, o.spool_fsync)?,
            }
            .build()?;
            config.max_in_flight = o.max_in_flight;
            config.flush_timeout = Duration::from_millis(o.flush_timeout_ms);
            config.close_timeout = Duration::from_millis(o.close_timeout_ms);
            config.on_give_up = GiveUp::of(o.on_give_up, o.user_data);
            let transport = transport_of(&o.network)?;
            Ok(Arc::new(AsyncBatchConsumer::with_transport(url, config, transport)?))
        })
    }
}

/// DebugConsumer(url_prefix, write_data, request_timeout): sends each record on its own to
/// the server's debug endpoint (the URL's last path segment becomes `debug`) and prints the
/// verdict on standard output; with `write_data` false the server only checks
/// (`Dry-Run: true`). A status of 300 or more is SA_ERR_DEBUG.
#[no_mangle]
pub unsafe extern "C" fn sa_consumer_debug_new(
    url_prefix: *const c_char,
    write_data: bool,
    request_timeout_ms: u64,
    out: *mut *mut sa_consumer,
) -> c_int {
    let options = sa_debug_options { write_data, request_timeout_ms, ..Default::default() };
    unsafe { sa_consumer_debug_new_with(url_prefix, &options, out) }
}

/// The parameters of sa_consumer_debug_new_with(). Fill it with sa_debug_options_init(),
/// then change what you need.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sa_debug_options {
    /// false: the server only checks (`Dry-Run: true`) (true).
    pub write_data: bool,
    /// Per request; 0 is the transport's default (30 s).
    pub request_timeout_ms: u64,
    /// CAs, proxy, headers, gzip.
    pub network: sa_network_options,
}

/// Fills `options` with the defaults.
#[no_mangle]
pub unsafe extern "C" fn sa_debug_options_init(options: *mut sa_debug_options) -> c_int {
    unsafe { args::fill_default(options) }
}

impl Default for sa_debug_options {
    fn default() -> Self {
        sa_debug_options {
            write_data: options::DEFAULT_WRITE_DATA,
            request_timeout_ms: 0,
            network: sa_network_options::default(),
        }
    }
}

/// DebugConsumer with every parameter of `options` (NULL: the defaults), the network options
/// among them.
#[no_mangle]
pub unsafe extern "C" fn sa_consumer_debug_new_with(
    url_prefix: *const c_char,
    options: *const sa_debug_options,
    out: *mut *mut sa_consumer,
) -> c_int {
    unsafe {
        put(out, true, || {
            let url = args::text(url_prefix, "url_prefix")?;
            let o = options.as_ref().copied().unwrap_or_default();
            let (timeout, transport) = (timeout(o.request_timeout_ms)?, transport_of(&o.network)?);
            Ok(Arc::new(DebugConsumer::with_transport(url, o.write_data, timeout, transport)?))
        })
    }
}

/// Counters of an HTTP consumer (records, unless said otherwise): nothing is lost silently.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct sa_consumer_stats {
    /// Delivered: the server answered 2xx.
    pub sent: u64,
    /// Given up on after the retries, and reported by an error code or on_give_up.
    pub failed: u64,
    /// Refused when tracked (queue full, consumer closed): the call returned SA_ERR_NETWORK.
    pub dropped: u64,
    /// Requests repeated after a retryable failure (requests, not records).
    pub retried: u64,
    /// Waiting to be sent.
    pub queue_depth: usize,
    /// In requests under way.
    pub in_flight: usize,
    /// Records written to the spool (spool_dir).
    pub spooled: u64,
    /// Records delivered from spool files an earlier process left.
    pub replayed: u64,
    /// Bytes the spool holds now.
    pub spool_bytes: u64,
    /// Corrupt spool records skipped (a torn tail, damage).
    pub corrupt: u64,
}

/// Reads the counters of an HTTP consumer into `*out`. For a console, file or custom
/// consumer, SA_ERR_INVALID_ARGUMENT. Safe to call while clients use the consumer.
#[no_mangle]
pub unsafe extern "C" fn sa_consumer_get_stats(
    consumer: *const sa_consumer,
    out: *mut sa_consumer_stats,
) -> c_int {
    guard(|| {
        let consumer = unsafe { args::object(consumer, "consumer") }?;
        let out = unsafe { args::object_mut(out, "out") }?;
        if !consumer.counted {
            return Err(Failure::invalid("this consumer has no counters (not an HTTP consumer)"));
        }
        let stats = consumer.inner.stats();
        *out = sa_consumer_stats {
            sent: stats.sent,
            failed: stats.failed,
            dropped: stats.dropped,
            retried: stats.retried,
            queue_depth: stats.queue_depth,
            in_flight: stats.in_flight,
            spooled: stats.spooled,
            replayed: stats.replayed,
            spool_bytes: stats.spool_bytes,
            corrupt: stats.corrupt,
        };
        Ok(())
    })
}
