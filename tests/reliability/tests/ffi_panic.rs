//! Every FFI entry point turns a panic into an error rather than unwinding into (or aborting)
//! the host. Only the C binding has a test hook that really panics (`sa_test_panic`, feature
//! `test-hooks`), and bindings-c's own C tests call it; so here the check is on the source,
//! for every entry point of every binding:
//!
//! - C and Node: each `extern "C" fn` must reach `catch_unwind(..)` through the functions it
//!   calls (followed within the crate: C's `guard`, Node's `guarded`), unless it is on the
//!   reviewed list of entry points with no code that can panic (short; a new one fails here).
//! - Node: each `#[napi]` function or method must carry `catch_unwind` (napi-rs otherwise
//!   lets a panic abort the process) or call `catch_unwind` itself (the module init).
//! - Python (pyo3) and Kotlin/Swift (uniffi) catch panics in their generated trampolines:
//!   pyo3 raises `pyo3_runtime.PanicException`, uniffi an internal error. Nothing to check
//!   per entry point; the row says so.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use sa_reliability::Figures;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn sources(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else { return out };
    let mut paths: Vec<_> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            out.extend(sources(&p));
        } else if p.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            // Comment lines only: code is kept as written.
            let code: String = text
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .map(|l| format!("{l}\n"))
                .collect();
            out.push((p.file_name().unwrap().to_string_lossy().into_owned(), code));
        }
    }
    out
}

/// The text between the `{` at `open` and its matching `}` (string literals skipped).
fn block(s: &str, open: usize) -> &str {
    let b = s.as_bytes();
    let (mut depth, mut i) = (0usize, open);
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'\'' if i + 2 < b.len() && b[i + 2] == b'\'' => i += 2,
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return &s[open..=i];
                }
            }
            _ => {}
        }
        i += 1;
    }
    &s[open..]
}

/// An identifier (or a macro's `$name`) starting at `at`.
fn ident_at(s: &str, at: usize) -> &str {
    let end = s[at..]
        .char_indices()
        .find(|&(i, c)| !(c.is_alphanumeric() || c == '_' || (i == 0 && c == '$')))
        .map(|(i, _)| i)
        .map_or(s.len(), |e| at + e);
    &s[at..end]
}

/// Every `fn name` with a body: (name, body, is an `extern "C"` entry point).
fn functions(code: &str) -> Vec<(String, String, bool)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(k) = code[from..].find("fn ") {
        let at = from + k;
        from = at + 3;
        let before = code[..at].trim_end();
        if at > 0 && !code[..at].ends_with(|c: char| c.is_whitespace()) {
            continue; // part of a longer word
        }
        let name = ident_at(code, at + 3).to_owned();
        if name.is_empty() {
            continue;
        }
        let (Some(brace), semi) = (code[at..].find('{'), code[at..].find(';')) else { continue };
        if semi.is_some_and(|s| s < brace) {
            continue; // a declaration without a body
        }
        let body = block(code, at + brace).to_owned();
        out.push((name, body, before.ends_with("extern \"C\"")));
    }
    out
}

