//! The JVM's fast path: one JNI call per client method, its arguments packed by Kotlin into a
//! thread-local direct `ByteBuffer` that is read here in place (strings borrowed, no copies).
//! The format is `bindings-swift/PACKING.md`; the Kotlin writer is `kotlin/.../Packer.kt`.
//!
//! Plain JNI entry points (`Java_sensorsanalytics_Jni_*`) taking only primitives: the JVM
//! calls them without JNA, without objects and without allocating. They never use the
//! `JNIEnv`: an error is kept in a thread-local here and its text fetched by a second call
//! (`lastError`) only on failure. uniffi still builds the clients (and everything that is not
//! a hot method); [`Java_sensorsanalytics_Jni_adopt`] turns a uniffi handle of a
//! [`CoreClient`] into the pointer the other calls take.
//!
//! Every read is bounds-checked: a malformed buffer (a bug in the writer) is an internal error,
//! never undefined behaviour. Panics are caught; none unwinds into the JVM.

use std::borrow::Cow;
use std::cell::RefCell;
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use sensorsanalytics::error::panic_text;
use sensorsanalytics::{CallSite, Client, Identity, Invalid, ProfileOp, Properties, Value};

use crate::client::CoreClient;

// Methods (the first byte of a call).
const OP_TRACK: u8 = 1;
const OP_TRACK_SIGNUP: u8 = 2;
const OP_PROFILE: u8 = 3;
const OP_PROFILE_UNSET_KEYS: u8 = 4;
const OP_ITEM_SET: u8 = 5;
const OP_ITEM_DELETE: u8 = 6;
const OP_BIND: u8 = 7;
const OP_UNBIND: u8 = 8;
const OP_TRACK_BY_ID: u8 = 9;
const OP_PROFILE_BY_ID: u8 = 10;
const OP_PROFILE_UNSET_KEYS_BY_ID: u8 = 11;
const OP_REGISTER_SUPER_PROPERTIES: u8 = 12;

// Flags (the second byte).
const FLAG_SITE: u8 = 1;
const FLAG_LOGIN_ID: u8 = 2;

/// A property map's count meaning "no map" (Kotlin `null`).
const NO_MAP: u32 = u32::MAX;

// Value tags.
const V_NULL: u8 = 0;
const V_BOOL: u8 = 1;
const V_INT: u8 = 2;
const V_FLOAT: u8 = 3;
const V_STR: u8 = 4;
const V_DATETIME: u8 = 5;
const V_DATETIME_OFFSET: u8 = 6;
const V_DATE: u8 = 7;
const V_STR_LIST: u8 = 8;
const V_UNSUPPORTED: u8 = 9;
const V_UNSUPPORTED_LIST_ELEMENT: u8 = 10;
const V_KEY_NOT_STR: u8 = 11;

/// Return codes: 0 is success, 1-4 the core's error kinds (`ErrorKind::code`), 5 an internal
/// error (malformed buffer, panic).
const INTERNAL: i32 = 5;

