//! The client's methods as plain Node-API callbacks: the hot path of `track()`.
//!
//! A `#[napi]` class method costs about 0.5 µs of glue per call here (argument wrappers, borrow
//! bookkeeping); a plain callback that reads its arguments as raw values costs 0.04 µs, and a
//! whole `track()` is meant to cost under 2 µs. So the client is an External (a typed pointer)
//! passed as the first argument, and each method is one `extern "C"` function. Their types are
//! declared in src/raw.d.ts, which the build puts at the head of native.d.ts.
//!
//! Every callback catches panics: none may unwind into Node.

use std::ffi::{c_void, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::Arc;

use napi::{sys, Error, JsError, Result, Status};
use sensorsanalytics::{Consumer, ProfileOp};

use crate::client::{self, ClientCore, Method};
use crate::error::{self, Failure};
use crate::js::{Js, Kind};
use crate::site::Site;

/// The handle, the call site, and up to six method arguments.
const MAX_ARGS: usize = 8;

/// Mark our Externals, so that a foreign External is refused instead of misread.
const CLIENT_TAG: sys::napi_type_tag = sys::napi_type_tag {
    lower: 0x5341_4e4f_4445_434c,
    upper: 0x6965_6e74_2076_3031,
};
const CONSUMER_TAG: sys::napi_type_tag = sys::napi_type_tag {
    lower: 0x5341_4e4f_4445_434f,
    upper: 0x6e73_756d_6572_3031,
};
const SITE_TAG: sys::napi_type_tag = sys::napi_type_tag {
    lower: 0x5341_4e4f_4445_5349,
    upper: 0x7465_2020_2020_3031,
};

fn check(status: sys::napi_status, what: &str) -> Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(Error::new(
            Status::GenericFailure,
            format!("Node-API call failed: {what} ({status})"),
        ))
    }
}

