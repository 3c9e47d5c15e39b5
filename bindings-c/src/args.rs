//! Reading C arguments: pointers, NUL-terminated strings and arrays, each checked so that a
//! NULL or a string that is not UTF-8 becomes SA_ERR_INVALID_ARGUMENT instead of a crash.
//!
//! Safety, for every function here: a pointer is NULL or valid for what the function reads or
//! writes through it (a NUL-terminated string, `len` elements, a live `T` that no other thread
//! modifies meanwhile) for the duration of the call, which is what the header's pointer rules
//! promise. The lifetimes returned are unbounded for that reason: each entry point uses what
//! it reads only during the call.

use std::ffi::{c_char, c_int, CStr};

use crate::error::{guard, Failure, Outcome};

/// A string the call needs; `what` names the parameter in the error message.
pub(crate) unsafe fn text<'a>(ptr: *const c_char, what: &str) -> Outcome<&'a str> {
    if ptr.is_null() {
        return Err(Failure::invalid(format!("{what} must not be NULL")));
    }
    // SAFETY: non-NULL and NUL-terminated by the caller's contract.
    let bytes = unsafe { CStr::from_ptr(ptr) };
    bytes.to_str().map_err(|_| Failure::invalid(format!("{what} is not valid UTF-8")))
}

/// A string that may be NULL (Python's None).
pub(crate) unsafe fn optional_text<'a>(ptr: *const c_char, what: &str) -> Outcome<Option<&'a str>> {
    if ptr.is_null() {
        Ok(None)
    } else {
        // SAFETY: forwarded contract.
        unsafe { text(ptr, what) }.map(Some)
    }
}

/// An object the call needs.
pub(crate) unsafe fn object<'a, T>(ptr: *const T, what: &str) -> Outcome<&'a T> {
    // SAFETY: the caller's contract; NULL is refused by as_ref.
    unsafe { ptr.as_ref() }.ok_or_else(|| Failure::invalid(format!("{what} must not be NULL")))
}

/// An object the call modifies (property setters).
pub(crate) unsafe fn object_mut<'a, T>(ptr: *mut T, what: &str) -> Outcome<&'a mut T> {
    // SAFETY: the caller's contract; NULL is refused by as_mut.
    unsafe { ptr.as_mut() }.ok_or_else(|| Failure::invalid(format!("{what} must not be NULL")))
}

/// An array of `len` elements; NULL is the empty array when `len` is 0.
pub(crate) unsafe fn array<'a, T>(ptr: *const T, len: usize, what: &str) -> Outcome<&'a [T]> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(Failure::invalid(format!("{what} is NULL but its count is {len}")));
    }
    // SAFETY: non-NULL, `len` elements, by the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Runs a constructor: `*out` is set to NULL at once, so that one that fails, for whatever
/// reason, never leaves a stale pointer behind, then to the object `make` builds, which the
/// caller owns and frees with [`free`].
pub(crate) unsafe fn construct<T>(out: *mut *mut T, make: impl FnOnce() -> Outcome<T>) -> c_int {
    guard(|| {
        // SAFETY: the caller's contract.
        let slot = unsafe { out.as_mut() }.ok_or_else(|| Failure::invalid("out must not be NULL"))?;
        *slot = std::ptr::null_mut();
        *slot = Box::into_raw(Box::new(make()?));
        Ok(())
    })
}

/// Fills an options struct with its defaults (the `sa_*_options_init` functions).
pub(crate) unsafe fn fill_default<T: Default>(options: *mut T) -> c_int {
    guard(|| {
        // SAFETY: the caller's contract.
        *unsafe { object_mut(options, "options") }? = T::default();
        Ok(())
    })
}

/// Frees what [`construct`] made, guarded like every entry point; NULL is ignored, as
/// `free(NULL)` is. `ptr` must not have been freed before.
pub(crate) unsafe fn free<T>(ptr: *mut T) {
    let _ = guard(|| {
        if !ptr.is_null() {
            // SAFETY: the caller's contract: one Box from `construct`, freed once.
            drop(unsafe { Box::from_raw(ptr) });
        }
        Ok(())
    });
}
