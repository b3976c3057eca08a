//! A local SMTP server (aiosmtpd, `tests/smtp_sink.py`) that the app sends its e-mail to.

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::Duration,
};

use serde_json::Value;

use super::{
    process::{free_port, test_python},
    wait::{eventually, wait_until},
};

/// A local SMTP server writing every message it receives to a JSON-lines file.
pub struct SmtpSink {
    child: Child,
    pub port: u16,
    out: PathBuf,
}

impl SmtpSink {
    // The child is reaped in `Drop`, which the lint cannot see.
    #[allow(clippy::zombie_processes)]
    pub async fn start() -> Self {
        let port = free_port();
        let out =
            std::env::temp_dir().join(format!("mg-mail-{}.jsonl", uuid::Uuid::new_v4().simple()));
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_sink.py");
        let child = Command::new(test_python())
            .arg(script)
            .arg(port.to_string())
            .arg(&out)
            .stdout(Stdio::null())
            .spawn()
            .expect("python3 with aiosmtpd (scripts/test.sh installs it)");
        let sink = Self { child, port, out };
        wait_until(
            Duration::from_secs(10),
            &format!("the SMTP sink starts on port {port}"),
            async || {
                tokio::net::TcpStream::connect(("127.0.0.1", port))
                    .await
                    .is_ok()
            },
        )
        .await;
        sink
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message so far.
    pub fn messages(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }

    /// Waits for the `n`-th message to `to` and returns the token in it.
    pub async fn token_for(&self, to: &str, n: usize) -> String {
        let message = eventually(
            Duration::from_secs(5),
            &format!("message #{n} to {to}"),
            async || {
                let messages = self.messages();
                let found = messages.iter().filter(|m| m["to"][0] == to).nth(n - 1);
                found.cloned().ok_or(messages)
            },
        )
        .await;
        let body = message["body"].as_str().expect("body");
        let line = body
            .lines()
            .find_map(|l| l.strip_prefix("Token: "))
            .expect("a token line");
        line.trim().to_owned()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.out);
    }
}