unsafe extern "C" fn finalize<T>(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` is the Box made in `external`, finalized exactly once by Node.
    let _ = catch_unwind(|| drop(unsafe { Box::from_raw(data.cast::<T>()) }));
}

/// An External owning `value`, marked with `tag`.
fn external<T: 'static>(
    env: sys::napi_env,
    value: T,
    tag: &sys::napi_type_tag,
) -> Result<sys::napi_value> {
    let data = Box::into_raw(Box::new(value));
    let mut ext = ptr::null_mut();
    // SAFETY: `data` is owned by the External from here on and freed by `finalize::<T>`.
    let made = unsafe {
        sys::napi_create_external(
            env,
            data.cast(),
            Some(finalize::<T>),
            ptr::null_mut(),
            &mut ext,
        )
    };
    if made != sys::Status::napi_ok {
        // SAFETY: not handed over: ours to free.
        drop(unsafe { Box::from_raw(data) });
        return Err(Error::new(
            Status::GenericFailure,
            "napi_create_external failed".to_owned(),
        ));
    }
    // SAFETY: a fresh External.
    check(
        unsafe { sys::napi_type_tag_object(env, ext, tag) },
        "type tag",
    )?;
    Ok(ext)
}

/// What an External made by `external(.., tag)` holds, checked by its tag.
fn external_ref<'a, T>(
    env: sys::napi_env,
    handle: sys::napi_value,
    tag: &sys::napi_type_tag,
    what: &str,
) -> Result<&'a T> {
    let mut ours = false;
    // SAFETY: valid env and value; `ours` is a valid out pointer.
    let status = unsafe { sys::napi_check_object_type_tag(env, handle, tag, &mut ours) };
    if status != sys::Status::napi_ok || !ours {
        return Err(Error::new(
            Status::InvalidArg,
            format!("not a sensorsanalytics {what} handle"),
        ));
    }
    let mut data = ptr::null_mut();
    check(
        unsafe { sys::napi_get_value_external(env, handle, &mut data) },
        "external",
    )?;
    // SAFETY: the tag says this External holds a Box<T>, alive as long as the External, which
    // outlives this call (it is one of its arguments).
    Ok(unsafe { &*data.cast::<T>() })
}

/// A handle on a consumer, for `createClient` (made by `NativeConsumer.handle()`).
pub fn consumer_handle(env: sys::napi_env, consumer: Arc<dyn Consumer>) -> Result<sys::napi_value> {
    external(env, consumer, &CONSUMER_TAG)
}

fn client_of<'a>(env: sys::napi_env, handle: sys::napi_value) -> Result<&'a ClientCore> {
    Ok(external_ref::<Arc<ClientCore>>(
        env,
        handle,
        &CLIENT_TAG,
        "client",
    )?)
}

/// The call site an External made by `site()` holds (the site argument of every method).
pub fn site_of<'a>(site: Js) -> Result<&'a Site> {
    external_ref::<Site>(site.env, site.raw, &SITE_TAG, "call site")
}

/// Reads the arguments, runs `f` with a panic guard, and turns its outcome into the JS return
/// value or exception.
fn guarded(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    f: impl FnOnce(&[Js]) -> std::result::Result<sys::napi_value, Failure>,
) -> sys::napi_value {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let mut argc = MAX_ARGS;
        let mut argv = [ptr::null_mut(); MAX_ARGS];
        // SAFETY: `argv` has room for `argc` values; missing arguments are filled with undefined.
        check(
            unsafe {
                sys::napi_get_cb_info(
                    env,
                    info,
                    &mut argc,
                    argv.as_mut_ptr(),
                    ptr::null_mut(),
                    ptr::null_mut(),
                )
            },
            "arguments",
        )?;
        let args = argv.map(|v| Js::new(env, v));
        f(&args)
    }));
    let failure = match outcome {
        Ok(Ok(value)) => return value,
        Ok(Err(failure)) => failure,
        Err(payload) => Failure::Js(error::panicked(payload)),
    };
    let err = error::throw(env, failure);
    if err.status != Status::PendingException {
        // SAFETY: valid env; throws a JS Error made from `err`.
        unsafe { JsError::from(err).throw_into(env) };
    }
    ptr::null_mut()
}

fn undefined(env: sys::napi_env) -> sys::napi_value {
    let mut v = ptr::null_mut();
    // SAFETY: valid env and out pointer.
    unsafe { sys::napi_get_undefined(env, &mut v) };
    v
}

fn null(env: sys::napi_env) -> sys::napi_value {
    let mut v = ptr::null_mut();
    // SAFETY: valid env and out pointer.
    unsafe { sys::napi_get_null(env, &mut v) };
    v
}

fn string(env: sys::napi_env, s: &str) -> Result<sys::napi_value> {
    let mut v = ptr::null_mut();
    // SAFETY: `s` is UTF-8 of the given length.
    check(
        unsafe { sys::napi_create_string_utf8(env, s.as_ptr().cast(), s.len() as isize, &mut v) },
        "string",
    )?;
    Ok(v)
}

/// `createClient(consumer, projectName, enableTimeFree)`: `consumer` is a consumer handle
/// (`NativeConsumer.handle()`), or null for a JS consumer (each method then returns its record).
unsafe extern "C" fn create_client(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    guarded(env, info, |a| {
        let consumer = match a[0].kind()? {
            Kind::Undefined | Kind::Null => None,
            _ => Some(
                external_ref::<Arc<dyn Consumer>>(env, a[0].raw, &CONSUMER_TAG, "consumer")?
                    .clone(),
            ),
        };
        let project = if a[1].is_nullish()? {
            None
        } else {
            Some(a[1].string()?)
        };
        let core = ClientCore::new(consumer, project, a[2].bool()?);
        Ok(external(env, Arc::new(core), &CLIENT_TAG)?)
    })
}

/// `site(frame)`: one V8 frame's text (`Class.method (file:line:col)`) parsed into a handle
/// that every method takes as its site; null when the text names no location. lib/callsite.js
/// calls this once per distinct site and keeps the handle.
unsafe extern "C" fn site(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    guarded(env, info, |a| {
        let text = a[0].string()?;
        match Site::parse(&text) {
            Some(site) => Ok(external(env, site, &SITE_TAG)?),
            None => Ok(null(env)),
        }
    })
}

/// One client method: `(handle, site, ...args)`, returning the record or undefined.
fn method(env: sys::napi_env, info: sys::napi_callback_info, m: Method) -> sys::napi_value {
    guarded(env, info, |a| {
        let core = client_of(env, a[0].raw)?;
        match core.call(m, &a[1..])? {
            Some(record) => Ok(string(env, &record)?),
            None => Ok(undefined(env)),
        }
    })
}

macro_rules! callbacks {
    ($($js:literal => $name:ident),* $(,)?) => {
        $(
            unsafe extern "C" fn $name(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
                method(env, info, client::$name)
            }
        )*
        const METHODS: &[(&CStr, sys::napi_callback)] = &[
            (c"createClient", Some(create_client)),
            (c"site", Some(site)),
            $(($js, Some($name)),)*
        ];
    };
}

callbacks! {
    c"track" => track,
    c"trackSignup" => track_signup,
    c"profile" => profile,
    c"item" => item,
    c"registerSuperProperties" => register_super_properties,
    c"clearSuperProperties" => clear_super_properties,
    c"bind" => bind,
    c"unbind" => unbind,
    c"trackById" => track_by_id,
    c"profileById" => profile_by_id,
}

/// Adds the callbacks to the module's exports (called from lib.rs at load).
pub fn register(env: sys::napi_env, exports: sys::napi_value) -> Result<()> {
    for (name, cb) in METHODS {
        let mut f = ptr::null_mut();
        // SAFETY: valid env; `name` is NUL-terminated; `cb` is one of the callbacks above.
        check(
            unsafe {
                sys::napi_create_function(
                    env,
                    name.as_ptr(),
                    usize::MAX as isize,
                    *cb,
                    ptr::null_mut(),
                    &mut f,
                )
            },
            "create function",
        )?;
        // SAFETY: valid env, object and function.
        check(
            unsafe { sys::napi_set_named_property(env, exports, name.as_ptr(), f) },
            "export",
        )?;
    }
    profile_ops(env, exports)
}

/// `ProfileOp`: the core's operations by name with their codes (`ProfileOp.Set` is 0), so
/// that JS and the core share one list.
fn profile_ops(env: sys::napi_env, exports: sys::napi_value) -> Result<()> {
    let mut ops = ptr::null_mut();
    // SAFETY: valid env; the out pointers are locals.
    check(unsafe { sys::napi_create_object(env, &mut ops) }, "create object")?;
    for op in ProfileOp::ALL {
        let mut code = ptr::null_mut();
        let name = CString::new(op.name()).expect("operation names have no NUL");
        // SAFETY: valid env, object and value; `name` is NUL-terminated.
        check(unsafe { sys::napi_create_uint32(env, op.code(), &mut code) }, "create number")?;
        check(
            unsafe { sys::napi_set_named_property(env, ops, name.as_ptr(), code) },
            "ProfileOp",
        )?;
    }
    // SAFETY: valid env and objects.
    check(unsafe { sys::napi_object_freeze(env, ops) }, "freeze")?;
    check(
        unsafe { sys::napi_set_named_property(env, exports, c"ProfileOp".as_ptr(), ops) },
        "export",
    )
}
