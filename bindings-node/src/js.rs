//! Thin, safe wrappers over the raw Node-API calls that value conversion makes.
//!
//! Conversion is the hot path of `track()`, so it talks to Node-API directly: one call per
//! fact it needs (type, string bytes, number), no intermediate JS objects and no napi-rs
//! conversion layers that would check types twice.

use std::ptr;

use napi::sys;
use napi::{Error, Result, Status};

/// The JS types conversion tells apart (`typeof`, plus array and Date among objects).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Undefined,
    Null,
    Bool,
    Number,
    String,
    Symbol,
    Object,
    Function,
    External,
    BigInt,
}

/// A JS value borrowed for the duration of one native call.
#[derive(Clone, Copy)]
pub struct Js {
    pub env: sys::napi_env,
    pub raw: sys::napi_value,
}

fn check(status: sys::napi_status, what: &str) -> Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else if status == sys::Status::napi_pending_exception {
        // A getter threw: let that exception propagate as it is.
        Err(Error::new(Status::PendingException, what.to_owned()))
    } else {
        Err(Error::new(
            Status::GenericFailure,
            format!("Node-API call failed: {what} ({status})"),
        ))
    }
}

impl Js {
    pub fn new(env: sys::napi_env, raw: sys::napi_value) -> Self {
        Js { env, raw }
    }

    fn wrap(&self, raw: sys::napi_value) -> Js {
        Js { env: self.env, raw }
    }

    pub fn kind(&self) -> Result<Kind> {
        let mut t = 0;
        // SAFETY: env and value come from the current callback; `t` is a valid out pointer.
        check(
            unsafe { sys::napi_typeof(self.env, self.raw, &mut t) },
            "typeof",
        )?;
        Ok(match t {
            sys::ValueType::napi_undefined => Kind::Undefined,
            sys::ValueType::napi_null => Kind::Null,
            sys::ValueType::napi_boolean => Kind::Bool,
            sys::ValueType::napi_number => Kind::Number,
            sys::ValueType::napi_string => Kind::String,
            sys::ValueType::napi_symbol => Kind::Symbol,
            sys::ValueType::napi_function => Kind::Function,
            sys::ValueType::napi_external => Kind::External,
            sys::ValueType::napi_bigint => Kind::BigInt,
            _ => Kind::Object,
        })
    }

    pub fn is_nullish(&self) -> Result<bool> {
        Ok(matches!(self.kind()?, Kind::Undefined | Kind::Null))
    }

    /// The UTF-8 text of a JS string (lone surrogates become U+FFFD, as Node-API does).
    pub fn string(&self) -> Result<String> {
        let mut buf = Vec::new();
        self.string_into(&mut buf)?;
        // Node-API writes valid UTF-8.
        String::from_utf8(buf).map_err(|e| Error::new(Status::GenericFailure, e.to_string()))
    }

    /// Appends the UTF-8 text of a JS string to `out`; one call for short strings.
    pub fn string_into(&self, out: &mut Vec<u8>) -> Result<()> {
        let start = out.len();
        // Most strings are short: try with spare room first, ask for the length only if needed.
        let room = 256;
        out.reserve(room + 1);
        let mut written = 0usize;
        // SAFETY: the buffer has `room + 1` writable bytes past `start` (the +1 is the NUL
        // terminator Node-API always writes); `written` excludes it.
        check(
            unsafe {
                sys::napi_get_value_string_utf8(
                    self.env,
                    self.raw,
                    out.as_mut_ptr().add(start).cast(),
                    room + 1,
                    &mut written,
                )
            },
            "string",
        )?;
        // Node-API truncates at a character boundary: with room for one more 4-byte character
        // left over, nothing was cut off.
        if written + 4 <= room {
            // SAFETY: Node-API initialised `written` bytes.
            unsafe { out.set_len(start + written) };
            return Ok(());
        }
        let mut len = 0usize;
        // SAFETY: a null buffer asks for the length only.
        check(
            unsafe {
                sys::napi_get_value_string_utf8(self.env, self.raw, ptr::null_mut(), 0, &mut len)
            },
            "string length",
        )?;
        out.reserve(len + 1);
        // SAFETY: as above, with `len + 1` bytes reserved.
        check(
            unsafe {
                sys::napi_get_value_string_utf8(
                    self.env,
                    self.raw,
                    out.as_mut_ptr().add(start).cast(),
                    len + 1,
                    &mut written,
                )
            },
            "string",
        )?;
        // SAFETY: Node-API initialised `written` bytes.
        unsafe { out.set_len(start + written) };
        Ok(())
    }

