//! S3 (or any S3-compatible store): presigned uploads and the URLs of stored files.
//!
//! Nothing here does I/O: rusty-s3 signs URLs offline, clients upload straight to the
//! bucket, and the gateway only ever sees the resulting URL again (in `attachFile`).

use std::time::Duration;

use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};
use secrecy::ExposeSecret;
use url::Url;

use crate::config::S3Config;

/// The configured bucket, and where its files are downloaded from.
#[derive(Clone, Debug)]
pub struct S3Storage {
    bucket: Bucket,
    credentials: Credentials,
    /// `S3_PUBLIC_URL` or the bucket's own URL; always ends with `/`.
    public_base: Url,
}

impl S3Storage {
    /// Fails (with a reason for the operator) when the bucket cannot be addressed, e.g.
    /// a virtual-hosted-style bucket on an IP endpoint.
    pub fn new(config: &S3Config) -> Result<Self, String> {
        let style = if config.path_style {
            UrlStyle::Path
        } else {
            UrlStyle::VirtualHost
        };
        let bucket = Bucket::new(
            config.endpoint.clone(),
            style,
            config.bucket.clone(),
            config.region.clone(),
        )
        .map_err(|e| format!("cannot address bucket {:?} there: {e}", config.bucket))?;
        let credentials = Credentials::new(
            config.access_key_id.clone(),
            config.secret_access_key.expose_secret(),
        );
        let public_base = with_trailing_slash(
            config
                .public_url
                .clone()
                .unwrap_or_else(|| bucket.base_url().clone()),
        );
        Ok(Self {
            bucket,
            credentials,
            public_base,
        })
    }

    /// A URL that lets its holder `PUT` exactly one object at `object_key` for `ttl`.
    ///
    /// `Content-Type` and `Content-Length` are signed: S3 refuses an upload of another
    /// type or size, so the limits checked when the URL was issued hold for the file.
    pub fn presign_put(
        &self,
        object_key: &str,
        content_type: &str,
        content_length: u64,
        ttl: Duration,
    ) -> Url {
        let mut action = self.bucket.put_object(Some(&self.credentials), object_key);
        let headers = action.headers_mut();
        headers.insert("content-length", content_length.to_string());
        headers.insert("content-type", content_type.to_owned());
        action.sign(ttl)
    }

    /// Where clients download `object_key` from.
    pub fn public_url(&self, object_key: &str) -> String {
        let mut url = self.public_base.clone();
        url.path_segments_mut()
            .expect("an http(s) base has path segments")
            .pop_if_empty()
            .extend(object_key.split('/'));
        url.into()
    }

    /// The object key of a URL of this bucket: under `S3_PUBLIC_URL` or the bucket's own
    /// URL, same scheme, host and port, no query, fragment or credentials. Only keys of
    /// unreserved characters (`A-Z a-z 0-9 - _ . ~`, `/`-separated, the keys
    /// [`S3Storage`] users issue) are recognised; anything else is `None`.
    pub fn object_key_from_url(&self, url: &str) -> Option<String> {
        let url = Url::parse(url.trim()).ok()?;
        if url.query().is_some()
            || url.fragment().is_some()
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return None;
        }
        [&self.public_base, self.bucket.base_url()]
            .into_iter()
            .find_map(|base| key_under(base, &url))
    }
}

fn key_under(base: &Url, url: &Url) -> Option<String> {
    let same_origin = url.scheme() == base.scheme()
        && url.host() == base.host()
        && url.port_or_known_default() == base.port_or_known_default();
    if !same_origin {
        return None;
    }
    let key = url.path().strip_prefix(base.path())?;
    let plain = key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~' | '/'));
    let segments_ok = key
        .split('/')
        .all(|s| !s.is_empty() && s != "." && s != "..");
    (plain && segments_ok).then(|| key.to_owned())
}

