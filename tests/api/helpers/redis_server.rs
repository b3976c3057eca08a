//! A Redis server of the test's own (for tests that stall, kill or restart it, which the
//! shared Redis must never see).

use std::{
    process::{Child, Command, Stdio},
    time::Duration,
};

use super::wait::wait_until;

/// `redis-server` on `port`, without persistence; stopped when dropped.
pub struct PrivateRedis {
    port: u16,
    child: Child,
}

impl PrivateRedis {
    #[allow(clippy::zombie_processes)] // reaped in stop() and Drop
    pub fn start(port: u16) -> Self {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server is installed (scripts/ensure-services.sh)");
        Self { port, child }
    }

    /// [`start`](Self::start)s on a free port and waits until it takes connections.
    pub async fn start_ready() -> Self {
        let redis = Self::start(super::process::free_port());
        redis.ready().await;
        redis
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Waits (bounded) until the server takes connections.
    pub async fn ready(&self) {
        let url = self.url();
        wait_until(
            Duration::from_secs(5),
            "the private Redis starts",
            async || match redis::Client::open(url.as_str()) {
                Ok(client) => client.get_multiplexed_async_connection().await.is_ok(),
                Err(_) => false,
            },
        )
        .await;
    }

    /// Kills the server (the test goes on without it).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}
