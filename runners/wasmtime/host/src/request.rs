//! The request a guest sees: `/t/<tenant>/<path>` becomes `<path>`, hop-by-hop headers and the
//! lab's own headers are dropped, the body is buffered (as the TypeScript hosts do).

use anyhow::{Context, Result};
use bytes::Bytes;
use http_body_util::Full;

/// Headers that describe one hop, never forwarded (RFC 9110 §7.6.1), plus ones the transport recomputes.
pub const HOP_BY_HOP: [&str; 11] = ["connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length"];

/// The request header forcing a fresh instance.
pub const FORCE_COLD: &str = "x-lab-force-cold";

/// Splits `/t/<tenant><rest>` into the tenant (percent-decoded) and the guest's path (`/` when empty).
pub fn split_tenant_path(path_and_query: &str) -> Option<(String, String)> {
    let rest = path_and_query.strip_prefix("/t/")?;
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (raw, tail) = rest.split_at(end);
    let tenant = percent_decode(raw).unwrap_or_else(|| raw.to_string());
    let path = if tail.starts_with('/') { tail.to_string() } else { format!("/{tail}") };
    Some((tenant, path))
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Builds the guest's request. `authority` stands in for the Host header (wasi:http requires one).
pub fn guest_request<'a>(method: &str, path: &str, headers: impl Iterator<Item = (&'a str, &'a [u8])>, body: Bytes, authority: &str) -> Result<http::Request<Full<Bytes>>> {
    let uri = format!("http://{authority}{path}");
    let mut b = http::Request::builder().method(method).uri(&uri);
    for (name, value) in headers {
        let lower = name.to_ascii_lowercase();
        if HOP_BY_HOP.contains(&lower.as_str()) || lower == FORCE_COLD {
            continue;
        }
        b = b.header(name, value);
    }
    b.body(Full::new(body)).with_context(|| format!("bad request line or header for {method} {uri}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_tenant_and_path() {
        assert_eq!(split_tenant_path("/t/a/b/c?x=1"), Some(("a".into(), "/b/c?x=1".into())));
        assert_eq!(split_tenant_path("/t/a"), Some(("a".into(), "/".into())));
        assert_eq!(split_tenant_path("/t/a?q"), Some(("a".into(), "/?q".into())));
        assert_eq!(split_tenant_path("/t/t%2D1/x"), Some(("t-1".into(), "/x".into())));
        assert_eq!(split_tenant_path("/_lab/stats"), None);
    }

    #[test]
    fn drops_hop_by_hop_and_lab_headers() {
        let h: Vec<(&str, &[u8])> = vec![("Connection", b"close"), ("x-lab-force-cold", b"1"), ("x-a", b"1"), ("Host", b"h")];
        let r = guest_request("POST", "/p?q", h.into_iter(), Bytes::from_static(b"hi"), "127.0.0.1:1").expect("request builds");
        assert_eq!(r.uri().path_and_query().map(|p| p.as_str()), Some("/p?q"));
        assert_eq!(r.headers().len(), 1);
        assert!(r.headers().contains_key("x-a"));
    }
}
