//! Who a request comes from: the client IP behind trusted proxies, and the site (the
//! `Origin` or `Referer` host) a browser sent it from.

use std::net::{IpAddr, SocketAddr};

use axum::http::{header, HeaderMap};
use ipnet::IpNet;

/// The client's address: the socket peer, unless the peer is one of `trusted`; then
/// `X-Forwarded-For` is walked from the right (the hop nearest to us) and the first
/// address that is not a trusted proxy is the client. Entries a proxy did not write
/// (left of an unparsable one) are never believed.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let peer = peer.to_canonical();
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Some(ip) = parse_hop(hop) else {
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

/// `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:5678`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|addr| addr.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// The lowercase host of `Origin`, or of `Referer` when `Origin` is missing or `null`.
pub fn origin_host(headers: &HeaderMap) -> Option<String> {
    let host = |name: header::HeaderName| {
        let value = headers.get(name)?.to_str().ok()?.trim();
        let url = url::Url::parse(value).ok()?;
        url.host_str()
            .map(|h| h.trim_end_matches('.').to_ascii_lowercase())
    };
    host(header::ORIGIN).or_else(|| host(header::REFERER))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().expect("header value"));
        }
        map
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn forwarded_for_is_ignored_from_untrusted_peers() {
        let h = headers(&[("x-forwarded-for", "9.9.9.9")]);
        assert_eq!(client_ip(ip("1.2.3.4"), &h, &[]), ip("1.2.3.4"));
        let trusted = ["10.0.0.0/8".parse().expect("net")];
        assert_eq!(client_ip(ip("1.2.3.4"), &h, &trusted), ip("1.2.3.4"));
    }

    #[test]
    fn the_nearest_untrusted_hop_is_the_client() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().expect("net")];
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 5.5.5.5:443, 10.0.0.2")]);
        assert_eq!(client_ip(ip("10.0.0.1"), &h, &trusted), ip("5.5.5.5"));
        let spoofed = headers(&[("x-forwarded-for", "garbage, 10.0.0.3")]);
        assert_eq!(
            client_ip(ip("10.0.0.1"), &spoofed, &trusted),
            ip("10.0.0.3")
        );
        assert_eq!(
            client_ip(ip("10.0.0.1"), &HeaderMap::new(), &trusted),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn origin_wins_over_referer_and_null_origins_fall_back() {
        let h = headers(&[
            ("origin", "https://App.Example.com:8443"),
            ("referer", "https://other.example/page"),
        ]);
        assert_eq!(origin_host(&h).as_deref(), Some("app.example.com"));
        let h = headers(&[("origin", "null"), ("referer", "https://b.example/x?y")]);
        assert_eq!(origin_host(&h).as_deref(), Some("b.example"));
        assert_eq!(origin_host(&HeaderMap::new()), None);
    }
}
