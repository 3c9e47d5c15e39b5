//! Python values as core values: the hot path of every call.
//!
//! Strings are borrowed from the Python objects (their UTF-8 form, cached inside the str
//! object) while the GIL is held for the whole call; a call that releases the GIL while the
//! core works (network consumers) copies them instead ([`Strings::Copy`]), since another
//! thread could then change the caller's dict and free a borrowed string.
//!
//! Unsupported values are not rejected here: they become `Value::Invalid` in place, so that
//! the core reports errors in the reference's order (ids and names before values).

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::os::raw::c_char;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use pyo3::{ffi, intern};
use sensorsanalytics::{validate, Invalid, Properties, Text, Value};

use crate::datetime;
use crate::error::illegal;

extern "C" {
    // Exported by every CPython 3 since 3.3, but part of the limited API only from 3.10:
    // declared here so that the abi3-py38 module borrows a str's UTF-8 without copying it.
    #[link_name = "PyUnicode_AsUTF8AndSize"]
    fn unicode_as_utf8(o: *mut ffi::PyObject, size: *mut ffi::Py_ssize_t) -> *const c_char;
}

/// Whether converted strings borrow from the Python objects or own a copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strings {
    Borrow,
    Copy,
}

/// The UTF-8 text of a str object.
///
/// # Safety
/// `obj` must be a live `str` (or subclass) that stays alive for `'a`. Python strings are
/// immutable and their UTF-8 cache lives as long as the object.
unsafe fn utf8_raw<'a>(py: Python<'_>, obj: *mut ffi::PyObject) -> PyResult<&'a str> {
    let mut size: ffi::Py_ssize_t = 0;
    // SAFETY: obj is a str (caller); the GIL is held (py).
    let data = unsafe { unicode_as_utf8(obj, &mut size) };
    if data.is_null() {
        // Lone surrogates cannot be UTF-8: the UnicodeEncodeError goes to the caller.
        return Err(PyErr::fetch(py));
    }
    // SAFETY: CPython returns `size` bytes of valid UTF-8 that live as long as the object.
    Ok(unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(data.cast::<u8>(), size as usize)) })
}

fn is_str(obj: *mut ffi::PyObject) -> bool {
    // SAFETY: obj is a live object; these only read its type.
    unsafe { ffi::Py_TYPE(obj) == std::ptr::addr_of_mut!(ffi::PyUnicode_Type) || ffi::PyUnicode_Check(obj) != 0 }
}

/// The text of a str object, borrowed; `None` if `obj` is not a str.
pub fn as_str<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<Option<&'a str>> {
    if !is_str(obj.as_ptr()) {
        return Ok(None);
    }
    // SAFETY: a str, kept alive by `obj` for 'a.
    unsafe { utf8_raw(obj.py(), obj.as_ptr()) }.map(Some)
}

fn cow<'a>(s: &'a str, strings: Strings) -> Cow<'a, str> {
    match strings {
        Strings::Borrow => Cow::Borrowed(s),
        Strings::Copy => Cow::Owned(s.to_owned()),
    }
}

/// `str(obj)`, as the reference's messages print objects.
pub fn text(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(obj.str()?.to_cow()?.into_owned())
}

/// `str(type(obj))`: `<class 'dict'>`, the type names of the reference's messages.
pub fn type_name(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    text(obj.get_type().as_any())
}

/// distinct_id, original_id, item_id: a str as is, None as empty (the core then reports it
/// missing), anything else as `str(obj)` (the reference accepts ints this way).
pub fn id<'a>(obj: &'a Bound<'_, PyAny>, strings: Strings) -> PyResult<Cow<'a, str>> {
    if obj.is_none() {
        return Ok(Cow::Borrowed(""));
    }
    match as_str(obj)? {
        Some(s) => Ok(cow(s, strings)),
        None => Ok(Cow::Owned(text(obj)?)),
    }
}

/// An event name, item type or identity field: a str, or (for the core to report in the
/// reference's order) the `str()` of anything else.
pub fn name<'a>(obj: &'a Bound<'_, PyAny>, strings: Strings) -> PyResult<Text<'a>> {
    match as_str(obj)? {
        Some(s) => Ok(Text::Str(cow(s, strings))),
        None => Ok(Text::NotStr(text(obj)?)),
    }
}