thread_local! {
    /// The message of this thread's last failed call, until `lastError` takes it.
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Why a buffer could not be read: a writer bug, reported as an internal error.
#[derive(Debug)]
struct Malformed(usize);

type Read<T> = std::result::Result<T, Malformed>;

/// `fn u32(&mut self) -> Read<u32>`, ...: a number in native byte order.
macro_rules! numbers {
    ($($t:ident),*) => {$(
        fn $t(&mut self) -> Read<$t> {
            Ok($t::from_ne_bytes(self.bytes()?))
        }
    )*};
}

/// A cursor over the packed arguments, borrowing from them.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn bytes<const N: usize>(&mut self) -> Read<[u8; N]> {
        let end = self.pos.checked_add(N).filter(|&e| e <= self.buf.len()).ok_or(Malformed(self.pos))?;
        let mut out = [0u8; N];
        out.copy_from_slice(&self.buf[self.pos..end]);
        self.pos = end;
        Ok(out)
    }

    numbers!(u8, u32, i32, i64, f64);

    fn str(&mut self) -> Read<&'a str> {
        let at = self.pos;
        let len = self.u32()? as usize;
        let end = self.pos.checked_add(len).filter(|&e| e <= self.buf.len()).ok_or(Malformed(at))?;
        let bytes = &self.buf[self.pos..end];
        let s = if bytes.is_ascii() {
            // SAFETY: ASCII is UTF-8. (`is_ascii` is a word-at-a-time scan: cheaper than
            // `from_utf8` for the short strings of a call.)
            unsafe { std::str::from_utf8_unchecked(bytes) }
        } else {
            std::str::from_utf8(bytes).map_err(|_| Malformed(at))?
        };
        self.pos = end;
        Ok(s)
    }

    fn site(&mut self) -> Read<CallSite<'a>> {
        Ok(CallSite { class: self.str()?, function: self.str()?, file: self.str()?, line: self.u32()? })
    }

    fn value(&mut self) -> Read<Value<'a>> {
        let at = self.pos;
        Ok(match self.u8()? {
            V_NULL => Value::Null,
            V_BOOL => Value::Bool(self.u8()? != 0),
            V_INT => Value::Int(self.i64()?),
            V_FLOAT => Value::Float(self.f64()?),
            V_STR => Value::Str(Cow::Borrowed(self.str()?)),
            V_DATETIME => Value::wall_datetime(self.i64()?, None),
            V_DATETIME_OFFSET => {
                let wall = self.i64()?;
                Value::wall_datetime(wall, Some(self.i32()?))
            }
            V_DATE => {
                let year = self.i32()?;
                let month = self.u8()?;
                Value::date(year, month.into(), self.u8()?.into())
            }
            V_STR_LIST => Value::List(self.list(|r| r.str().map(Cow::Borrowed))?),
            V_UNSUPPORTED => Value::Invalid(Invalid::Type(Cow::Borrowed(self.str()?))),
            V_UNSUPPORTED_LIST_ELEMENT => Value::Invalid(Invalid::ListElement(Cow::Borrowed(self.str()?))),
            V_KEY_NOT_STR => Value::Invalid(Invalid::KeyNotStr),
            _ => return Err(Malformed(at)),
        })
    }

    /// An optional property map: a count (`NO_MAP` for none), then key/value pairs.
    fn properties(&mut self) -> Read<Option<Properties<'a>>> {
        let n = self.u32()?;
        if n == NO_MAP {
            return Ok(None);
        }
        let mut props = Properties::with_capacity((n as usize).min(64));
        for _ in 0..n {
            let key = self.str()?;
            // A JVM map's keys are unique: no lookup. (Only a raw map's non-string keys may
            // print alike, and those are an error whichever entry the core sees first.)
            props.push_unique(key, self.value()?);
        }
        Ok(Some(props))
    }

    /// A count, then that many items (each at least a byte: the count cannot reserve more
    /// than the buffer holds).
    fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> Read<T>) -> Read<Vec<T>> {
        let n = self.u32()? as usize;
        let mut out = Vec::with_capacity(n.min(self.buf.len() - self.pos));
        for _ in 0..n {
            out.push(item(self)?);
        }
        Ok(out)
    }

    /// A key list as the core's `{key: true}` map (profile_unset).
    fn keys(&mut self) -> Read<Properties<'a>> {
        Ok(Properties::from_keys(self.list(Self::str)?))
    }

    fn identity(&mut self) -> Read<Identity<'a>> {
        Ok(Identity::new(self.str()?, self.str()?))
    }

    fn identities(&mut self) -> Read<Vec<Identity<'a>>> {
        self.list(Self::identity)
    }

    fn profile_op(&mut self) -> Read<ProfileOp> {
        let at = self.pos;
        ProfileOp::from_code(self.u8()?.into()).map_err(|_| Malformed(at))
    }

    /// A call's arguments, which must be all that is left: a writer that packed more than the
    /// method takes is a bug too (found before the method runs).
    fn whole<T>(&mut self, args: impl FnOnce(&mut Self) -> Read<T>) -> Read<T> {
        let args = args(self)?;
        if self.pos == self.buf.len() {
            Ok(args)
        } else {
            Err(Malformed(self.pos))
        }
    }
}

