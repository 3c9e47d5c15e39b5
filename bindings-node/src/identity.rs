//! `SensorsAnalyticsIdentity` objects as the core's loose identities: the core checks them
//! (type, key, value, duplicates) in the reference's order.

use sensorsanalytics::IdentityArg;

use crate::error;
use crate::js::{Js, Kind};
use crate::value;

/// The identities of a JS array, in order (a single value that is not an array: one).
pub fn from_list(list: Js) -> napi::Result<Vec<IdentityArg<'static>>> {
    if !list.is_array()? {
        return Ok(vec![one(list)?]);
    }
    (0..list.array_len()?).map(|i| one(list.element(i)?)).collect()
}

/// One identity argument.
pub fn one(v: Js) -> napi::Result<IdentityArg<'static>> {
    let is_identity = match error::identity_class(v.env) {
        Some(class) => v.kind()? == Kind::Object && v.instance_of(class)?,
        // Not registered (the native module used alone): any object with key and value.
        None => v.kind()? == Kind::Object,
    };
    if !is_identity {
        return Ok(IdentityArg::NotIdentity);
    }
    Ok(IdentityArg::Given {
        key: value::text(v.get_named(c"key")?)?,
        value: value::text(v.get_named(c"value")?)?,
    })
}
