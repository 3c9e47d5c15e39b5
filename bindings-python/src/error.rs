//! The reference SDK's exception classes, and core errors turned into them.
//!
//! A consumer written in Python may raise anything from `send`; that exception must reach the
//! caller of `track()` unchanged. The core only carries its own `Error`, so the Python
//! exception waits in a per-thread slot while the core unwinds, and is raised in its place.

use std::cell::RefCell;

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyOSError, PyValueError};
use pyo3::prelude::*;
use sensorsanalytics::{Error, ErrorKind};

create_exception!(
    sensorsanalytics,
    SensorsAnalyticsException,
    PyException,
    "Base class of the SDK's errors (not of SensorsAnalyticsDebugException)."
);
create_exception!(
    sensorsanalytics,
    SensorsAnalyticsIllegalDataException,
    SensorsAnalyticsException,
    "Bad input: names, ids, property values, identities."
);
create_exception!(
    sensorsanalytics,
    SensorsAnalyticsNetworkException,
    SensorsAnalyticsException,
    "A send failed, or the asynchronous queue was full."
);
create_exception!(
    sensorsanalytics,
    SensorsAnalyticsFileLockException,
    SensorsAnalyticsException,
    "ConcurrentLoggingConsumer could not lock or write its file."
);
create_exception!(
    sensorsanalytics,
    SensorsAnalyticsDebugException,
    PyException,
    "DebugConsumer: the server refused a record (a subclass of Exception only, as in the reference)."
);

thread_local! {
    static PENDING: RefCell<Option<PyErr>> = const { RefCell::new(None) };
}

/// Keeps `err` for [`to_py`] and returns the core error that carries it through the core.
pub fn stash(err: PyErr) -> Error {
    PENDING.with(|p| *p.borrow_mut() = Some(err));
    Error::host_raised()
}

/// The Python exception for a core error: the stashed Python exception if this error stands
/// for one, else the SDK class of its kind with the core's message.
pub fn to_py(err: Error) -> PyErr {
    if err.is_host_raised() {
        if let Some(e) = PENDING.with(|p| p.borrow_mut().take()) {
            return e;
        }
    }
    let msg = err.message().to_owned();
    match err.kind() {
        ErrorKind::IllegalData => SensorsAnalyticsIllegalDataException::new_err(msg),
        ErrorKind::Network => SensorsAnalyticsNetworkException::new_err(msg),
        ErrorKind::FileLock => SensorsAnalyticsFileLockException::new_err(msg),
        ErrorKind::Debug => SensorsAnalyticsDebugException::new_err(msg),
    }
}

/// An IllegalData error with a core message text.
pub fn illegal(msg: impl Into<String>) -> PyErr {
    SensorsAnalyticsIllegalDataException::new_err(msg.into())
}

/// Errors of a consumer's constructor. The reference builds its file consumers on Python's
/// `open()` and `TimedRotatingFileHandler`, which raise OSError and ValueError: keep those.
pub fn constructor_to_py(err: Error) -> PyErr {
    match err.kind() {
        ErrorKind::FileLock => PyOSError::new_err(err.message().to_owned()),
        ErrorKind::IllegalData => PyValueError::new_err(err.message().to_owned()),
        _ => to_py(err),
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("SensorsAnalyticsException", py.get_type::<SensorsAnalyticsException>())?;
    m.add("SensorsAnalyticsIllegalDataException", py.get_type::<SensorsAnalyticsIllegalDataException>())?;
    m.add("SensorsAnalyticsNetworkException", py.get_type::<SensorsAnalyticsNetworkException>())?;
    m.add("SensorsAnalyticsFileLockException", py.get_type::<SensorsAnalyticsFileLockException>())?;
    m.add("SensorsAnalyticsDebugException", py.get_type::<SensorsAnalyticsDebugException>())?;
    Ok(())
}
