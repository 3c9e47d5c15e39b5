//! `$lib_detail` from a V8 frame. lib/callsite.js captures the caller's frame (see there for
//! why and how) and, the first time it meets a site, has it parsed here into a [`Site`], which
//! it keeps and passes to every later call from that site: nothing is converted or parsed per
//! call. The text of a whole `stack` is still read, for the rare calls that pass one.

use sensorsanalytics::CallSite;

/// A parsed call site that JS holds (as an External, see raw.rs) and passes to the methods.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Site {
    class: String,
    function: String,
    file: String,
    line: u32,
}

impl Site {
    /// One V8 frame's text (what `CallSite.prototype.toString` gives), parsed; `None` when it
    /// names no location.
    pub fn parse(frame: &str) -> Option<Site> {
        let s = parse_frame(frame)?;
        Some(Site {
            class: s.class.to_owned(),
            function: s.function.to_owned(),
            file: s.file.to_owned(),
            line: s.line,
        })
    }

    pub fn call_site(&self) -> CallSite<'_> {
        CallSite {
            class: &self.class,
            function: &self.function,
            file: &self.file,
            line: self.line,
        }
    }
}

/// The first frame of a V8 `stack` text as a call site: `class##function##file##line`.
pub fn parse(stack: &str) -> Option<CallSite<'_>> {
    let frame = stack
        .split('\n')
        .find_map(|l| l.trim_start().strip_prefix("at "))?;
    parse_frame(frame)
}

/// One frame, as V8 prints it after `at `: `Class.method [as alias] (/path/file.js:12:5)`,
/// `async fn (file:///x.mjs:3:1)`, `new Foo (...)` or `/path/file.js:1:2`.
fn parse_frame(frame: &str) -> Option<CallSite<'_>> {
    let frame = frame.trim();
    if frame.is_empty() {
        return None;
    }
    let frame = frame.strip_prefix("async ").unwrap_or(frame);
    let frame = frame.strip_prefix("new ").unwrap_or(frame);
    let (name, location) = match frame.strip_suffix(')').and_then(|f| f.split_once(" (")) {
        Some((name, location)) => (name, location),
        None => ("", frame),
    };
    // `Foo.bar [as baz]`: the alias is how it was called, not what it is.
    let name = name.split_once(" [as ").map_or(name, |(n, _)| n);
    let (class, function) = name.rsplit_once('.').unwrap_or(("", name));
    let mut parts = location.rsplitn(3, ':');
    let (file, line) = match (parts.next(), parts.next(), parts.next()) {
        (Some(_col), Some(line), Some(file)) => (file, line.parse().unwrap_or(0)),
        _ => (location, 0),
    };
    Some(CallSite {
        class,
        function,
        file,
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detail(stack: &str) -> String {
        let s = parse(stack).unwrap();
        format!("{}##{}##{}##{}", s.class, s.function, s.file, s.line)
    }

    #[test]
    fn frames() {
        assert_eq!(
            detail("Error\n    at Shop.buy (/app/shop.js:12:5)"),
            "Shop##buy##/app/shop.js##12"
        );
        assert_eq!(
            detail("Error\n    at main (/app/a.js:3:9)"),
            "##main##/app/a.js##3"
        );
        assert_eq!(detail("Error\n    at /app/a.js:7:1"), "####/app/a.js##7");
        assert_eq!(
            detail("Error\n    at Object.<anonymous> (/app/a.js:1:4)"),
            "Object##<anonymous>##/app/a.js##1"
        );
        assert_eq!(
            detail("Error\n    at async run (file:///app/a.mjs:5:2)"),
            "##run##file:///app/a.mjs##5"
        );
        assert_eq!(
            detail("Error\n    at new Cart (/app/c.js:2:3)"),
            "##Cart##/app/c.js##2"
        );
        assert_eq!(
            detail("Error\n    at A.b [as c] (/x.js:9:9)"),
            "A##b##/x.js##9"
        );
        assert_eq!(
            detail("Error\n    at Array.forEach (<anonymous>)"),
            "Array##forEach##<anonymous>##0"
        );
        assert!(parse("Error").is_none());
    }

    #[test]
    fn owned_sites() {
        let site = Site::parse("Shop.buy (/app/shop.js:12:5)").unwrap();
        assert_eq!(
            site.call_site(),
            CallSite {
                class: "Shop",
                function: "buy",
                file: "/app/shop.js",
                line: 12
            }
        );
        assert_eq!(
            Site::parse("/app/a.mjs:3:1").unwrap().call_site(),
            CallSite {
                class: "",
                function: "",
                file: "/app/a.mjs",
                line: 3
            }
        );
        assert!(Site::parse("").is_none());
    }
}
