//! A moto server on a free loopback port, for the lifetime of a test binary (or of a value).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long moto may take to answer after being started (it imports a lot of Python on first start).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running `moto_server`, killed when dropped.
///
/// moto runs under a tiny `sh` guard that holds our end of a pipe: when this process exits for any reason
/// (including a static [`MotoServer::shared`] that is never dropped, or a panic), the pipe closes and the
/// guard kills moto. No server outlives its test binary.
#[derive(Debug)]
pub struct MotoServer {
    guard: Mutex<Option<(Child, ChildStdin)>>,
    port: u16,
}

/// The moto executable: `$TRAILWARDEN_MOTO_SERVER`, else `.venv/bin/moto_server` at the repository root.
pub fn moto_executable() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("TRAILWARDEN_MOTO_SERVER") {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!(
                "TRAILWARDEN_MOTO_SERVER={} does not exist; run scripts/setup-moto.sh",
                path.display()
            ))
        };
    }
    let path = repo_root().join(".venv/bin/moto_server");
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "moto is not installed ({} is missing): run scripts/setup-moto.sh",
            path.display()
        ))
    }
}

/// The workspace root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

impl MotoServer {
    /// Starts a new server and waits until it answers. Panics (failing the test) when moto is missing or
    /// does not come up: AWS tests must never pass silently without it.
    pub fn start() -> MotoServer {
        let exe = moto_executable().unwrap_or_else(|e| panic!("{e}"));
        let port = free_port();
        // `cat` returns when our end of its stdin closes (we exited or dropped the server); then moto dies.
        let script = r#""$0" -H 127.0.0.1 -p "$1" >/dev/null 2>&1 & moto=$!; cat >/dev/null; kill $moto; wait $moto"#;
        let mut child = Command::new("sh")
            .args(["-c", script])
            .arg(&exe)
            .arg(port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {}: {e} (run scripts/setup-moto.sh)",
                    exe.display()
                )
            });
        let stdin = child.stdin.take().expect("stdin was piped");
        let server = MotoServer {
            guard: Mutex::new(Some((child, stdin))),
            port,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if server
                .request("GET", "/moto-api/data.json", &[], "")
                .is_ok()
            {
                return server;
            }
            if let Some(status) = server.exited() {
                panic!("moto_server exited ({status}) before answering on port {port}; run scripts/setup-moto.sh");
            }
            if Instant::now() > deadline {
                panic!("moto_server did not answer on port {port} within {START_TIMEOUT:?}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// One server shared by every test of the binary, started on first use.
    pub fn shared() -> &'static MotoServer {
        static SERVER: OnceLock<MotoServer> = OnceLock::new();
        SERVER.get_or_init(MotoServer::start)
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Forgets every resource in every account (`POST /moto-api/reset`). Tests sharing a server should rather
    /// use their own accounts ([`crate::TestAccount`]) so they can run in parallel.
    pub fn reset(&self) {
        let (status, body) = self
            .request("POST", "/moto-api/reset", &[], "")
            .expect("moto reset");
        assert_eq!(status, 200, "moto reset failed: {body}");
    }

    /// A raw HTTP/1.1 request to moto (for what the SDK crates in use do not cover, e.g. creating an S3 bucket).
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> std::io::Result<(u16, String)> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.port,
            body.len()
        );
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        req.push_str(body);
        stream.write_all(req.as_bytes())?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer)?;
        let status = answer
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("not an HTTP answer: {answer:.200}")))?;
        let body = answer
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        Ok((status, body))
    }

    fn exited(&self) -> Option<std::process::ExitStatus> {
        let mut guard = self.guard.lock().ok()?;
        guard
            .as_mut()
            .and_then(|(child, _)| child.try_wait().ok().flatten())
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        if let Ok(mut guard) = self.guard.lock() {
            if let Some((mut child, stdin)) = guard.take() {
                drop(stdin); // EOF: the guard kills moto and waits for it
                let _ = child.wait();
            }
        }
    }
}

/// A port that was free a moment ago (the OS picks it; the listener is closed before moto binds it).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind 127.0.0.1:0")
}
