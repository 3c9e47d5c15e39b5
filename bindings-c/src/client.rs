//! `sa_client`: Python's `SensorsAnalytics`, one C function per method. The rest is
//! conversion: the core validates and builds records.

use std::borrow::Cow;
use std::ffi::{c_char, c_int, CStr};
use std::sync::atomic::{AtomicBool, Ordering};

use sensorsanalytics::{CallSite, Client, Config, ProfileOp, Properties, SDK_VERSION};

use crate::args;
use crate::consumer::sa_consumer;
use crate::error::{guard, Outcome};
use crate::identity::{self, sa_identity};
use crate::value::{self, sa_properties};

/// `$lib` of every record this library writes.
const LIB_NAME: &str = "C";

/// A client. It may be used from any number of threads at once, except sa_free().
pub struct sa_client {
    client: Client,
    /// Set by sa_close(), so that sa_free() closes only a client that was not closed.
    closed: AtomicBool,
}

/// Creates a client in `*out`: SensorsAnalytics(consumer, project_name, enable_time_free).
/// `project_name` may be NULL (the server's default project); it is copied. With
/// `enable_time_free`, every event and profile record carries `"time_free": true`. The client
/// takes its own reference to `consumer`, whose handle may be freed at once.
#[no_mangle]
pub unsafe extern "C" fn sa_new(
    consumer: *const sa_consumer,
    project_name: *const c_char,
    enable_time_free: bool,
    out: *mut *mut sa_client,
) -> c_int {
    unsafe {
        args::construct(out, || {
            let consumer = args::object(consumer, "consumer")?;
            let config = Config {
                project_name: args::optional_text(project_name, "project_name")?.map(str::to_owned),
                enable_time_free,
                lib_name: LIB_NAME.to_owned(),
                lib_version: SDK_VERSION.to_owned(),
            };
            let client = Client::new(consumer.inner.clone(), config);
            Ok(sa_client { client, closed: AtomicBool::new(false) })
        })
    }
}

