//! Just enough HTTP/1.1 (RFC 9112) for SDK clients: request heads, Content-Length and chunked
//! bodies, keep-alive, `Expect: 100-continue`, and writing a complete response in one write.
//! Anything fancier (pipelined upgrades, trailers we care about, HTTP/2) is out of scope: the
//! clients under test are reqwest, urllib/requests, Node's http, libcurl and OkHttp, all of which
//! speak plain HTTP/1.1 to an `http://` URL.

use std::fmt;
use std::io::{self, BufRead, Read, Write};

/// Longest request line or header line accepted; real SDK heads are a few hundred bytes.
pub const MAX_LINE: usize = 16 * 1024;
/// Most header lines accepted in one request head.
pub const MAX_HEADERS: usize = 128;

#[derive(Debug)]
pub enum HttpError {
    /// The socket failed or timed out (includes a peer that vanished mid-request).
    Io(io::Error),
    /// The peer sent something that is not HTTP/1.x; answered with 400.
    Malformed(String),
    /// A line or the body exceeded our limits; answered with 413/431-ish 400.
    TooLarge(String),
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::Io(e) => write!(f, "i/o error: {e}"),
            HttpError::Malformed(m) => write!(f, "malformed request: {m}"),
            HttpError::TooLarge(m) => write!(f, "too large: {m}"),
        }
    }
}

impl From<io::Error> for HttpError {
    fn from(e: io::Error) -> Self {
        HttpError::Io(e)
    }
}

/// How the body of a request is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    None,
    Length(usize),
    Chunked,
}

/// A parsed request line plus headers (the body is read separately, so that a fault can strike
/// between the head and the body).
#[derive(Debug, Clone)]
pub struct Head {
    pub method: String,
    /// The request target as sent, e.g. `/sa?project=default`.
    pub target: String,
    /// Minor version: 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub minor: u8,
    /// Header names as sent (case kept for diagnostics); look up with [`Head::header`].
    pub headers: Vec<(String, String)>,
}

impl Head {
    /// First header with this name, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn path(&self) -> &str {
        self.target
            .split_once('?')
            .map_or(self.target.as_str(), |(p, _)| p)
    }

    pub fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }

    /// HTTP/1.1 keeps the connection unless told `close`; HTTP/1.0 closes unless told
    /// `keep-alive`.
    pub fn keep_alive(&self) -> bool {
        let conn = self.header("connection").unwrap_or("").to_ascii_lowercase();
        let has = |t: &str| conn.split(',').any(|x| x.trim() == t);
        if self.minor >= 1 {
            !has("close")
        } else {
            has("keep-alive")
        }
    }

    pub fn expects_continue(&self) -> bool {
        self.header("expect")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("100-continue"))
    }

    /// Body framing per RFC 9112 §6.3: chunked wins over Content-Length.
    pub fn body_kind(&self) -> Result<BodyKind, HttpError> {
        if let Some(te) = self.header("transfer-encoding") {
            if te
                .split(',')
                .any(|t| t.trim().eq_ignore_ascii_case("chunked"))
            {
                return Ok(BodyKind::Chunked);
            }
            return Err(HttpError::Malformed(format!(
                "unsupported Transfer-Encoding: {te}"
            )));
        }
        match self.header("content-length") {
            None => Ok(BodyKind::None),
            Some(v) => v
                .trim()
                .parse::<usize>()
                .map(|n| {
                    if n == 0 {
                        BodyKind::None
                    } else {
                        BodyKind::Length(n)
                    }
                })
                .map_err(|_| HttpError::Malformed(format!("bad Content-Length: {v}"))),
        }
    }
}

/// Reads one line (up to and without CRLF/LF). `Ok(None)` means EOF before any byte.
fn read_line<R: BufRead>(r: &mut R) -> Result<Option<String>, HttpError> {
    let mut buf = Vec::new();
    let n = r
        .by_ref()
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() != Some(&b'\n') {
        if buf.len() > MAX_LINE {
            return Err(HttpError::TooLarge("header line".into()));
        }
        return Err(HttpError::Io(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed mid-line",
        )));
    }
    buf.pop();
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    String::from_utf8(buf)
        .map(Some)
        .map_err(|_| HttpError::Malformed("non-UTF-8 in request head".into()))
}

