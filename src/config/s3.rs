//! `S3_*`: media storage settings.

use super::*;

/// The S3 bucket (AWS, MinIO, …) that media uploads go to (messenger-rest-api.md §9).
#[derive(Clone, Debug)]
pub struct S3Config {
    /// `S3_ENDPOINT`: the S3 API base URL, e.g. `https://s3.eu-west-1.amazonaws.com`
    /// or `http://127.0.0.1:9000`.
    pub endpoint: url::Url,
    /// `S3_BUCKET`: required with `S3_ENDPOINT`.
    pub bucket: String,
    /// `S3_REGION`: the region signed into presigned URLs.
    pub region: String,
    /// `S3_ACCESS_KEY_ID`: required with `S3_ENDPOINT`.
    pub access_key_id: String,
    /// `S3_SECRET_ACCESS_KEY`: required with `S3_ENDPOINT`.
    pub secret_access_key: SecretString,
    /// `S3_PATH_STYLE`: `<endpoint>/<bucket>/<key>` URLs; `false` uses
    /// `<bucket>.<endpoint host>/<key>` (virtual-hosted style).
    pub path_style: bool,
    /// `S3_PUBLIC_URL`: base of the `fileUrl`s clients download from (a CDN, say);
    /// default: the bucket's own URL.
    pub public_url: Option<url::Url>,
    /// `S3_PRESIGN_TTL_SECONDS`: how long an upload URL stays valid.
    pub presign_ttl: Duration,
    /// `MAX_UPLOAD_SIZE_BYTES`: the largest file a client may upload (the seed's name).
    pub max_upload_size_bytes: u64,
}

impl S3Config {
    /// Largest accepted presign lifetime: S3 refuses more than 7 days.
    const MAX_PRESIGN_TTL_SECONDS: u64 = 7 * 86_400;
    /// Largest object one presigned PUT may create: 5 GiB.
    const MAX_SINGLE_UPLOAD_BYTES: u64 = 5 * 1024 * 1024 * 1024;
}

/// [`S3Config`]'s variables, as given; without `S3_ENDPOINT` the others are ignored.
#[derive(clap::Args)]
pub(super) struct RawS3 {
    #[arg(long, env = "S3_ENDPOINT")]
    s3_endpoint: Option<String>,
    #[arg(long, env = "S3_BUCKET")]
    s3_bucket: Option<String>,
    #[arg(long, env = "S3_REGION", default_value = "us-east-1")]
    s3_region: String,
    #[arg(long, env = "S3_ACCESS_KEY_ID")]
    s3_access_key_id: Option<String>,
    #[arg(long, env = "S3_SECRET_ACCESS_KEY")]
    s3_secret_access_key: Option<String>,
    #[arg(long, env = "S3_PATH_STYLE", default_value = "true")]
    s3_path_style: String,
    #[arg(long, env = "S3_PUBLIC_URL")]
    s3_public_url: Option<String>,
    #[arg(long, env = "S3_PRESIGN_TTL_SECONDS", default_value = "900")]
    s3_presign_ttl_seconds: String,
    /// Default: 50 MiB.
    #[arg(long, env = "MAX_UPLOAD_SIZE_BYTES", default_value = "52428800")]
    max_upload_size_bytes: String,
}

impl RawS3 {
    pub(super) fn validate(self) -> Result<Option<S3Config>, ConfigError> {
        let Some(endpoint) = self.s3_endpoint else {
            return Ok(None);
        };
        let endpoint = http_url("S3_ENDPOINT", &endpoint)?;
        let public_url = self
            .s3_public_url
            .map(|raw| http_url("S3_PUBLIC_URL", &raw))
            .transpose()?;
        let presign_ttl: u64 = parse("S3_PRESIGN_TTL_SECONDS", &self.s3_presign_ttl_seconds)?;
        if !(1..=S3Config::MAX_PRESIGN_TTL_SECONDS).contains(&presign_ttl) {
            return Err(ConfigError::Invalid {
                name: "S3_PRESIGN_TTL_SECONDS",
                reason: format!(
                    "must be between 1 and {}",
                    S3Config::MAX_PRESIGN_TTL_SECONDS
                ),
            });
        }
        let max_upload_size_bytes: u64 =
            parse("MAX_UPLOAD_SIZE_BYTES", &self.max_upload_size_bytes)?;
        if !(1..=S3Config::MAX_SINGLE_UPLOAD_BYTES).contains(&max_upload_size_bytes) {
            return Err(ConfigError::Invalid {
                name: "MAX_UPLOAD_SIZE_BYTES",
                reason: format!(
                    "must be between 1 and {} (S3's limit for one PUT)",
                    S3Config::MAX_SINGLE_UPLOAD_BYTES
                ),
            });
        }
        let config = S3Config {
            endpoint,
            bucket: required("S3_BUCKET", self.s3_bucket)?,
            region: self.s3_region,
            access_key_id: required("S3_ACCESS_KEY_ID", self.s3_access_key_id)?,
            secret_access_key: required("S3_SECRET_ACCESS_KEY", self.s3_secret_access_key)?.into(),
            path_style: parse("S3_PATH_STYLE", &self.s3_path_style)?,
            public_url,
            presign_ttl: Duration::from_secs(presign_ttl),
            max_upload_size_bytes,
        };
        // A virtual-hosted bucket is addressed as `<bucket>.<host>`: not on an IP address.
        let on_ip = matches!(
            config.endpoint.host(),
            Some(url::Host::Ipv4(_) | url::Host::Ipv6(_))
        );
        if !config.path_style && on_ip {
            return Err(ConfigError::Invalid {
                name: "S3_ENDPOINT",
                reason: "a virtual-hosted-style bucket (S3_PATH_STYLE=false) needs a host \
                         name, not an IP address"
                    .into(),
            });
        }
        Ok(Some(config))
    }
}