    pub fn f64(&self) -> Result<f64> {
        let mut v = 0.0;
        // SAFETY: valid env/value and out pointer.
        check(
            unsafe { sys::napi_get_value_double(self.env, self.raw, &mut v) },
            "number",
        )?;
        Ok(v)
    }

    pub fn bool(&self) -> Result<bool> {
        let mut v = false;
        // SAFETY: valid env/value and out pointer.
        check(
            unsafe { sys::napi_get_value_bool(self.env, self.raw, &mut v) },
            "boolean",
        )?;
        Ok(v)
    }

    /// A BigInt as i64, `None` when it does not fit.
    pub fn bigint_i64(&self) -> Result<Option<i64>> {
        let mut v = 0i64;
        let mut lossless = false;
        // SAFETY: valid env/value and out pointers.
        check(
            unsafe { sys::napi_get_value_bigint_int64(self.env, self.raw, &mut v, &mut lossless) },
            "bigint",
        )?;
        Ok(lossless.then_some(v))
    }

    pub fn is_array(&self) -> Result<bool> {
        let mut v = false;
        // SAFETY: valid env/value and out pointer.
        check(
            unsafe { sys::napi_is_array(self.env, self.raw, &mut v) },
            "is_array",
        )?;
        Ok(v)
    }

    pub fn is_date(&self) -> Result<bool> {
        let mut v = false;
        // SAFETY: valid env/value and out pointer.
        check(
            unsafe { sys::napi_is_date(self.env, self.raw, &mut v) },
            "is_date",
        )?;
        Ok(v)
    }

    /// Milliseconds since the epoch of a Date (NaN for an invalid one).
    pub fn date_millis(&self) -> Result<f64> {
        let mut v = 0.0;
        // SAFETY: valid env/value (checked to be a Date by the caller) and out pointer.
        check(
            unsafe { sys::napi_get_date_value(self.env, self.raw, &mut v) },
            "date",
        )?;
        Ok(v)
    }

    pub fn array_len(&self) -> Result<u32> {
        let mut v = 0u32;
        // SAFETY: valid env/value (an array) and out pointer.
        check(
            unsafe { sys::napi_get_array_length(self.env, self.raw, &mut v) },
            "array length",
        )?;
        Ok(v)
    }

    pub fn element(&self, i: u32) -> Result<Js> {
        let mut v = ptr::null_mut();
        // SAFETY: valid env/value and out pointer.
        check(
            unsafe { sys::napi_get_element(self.env, self.raw, i, &mut v) },
            "element",
        )?;
        Ok(self.wrap(v))
    }

    /// The own enumerable string keys, in `Object.keys` order, as a JS array.
    pub fn own_keys(&self) -> Result<Js> {
        let mut v = ptr::null_mut();
        // SAFETY: valid env/value and out pointer.
        check(
            unsafe {
                sys::napi_get_all_property_names(
                    self.env,
                    self.raw,
                    sys::KeyCollectionMode::own_only,
                    sys::KeyFilter::enumerable | sys::KeyFilter::skip_symbols,
                    sys::KeyConversion::numbers_to_strings,
                    &mut v,
                )
            },
            "keys",
        )?;
        Ok(self.wrap(v))
    }

    pub fn get(&self, key: &Js) -> Result<Js> {
        let mut v = ptr::null_mut();
        // SAFETY: valid env/value/key and out pointer.
        check(
            unsafe { sys::napi_get_property(self.env, self.raw, key.raw, &mut v) },
            "property",
        )?;
        Ok(self.wrap(v))
    }

    /// `obj[name]` for a static name (a NUL-terminated C string).
    pub fn get_named(&self, name: &std::ffi::CStr) -> Result<Js> {
        let mut v = ptr::null_mut();
        // SAFETY: valid env/value, NUL-terminated name and out pointer.
        check(
            unsafe { sys::napi_get_named_property(self.env, self.raw, name.as_ptr(), &mut v) },
            "named property",
        )?;
        Ok(self.wrap(v))
    }

    /// `String(value)`: what a message shows for a value that is neither string nor number.
    pub fn coerce_string(&self) -> Result<String> {
        let mut v = ptr::null_mut();
        // SAFETY: valid env/value and out pointer; may run user code (toString), which can throw.
        check(
            unsafe { sys::napi_coerce_to_string(self.env, self.raw, &mut v) },
            "String()",
        )?;
        self.wrap(v).string()
    }

    pub fn instance_of(&self, ctor: sys::napi_value) -> Result<bool> {
        let mut v = false;
        // SAFETY: valid env/value/constructor and out pointer.
        check(
            unsafe { sys::napi_instanceof(self.env, self.raw, ctor, &mut v) },
            "instanceof",
        )?;
        Ok(v)
    }
}
