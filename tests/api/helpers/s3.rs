//! A real S3 API for the media tests: moto's server (installed by `scripts/test.sh`) on a
//! free port, and the app's S3 settings pointing at a bucket there.

use std::{
    collections::HashMap,
    process::{Child, Command, Stdio},
    time::Duration,
};

use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};

use super::{
    process::{free_port, test_python},
    wait::eventually,
};

/// The bucket the app is configured with.
pub const BUCKET: &str = "media-test";

/// The keys the app signs with (moto takes any).
pub fn credentials() -> Credentials {
    Credentials::new("test-key", "test-secret")
}

/// The S3 variables for `endpoint`; uploads limited to `max_size` bytes.
pub fn s3_env(env: &mut HashMap<String, String>, endpoint: &str, max_size: u64) {
    for (name, value) in [
        ("S3_ENDPOINT", endpoint.to_owned()),
        ("S3_BUCKET", BUCKET.to_owned()),
        ("S3_ACCESS_KEY_ID", "test-key".to_owned()),
        ("S3_SECRET_ACCESS_KEY", "test-secret".to_owned()),
        ("MAX_UPLOAD_SIZE_BYTES", max_size.to_string()),
    ] {
        env.insert(name.to_owned(), value);
    }
}

/// moto's S3 server on a free port, killed when dropped.
pub struct Moto {
    child: Child,
    pub endpoint: String,
}

impl Moto {
    pub async fn start() -> Self {
        let port = free_port();
        let python = test_python();
        let child = Command::new(&python)
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{python} runs ({e}); bash scripts/test.sh installs moto"));
        let mut moto = Self {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let http = reqwest::Client::new();
        let what = format!("moto answers on {}", moto.endpoint);
        eventually(Duration::from_secs(30), &what, async || {
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!("moto exited ({status}): is `{python} -m moto.server` installed? bash scripts/test.sh installs it");
            }
            http.get(&moto.endpoint).send().await.map(drop)
        })
        .await;
        moto
    }

    pub fn bucket(&self) -> Bucket {
        let endpoint = self.endpoint.parse().expect("endpoint URL");
        Bucket::new(endpoint, UrlStyle::Path, BUCKET, "us-east-1").expect("bucket")
    }

    /// A signed `CreateBucket`, as any S3 client sends it (moto takes any key).
    pub async fn create_bucket(&self) {
        let url = self
            .bucket()
            .create_bucket(&credentials())
            .sign(Duration::from_secs(60));
        let response = reqwest::Client::new()
            .put(url)
            .header("content-length", "0")
            .send()
            .await
            .expect("CreateBucket sent");
        assert!(
            response.status().is_success(),
            "CreateBucket: {}",
            response.status()
        );
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