/// Keeps Python objects alive for as long as converted properties borrow from them.
///
/// Borrowing from a dict is sound while nothing can change it: we hold the GIL and run no
/// Python code. Some conversions do run Python code (`str()` of a non-str key, a tzinfo's
/// `utcoffset`, a metaclass's `__repr__`), and Python code can switch threads; before the
/// first of those, the dict is copied (one incref per entry) so every string borrowed so far
/// stays alive whatever happens to the caller's dict. Lists are always copied (same cost).
#[derive(Default)]
pub struct Keep<'py> {
    objects: RefCell<Vec<Bound<'py, PyAny>>>,
    dict_copied: Cell<bool>,
}

impl<'py> Keep<'py> {
    pub fn new() -> Self {
        Keep::default()
    }

    fn hold(&self, obj: Bound<'py, PyAny>) -> *mut ffi::PyObject {
        let ptr = obj.as_ptr();
        self.objects.borrow_mut().push(obj);
        ptr
    }
}

struct Conv<'a, 'py> {
    py: Python<'py>,
    /// The dict read (the caller's, or a private copy held in `keep`).
    dict: *mut ffi::PyObject,
    /// A private copy: no one else can change it.
    private: bool,
    keep: &'a Keep<'py>,
    strings: Strings,
}

impl<'a, 'py> Conv<'a, 'py> {
    /// Called before running any Python code in the middle of a conversion.
    fn protect(&self) -> PyResult<()> {
        if self.strings == Strings::Borrow && !self.private && !self.keep.dict_copied.replace(true) {
            // SAFETY: the dict is alive (the caller holds it); PyDict_Copy increfs every entry.
            let copy = unsafe { Bound::from_owned_ptr_or_err(self.py, ffi::PyDict_Copy(self.dict))? };
            self.keep.hold(copy);
        }
        Ok(())
    }

    /// `str(type(obj))`, after protecting what is borrowed.
    fn type_name(&self, obj: *mut ffi::PyObject) -> PyResult<String> {
        self.protect()?;
        // SAFETY: obj is a live borrowed reference (from the dict or a held list).
        type_name(&unsafe { Bound::from_borrowed_ptr(self.py, obj) })
    }
}

/// A dict's entries in order (its `items()` order), as core properties.
pub fn dict<'a, 'py>(d: &'a Bound<'py, PyDict>, keep: &'a Keep<'py>, strings: Strings) -> PyResult<Properties<'a>> {
    let py = d.py();
    let c = if d.is_exact_instance_of::<PyDict>() {
        Conv { py, dict: d.as_ptr(), private: false, keep, strings }
    } else {
        // A dict subclass may order its items its own way (OrderedDict.move_to_end): read it
        // as the reference does, through items(), into a plain dict of ours.
        let plain = PyDict::new(py);
        for item in d.call_method0(intern!(py, "items"))?.try_iter()? {
            let (k, v) = item?.extract::<(Bound<'py, PyAny>, Bound<'py, PyAny>)>()?;
            plain.set_item(k, v)?;
        }
        Conv { py, dict: keep.hold(plain.into_any()), private: true, keep, strings }
    };
    // SAFETY: the dict is alive: the caller's (held by the caller for 'a) or our copy (held
    // by `keep` for 'a).
    let len = unsafe { ffi::PyDict_Size(c.dict) }.max(0) as usize;
    let mut props = Properties::with_capacity(len);
    let mut pos: ffi::Py_ssize_t = 0;
    let mut k: *mut ffi::PyObject = std::ptr::null_mut();
    let mut v: *mut ffi::PyObject = std::ptr::null_mut();
    // SAFETY: PyDict_Next hands out borrowed references that the dict keeps alive while it is
    // unchanged; `Conv::protect` copies it before any Python code could change it, and the
    // copy lives in `keep`, which outlives 'a. The GIL is held throughout.
    while unsafe { ffi::PyDict_Next(c.dict, &mut pos, &mut k, &mut v) } != 0 {
        if is_str(k) {
            let key: &'a str = unsafe { utf8_raw(c.py, k)? };
            let value = unsafe { c.value(key, v)? };
            props.push_unique(cow(key, strings), value);
        } else {
            c.protect()?;
            let key = unsafe { Bound::from_borrowed_ptr(c.py, k) };
            props.push_unique(text(&key)?, Value::Invalid(Invalid::KeyNotStr));
        }
    }
    Ok(props)
}