/// Reads a request head. `Ok(None)` is a clean close between requests (the normal end of a
/// keep-alive connection).
pub fn read_head<R: BufRead>(r: &mut R) -> Result<Option<Head>, HttpError> {
    // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request line.
    let line = loop {
        match read_line(r)? {
            None => return Ok(None),
            Some(l) if l.is_empty() => continue,
            Some(l) => break l,
        }
    };
    let mut parts = line.split(' ');
    let (method, target, version) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(t), Some(v), None) if !m.is_empty() && !t.is_empty() => (m, t, v),
        _ => return Err(HttpError::Malformed(format!("bad request line: {line:?}"))),
    };
    let minor = match version {
        "HTTP/1.1" => 1,
        "HTTP/1.0" => 0,
        _ => {
            return Err(HttpError::Malformed(format!(
                "unsupported version: {version}"
            )))
        }
    };
    let mut headers = Vec::new();
    loop {
        let l = read_line(r)?.ok_or_else(|| {
            HttpError::Io(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed in head",
            ))
        })?;
        if l.is_empty() {
            break;
        }
        if headers.len() >= MAX_HEADERS {
            return Err(HttpError::TooLarge("too many headers".into()));
        }
        let (name, value) = l
            .split_once(':')
            .ok_or_else(|| HttpError::Malformed(format!("bad header line: {l:?}")))?;
        if name.is_empty() || name.ends_with(' ') || name.ends_with('\t') {
            return Err(HttpError::Malformed(format!("bad header name: {name:?}")));
        }
        headers.push((name.to_string(), value.trim().to_string()));
    }
    Ok(Some(Head {
        method: method.to_string(),
        target: target.to_string(),
        minor,
        headers,
    }))
}

/// Reads the whole body, refusing more than `max` bytes (a runaway client must not eat memory).
pub fn read_body<R: BufRead>(r: &mut R, kind: BodyKind, max: usize) -> Result<Vec<u8>, HttpError> {
    match kind {
        BodyKind::None => Ok(Vec::new()),
        BodyKind::Length(n) => {
            if n > max {
                return Err(HttpError::TooLarge(format!("body of {n} bytes")));
            }
            let mut body = vec![0; n];
            r.read_exact(&mut body)?;
            Ok(body)
        }
        BodyKind::Chunked => {
            let mut body = Vec::new();
            loop {
                let line = read_line(r)?.ok_or_else(|| {
                    HttpError::Io(io::Error::new(io::ErrorKind::UnexpectedEof, "eof in chunk"))
                })?;
                // Chunk extensions (";name=value") are allowed and meaningless to us.
                let size_str = line.split(';').next().unwrap_or("").trim();
                let size = usize::from_str_radix(size_str, 16)
                    .map_err(|_| HttpError::Malformed(format!("bad chunk size: {line:?}")))?;
                if size == 0 {
                    // Trailer section: skip lines until the empty one.
                    while let Some(l) = read_line(r)? {
                        if l.is_empty() {
                            break;
                        }
                    }
                    return Ok(body);
                }
                if body.len() + size > max {
                    return Err(HttpError::TooLarge("chunked body".into()));
                }
                let start = body.len();
                body.resize(start + size, 0);
                r.read_exact(&mut body[start..])?;
                let mut crlf = [0u8; 2];
                r.read_exact(&mut crlf)?;
                if &crlf != b"\r\n" {
                    return Err(HttpError::Malformed("chunk not followed by CRLF".into()));
                }
            }
        }
    }
}

pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// Writes a complete response in a single `write_all`, so a reader never sees half a head.
pub fn write_response<W: Write>(
    w: &mut W,
    status: u16,
    content_type: &str,
    extra: &[(&str, String)],
    body: &[u8],
    keep_alive: bool,
) -> io::Result<()> {
    let mut out = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: {}\r\n",
        reason(status),
        body.len(),
        if keep_alive { "keep-alive" } else { "close" },
    )
    .into_bytes();
    for (name, value) in extra {
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    w.write_all(&out)?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    #[test]
    fn parses_head_and_length_body() {
        let raw = b"POST /sa?project=p HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET";
        let mut r = BufReader::new(&raw[..]);
        let h = read_head(&mut r).unwrap().unwrap();
        assert_eq!(h.method, "POST");
        assert_eq!(h.path(), "/sa");
        assert_eq!(h.query(), "project=p");
        assert_eq!(h.header("HOST"), Some("x"));
        assert!(h.keep_alive());
        let b = read_body(&mut r, h.body_kind().unwrap(), 100).unwrap();
        assert_eq!(b, b"abc");
    }

    #[test]
    fn parses_chunked_body() {
        let raw = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: v\r\n\r\n";
        let mut r = BufReader::new(&raw[..]);
        let h = read_head(&mut r).unwrap().unwrap();
        assert_eq!(h.body_kind().unwrap(), BodyKind::Chunked);
        assert_eq!(read_body(&mut r, BodyKind::Chunked, 100).unwrap(), b"abcde");
    }

    #[test]
    fn eof_between_requests_is_clean() {
        let mut r = BufReader::new(&b""[..]);
        assert!(read_head(&mut r).unwrap().is_none());
    }

    #[test]
    fn http10_closes_by_default() {
        let raw = b"GET / HTTP/1.0\r\n\r\n";
        let h = read_head(&mut BufReader::new(&raw[..])).unwrap().unwrap();
        assert!(!h.keep_alive());
    }

    #[test]
    fn rejects_garbage() {
        let raw = b"\x16\x03\x01 hello\r\n\r\n";
        assert!(matches!(
            read_head(&mut BufReader::new(&raw[..])),
            Err(HttpError::Malformed(_))
        ));
    }
}