/// Reads one packed call and runs it: `Ok(Err(_))` is the core's answer, `Err(_)` a bad buffer.
fn dispatch(client: &Client, buf: &[u8]) -> Read<sensorsanalytics::Result<()>> {
    let mut r = Reader { buf, pos: 0 };
    let op = r.u8()?;
    let flags = r.u8()?;
    let site = if flags & FLAG_SITE != 0 { Some(r.site()?) } else { None };
    let site = site.as_ref();
    let login = flags & FLAG_LOGIN_ID != 0;
    let result = match op {
        OP_TRACK => {
            let (distinct_id, event, props) = r.whole(|r| Ok((r.str()?, r.str()?, r.properties()?)))?;
            client.track(site, distinct_id, event, props.as_ref(), login)
        }
        OP_TRACK_SIGNUP => {
            let (distinct_id, original_id, props) = r.whole(|r| Ok((r.str()?, r.str()?, r.properties()?)))?;
            client.track_signup(site, distinct_id, original_id, props.as_ref())
        }
        OP_PROFILE => {
            let (op, distinct_id, props) = r.whole(|r| Ok((r.profile_op()?, r.str()?, r.properties()?)))?;
            client.profile(site, op, distinct_id, props.as_ref(), login)
        }
        OP_PROFILE_UNSET_KEYS => {
            let (distinct_id, keys) = r.whole(|r| Ok((r.str()?, r.keys()?)))?;
            client.profile(site, ProfileOp::Unset, distinct_id, Some(&keys), login)
        }
        OP_ITEM_SET | OP_ITEM_DELETE => {
            let (item_type, item_id, props) = r.whole(|r| Ok((r.str()?, r.str()?, r.properties()?)))?;
            if op == OP_ITEM_SET {
                client.item_set(site, item_type, item_id, props.as_ref())
            } else {
                client.item_delete(site, item_type, item_id, props.as_ref())
            }
        }
        OP_BIND => client.bind(site, &r.whole(Reader::identities)?),
        OP_UNBIND => client.unbind(site, &r.whole(Reader::identity)?),
        OP_TRACK_BY_ID => {
            let (event, props, ids) = r.whole(|r| Ok((r.str()?, r.properties()?, r.identities()?)))?;
            client.track_by_id(site, event, props.as_ref(), &ids)
        }
        OP_PROFILE_BY_ID => {
            let (op, props, ids) = r.whole(|r| Ok((r.profile_op()?, r.properties()?, r.identities()?)))?;
            client.profile_by_id(site, op, props.as_ref(), &ids)
        }
        OP_PROFILE_UNSET_KEYS_BY_ID => {
            let (keys, ids) = r.whole(|r| Ok((r.keys()?, r.identities()?)))?;
            client.profile_by_id(site, ProfileOp::Unset, Some(&keys), &ids)
        }
        OP_REGISTER_SUPER_PROPERTIES => {
            client.register_super_properties(&r.whole(Reader::properties)?.unwrap_or_default());
            Ok(())
        }
        _ => return Err(Malformed(0)),
    };
    Ok(result)
}

fn fail(code: i32, message: String) -> i32 {
    LAST_ERROR.with(|e| *e.borrow_mut() = message);
    code
}

/// Runs one packed call (`Jni.call(client, address, length)`): 0, or an error code whose
/// message `lastError` then gives.
///
/// # Safety
/// `client` comes from [`Java_sensorsanalytics_Jni_adopt`] and is not yet released;
/// `addr..addr+len` is readable for the duration of the call.
#[no_mangle]
pub unsafe extern "system" fn Java_sensorsanalytics_Jni_call(
    _env: *mut c_void,
    _class: *mut c_void,
    client: i64,
    addr: i64,
    len: i32,
) -> i32 {
    if client == 0 || addr == 0 || len < 0 {
        return fail(INTERNAL, format!("packed call: bad arguments (client {client:#x}, buffer {addr:#x}, {len} bytes)"));
    }
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the caller's contract above.
        let client = unsafe { &*(client as *const CoreClient) };
        let buf = unsafe { std::slice::from_raw_parts(addr as *const u8, len as usize) };
        dispatch(&client.client, buf)
    }));
    match outcome {
        Ok(Ok(Ok(()))) => 0,
        Ok(Ok(Err(e))) => fail(e.kind().code(), e.into_message()),
        Ok(Err(Malformed(at))) => fail(INTERNAL, format!("packed call malformed at byte {at} of {len}")),
        Err(panic) => fail(INTERNAL, panic_text(panic.as_ref())),
    }
}