fn with_trailing_slash(mut url: Url) -> Url {
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(endpoint: &str, path_style: bool, public_url: Option<&str>) -> S3Config {
        S3Config {
            endpoint: endpoint.parse().expect("endpoint"),
            bucket: "media".into(),
            region: "eu-west-1".into(),
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            path_style,
            public_url: public_url.map(|u| u.parse().expect("public url")),
            presign_ttl: Duration::from_secs(900),
            max_upload_size_bytes: 1024,
        }
    }

    fn storage(endpoint: &str, path_style: bool, public_url: Option<&str>) -> S3Storage {
        S3Storage::new(&config(endpoint, path_style, public_url)).expect("storage")
    }

    #[test]
    fn a_presigned_put_signs_type_and_length_for_the_ttl() {
        let s3 = storage("http://127.0.0.1:9000", true, None);
        let url = s3.presign_put(
            "uploads/7/a.jpg",
            "image/jpeg",
            123,
            Duration::from_secs(600),
        );
        assert_eq!(url.path(), "/media/uploads/7/a.jpg");
        let query: std::collections::HashMap<_, _> = url.query_pairs().collect();
        assert_eq!(query["X-Amz-Expires"], "600");
        assert_eq!(
            query["X-Amz-SignedHeaders"],
            "content-length;content-type;host"
        );
        assert!(query["X-Amz-Credential"].starts_with("AKIDEXAMPLE/"));
        assert!(query["X-Amz-Credential"].ends_with("/eu-west-1/s3/aws4_request"));
        assert_eq!(query["X-Amz-Signature"].len(), 64);
        assert!(
            !url.as_str().contains("wJalrXUtnFEMI"),
            "the secret never leaks"
        );
    }

    #[test]
    fn public_urls_default_to_the_bucket_and_follow_s3_public_url() {
        let path_style = storage("http://127.0.0.1:9000", true, None);
        assert_eq!(
            path_style.public_url("uploads/7/a.jpg"),
            "http://127.0.0.1:9000/media/uploads/7/a.jpg"
        );
        let virtual_host = storage("https://s3.eu-west-1.amazonaws.com", false, None);
        assert_eq!(
            virtual_host.public_url("uploads/7/a.jpg"),
            "https://media.s3.eu-west-1.amazonaws.com/uploads/7/a.jpg"
        );
        let cdn = storage(
            "http://127.0.0.1:9000",
            true,
            Some("https://cdn.example.com/files"),
        );
        assert_eq!(
            cdn.public_url("uploads/7/a.jpg"),
            "https://cdn.example.com/files/uploads/7/a.jpg"
        );
    }

    #[test]
    fn urls_of_this_bucket_give_their_key() {
        let s3 = storage(
            "http://127.0.0.1:9000",
            true,
            Some("https://cdn.example.com/files/"),
        );
        for url in [
            "https://cdn.example.com/files/uploads/7/a.jpg",
            "https://CDN.example.com:443/files/uploads/7/a.jpg",
            "http://127.0.0.1:9000/media/uploads/7/a.jpg",
            " http://127.0.0.1:9000/media/uploads/x/../7/a.jpg ",
        ] {
            assert_eq!(
                s3.object_key_from_url(url).as_deref(),
                Some("uploads/7/a.jpg"),
                "{url}"
            );
        }
    }

    #[test]
    fn urls_outside_this_bucket_give_no_key() {
        let s3 = storage(
            "http://127.0.0.1:9000",
            true,
            Some("https://cdn.example.com/files"),
        );
        for url in [
            "https://evil.example.com/files/uploads/7/a.jpg",
            "http://cdn.example.com/files/uploads/7/a.jpg",
            "https://cdn.example.com:8443/files/uploads/7/a.jpg",
            "https://cdn.example.com/files-evil/uploads/7/a.jpg",
            "https://cdn.example.com/uploads/7/a.jpg",
            "https://cdn.example.com/files/../uploads/7/a.jpg",
            "https://cdn.example.com/files/",
            "https://cdn.example.com/files/uploads/7/",
            "https://cdn.example.com/files/uploads//a.jpg",
            "https://cdn.example.com/files/uploads/7/a%20b.jpg",
            "https://cdn.example.com/files/uploads/7/a.jpg?x=1",
            "https://cdn.example.com/files/uploads/7/a.jpg#top",
            "https://user:pw@cdn.example.com/files/uploads/7/a.jpg",
            "http://127.0.0.1:9000/other/uploads/7/a.jpg",
            "http://127.0.0.1:9001/media/uploads/7/a.jpg",
            "ftp://cdn.example.com/files/uploads/7/a.jpg",
            "not a url",
            "",
        ] {
            assert_eq!(s3.object_key_from_url(url), None, "{url}");
        }
    }

    #[test]
    fn a_virtual_hosted_bucket_on_an_ip_is_refused() {
        assert!(S3Storage::new(&config("http://127.0.0.1:9000", false, None)).is_err());
    }
}
