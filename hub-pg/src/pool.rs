//! A small pool of connections: each is one `Client` behind a lock, handed
//! out round-robin, so a transaction holds its connection alone. Lean by
//! design (no pool crate): the hub's needs are a fixed handful.

use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{Mutex, MutexGuard};
use tokio_postgres::{Client, NoTls};

use crate::Result;

pub struct Pool {
    clients: Vec<Mutex<Client>>,
    next: AtomicUsize,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("size", &self.clients.len())
            .finish()
    }
}

/// One connection, its driver task spawned on the current runtime.
pub async fn connect(url: &str) -> Result<Client> {
    let (client, conn) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(async move {
        // Ends when the client is dropped or the server goes; the next
        // query on the client then fails with the cause.
        let _ = conn.await;
    });
    Ok(client)
}

impl Pool {
    /// `size` connections to `url` (at least one).
    pub async fn open(url: &str, size: usize) -> Result<Pool> {
        let mut clients = Vec::with_capacity(size.max(1));
        for _ in 0..size.max(1) {
            clients.push(Mutex::new(connect(url).await?));
        }
        Ok(Pool {
            clients,
            next: AtomicUsize::new(0),
        })
    }

    /// A connection, waiting for it if another task holds it.
    pub async fn get(&self) -> MutexGuard<'_, Client> {
        // A free one if there is, else the next in turn.
        for c in &self.clients {
            if let Ok(g) = c.try_lock() {
                return g;
            }
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.clients.len();
        self.clients[i].lock().await
    }
}

/// A new, empty database named `<prefix><random>` on `admin_url`'s server,
/// and its URL (for a hub under test: `scripts/postgres` drops the
/// `repair_h_` ones a run left behind at the start of the next). Blocks;
/// callable from inside a runtime, as a test's set-up is.
pub fn create_database(admin_url: &str, prefix: &str) -> Result<String> {
    let admin = admin_url.to_owned();
    let prefix = prefix.to_owned();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| crate::PgError::Invalid {
                field: "runtime",
                rule: e.to_string(),
            })?;
        rt.block_on(async {
            let c = connect(&admin).await?;
            let mut r = [0u8; 6];
            getrandom_bytes(&mut r);
            let name = format!(
                "{prefix}{}",
                r.iter().map(|b| format!("{b:02x}")).collect::<String>()
            );
            c.batch_execute(&format!("CREATE DATABASE {name}")).await?;
            let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
            Ok(format!("{base}/{name}"))
        })
    })
    .join()
    .unwrap_or_else(|_| {
        Err(crate::PgError::Invalid {
            field: "database",
            rule: "creating it panicked".into(),
        })
    })
}

/// Randomness for a database's name, from the clock and the process: a
/// name only needs to differ from the others of one run.
fn getrandom_bytes(out: &mut [u8]) {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.write_u32(std::process::id());
    let v = h.finish().to_le_bytes();
    for (o, b) in out.iter_mut().zip(v.iter().cycle()) {
        *o = *b;
    }
}
