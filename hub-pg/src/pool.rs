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
