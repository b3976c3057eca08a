//! Local processes the tests run next to the app: the gateway binary itself, and what a
//! fixture needs to start one (a free port, the Python with the test servers).

use std::{collections::HashMap, net::TcpListener, path::PathBuf, time::Duration};

use super::wait::wait_until;

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The Python with the test servers (moto, aiosmtpd, schemathesis): `TEST_PYTHON` or
/// `MOTO_PYTHON` (exported by `scripts/test.sh`), else the venv that script creates,
/// else `python3`.
pub fn test_python() -> String {
    let from_env = ["TEST_PYTHON", "MOTO_PYTHON"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|python| !python.is_empty());
    from_env
        .or_else(|| {
            let home = std::env::var("HOME").ok()?;
            let venv = PathBuf::from(home).join(".cache/messenger-gateway/moto-venv/bin/python");
            venv.exists().then(|| venv.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "python3".into())
}

/// The gateway binary serving on `BIND_ADDR` (a fixed `127.0.0.1` port) of `env`,
/// answering `/health/live`; killed when dropped (also when a test fails).
pub struct Binary {
    child: std::process::Child,
    /// `http://<BIND_ADDR>`.
    pub base: String,
}

impl Binary {
    pub async fn start(env: &HashMap<String, String>) -> Self {
        let addr = env.get("BIND_ADDR").expect("BIND_ADDR with a fixed port");
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_messenger-gateway"))
            .arg("serve")
            .env_clear()
            .envs(env)
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("the binary starts");
        let binary = Self {
            child,
            base: format!("http://{addr}"),
        };
        let http = reqwest::Client::new();
        let live = format!("{}/health/live", binary.base);
        wait_until(
            Duration::from_secs(15),
            "the binary answers /health/live",
            async || {
                let answer = http.get(&live).send().await;
                answer.is_ok_and(|r| r.status() == 200)
            },
        )
        .await;
        binary
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
