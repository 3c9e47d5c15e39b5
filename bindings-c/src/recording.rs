//! `sa_recording`: the core's recording consumer, for your own unit tests. Every record a
//! client sends to it is kept in memory as its JSON line; nothing is written or sent.
//!
//!   sa_recording *rec = NULL;
//!   sa_consumer *consumer = NULL;
//!   sa_recording_new(&rec);
//!   sa_recording_consumer(rec, &consumer);   // a consumer handle on the same records
//!   sa_new(consumer, NULL, false, &sa);
//!   ... your code tracks through `sa` ...
//!   size_t n = 0, len = 0;
//!   char line[4096];
//!   sa_recording_count(rec, &n);
//!   sa_recording_get(rec, n - 1, line, sizeof line, &len);   // the last record's JSON

use std::ffi::{c_char, c_int};
use std::sync::Arc;

use sensorsanalytics::RecordingConsumer;

use crate::args;
use crate::consumer::{put, sa_consumer};
use crate::error::guard;

/// A recording: the records a client sent to its consumer, kept in memory.
pub struct sa_recording {
    inner: Arc<RecordingConsumer>,
}

/// Makes an empty recording in `*out`; free it with sa_recording_free().
#[no_mangle]
pub unsafe extern "C" fn sa_recording_new(out: *mut *mut sa_recording) -> c_int {
    unsafe { args::construct(out, || Ok(sa_recording { inner: Arc::new(RecordingConsumer::new()) })) }
}

/// Releases the caller's recording. Consumers made from it keep recording until freed.
/// NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn sa_recording_free(recording: *mut sa_recording) {
    unsafe { args::free(recording) }
}

/// A consumer handle in `*out` that keeps what it is sent in `recording`; give it to sa_new()
/// and free it with sa_consumer_free().
#[no_mangle]
pub unsafe extern "C" fn sa_recording_consumer(
    recording: *const sa_recording,
    out: *mut *mut sa_consumer,
) -> c_int {
    unsafe { put(out, false, || Ok(args::object(recording, "recording")?.inner.clone() as _)) }
}

/// The number of records kept, in `*out`.
#[no_mangle]
pub unsafe extern "C" fn sa_recording_count(recording: *const sa_recording, out: *mut usize) -> c_int {
    guard(|| {
        let recording = unsafe { args::object(recording, "recording") }?;
        let out = unsafe { args::object_mut(out, "out") }?;
        *out = recording.inner.len();
        Ok(())
    })
}

/// The record at `index` (the oldest is 0) as its JSON line, copied into `buffer` (`size`
/// bytes) and NUL-terminated, as snprintf does: `*length` (if not NULL) gets the line's length
/// without the NUL, so a `*length >= size` means the copy was cut; `buffer` may be NULL when
/// `size` is 0, to ask for the length. An index past the last record is SA_ERR_ILLEGAL_DATA.
#[no_mangle]
pub unsafe extern "C" fn sa_recording_get(
    recording: *const sa_recording,
    index: usize,
    buffer: *mut c_char,
    size: usize,
    length: *mut usize,
) -> c_int {
    guard(|| {
        let recording = unsafe { args::object(recording, "recording") }?;
        let line = recording.inner.line(index)?;
        if size > 0 {
            unsafe { args::object_mut(buffer, "buffer") }?;
            let n = line.len().min(size - 1);
            // SAFETY: the caller gives `size` writable bytes at `buffer`; n + 1 <= size.
            unsafe {
                std::ptr::copy_nonoverlapping(line.as_ptr().cast::<c_char>(), buffer, n);
                *buffer.add(n) = 0;
            }
        }
        if !length.is_null() {
            // SAFETY: a non-NULL `length` points to a writable size_t (the header's rules).
            unsafe { *length = line.len() };
        }
        Ok(())
    })
}

/// Forgets the records kept so far.
#[no_mangle]
pub unsafe extern "C" fn sa_recording_clear(recording: *const sa_recording) -> c_int {
    guard(|| {
        let recording = unsafe { args::object(recording, "recording") }?;
        recording.inner.clear();
        Ok(())
    })
}
