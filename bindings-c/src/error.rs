//! Error codes, the per-thread last error (the text of the exception Python would raise), and
//! the guard every entry point runs in, which also keeps panics from unwinding into C.

use std::cell::RefCell;
use std::ffi::{c_char, c_int, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use sensorsanalytics::{Error, ErrorKind};

/// Success.
pub const SA_OK: c_int = 0;
/// Bad input: a name, id, value or identity the SDK refuses (SensorsAnalyticsIllegalDataException).
pub const SA_ERR_ILLEGAL_DATA: c_int = 1;
/// Sending failed, or an asynchronous queue was full (SensorsAnalyticsNetworkException).
pub const SA_ERR_NETWORK: c_int = 2;
/// A log file could not be opened, locked or written (SensorsAnalyticsFileLockException).
pub const SA_ERR_FILE_LOCK: c_int = 3;
/// The debug endpoint answered with a status >= 300 (SensorsAnalyticsDebugException).
pub const SA_ERR_DEBUG: c_int = 4;
/// A NULL pointer where one is required, a string that is not UTF-8, or an argument out of
/// range: a mistake in the calling program rather than in the data.
pub const SA_ERR_INVALID_ARGUMENT: c_int = 5;
/// A bug inside the library was caught before it could unwind into C. The object involved
/// may be unusable; the process is not.
pub const SA_ERR_PANIC: c_int = 6;

/// A failed call, as it will be reported to C.
#[derive(Debug)]
pub(crate) struct Failure {
    pub code: c_int,
    pub message: String,
}

impl Failure {
    pub fn invalid(message: impl Into<String>) -> Self {
        Failure { code: SA_ERR_INVALID_ARGUMENT, message: message.into() }
    }
}

pub(crate) fn code_of(kind: ErrorKind) -> c_int {
    match kind {
        ErrorKind::IllegalData => SA_ERR_ILLEGAL_DATA,
        ErrorKind::Network => SA_ERR_NETWORK,
        ErrorKind::FileLock => SA_ERR_FILE_LOCK,
        ErrorKind::Debug => SA_ERR_DEBUG,
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure { code: code_of(e.kind()), message: e.message().to_owned() }
    }
}

pub(crate) type Outcome<T = ()> = Result<T, Failure>;

thread_local! {
    /// The last failure on this thread: its code and its message, NUL-terminated for C.
    static LAST: RefCell<(c_int, CString)> = RefCell::new((SA_OK, CString::default()));
}

fn remember(code: c_int, message: &str) {
    // A message built from C strings holds no NUL; one from elsewhere is cut at its first NUL.
    let text = CString::new(message).unwrap_or_else(|e| {
        let end = e.nul_position();
        CString::new(&message.as_bytes()[..end]).unwrap_or_default()
    });
    // try_with: during thread teardown the slot may be gone; the code is still returned.
    let _ = LAST.try_with(|last| *last.borrow_mut() = (code, text));
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    let detail = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown cause".to_owned());
    format!("internal error (panic): {detail}")
}

/// Runs one entry point: its failure (or a panic) becomes a code and this thread's last error.
pub(crate) fn guard(body: impl FnOnce() -> Outcome) -> c_int {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => SA_OK,
        Ok(Err(failure)) => {
            remember(failure.code, &failure.message);
            failure.code
        }
        Err(payload) => {
            let text = panic_text(payload.as_ref());
            // Dropping a payload may itself panic: keep that one from unwinding too.
            let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
            remember(SA_ERR_PANIC, &text);
            SA_ERR_PANIC
        }
    }
}

/// The message of the last call that failed on the calling thread, or "" if none has.
///
/// Ownership: the string belongs to the library. It stays valid and unchanged until the next
/// call on this thread that fails (successful calls leave it as it is, like `errno`); copy it
/// to keep it longer. Never NULL. Other threads' failures do not touch it.
#[no_mangle]
pub extern "C" fn sa_last_error_message() -> *const c_char {
    static EMPTY: &[u8] = b"\0";
    LAST.try_with(|last| last.borrow().1.as_ptr()).unwrap_or(EMPTY.as_ptr().cast())
}

/// The code of the last call that failed on the calling thread, or SA_OK if none has.
#[no_mangle]
pub extern "C" fn sa_last_error_code() -> c_int {
    LAST.try_with(|last| last.borrow().0).unwrap_or(SA_OK)
}

/// A constant name for an error code: "OK", "IllegalData", "Network", "FileLock", "Debug",
/// "InvalidArgument", "Panic", or "Unknown". The first five kinds are spelled as in the shared
/// test vectors. Static storage: never free it.
#[no_mangle]
pub extern "C" fn sa_error_name(code: c_int) -> *const c_char {
    let name: &'static [u8] = match code {
        SA_OK => b"OK\0",
        SA_ERR_ILLEGAL_DATA => b"IllegalData\0",
        SA_ERR_NETWORK => b"Network\0",
        SA_ERR_FILE_LOCK => b"FileLock\0",
        SA_ERR_DEBUG => b"Debug\0",
        SA_ERR_INVALID_ARGUMENT => b"InvalidArgument\0",
        SA_ERR_PANIC => b"Panic\0",
        _ => b"Unknown\0",
    };
    name.as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_match_the_core() {
        for kind in [
            ErrorKind::IllegalData,
            ErrorKind::Network,
            ErrorKind::FileLock,
            ErrorKind::Debug,
        ] {
            // SAFETY: sa_error_name returns a static NUL-terminated string.
            let name = unsafe { std::ffi::CStr::from_ptr(sa_error_name(code_of(kind))) };
            assert_eq!(name.to_str().unwrap(), kind.as_str());
        }
    }

    #[test]
    fn a_panic_becomes_a_code() {
        let code = guard(|| panic!("boom"));
        assert_eq!(code, SA_ERR_PANIC);
        assert_eq!(sa_last_error_code(), SA_ERR_PANIC);
    }
}