/// Writes this thread's last error message (UTF-8) at `addr` if it fits in `cap` bytes, and
/// returns its length in bytes; when it does not fit, writes nothing and keeps it (the caller
/// grows its buffer and asks again).
///
/// # Safety
/// `addr..addr+cap` is writable.
#[no_mangle]
pub unsafe extern "system" fn Java_sensorsanalytics_Jni_lastError(
    _env: *mut c_void,
    _class: *mut c_void,
    addr: i64,
    cap: i32,
) -> i32 {
    LAST_ERROR.with(|e| {
        let mut e = e.borrow_mut();
        let len = i32::try_from(e.len()).unwrap_or(i32::MAX);
        if addr != 0 && len <= cap {
            // SAFETY: the caller's contract; `len <= cap`.
            unsafe { std::ptr::copy_nonoverlapping(e.as_ptr(), addr as *mut u8, e.len()) };
            e.clear();
        }
        len
    })
}

/// Takes a uniffi handle of a [`CoreClient`] (one the caller cloned for us: its reference is
/// ours now) and returns the pointer [`Java_sensorsanalytics_Jni_call`] takes. Release it
/// with [`Java_sensorsanalytics_Jni_release`].
#[no_mangle]
pub extern "system" fn Java_sensorsanalytics_Jni_adopt(_env: *mut c_void, _class: *mut c_void, handle: i64) -> i64 {
    let handle = uniffi::ffi::Handle::from_raw_unchecked(handle as u64);
    match <Arc<CoreClient> as uniffi::Lift<crate::UniFfiTag>>::try_lift(handle) {
        Ok(client) => Arc::into_raw(client) as i64,
        Err(_) => 0,
    }
}