fn calls(body: &str, name: &str) -> bool {
    let pat = format!("{name}(");
    body.match_indices(&pat).any(|(i, _)| {
        i == 0 || !body[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_')
    })
}

/// Reviewed: these C entry points contain nothing that can panic (a static string, a
/// thread-local read with `try_with`, a `match` on an int).
const C_NO_PANIC_PATHS: &[&str] = &["sa_version", "sa_last_error_message", "sa_last_error_code", "sa_error_name"];

/// The functions of a crate that reach `catch_unwind(..)`, directly or through each other.
fn guarded(all: &[(String, String, bool)]) -> BTreeSet<String> {
    let mut guarded: BTreeSet<String> = BTreeSet::new();
    loop {
        let before = guarded.len();
        for (name, body, _) in all {
            if calls(body, "catch_unwind") || guarded.iter().any(|g| calls(body, g)) {
                guarded.insert(name.clone());
            }
        }
        if guarded.len() == before {
            return guarded;
        }
    }
}

/// `extern "C"` entry points of the crate in `dir`: (how many, those not guarded).
fn check_extern(lang: &str, dir: &str, reviewed: &[&str]) -> (usize, Vec<String>) {
    let files = sources(&repo().join(dir));
    let all: Vec<(String, String, bool)> = files.iter().flat_map(|(_, c)| functions(c)).collect();
    let guarded = guarded(&all);
    let entries: BTreeMap<&str, &str> = all
        .iter()
        .filter(|(_, _, ext)| *ext)
        .map(|(n, b, _)| (n.as_str(), b.as_str()))
        .collect();
    let bad = entries
        .keys()
        .filter(|n| !guarded.contains(**n) && !reviewed.contains(n))
        .map(|n| format!("{lang} {n}"))
        .collect();
    (entries.len(), bad)
}

fn check_napi() -> (usize, Vec<String>) {
    let files = sources(&repo().join("bindings-node/src"));
    let all: Vec<(String, String, bool)> = files.iter().flat_map(|(_, c)| functions(c)).collect();
    let guarded = guarded(&all);
    let (mut n, mut bad) = (0, Vec::new());
    for (file, code) in &files {
        let lines: Vec<&str> = code.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            let t = l.trim_start();
            if !(t.starts_with("#[napi") || t.starts_with("#[napi_derive::napi")) {
                continue;
            }
            // The item the attribute is on: the next line that is not an attribute.
            let Some(item) = lines[i + 1..].iter().map(|l| l.trim_start()).find(|l| !l.starts_with("#[")) else {
                continue;
            };
            if !item.split_whitespace().take(4).any(|w| w == "fn") {
                continue;
            }
            n += 1;
            let name = item.split("fn ").nth(1).map(|r| ident_at(r, 0)).unwrap_or("?");
            if !t.contains("catch_unwind") && !guarded.contains(name) {
                bad.push(format!("Node {file}:{} {name}", i + 1));
            }
        }
    }
    (n, bad)
}

#[test]
fn every_ffi_entry_point_turns_a_panic_into_an_error() {
    let started = Instant::now();
    let (nc, bad_c) = check_extern("C", "bindings-c/src", C_NO_PANIC_PATHS);
    let (nx, bad_raw) = check_extern("Node", "bindings-node/src", &[]);
    let (nn, bad_node) = check_napi();
    let mut f = Figures::new("robustness/ffi-panic-guards", started);
    f.no_records = true;
    let bad: Vec<String> = bad_c.into_iter().chain(bad_raw).chain(bad_node).collect();
    f.passed = bad.is_empty() && nc > 0;
    f.note = format!(
        "C: {nc} extern \"C\" entry points (guard/catch_unwind, {} reviewed as panic-free); Node: {nn} #[napi] fns and {nx} extern \"C\" callbacks (catch_unwind); Python/pyo3 and Kotlin/uniffi catch panics in generated code (not checked per function); sa_test_panic is run by bindings-c's C tests{}",
        C_NO_PANIC_PATHS.len(),
        if bad.is_empty() { String::new() } else { format!("; UNGUARDED: {}", bad.join(", ")) }
    );
    f.emit();
    assert!(f.passed, "{}", f.note);
}

/// The checker itself: it must see an unguarded entry point, follow helpers, and skip
/// function-pointer types and declarations.
#[test]
fn the_checker_finds_an_unguarded_entry_point() {
    let code = r#"
        fn guard(f: impl FnOnce() -> i32) -> i32 { catch_unwind(AssertUnwindSafe(f)).unwrap_or(-1) }
        fn helper(x: i32) -> i32 { guard(|| { let s = "{ not a brace }"; x }) }
        #[no_mangle]
        pub unsafe extern "C" fn sa_good(x: i32) -> i32 { helper(x) }
        #[no_mangle]
        pub extern "C" fn sa_bad(p: Option<unsafe extern "C" fn(i32) -> i32>) -> i32 { p.unwrap()(1) }
        extern "C" { fn declared(x: i32); }
    "#;
    let all = functions(code);
    let g = guarded(&all);
    let entries: Vec<&str> = all.iter().filter(|f| f.2).map(|f| f.0.as_str()).collect();
    assert_eq!(entries, ["sa_good", "sa_bad"]);
    assert!(g.contains("sa_good") && !g.contains("sa_bad"), "{g:?}");
}
