//! `sa_identity`: an ID-Mapping 3.0 identity, Python's `SensorsAnalyticsIdentity(key, value)`.

use std::ffi::{c_char, c_int};

use sensorsanalytics::Identity;

use crate::args;
use crate::error::Outcome;

/// One identity: a key (a property name such as SA_IDENTITY_LOGIN_ID) and its value.
pub struct sa_identity {
    pub(crate) inner: Identity<'static>,
}

/// Creates an identity in `*out`, copying `key` and `value`. Only NULL and UTF-8 are checked
/// here; the key's name rules and the value's length are checked by the call that uses it,
/// with the reference's messages. Free it with sa_identity_free().
#[no_mangle]
pub unsafe extern "C" fn sa_identity_new(
    key: *const c_char,
    value: *const c_char,
    out: *mut *mut sa_identity,
) -> c_int {
    unsafe {
        args::construct(out, || {
            let key = args::text(key, "identity key")?;
            let value = args::text(value, "identity value")?;
            Ok(sa_identity { inner: Identity::new(key.to_owned(), value.to_owned()) })
        })
    }
}

/// Frees an identity from sa_identity_new(). NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn sa_identity_free(identity: *mut sa_identity) {
    unsafe { args::free(identity) }
}

/// The identities of a call, borrowed from the caller's array of `count` pointers.
pub(crate) unsafe fn list<'a>(
    ptr: *const *const sa_identity,
    count: usize,
) -> Outcome<Vec<Identity<'a>>> {
    // SAFETY: forwarded contract.
    let items = unsafe { args::array(ptr, count, "identities") }?;
    items
        .iter()
        .map(|&item| unsafe { args::object(item, "identity") }.map(borrow))
        .collect()
}

/// A view of an identity that borrows its strings: calls copy nothing.
fn borrow<'a>(identity: &'a sa_identity) -> Identity<'a> {
    Identity::new(identity.inner.key.as_ref(), identity.inner.value.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The key constants are #defines in the header (cbindgen cannot export a string
    /// constant): check them against the core's.
    #[test]
    fn header_key_constants_are_the_cores() {
        let header = include_str!("../include/sensorsanalytics.h");
        for (name, value) in [
            ("SA_IDENTITY_LOGIN_ID", Identity::LOGIN_ID),
            ("SA_IDENTITY_MOBILE", Identity::MOBILE),
            ("SA_IDENTITY_EMAIL", Identity::EMAIL),
        ] {
            let line = format!("#define {name} \"{value}\"");
            assert!(header.contains(&line), "the header lacks `{line}`");
        }
    }
}