/// Runs a method on a client. `file`, `function` and `line` are the caller's location, kept
/// as text for `$lib_detail` (`##function##file##line`; C has no class): text that is not
/// UTF-8 gets replacement characters rather than failing the call; NULL file and function:
/// no `$lib_detail`.
unsafe fn method(
    file: *const c_char,
    function: *const c_char,
    line: c_int,
    client: *const sa_client,
    body: impl FnOnce(&Client, Option<&CallSite<'_>>) -> Outcome,
) -> c_int {
    guard(|| {
        // SAFETY: the header's pointer rules (strings NULL or NUL-terminated).
        let client = unsafe { args::object(client, "client") }?;
        let lossy = |p: *const c_char| match p.is_null() {
            true => Cow::Borrowed(""),
            false => unsafe { CStr::from_ptr(p) }.to_string_lossy(),
        };
        let (file_text, function_text) = (lossy(file), lossy(function));
        let line = u32::try_from(line).unwrap_or(0);
        let site = CallSite { class: "", function: &function_text, file: &file_text, line };
        let site = (!file.is_null() || !function.is_null()).then_some(site);
        body(&client.client, site.as_ref())
    })
}

/// track(distinct_id, event_name, properties, is_login_id): an event. `properties` may be
/// NULL. Use the sa_track() macro, which passes the source location.
#[no_mangle]
pub unsafe extern "C" fn sa_track_at(
    file: *const c_char,
    function: *const c_char,
    line: c_int,
    client: *const sa_client,
    distinct_id: *const c_char,
    event_name: *const c_char,
    properties: *const sa_properties,
    is_login_id: bool,
) -> c_int {
    unsafe {
        method(file, function, line, client, |c, site| {
            let distinct_id = args::text(distinct_id, "distinct_id")?;
            let event_name = args::text(event_name, "event_name")?;
            let properties = value::optional(properties);
            Ok(c.track(site, distinct_id, event_name, properties, is_login_id)?)
        })
    }
}

/// track_signup(distinct_id, original_id, properties): the `$SignUp` event linking an
/// anonymous id to a login id. `properties` may be NULL.
#[no_mangle]
pub unsafe extern "C" fn sa_track_signup_at(
    file: *const c_char,
    function: *const c_char,
    line: c_int,
    client: *const sa_client,
    distinct_id: *const c_char,
    original_id: *const c_char,
    properties: *const sa_properties,
) -> c_int {
    unsafe {
        method(file, function, line, client, |c, site| {
            let distinct_id = args::text(distinct_id, "distinct_id")?;
            let original_id = args::text(original_id, "original_id")?;
            Ok(c.track_signup(site, distinct_id, original_id, value::optional(properties))?)
        })
    }
}

/// The caller's location and the client, as `method` takes them.
type At = (*const c_char, *const c_char, c_int, *const sa_client);

unsafe fn profile(
    (file, function, line, client): At,
    op: ProfileOp,
    distinct_id: *const c_char,
    profiles: *const sa_properties,
    is_login_id: bool,
) -> c_int {
    unsafe {
        method(file, function, line, client, |c, site| {
            let distinct_id = args::text(distinct_id, "distinct_id")?;
            Ok(c.profile(site, op, distinct_id, value::optional(profiles), is_login_id)?)
        })
    }
}

/// profile_set(distinct_id, profiles, is_login_id): sets user profile properties.
/// `profiles` may be NULL (an empty update).
#[no_mangle]
pub unsafe extern "C" fn sa_profile_set_at(
    file: *const c_char,
    function: *const c_char,
    line: c_int,
    client: *const sa_client,
    distinct_id: *const c_char,
    profiles: *const sa_properties,
    is_login_id: bool,
) -> c_int {
    let at = (file, function, line, client);
    unsafe { profile(at, ProfileOp::Set, distinct_id, profiles, is_login_id) }
}

/// profile_set_once(distinct_id, profiles, is_login_id): sets properties not set before.
#[no_mangle]
pub unsafe extern "C" fn sa_profile_set_once_at(
    file: *const c_char,
    function: *const c_char,
    line: c_int,
    client: *const sa_client,
    distinct_id: *const c_char,
    profiles: *const sa_properties,
    is_login_id: bool,
) -> c_int {
    let at = (file, function, line, client);
    unsafe { profile(at, ProfileOp::SetOnce, distinct_id, profiles, is_login_id) }
}

/// profile_increment(distinct_id, profiles, is_login_id): adds to numeric properties; every
/// value must be an integer (sa_properties_set_int), else SA_ERR_ILLEGAL_DATA.
#[no_mangle]
pub unsafe extern "C" fn sa_profile_increment_at(
    file: *const c_char,
    function: *const c_char,
    line: c_int,
    client: *const sa_client,
    distinct_id: *const c_char,
    profiles: *const sa_properties,
    is_login_id: bool,
) -> c_int {
    let at = (file, function, line, client);
    unsafe { profile(at, ProfileOp::Increment, distinct_id, profiles, is_login_id) }
}

/// profile_append(distinct_id, profiles, is_login_id): appends to list properties; every
/// value must be a string list (sa_properties_set_string_list / _append_string).
#[no_mangle]
pub unsafe extern "C" fn sa_profile_append_at(
    file: *const c_char,
    function: *const c_char,
    line: c_int,
    client: *const sa_client,
    distinct_id: *const c_char,
    profiles: *const sa_properties,
    is_login_id: bool,
) -> c_int {
    let at = (file, function, line, client);
    unsafe { profile(at, ProfileOp::Append, distinct_id, profiles, is_login_id) }
}

/// The `{key: true}` map of profile_unset from `count` keys; a repeated key counts once.
unsafe fn unset_keys<'a>(keys: *const *const c_char, count: usize) -> Outcome<Properties<'a>> {
    let keys = unsafe { args::array(keys, count, "keys") }?;
    let keys = keys.iter().map(|&k| unsafe { args::text(k, "key") });
    Ok(Properties::from_keys(keys.collect::<Outcome<Vec<_>>>()?))
}

/// profile_unset(distinct_id, profile_keys, is_login_id): removes the `count` properties
/// named in `keys` (NULL when `count` is 0).
#[no_mangle]
pub unsafe extern "C" fn sa_profile_unset_at(
    file: *const c_char,
    function: *const c_char,
    line: c_int,
    client: *const sa_client,
    distinct_id: *const c_char,
    keys: *const *const c_char,
    count: usize,
    is_login_id: bool,
) -> c_int {
    unsafe {
        method(file, function, line, client, |c, site| {
            let distinct_id = args::text(distinct_id, "distinct_id")?;
            let keys = unset_keys(keys, count)?;
            Ok(c.profile(site, ProfileOp::Unset, distinct_id, Some(&keys), is_login_id)?)
        })
    }
}

/// profile_delete(distinct_id, is_login_id): deletes the user's profile.
#[no_mangle]
pub unsafe extern "C" fn sa_profile_delete_at(
    file: *const c_char,
    function: *const c_char,
    line: c_int,
    client: *const sa_client,
    distinct_id: *const c_char,
    is_login_id: bool,
) -> c_int {
    let at = (file, function, line, client);
    unsafe { profile(at, ProfileOp::Delete, distinct_id, std::ptr::null(), is_login_id) }
}

/// item_set(item_type, item_id, properties): sets an item's properties. `properties` may be
/// NULL. Items carry no super properties.
#[no_mangle]
pub unsafe extern "C" fn sa_item_set_at(
    file: *const c_char,
    function: *const c_char,
    line: c_int,
    client: *const sa_client,
    item_type: *const c_char,
    item_id: *const c_char,
    properties: *const sa_properties,
) -> c_int {
    unsafe {
        method(file, function, line, client, |c, site| {
            let item_type = args::text(item_type, "item_type")?;
            let item_id = args::text(item_id, "item_id")?;
            Ok(c.item_set(site, item_type, item_id, value::optional(properties))?)
        })
    }
}

/// item_delete(item_type, item_id, properties): deletes an item. `properties` may be NULL.
#[no_mangle]
pub unsafe extern "C" fn sa_item_delete_at(
    file: *const c_char,
    function: *const c_char,
    line: c_int,
    client: *const sa_client,
    item_type: *const c_char,
    item_id: *const c_char,
    properties: *const sa_properties,
) -> c_int {
    unsafe {
        method(file, function, line, client, |c, site| {
            let item_type = args::text(item_type, "item_type")?;
            let item_id = args::text(item_id, "item_id")?;
            Ok(c.item_delete(site, item_type, item_id, value::optional(properties))?)
        })
    }
}

/// bind(first_identity, second_identity, *more): links `count` (at least 2) identities of
/// one user, an array of identity pointers.
#[no_mangle]
pub unsafe extern "C" fn sa_bind_at(
    file: *const c_char,
    function: *const c_char,
    line: c_int,
    client: *const sa_client,
    identities: *const *const sa_identity,
    count: usize,
) -> c_int {
    unsafe {
        method(file, function, line, client, |c, site| {
            let identities = identity::list(identities, count)?;
            Ok(c.bind(site, &identities)?)
        })
    }
}

/// unbind(identity): unlinks one identity from its user.
#[no_mangle]
pub unsafe extern "C" fn sa_unbind_at(
    file: *const c_char,
    function: *const c_char,
    line: c_int,
    client: *const sa_client,
    identity: *const sa_identity,
) -> c_int {
    unsafe {
        method(file, function, line, client, |c, site| {
            let identities = identity::list(&identity, 1)?;
            Ok(c.unbind(site, &identities[0])?)
        })
    }
}

/// track_by_id(event_name, properties, *identities): an event of the user with these
/// `count` (at least 1) identities. `properties` may be NULL.
#[no_mangle]
pub unsafe extern "C" fn sa_track_by_id_at(
    file: *const c_char,
    function: *const c_char,
    line: c_int,
    client: *const sa_client,
    event_name: *const c_char,
    properties: *const sa_properties,
    identities: *const *const sa_identity,
    count: usize,
) -> c_int {
    unsafe {
        method(file, function, line, client, |c, site| {
            let event_name = args::text(event_name, "event_name")?;
            let identities = identity::list(identities, count)?;
            Ok(c.track_by_id(site, event_name, value::optional(properties), &identities)?)
        })
    }
}

unsafe fn profile_by_id(
    (file, function, line, client): At,
    op: ProfileOp,
    properties: *const sa_properties,
    identities: *const *const sa_identity,
    count: usize,
) -> c_int {
    unsafe {
        method(file, function, line, client, |c, site| {
            let identities = identity::list(identities, count)?;
            Ok(c.profile_by_id(site, op, value::optional(properties), &identities)?)
        })
    }
}

/// profile_set_by_id(properties, *identities). `properties` must hold at least one key.
#[no_mangle]
pub unsafe extern "C" fn sa_profile_set_by_id_at(
    file: *const c_char,
    function: *const c_char,
    line: c_int,
    client: *const sa_client,
    properties: *const sa_properties,
    identities: *const *const sa_identity,
    count: usize,
) -> c_int {
    let at = (file, function, line, client);
    unsafe { profile_by_id(at, ProfileOp::Set, properties, identities, count) }
}

/// profile_set_once_by_id(properties, *identities).
#[no_mangle]
pub unsafe extern "C" fn sa_profile_set_once_by_id_at(
    file: *const c_char,
    function: *const c_char,
    line: c_int,
    client: *const sa_client,
    properties: *const sa_properties,
    identities: *const *const sa_identity,
    count: usize,
) -> c_int {
    let at = (file, function, line, client);
    unsafe { profile_by_id(at, ProfileOp::SetOnce, properties, identities, count) }
}

/// profile_increment_by_id(properties, *identities): integer values only.
#[no_mangle]
pub unsafe extern "C" fn sa_profile_increment_by_id_at(
    file: *const c_char,
    function: *const c_char,
    line: c_int,
    client: *const sa_client,
    properties: *const sa_properties,
    identities: *const *const sa_identity,
    count: usize,
) -> c_int {
    let at = (file, function, line, client);
    unsafe { profile_by_id(at, ProfileOp::Increment, properties, identities, count) }
}

/// profile_append_by_id(properties, *identities): string-list values only.
#[no_mangle]
pub unsafe extern "C" fn sa_profile_append_by_id_at(
    file: *const c_char,
    function: *const c_char,
    line: c_int,
    client: *const sa_client,
    properties: *const sa_properties,
    identities: *const *const sa_identity,
    count: usize,
) -> c_int {
    let at = (file, function, line, client);
    unsafe { profile_by_id(at, ProfileOp::Append, properties, identities, count) }
}

/// profile_unset_by_id(profile_keys, *identities): `key_count` must be at least 1.
#[no_mangle]
pub unsafe extern "C" fn sa_profile_unset_by_id_at(
    file: *const c_char,
    function: *const c_char,
    line: c_int,
    client: *const sa_client,
    keys: *const *const c_char,
    key_count: usize,
    identities: *const *const sa_identity,
    count: usize,
) -> c_int {
    unsafe {
        method(file, function, line, client, |c, site| {
            let keys = unset_keys(keys, key_count)?;
            let identities = identity::list(identities, count)?;
            Ok(c.profile_by_id(site, ProfileOp::Unset, Some(&keys), &identities)?)
        })
    }
}

/// profile_delete_by_id(*identities): deletes the profile of the user with these identities.
#[no_mangle]
pub unsafe extern "C" fn sa_profile_delete_by_id_at(
    file: *const c_char,
    function: *const c_char,
    line: c_int,
    client: *const sa_client,
    identities: *const *const sa_identity,
    count: usize,
) -> c_int {
    let at = (file, function, line, client);
    unsafe { profile_by_id(at, ProfileOp::Delete, std::ptr::null(), identities, count) }
}

/// register_super_properties(properties): merges `properties` into the super properties,
/// which every later event (track, track_signup, bind, unbind, track_by_id) carries; not
/// profiles, not items. They are copied; they are not validated until an event uses them,
/// and a bad one then fails every event (as in Python).
#[no_mangle]
pub unsafe extern "C" fn sa_register_super_properties(
    client: *const sa_client,
    properties: *const sa_properties,
) -> c_int {
    unsafe {
        method(std::ptr::null(), std::ptr::null(), 0, client, |c, _| {
            let properties = args::object(properties, "properties")?;
            c.register_super_properties(&properties.map);
            Ok(())
        })
    }
}

/// clear_super_properties(): back to `$lib` and `$lib_version` only.
#[no_mangle]
pub unsafe extern "C" fn sa_clear_super_properties(client: *const sa_client) -> c_int {
    unsafe {
        method(std::ptr::null(), std::ptr::null(), 0, client, |c, _| {
            c.clear_super_properties();
            Ok(())
        })
    }
}

/// flush(): writes out or sends what the consumer buffers.
#[no_mangle]
pub unsafe extern "C" fn sa_flush(client: *const sa_client) -> c_int {
    unsafe {
        method(std::ptr::null(), std::ptr::null(), 0, client, |c, _| Ok(c.flush()?))
    }
}

/// close(): flushes and closes the consumer (which other clients sharing it then cannot
/// use). Records tracked after it may fail. The client itself stays allocated: sa_free() it.
#[no_mangle]
pub unsafe extern "C" fn sa_close(client: *const sa_client) -> c_int {
    guard(|| {
        let client = unsafe { args::object(client, "client") }?;
        client.closed.store(true, Ordering::Release);
        Ok(client.client.close()?)
    })
}

/// Frees a client. If sa_close() was not called, closes it first (so nothing buffered is
/// lost) and returns that close's result; the client is freed whatever it returns. NULL is
/// SA_OK. No other thread may be using the client, and the pointer is invalid afterwards.
#[no_mangle]
pub unsafe extern "C" fn sa_free(client: *mut sa_client) -> c_int {
    guard(|| {
        if client.is_null() {
            return Ok(());
        }
        // SAFETY: from sa_new(), freed once, by the header's rules.
        let owned = unsafe { Box::from_raw(client) };
        if !owned.closed.swap(true, Ordering::AcqRel) {
            owned.client.close()?;
        }
        Ok(())
    })
}

/// The SDK version written as `$lib_version`, e.g. "0.1.0". Static storage: never free it.
#[no_mangle]
pub extern "C" fn sa_version() -> *const c_char {
    static VERSION: std::sync::OnceLock<std::ffi::CString> = std::sync::OnceLock::new();
    VERSION.get_or_init(|| std::ffi::CString::new(SDK_VERSION).unwrap_or_default()).as_ptr()
}