/// Drops the reference [`Java_sensorsanalytics_Jni_adopt`] took.
///
/// # Safety
/// `client` came from `adopt` and is released once, after its last call.
#[no_mangle]
pub unsafe extern "system" fn Java_sensorsanalytics_Jni_release(_env: *mut c_void, _class: *mut c_void, client: i64) {
    if client != 0 {
        // SAFETY: the caller's contract.
        drop(unsafe { Arc::from_raw(client as *const CoreClient) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consumer::Capture;

    /// What Packer.kt writes, for the tests.
    #[derive(Default)]
    struct Pack(Vec<u8>);

    /// `fn u32(self, v: u32) -> Self`, ...: a number in native byte order.
    macro_rules! put {
        ($($t:ident),*) => {$(
            fn $t(mut self, v: $t) -> Self {
                self.0.extend_from_slice(&v.to_ne_bytes());
                self
            }
        )*};
    }

    impl Pack {
        put!(u8, u32, i64, f64);

        fn str(self, s: &str) -> Self {
            let mut p = self.u32(s.len() as u32);
            p.0.extend_from_slice(s.as_bytes());
            p
        }
    }

    fn client() -> (Arc<Capture>, Arc<CoreClient>) {
        let capture = Arc::new(Capture::default());
        (capture.clone(), CoreClient::with_foreign_consumer(capture, None, false, "Kotlin".into()))
    }

    fn run(client: &Arc<CoreClient>, buf: &[u8]) -> (i32, String) {
        let ptr = Arc::into_raw(Arc::clone(client));
        let rc = unsafe { Java_sensorsanalytics_Jni_call(std::ptr::null_mut(), std::ptr::null_mut(), ptr as i64, buf.as_ptr() as i64, buf.len() as i32) };
        unsafe { Java_sensorsanalytics_Jni_release(std::ptr::null_mut(), std::ptr::null_mut(), ptr as i64) };
        let mut msg = vec![0u8; 256];
        let len = unsafe { Java_sensorsanalytics_Jni_lastError(std::ptr::null_mut(), std::ptr::null_mut(), msg.as_mut_ptr() as i64, 256) };
        msg.truncate(if rc == 0 { 0 } else { len as usize });
        (rc, String::from_utf8(msg).unwrap())
    }

    #[test]
    fn track_with_site_and_every_value() {
        let (capture, client) = client();
        let buf = Pack::default()
            .u8(OP_TRACK)
            .u8(FLAG_SITE | FLAG_LOGIN_ID)
            .str("C").str("f").str("F.kt").u32(7)
            .str("u1").str("ViewProduct")
            .u32(8)
            .str("s").u8(V_STR).str("价格")
            .str("i").u8(V_INT).i64(-3)
            .str("d").u8(V_FLOAT).f64(12.5)
            .str("b").u8(V_BOOL).u8(1)
            .str("n").u8(V_NULL)
            .str("l").u8(V_STR_LIST).u32(2).str("a").str("b")
            .str("day").u8(V_DATE).u32(2023).u8(1).u8(9)
            .str("at").u8(V_DATETIME_OFFSET).i64(1_709_251_198_007).u32(8 * 3600);
        assert_eq!(run(&client, &buf.0), (0, String::new()));
        let line = capture.0.lock().unwrap()[0].clone();
        assert!(line.contains(r#""$lib_detail":"C##f##F.kt##7""#), "{line}");
        assert!(
            line.contains(r#""s":"价格","i":-3,"d":12.5,"b":true,"n":null,"l":["a","b"],"day":"2023-01-09","at":"2024-02-29 23:59:58.007","$is_login_id":true"#),
            "{line}"
        );
    }

    #[test]
    fn errors_come_back_as_code_and_core_text() {
        let (capture, client) = client();
        let buf = Pack::default().u8(OP_TRACK).u8(0).str("u1").str("1bad").u32(NO_MAP);
        assert_eq!(run(&client, &buf.0), (1, "event name must be a valid variable name. [name=1bad]".into()));
        let buf = Pack::default().u8(OP_PROFILE).u8(0).u8(0).str("u1").u32(1).str("k").u8(V_UNSUPPORTED).str("<class 'dict'>");
        assert_eq!(
            run(&client, &buf.0),
            (1, "property value must be a str/int/float/datetime/date/list. [value=<class 'dict'>]".into())
        );
        let buf = Pack::default().u8(OP_BIND).u8(0).u32(1).str("$identity_login_id").str("L");
        assert_eq!(run(&client, &buf.0), (1, "bind needs at least two identities".into()));
        assert!(capture.0.lock().unwrap().is_empty());
    }

    #[test]
    fn malformed_buffers_are_internal_errors() {
        let (_, client) = client();
        // Truncated string, unknown op, trailing bytes, invalid UTF-8.
        for buf in [
            Pack::default().u8(OP_TRACK).u8(0).u32(99).0,
            Pack::default().u8(99).u8(0).0,
            Pack::default().u8(OP_UNBIND).u8(0).str("a").str("b").u8(0).0,
            Pack::default().u8(OP_UNBIND).u8(0).u32(1).u8(0xFF).str("b").0,
        ] {
            let (rc, msg) = run(&client, &buf);
            assert_eq!(rc, INTERNAL, "{msg}");
            assert!(msg.starts_with("packed call malformed at byte"), "{msg}");
        }
    }

    #[test]
    fn unset_keys_by_id_and_super_properties() {
        let (capture, client) = client();
        let buf = Pack::default().u8(OP_PROFILE_UNSET_KEYS_BY_ID).u8(0).u32(2).str("a").str("b").u32(1).str("$identity_login_id").str("L");
        assert_eq!(run(&client, &buf.0).0, 0);
        let line = capture.0.lock().unwrap()[0].clone();
        assert!(line.contains(r#""properties":{"a":true,"b":true,"$is_login_id":true}"#), "{line}");
        let buf = Pack::default().u8(OP_REGISTER_SUPER_PROPERTIES).u8(0).u32(1).str("app").u8(V_STR).str("demo");
        assert_eq!(run(&client, &buf.0).0, 0);
        let buf = Pack::default().u8(OP_TRACK).u8(0).str("u1").str("E").u32(NO_MAP);
        assert_eq!(run(&client, &buf.0).0, 0);
        assert!(capture.0.lock().unwrap()[1].contains(r#""app":"demo""#));
    }
}
