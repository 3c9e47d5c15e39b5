//! Core errors as the package's JS exception classes.
//!
//! The classes (`SensorsAnalyticsIllegalDataException`, ...) are defined in JS (lib/errors.js:
//! a native class cannot extend `Error`) and handed over once by `registerClasses`; errors are
//! then thrown as instances of them, so `instanceof` and the stack trace work as for any JS
//! error, and rejected promises carry the same classes.

use std::cell::Cell;
use std::ptr;

use napi::bindgen_prelude::Unknown;
use napi::sys;
use napi::{Env, Error, JsValue, Result, Status};
use sensorsanalytics::{Error as CoreError, ErrorKind};

/// Why a native call failed: a JS-level failure (a throwing getter, a pending exception) or
/// an SDK error to be thrown as one of the package's classes.
pub enum Failure {
    Js(Error),
    Core(CoreError),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Js(e)
    }
}

impl From<CoreError> for Failure {
    fn from(e: CoreError) -> Self {
        Failure::Core(e)
    }
}

pub type Outcome<T> = std::result::Result<T, Failure>;

/// References to the constructors registered by the JS half; one set per JS thread (each
/// worker thread loads the package, and so registers, on its own).
#[derive(Clone, Copy)]
struct Classes {
    illegal_data: sys::napi_ref,
    network: sys::napi_ref,
    file_lock: sys::napi_ref,
    debug: sys::napi_ref,
    identity: sys::napi_ref,
}

thread_local! {
    static CLASSES: Cell<Option<Classes>> = const { Cell::new(None) };
}

fn reference(env: sys::napi_env, value: &Unknown) -> Result<sys::napi_ref> {
    let mut r = ptr::null_mut();
    // SAFETY: a value of the current call; the reference (count 1) lives as long as the env.
    let status = unsafe { sys::napi_create_reference(env, value.raw(), 1, &mut r) };
    if status != sys::Status::napi_ok {
        return Err(Error::new(
            Status::GenericFailure,
            "napi_create_reference failed",
        ));
    }
    Ok(r)
}

/// Called once by index.js with the JS classes the native half throws and checks.
#[napi_derive::napi(catch_unwind)]
pub fn register_classes(
    env: Env,
    illegal_data: Unknown,
    network: Unknown,
    file_lock: Unknown,
    debug: Unknown,
    identity: Unknown,
) -> Result<()> {
    let raw = env.raw();
    let classes = Classes {
        illegal_data: reference(raw, &illegal_data)?,
        network: reference(raw, &network)?,
        file_lock: reference(raw, &file_lock)?,
        debug: reference(raw, &debug)?,
        identity: reference(raw, &identity)?,
    };
    CLASSES.with(|c| c.set(Some(classes)));
    Ok(())
}

fn deref(env: sys::napi_env, r: sys::napi_ref) -> Option<sys::napi_value> {
    let mut v = ptr::null_mut();
    // SAFETY: `r` was created on this thread's env by `register_classes`.
    let status = unsafe { sys::napi_get_reference_value(env, r, &mut v) };
    (status == sys::Status::napi_ok && !v.is_null()).then_some(v)
}

/// The `SensorsAnalyticsIdentity` constructor, once registered.
pub fn identity_class(env: sys::napi_env) -> Option<sys::napi_value> {
    CLASSES.with(Cell::get).and_then(|c| deref(env, c.identity))
}

/// A new instance of the class for `err`'s kind, with its message.
fn instance(env: sys::napi_env, err: &CoreError) -> Option<sys::napi_value> {
    let classes = CLASSES.with(Cell::get)?;
    let r = match err.kind() {
        ErrorKind::IllegalData => classes.illegal_data,
        ErrorKind::Network => classes.network,
        ErrorKind::FileLock => classes.file_lock,
        ErrorKind::Debug => classes.debug,
    };
    let ctor = deref(env, r)?;
    let msg = err.message();
    let mut text = ptr::null_mut();
    let mut obj = ptr::null_mut();
    // SAFETY: valid env; `msg` is UTF-8 of the given length; one argument for the constructor.
    unsafe {
        if sys::napi_create_string_utf8(env, msg.as_ptr().cast(), msg.len() as isize, &mut text)
            != sys::Status::napi_ok
            || sys::napi_new_instance(env, ctor, 1, &text, &mut obj) != sys::Status::napi_ok
        {
            return None;
        }
    }
    Some(obj)
}

/// `err` as a JS value: an instance of the package's class, or a plain error when the classes
/// are not registered.
pub fn value(env: sys::napi_env, err: &CoreError) -> Result<sys::napi_value> {
    match instance(env, err) {
        Some(obj) => Ok(obj),
        None => {
            let e = plain(err);
            // SAFETY: valid env; the message is UTF-8 of the given length.
            unsafe {
                let mut text = ptr::null_mut();
                let mut obj = ptr::null_mut();
                let msg = e.reason.as_str();
                sys::napi_create_string_utf8(env, msg.as_ptr().cast(), msg.len() as isize, &mut text);
                sys::napi_create_error(env, ptr::null_mut(), text, &mut obj);
                Ok(obj)
            }
        }
    }
}

/// A plain error for when the classes are not registered (the native module used alone):
/// the kind is its `code`.
fn plain(err: &CoreError) -> Error {
    Error::new(
        Status::GenericFailure,
        format!("{}: {}", err.kind(), err.message()),
    )
}

/// Throws `failure` into JS and returns the error a `#[napi]` function returns after that.
pub fn throw(env: sys::napi_env, failure: Failure) -> Error {
    match failure {
        Failure::Js(e) => e,
        Failure::Core(err) => match instance(env, &err) {
            Some(obj) => {
                // SAFETY: valid env and a fresh error object.
                unsafe { sys::napi_throw(env, obj) };
                // napi-rs leaves a pending exception alone when the status says so.
                Error::new(Status::PendingException, err.message().to_owned())
            }
            None => plain(&err),
        },
    }
}

/// The error a promise is rejected with: an instance of the package's class.
pub fn rejection(env: Env, err: &CoreError) -> Error {
    match instance(env.raw(), err) {
        // SAFETY: a value just created on this env.
        Some(obj) => Error::from(unsafe { Unknown::from_raw_unchecked(env.raw(), obj) }),
        None => plain(err),
    }
}

/// A core error handed to JS as a value (an argument of a callback): an instance of the
/// package's class, as thrown or rejected.
pub struct ErrorValue(pub CoreError);

impl napi::bindgen_prelude::ToNapiValue for ErrorValue {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        match instance(env, &val.0) {
            Some(obj) => Ok(obj),
            // SAFETY: the caller's env, as this function's contract says.
            None => unsafe { napi::bindgen_prelude::ToNapiValue::to_napi_value(env, plain(&val.0)) },
        }
    }
}

/// A panic turned into an ordinary error: a bug in the SDK must not take the process down.
pub fn panicked(payload: Box<dyn std::any::Any + Send>) -> Error {
    Error::new(
        Status::GenericFailure,
        format!("sensorsanalytics: {}", sensorsanalytics::error::panic_text(&*payload)),
    )
}
