//! `$lib_detail`: where the user called the SDK, as `class##function##file##line`.
//!
//! The reference formats a traceback on every call (tens of µs). Here the caller's frame is
//! read directly: our methods are C functions, so the interpreter's current frame is the
//! caller's. The names of a code object are computed once and kept per thread, keyed by the
//! code object (held, so its address cannot be reused), and so are its line numbers, keyed by
//! instruction offset: `PyFrame_GetLineNumber` decodes the line table from the start on every
//! call (a tenth of a whole `track()`). A call then costs two attribute reads (`f_code`,
//! `f_lasti`) and two short scans.
//!
//! The class is taken from the function's qualified name (`Shop.checkout` → `Shop`, Python
//! 3.11+; empty before, and for module-level and nested functions). The reference instead
//! puts the source text of the caller's caller there; the comparison leaves `$lib_detail` out.

use std::cell::RefCell;
use std::rc::Rc;

use pyo3::prelude::*;
use pyo3::{ffi, intern};
use sensorsanalytics::CallSite;

use crate::value;

struct Names {
    code: Py<PyAny>,
    class: String,
    function: String,
    file: String,
    /// (instruction offset, line) of the calls seen from this code.
    lines: RefCell<Vec<(i64, u32)>>,
}

/// Call sites per code object whose lines are remembered; more are looked up each time.
const LINES_PER_CODE: usize = 64;

/// The call site of the current call: the names (shared with the per-thread cache) and line.
pub struct Site {
    names: Rc<Names>,
    line: u32,
}

impl Site {
    pub fn get(&self) -> CallSite<'_> {
        CallSite { class: &self.names.class, function: &self.names.function, file: &self.names.file, line: self.line }
    }
}

/// Enough for the call sites of a hot loop; the oldest entry gives way.
const CACHE_SIZE: usize = 16;

thread_local! {
    static CACHE: RefCell<Vec<Rc<Names>>> = const { RefCell::new(Vec::new()) };
}

/// The caller's call site, or `None` if there is no Python frame (or it cannot be read).
pub fn capture(py: Python<'_>) -> Option<Site> {
    // SAFETY: we hold the GIL; PyEval_GetFrame returns a borrowed frame or NULL.
    let frame = unsafe {
        let frame = ffi::PyEval_GetFrame();
        if frame.is_null() {
            return None;
        }
        Bound::from_borrowed_ptr(py, frame.cast::<ffi::PyObject>())
    };
    let code = frame.getattr(intern!(py, "f_code")).ok()?;
    let lasti = frame.getattr(intern!(py, "f_lasti")).ok()?;
    // SAFETY: f_lasti is an int; -1 (with an error) only if it were not.
    let lasti = unsafe { ffi::PyLong_AsLong(lasti.as_ptr()) } as i64;
    let names = CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(hit) = cache.iter().find(|n| n.code.as_ptr() == code.as_ptr()) {
            return Some(hit.clone());
        }
        let names = Rc::new(names_of(&code)?);
        if cache.len() == CACHE_SIZE {
            cache.remove(0);
        }
        cache.push(names.clone());
        Some(names)
    })?;
    let line = line_of(&names, &frame, lasti);
    Some(Site { names, line })
}

fn line_of(names: &Names, frame: &Bound<'_, PyAny>, lasti: i64) -> u32 {
    if let Some(&(_, line)) = names.lines.borrow().iter().find(|(at, _)| *at == lasti) {
        return line;
    }
    // SAFETY: a live frame object (held by `frame`), with the GIL held.
    let line = unsafe { ffi::PyFrame_GetLineNumber(frame.as_ptr().cast()) };
    let line = u32::try_from(line).unwrap_or(0);
    let mut lines = names.lines.borrow_mut();
    if lines.len() < LINES_PER_CODE && lasti >= 0 {
        lines.push((lasti, line));
    }
    line
}

fn names_of(code: &Bound<'_, PyAny>) -> Option<Names> {
    let py = code.py();
    let attr = |name: &Bound<'_, pyo3::types::PyString>| -> Option<String> {
        let v = code.getattr(name).ok()?;
        value::as_str(&v).ok().flatten().map(str::to_owned)
    };
    let function = attr(intern!(py, "co_name"))?;
    let file = attr(intern!(py, "co_filename"))?;
    // As the reference: `<module>`, `<lambda>`, ... are no function name.
    let function = if function.starts_with('<') { String::new() } else { function };
    let class = attr(intern!(py, "co_qualname")).map(|q| class_of(&q)).unwrap_or_default();
    Some(Names { code: code.clone().unbind(), class, function, file, lines: RefCell::new(Vec::new()) })
}

/// `A.B.method` → `B`; `outer.<locals>.inner` and `function` → empty.
fn class_of(qualname: &str) -> String {
    let mut parts = qualname.rsplit('.');
    parts.next();
    match parts.next() {
        Some(owner) if !owner.starts_with('<') => owner.to_owned(),
        _ => String::new(),
    }
}
