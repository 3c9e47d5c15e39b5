//! Which proxy ReqwestTransport uses, as the reference (Python's urllib) decides: the
//! environment's `http_proxy`, `https_proxy` (by the URL's scheme), then `all_proxy`, each in
//! lower or upper case (lower case wins, as in urllib; upper-case `HTTP_PROXY` is ignored when
//! `REQUEST_METHOD` is set, i.e. under CGI, against "httpoxy"), and `no_proxy`/`NO_PROXY`
//! (comma-separated hosts, domain suffixes, IPs, CIDR blocks, or `*`). An explicit `proxy`
//! option replaces the environment's proxies for every scheme; `no_proxy` still applies to it.
//!
//! Credentials in a proxy URL (`http://user:pass@host:port`) are sent to the proxy (Basic;
//! also on `CONNECT`) and are never shown: [`redact`] hides them in every message.

use reqwest::{NoProxy, Proxy};

/// A variable in either case, lower case first; empty means unset.
fn env_any_case(lower: &str) -> Option<String> {
    let upper = lower.to_ascii_uppercase();
    let read = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    read(lower).or_else(|| {
        if upper == "HTTP_PROXY" && std::env::var_os("REQUEST_METHOD").is_some() {
            None
        } else {
            read(&upper)
        }
    })
}

/// The proxy settings in force for a client being built.
#[derive(Default, Clone, PartialEq, Eq)]
pub(crate) struct ProxySettings {
    pub http: Option<String>,
    pub https: Option<String>,
    pub all: Option<String>,
    pub no_proxy: Option<String>,
}

impl ProxySettings {
    pub fn resolve(explicit: Option<&str>) -> Self {
        let no_proxy = env_any_case("no_proxy");
        match explicit {
            Some(p) => ProxySettings { all: Some(p.to_owned()), no_proxy, ..Default::default() },
            None => ProxySettings {
                http: env_any_case("http_proxy"),
                https: env_any_case("https_proxy"),
                all: env_any_case("all_proxy"),
                no_proxy,
            },
        }
    }

    /// The secrets to keep out of messages: each proxy URL's user and password.
    pub fn secrets(&self) -> Vec<String> {
        [&self.http, &self.https, &self.all]
            .into_iter()
            .flatten()
            .flat_map(|p| userinfo(p))
            .collect()
    }

    /// reqwest proxies in the order they are tried: the scheme's own, then the catch-all.
    pub fn proxies(&self) -> Result<Vec<Proxy>, String> {
        let mut out = Vec::new();
        // `*` alone bypasses every proxy (urllib, curl); reqwest's matcher does not read it so.
        if self.no_proxy.as_deref().is_some_and(|n| n.trim() == "*") {
            return Ok(out);
        }
        let no_proxy = || self.no_proxy.as_deref().and_then(NoProxy::from_string);
        let bad = |var: &str, url: &str, e: reqwest::Error| {
            let _ = e; // reqwest's text may repeat the URL, credentials and all
            format!("invalid proxy URL in {var}: {}", redact(url))
        };
        if let Some(u) = &self.http {
            out.push(Proxy::http(with_scheme(u)).map_err(|e| bad("http_proxy", u, e))?.no_proxy(no_proxy()));
        }
        if let Some(u) = &self.https {
            out.push(Proxy::https(with_scheme(u)).map_err(|e| bad("https_proxy", u, e))?.no_proxy(no_proxy()));
        }
        if let Some(u) = &self.all {
            out.push(Proxy::all(with_scheme(u)).map_err(|e| bad("proxy", u, e))?.no_proxy(no_proxy()));
        }
        Ok(out)
    }
}

/// `host:port` means an HTTP proxy, as urllib reads it.
fn with_scheme(u: &str) -> String {
    let u = u.trim();
    if u.contains("://") {
        u.to_owned()
    } else {
        format!("http://{u}")
    }
}

/// The `user` and `password` parts of a URL's authority, raw and percent-decoded.
fn userinfo(u: &str) -> Vec<String> {
    let Ok(url) = reqwest::Url::parse(&with_scheme(u)) else {
        // Unparsable: hide whatever stands before an '@'.
        return authority_userinfo(u).into_iter().collect();
    };
    let mut out = Vec::new();
    for part in [url.username().to_owned(), url.password().unwrap_or("").to_owned()] {
        if part.len() >= 2 {
            if let Some(decoded) = percent_decode(&part) {
                if decoded != part && decoded.len() >= 2 {
                    out.push(decoded);
                }
            }
            out.push(part);
        }
    }
    out
}

fn authority_userinfo(u: &str) -> Option<String> {
    let rest = u.split_once("://").map(|(_, r)| r).unwrap_or(u);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    authority.rsplit_once('@').map(|(info, _)| info.to_owned()).filter(|i| !i.is_empty())
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let h = std::str::from_utf8(&b[i + 1..i + 3]).ok()?;
            out.push(u8::from_str_radix(h, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A proxy URL fit to show: `http://***@proxy:3128`.
pub fn redact(u: &str) -> String {
    match authority_userinfo(u) {
        Some(info) => u.replacen(&format!("{info}@"), "***@", 1),
        None => u.to_owned(),
    }
}

/// Replaces every secret in a message by `***`.
pub(crate) fn scrub(mut msg: String, secrets: &[String]) -> String {
    for s in secrets {
        if msg.contains(s.as_str()) {
            msg = msg.replace(s.as_str(), "***");
        }
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_credentials() {
        assert_eq!(redact("http://u:p%40ss@proxy:3128"), "http://***@proxy:3128");
        assert_eq!(redact("user:secret@proxy:3128"), "***@proxy:3128");
        assert_eq!(redact("http://proxy:3128"), "http://proxy:3128");
        let s = ProxySettings { all: Some("http://alice:s3cr%40t@p:1".into()), ..Default::default() };
        let secrets = s.secrets();
        assert!(secrets.contains(&"s3cr@t".to_owned()) && secrets.contains(&"alice".to_owned()));
        assert_eq!(scrub("proxy alice said s3cr@t".into(), &secrets), "proxy *** said ***");
    }

    #[test]
    fn a_bad_proxy_url_is_reported_without_its_credentials() {
        let s = ProxySettings { all: Some("http://bob:hunter22@[::1".into()), ..Default::default() };
        let e = s.proxies().unwrap_err();
        assert!(e.contains("***@") && !e.contains("hunter22"), "{e}");
    }
}
