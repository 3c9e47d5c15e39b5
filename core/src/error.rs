//! One error type for the whole SDK. Bindings map each kind to their language's exception
//! (Python: SensorsAnalyticsIllegalDataException, ...), so the kind is part of the contract.

use std::any::Any;
use std::fmt;

/// The message of [`Error::host_raised`]: starts with NUL, which no core text does.
const HOST_RAISED: &str = "\u{0}sensorsanalytics: a host-language consumer raised";

/// The four failure kinds of docs/SPEC.md §1; `message` carries the reference SDK's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Bad input from the caller (names, ids, values, identities).
    #[error("{0}")]
    IllegalData(String),
    /// A send failed, or the async queue was full.
    #[error("{0}")]
    Network(String),
    /// ConcurrentLoggingConsumer could not lock or write its file.
    #[error("{0}")]
    FileLock(String),
    /// DebugConsumer got a status >= 300 (not a subclass of SensorsAnalyticsException in Python).
    #[error("{0}")]
    Debug(String),
}

/// The kind of an [`Error`] without its message: what bindings switch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    IllegalData,
    Network,
    FileLock,
    Debug,
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::IllegalData(_) => ErrorKind::IllegalData,
            Error::Network(_) => ErrorKind::Network,
            Error::FileLock(_) => ErrorKind::FileLock,
            Error::Debug(_) => ErrorKind::Debug,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Error::IllegalData(m) | Error::Network(m) | Error::FileLock(m) | Error::Debug(m) => m,
        }
    }

    /// The message, taken out of the error.
    pub fn into_message(self) -> String {
        match self {
            Error::IllegalData(m) | Error::Network(m) | Error::FileLock(m) | Error::Debug(m) => m,
        }
    }

    /// The same kind of error with its message rewritten (e.g. a count of later failures
    /// appended).
    pub fn map_message(self, f: impl FnOnce(&str) -> String) -> Error {
        match self {
            Error::IllegalData(m) => Error::IllegalData(f(&m)),
            Error::Network(m) => Error::Network(f(&m)),
            Error::FileLock(m) => Error::FileLock(f(&m)),
            Error::Debug(m) => Error::Debug(f(&m)),
        }
    }

    /// The error a consumer written in the host language returns when its code raised: the
    /// binding keeps the host's exception aside and re-raises it when this error comes back
    /// out of core (core only carries it, as a Network error, the kind of a consumer's
    /// failure). Recognised by [`Error::is_host_raised`], never by a binding's own text.
    pub fn host_raised() -> Self {
        Error::Network(HOST_RAISED.to_owned())
    }

    /// Whether this error is [`Error::host_raised`].
    pub fn is_host_raised(&self) -> bool {
        matches!(self, Error::Network(m) if m == HOST_RAISED)
    }

    pub(crate) fn illegal(message: impl Into<String>) -> Self {
        Error::IllegalData(message.into())
    }
}

impl ErrorKind {
    /// The number a binding whose boundary carries only integers reports for this kind:
    /// 1 IllegalData, 2 Network, 3 FileLock, 4 Debug (C's `SA_ERR_*`, the JVM's packed calls
    /// and give-up listener). 0 is left for success.
    pub fn code(self) -> i32 {
        match self {
            ErrorKind::IllegalData => 1,
            ErrorKind::Network => 2,
            ErrorKind::FileLock => 3,
            ErrorKind::Debug => 4,
        }
    }

    /// The name used in the shared test vectors (`"IllegalData"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::IllegalData => "IllegalData",
            ErrorKind::Network => "Network",
            ErrorKind::FileLock => "FileLock",
            ErrorKind::Debug => "Debug",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The text a binding reports for a panic it caught at its boundary (a bug of the SDK, which
/// must not unwind into a foreign runtime): the panic's message when it has one.
pub fn panic_text(payload: &(dyn Any + Send)) -> String {
    let detail = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("unknown cause");
    format!("internal error (panic): {detail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_have_codes_and_messages_come_out() {
        let codes: Vec<_> = [Error::IllegalData("i".into()), Error::Network("n".into()), Error::FileLock("f".into()), Error::Debug("d".into())]
            .into_iter()
            .map(|e| (e.kind().code(), e.into_message()))
            .collect();
        assert_eq!(codes, [(1, "i".into()), (2, "n".into()), (3, "f".into()), (4, "d".into())]);
    }

    #[test]
    fn panic_text_names_the_message() {
        let text = |f: fn()| panic_text(std::panic::catch_unwind(f).unwrap_err().as_ref());
        assert_eq!(text(|| panic!("boom")), "internal error (panic): boom");
        assert_eq!(text(|| panic!("{}", 42)), "internal error (panic): 42");
        assert_eq!(text(|| std::panic::panic_any(7_u8)), "internal error (panic): unknown cause");
    }
}
