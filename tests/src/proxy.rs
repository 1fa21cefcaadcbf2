//! A fault-injecting HTTP/1.1 proxy for end-to-end tests: it stands where
//! the shop's internet link would, between devices and the hub, and drops,
//! delays, duplicates and cuts exchanges, or refuses every connection while
//! "the link is down".
//!
//! It understands just enough HTTP to find where one request ends (the
//! `Content-Length` of the request; the sync client never sends chunked
//! bodies) and forwards each request on a fresh upstream connection with
//! `Connection: close`, reading the answer to its end — so it is indifferent
//! to how the hub frames its answer (length or chunked, compressed or not).
//! Faults are drawn from a seeded generator, so a failing run can be
//! replayed with the same seed.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What happens to one exchange.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Forwarded and answered normally.
    Pass,
    /// Held for a while, then forwarded normally.
    Delay(u64),
    /// The connection is closed before the request reaches the hub.
    DropRequest,
    /// The hub gets and handles the request; the answer never comes back.
    DropResponse,
    /// The hub's answer is cut off after its first half.
    CutResponse,
    /// The request reaches the hub twice; the second answer comes back.
    Duplicate,
}

/// Chance of each fault, in percent; the rest pass.
#[derive(Clone, Copy, Debug)]
pub struct FaultRates {
    pub delay: u8,
    pub drop_request: u8,
    pub drop_response: u8,
    pub cut_response: u8,
    pub duplicate: u8,
    /// The longest delay, in milliseconds.
    pub delay_ms: u64,
}

impl FaultRates {
    pub const NONE: FaultRates = FaultRates {
        delay: 0,
        drop_request: 0,
        drop_response: 0,
        cut_response: 0,
        duplicate: 0,
        delay_ms: 0,
    };
    /// A bad day: about half the exchanges go wrong somehow.
    pub const BAD_DAY: FaultRates = FaultRates {
        delay: 15,
        drop_request: 10,
        drop_response: 10,
        cut_response: 10,
        duplicate: 10,
        delay_ms: 320,
    };
}

/// Counts of what the proxy did, to show that every fault really happened.
#[derive(Debug, Default)]
pub struct FaultCounts {
    pub pass: AtomicU64,
    pub delay: AtomicU64,
    pub drop_request: AtomicU64,
    pub drop_response: AtomicU64,
    pub cut_response: AtomicU64,
    pub duplicate: AtomicU64,
    pub refused: AtomicU64,
}

struct Shared {
    upstream: Mutex<String>,
    online: AtomicBool,
    rates: Mutex<FaultRates>,
    rng: Mutex<u64>,
    counts: FaultCounts,
}

/// A running proxy; dropping it stops it.
pub struct FaultProxy {
    /// `http://127.0.0.1:<port>`, to give devices as their hub address.
    pub url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FaultProxy {
    /// Start a proxy to `upstream` (`host:port`), online, with no faults.
    pub async fn start(upstream: &str, seed: u64) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let url = format!("http://{}", listener.local_addr().expect("proxy addr"));
        let shared = Arc::new(Shared {
            upstream: Mutex::new(upstream.trim_start_matches("http://").to_string()),
            online: AtomicBool::new(true),
            rates: Mutex::new(FaultRates::NONE),
            rng: Mutex::new(seed.max(1)),
            counts: FaultCounts::default(),
        });
        let s = shared.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((conn, _)) = listener.accept().await else {
                    continue;
                };
                if !s.online.load(Ordering::SeqCst) {
                    // The link is down: the connection dies at once.
                    s.counts.refused.fetch_add(1, Ordering::Relaxed);
                    drop(conn);
                    continue;
                }
                tokio::spawn(handle(conn, s.clone()));
            }
        });
        FaultProxy { url, shared, task }
    }

    /// Bring the link up or down. Exchanges already under way finish.
    pub fn set_online(&self, online: bool) {
        self.shared.online.store(online, Ordering::SeqCst);
    }

    pub fn set_faults(&self, rates: FaultRates) {
        *self.shared.rates.lock().expect("rates") = rates;
    }

    /// Point the link at a new address (`host:port`): the far end restarted
    /// elsewhere, the address its clients know stays.
    pub fn set_upstream(&self, upstream: &str) {
        *self.shared.upstream.lock().expect("upstream") =
            upstream.trim_start_matches("http://").to_string();
    }

    pub fn counts(&self) -> &FaultCounts {
        &self.shared.counts
    }
}

impl Shared {
    fn upstream(&self) -> String {
        self.upstream.lock().expect("upstream").clone()
    }

