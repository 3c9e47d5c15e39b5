//! `$lib_detail` from a V8 stack trace: lib/callsite.js captures the caller's frame cheaply
//! (one frame, see there) and passes its `stack` text; the parsing happens here.

use sensorsanalytics::CallSite;

/// The first frame of a V8 `stack` text as a call site: `class##function##file##line`.
///
/// Frames look like `    at Class.method [as alias] (/path/file.js:12:5)`,
/// `    at async fn (file:///x.mjs:3:1)`, `    at new Foo (...)` or `    at /path/file.js:1:2`.
pub fn parse(stack: &str) -> Option<CallSite<'_>> {
    let frame = stack
        .split('\n')
        .find_map(|l| l.trim_start().strip_prefix("at "))?;
    let frame = frame.trim_end();
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
}
