//! The core's four error kinds as one uniffi error enum. The foreign idiomatic layers map each
//! variant to their own exception (Kotlin `SensorsAnalyticsIllegalDataException`, ...; Swift a
//! `SensorsAnalyticsError` case); the message is the core's text, unchanged.

use sensorsanalytics::Error;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum SaError {
    /// Bad input (names, ids, values, identities).
    #[error("{reason}")]
    IllegalData { reason: String },
    /// A send failed or the async queue was full; also a foreign consumer that threw
    /// something other than an `SaError`.
    #[error("{reason}")]
    Network { reason: String },
    /// ConcurrentLoggingConsumer could not lock or write its file.
    #[error("{reason}")]
    FileLock { reason: String },
    /// DebugConsumer got a status >= 300.
    #[error("{reason}")]
    Debug { reason: String },
}

impl From<Error> for SaError {
    fn from(e: Error) -> Self {
        match e {
            Error::IllegalData(reason) => SaError::IllegalData { reason },
            Error::Network(reason) => SaError::Network { reason },
            Error::FileLock(reason) => SaError::FileLock { reason },
            Error::Debug(reason) => SaError::Debug { reason },
        }
    }
}

impl From<SaError> for Error {
    fn from(e: SaError) -> Self {
        match e {
            SaError::IllegalData { reason } => Error::IllegalData(reason),
            SaError::Network { reason } => Error::Network(reason),
            SaError::FileLock { reason } => Error::FileLock(reason),
            SaError::Debug { reason } => Error::Debug(reason),
        }
    }
}

/// A foreign consumer that threw an exception uniffi cannot lower into an `SaError` (the
/// idiomatic layers catch and wrap what they can; this is the last resort).
impl From<uniffi::UnexpectedUniFFICallbackError> for SaError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        SaError::Network { reason: e.reason }
    }
}

pub type Result<T, E = SaError> = std::result::Result<T, E>;