    fn roll(&self) -> Fault {
        let r = *self.rates.lock().expect("rates");
        let (pct, extra) = {
            let mut x = self.rng.lock().expect("rng");
            // xorshift64*: small, seedable, good enough to pick faults.
            *x ^= *x >> 12;
            *x ^= *x << 25;
            *x ^= *x >> 27;
            let v = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
            ((v % 100) as u8, (v >> 32) % r.delay_ms.max(1))
        };
        let mut edge = 0u8;
        for (rate, fault) in [
            (r.delay, Fault::Delay(extra.max(r.delay_ms / 16))),
            (r.drop_request, Fault::DropRequest),
            (r.drop_response, Fault::DropResponse),
            (r.cut_response, Fault::CutResponse),
            (r.duplicate, Fault::Duplicate),
        ] {
            edge = edge.saturating_add(rate);
            if pct < edge {
                return fault;
            }
        }
        Fault::Pass
    }
}

/// Serve one client connection: requests one after another (keep-alive)
/// until the client closes or a fault closes it.
async fn handle(mut client: TcpStream, s: Arc<Shared>) {
    let mut buf: Vec<u8> = Vec::new();
    loop {
        let Some(request) = read_request(&mut client, &mut buf).await else {
            return;
        };
        if !s.online.load(Ordering::SeqCst) {
            s.counts.refused.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let fault = s.roll();
        let c = &s.counts;
        let answer = match fault {
            Fault::Pass => {
                c.pass.fetch_add(1, Ordering::Relaxed);
                forward(&s.upstream(), &request).await
            }
            Fault::Delay(ms) => {
                c.delay.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(ms)).await;
                forward(&s.upstream(), &request).await
            }
            Fault::DropRequest => {
                c.drop_request.fetch_add(1, Ordering::Relaxed);
                return;
            }
            Fault::DropResponse => {
                c.drop_response.fetch_add(1, Ordering::Relaxed);
                let _ = forward(&s.upstream(), &request).await;
                return;
            }
            Fault::CutResponse => {
                c.cut_response.fetch_add(1, Ordering::Relaxed);
                if let Some(a) = forward(&s.upstream(), &request).await {
                    let _ = client.write_all(&a[..a.len() / 2]).await;
                    let _ = client.flush().await;
                }
                return;
            }
            Fault::Duplicate => {
                c.duplicate.fetch_add(1, Ordering::Relaxed);
                let _ = forward(&s.upstream(), &request).await;
                forward(&s.upstream(), &request).await
            }
        };
        let Some(answer) = answer else {
            return;
        };
        if client.write_all(&answer).await.is_err() {
            return;
        }
        // The upstream answer was read to its end on a closing connection; if
        // it did not say how long it is, only closing tells the client.
        if !has_length(&answer) {
            return;
        }
    }
}

fn find(h: &[u8], needle: &[u8]) -> Option<usize> {
    h.windows(needle.len()).position(|w| w == needle)
}

/// One whole request (head rewritten to close the upstream connection),
/// or None when the client is gone.
async fn read_request(client: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Vec<u8>> {
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(i) = find(buf, b"\r\n\r\n") {
            break i + 4;
        }
        let n = client.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut length = 0usize;
    let mut lines = vec![];
    for (i, line) in head.split("\r\n").enumerate() {
        if line.is_empty() {
            continue;
        }
        let lower = line.to_ascii_lowercase();
        if i > 0 && lower.starts_with("connection:") {
            continue;
        }
        assert!(
            !lower.starts_with("transfer-encoding:"),
            "the proxy does not take chunked requests: {line}"
        );
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().ok()?;
        }
        lines.push(line.to_string());
    }
    while buf.len() < head_end + length {
        let n = client.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let mut out = lines.join("\r\n").into_bytes();
    out.extend_from_slice(b"\r\nconnection: close\r\n\r\n");
    out.extend_from_slice(&buf[head_end..head_end + length]);
    buf.drain(..head_end + length);
    Some(out)
}

/// Send `request` on a new connection and read the answer to its end.
async fn forward(upstream: &str, request: &[u8]) -> Option<Vec<u8>> {
    let mut up = TcpStream::connect(upstream).await.ok()?;
    up.write_all(request).await.ok()?;
    let mut answer = vec![];
    up.read_to_end(&mut answer).await.ok()?;
    (!answer.is_empty()).then_some(answer)
}

fn has_length(answer: &[u8]) -> bool {
    let end = find(answer, b"\r\n\r\n").unwrap_or(answer.len());
    String::from_utf8_lossy(&answer[..end])
        .to_ascii_lowercase()
        .contains("\r\ncontent-length:")
}
