//! `SensorsAnalyticsIdentity` objects to core identities.
//!
//! The reference checks each identity in turn: its type, its key, that its value is a
//! string, then (in the core) blankness and length; duplicates after all of them. The type
//! checks only JS can make happen here, so an identity before a bad one is fully checked
//! first, keeping the reference's order.

use std::borrow::Cow;

use sensorsanalytics::validate::{self, MSG_IDENTITY_TYPE};
use sensorsanalytics::Identity;

use crate::error::{self, illegal, Outcome};
use crate::js::{Js, Kind};
use crate::value;

/// The identities of a JS array, in order.
pub fn from_list(list: Js) -> Outcome<Vec<Identity<'static>>> {
    if !list.is_array()? {
        return Err(illegal(MSG_IDENTITY_TYPE));
    }
    let n = list.array_len()?;
    let mut ids = Vec::with_capacity(n as usize);
    for i in 0..n {
        let id = convert(list.element(i)?, &ids)?;
        ids.push(id);
    }
    Ok(ids)
}

/// One identity (unbind).
pub fn from_value(v: Js) -> Outcome<Identity<'static>> {
    convert(v, &[])
}

/// The checks the core makes on one identity, for those before a bad one.
fn check_earlier(earlier: &[Identity<'_>]) -> Outcome<()> {
    for id in earlier {
        validate::check_identities(std::slice::from_ref(id), 1)?;
    }
    Ok(())
}

fn convert(v: Js, earlier: &[Identity<'static>]) -> Outcome<Identity<'static>> {
    let is_identity = match error::identity_class(v.env) {
        Some(class) => v.kind()? == Kind::Object && v.instance_of(class)?,
        // Not registered (the native module used alone): any object with key and value.
        None => v.kind()? == Kind::Object,
    };
    if !is_identity {
        check_earlier(earlier)?;
        return Err(illegal(MSG_IDENTITY_TYPE));
    }
    let key = v.get_named(c"key")?;
    let value = v.get_named(c"value")?;
    if key.kind()? != Kind::String {
        check_earlier(earlier)?;
        return Err(illegal(validate::msg_key_not_str(&value::py_str(key)?)));
    }
    let key = key.string()?;
    if value.kind()? != Kind::String {
        check_earlier(earlier)?;
        validate::check_key(&key)?;
        return Err(illegal(validate::msg_identity_value_not_str(&key)));
    }
    Ok(Identity {
        key: Cow::Owned(key),
        value: Cow::Owned(value.string()?),
    })
}
