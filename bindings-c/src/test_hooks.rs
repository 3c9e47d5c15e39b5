//! Entry points for the C tests only (cargo feature `test-hooks`): ways to reach code paths
//! that correct use of the library cannot, such as a panic. Not in the header.

use std::ffi::{c_char, c_int, CString};

use sensorsanalytics::consumer::options;

use crate::args;
use crate::error::guard;

/// Panics inside the guard, as a bug in the library would: must return SA_ERR_PANIC.
#[no_mangle]
pub extern "C" fn sa_test_panic() -> c_int {
    guard(|| panic!("sa_test_panic was called"))
}

/// The shared consumer-option vectors (tests/vectors/options/): the settings core's
/// normaliser gives `consumer` for `option` = `value` (absent when `has_value` is 0), as JSON
/// in `*json_out` (free it with sa_test_free_string), or the error code and last error. The C
/// API's unsigned fields cannot hold most of the out-of-range values, so this is how C runs
/// them through the same rule.
#[no_mangle]
pub unsafe extern "C" fn sa_test_normalised_consumer_option(
    consumer: *const c_char,
    option: *const c_char,
    has_value: c_int,
    value: f64,
    json_out: *mut *mut c_char,
) -> c_int {
    guard(|| {
        // SAFETY: the caller's promise.
        let (consumer, option, out) = unsafe {
            (args::text(consumer, "consumer")?, args::text(option, "option")?, args::object_mut(json_out, "json_out")?)
        };
        let settings = options::normalised(consumer, option, (has_value != 0).then_some(value))?;
        *out = CString::new(settings.to_string()).unwrap_or_default().into_raw();
        Ok(())
    })
}

/// Frees a string from sa_test_normalised_consumer_option (or NULL).
#[no_mangle]
pub unsafe extern "C" fn sa_test_free_string(s: *mut c_char) {
    // Guarded like every entry point (tests/reliability/tests/ffi_panic.rs checks): a drop
    // cannot panic today, but nothing here may ever unwind into C.
    guard(|| {
        if !s.is_null() {
            // SAFETY: the caller's promise: a CString::into_raw pointer.
            drop(unsafe { CString::from_raw(s) });
        }
        Ok(())
    });
}
