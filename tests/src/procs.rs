//! The product's own binaries as child processes, for the tests that run
//! it as deployed: a command line run to its end, a server started and
//! waited for until it prints its address, and a free port to put one on.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A child process, killed and reaped when dropped, on every path.
pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Run `bin args` to its end with `HUB_PASSPHRASE` set to `pass`; its JSON
/// answer (or null). A failure fails the test, with the program's stderr.
pub fn cli(bin: &str, pass: &str, args: &[&str]) -> Value {
    let out = Command::new(bin)
        .args(args)
        .env("HUB_PASSPHRASE", pass)
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "{bin} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

/// Start a server (`HUB_PASSPHRASE` = `pass`, and `env`) and wait for the
/// line with `marker` that carries its address: (the process, the address).
pub fn start(
    bin: &str,
    pass: &str,
    env: &[(&str, &str)],
    args: &[&str],
    marker: &str,
) -> (Proc, String) {
    let mut cmd = Command::new(bin);
    cmd.args(args)
        .env("HUB_PASSPHRASE", pass)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = Proc(cmd.spawn().expect("the server starts"));
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    for stream in [
        Box::new(child.0.stdout.take().expect("piped")) as Box<dyn std::io::Read + Send>,
        Box::new(child.0.stderr.take().expect("piped")),
    ] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200))
            && line.contains(marker)
            && let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://"))
        {
            return (child, url.to_string());
        }
    }
    panic!("{bin} {args:?} did not print `{marker}`");
}

/// A port no one listens on yet.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}