impl<'a, 'py> Conv<'a, 'py> {
    /// One property value.
    ///
    /// # Safety
    /// `v` must be a live object kept alive for `'a` (by the dict or `keep`).
    unsafe fn value(&self, key: &str, v: *mut ffi::PyObject) -> PyResult<Value<'a>> {
        let (py, strings) = (self.py, self.strings);
        // SAFETY (whole body): v is live (caller); type checks only read its type.
        unsafe {
            let ty = ffi::Py_TYPE(v);
            // Exact types first: the common case costs one pointer comparison.
            if ty == std::ptr::addr_of_mut!(ffi::PyUnicode_Type) {
                return Ok(Value::Str(cow(utf8_raw(py, v)?, strings)));
            }
            if ty == std::ptr::addr_of_mut!(ffi::PyLong_Type) {
                return int(py, key, v);
            }
            if ty == std::ptr::addr_of_mut!(ffi::PyFloat_Type) {
                return Ok(Value::Float(ffi::PyFloat_AsDouble(v)));
            }
            // bool before int: it is an int subclass, but a bool in the output.
            if v == ffi::Py_True() {
                return Ok(Value::Bool(true));
            }
            if v == ffi::Py_False() {
                return Ok(Value::Bool(false));
            }
            if v == ffi::Py_None() {
                return Ok(Value::Null);
            }
            if ffi::PyList_Check(v) != 0 {
                return self.list(v);
            }
            // Subclasses (str and int enums, ...) pass as their base type, as in the reference.
            if ffi::PyUnicode_Check(v) != 0 {
                return Ok(Value::Str(cow(utf8_raw(py, v)?, strings)));
            }
            if ffi::PyLong_Check(v) != 0 {
                return int(py, key, v);
            }
            if ffi::PyFloat_Check(v) != 0 {
                return Ok(Value::Float(ffi::PyFloat_AsDouble(v)));
            }
            self.protect()?;
            let obj = Bound::from_borrowed_ptr(py, v);
            if let Some(dt) = datetime::convert(&obj)? {
                return Ok(dt);
            }
            Ok(Value::Invalid(Invalid::Type(Cow::Owned(type_name(&obj)?))))
        }
    }

    /// # Safety
    /// `v` must be a live list.
    unsafe fn list(&self, v: *mut ffi::PyObject) -> PyResult<Value<'a>> {
        let py = self.py;
        // SAFETY (whole body): v is a list (caller). Its items are read from a copy held in
        // `keep` (when borrowing), which no one else can change.
        unsafe {
            let n = ffi::PyList_Size(v).max(0);
            let src = if self.strings == Strings::Borrow {
                let copy = Bound::from_owned_ptr_or_err(py, ffi::PyList_GetSlice(v, 0, n))?;
                self.keep.hold(copy)
            } else {
                v
            };
            let mut items = Vec::with_capacity(n as usize);
            for i in 0..ffi::PyList_Size(src).max(0) {
                let item = ffi::PyList_GetItem(src, i);
                if item.is_null() {
                    return Err(PyErr::fetch(py));
                }
                if !is_str(item) {
                    return Ok(Value::Invalid(Invalid::ListElement(Cow::Owned(self.type_name(item)?))));
                }
                items.push(cow(utf8_raw(py, item)?, self.strings));
            }
            Ok(Value::List(items))
        }
    }
}

/// # Safety
/// `v` must be a live int.
unsafe fn int<'a>(py: Python<'_>, key: &str, v: *mut ffi::PyObject) -> PyResult<Value<'a>> {
    // SAFETY: v is an int (caller).
    let i = unsafe { ffi::PyLong_AsLongLong(v) };
    if i == -1 {
        if let Some(e) = PyErr::take(py) {
            if !e.is_instance_of::<pyo3::exceptions::PyOverflowError>(py) {
                return Err(e);
            }
            // `$time` reports its own error ("... a timestamp ..."), in the core's order.
            if key == "$time" {
                return Ok(Value::Invalid(Invalid::Type(Cow::Borrowed("<class 'int'>"))));
            }
            return Err(illegal(validate::msg_int_out_of_range(key)));
        }
    }
    Ok(Value::Int(i))
}

/// A list of keys for profile_unset: `{key: True}` in order; a key that is not a str keeps
/// its text and is reported by the core as the reference reports it. Not a hot path: the
/// keys are copied.
pub fn keys(l: &Bound<'_, PyList>) -> PyResult<Properties<'static>> {
    let mut props = Properties::with_capacity(l.len());
    for item in l.iter() {
        match as_str(&item)? {
            Some(s) => props.insert(s.to_owned(), Value::Bool(true)),
            None => props.insert(text(&item)?, Value::Invalid(Invalid::KeyNotStr)),
        }
    }
    Ok(props)
}
