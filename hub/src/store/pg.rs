//! PostgreSQL under one business's hub (`hub --db postgres://…`): the
//! business's schema in a server that several hub processes may share.
//! Every statement is the SQLite hub's own (see [`super::engine`]); what
//! this adds is a connection of its own, the business's schema on its
//! search path, and the business's advisory lock taken first by every
//! writing transaction, so that writes of one business are serial across
//! every process while other businesses, and reads, go on in parallel.
//!
//! The hub's store is synchronous (it runs on the blocking pool), so the
//! connection is driven by a small runtime of its own and each statement
//! blocks on it.

use hub_pg::Business;
use hub_pg::replica::{PgSql, Queued, Statements, block, engine};
use rusqlite::Connection;
use sqlite_replica::Sql;
use sqlite_replica::sql::{Param, Row};
use tokio::runtime::Runtime;
use tokio_postgres::{Client, IsolationLevel, Transaction};

use super::engine::{Access, Engine, Tx};
use crate::error::{HubError, Result};

/// What serializes a business's writes (the log's order, leases, the hub's
/// chains), in `hub_pg::business::lock_key`'s space.
const WRITES: i64 = 0x0057_5249;

pub struct PgEngine {
    url: String,
    client: Client,
    prepared: Statements,
    business: Business,
    /// Drives the connection; `None` only while dropping.
    rt: Option<Runtime>,
}

impl Drop for PgEngine {
    fn drop(&mut self) {
        // Without waiting: a hub may be dropped on an async task, where a
        // runtime must not block.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

impl std::fmt::Debug for PgEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgEngine")
            .field("schema", &hub_pg::business::schema(self.business))
            .finish()
    }
}

fn pg(e: hub_pg::PgError) -> HubError {
    HubError::Setup(format!("PostgreSQL: {e}"))
}

/// The connection's runtime: a current-thread one, so the thread waiting
/// on a statement drives the connection itself (see `hub_pg::replica::block`).
fn driver() -> Result<Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

impl PgEngine {
    /// Connect to `url` for `business` (its schema created and migrated if
    /// new).
    pub fn open(url: &str, business: Business) -> Result<PgEngine> {
        let rt = driver()?;
        let client = connect(&rt, url, business)?;
        Ok(PgEngine {
            url: url.to_owned(),
            client,
            prepared: Statements::default(),
            business,
            rt: Some(rt),
        })
    }

    pub fn business(&self) -> Business {
        self.business
    }
}

/// A connection for `business` (its schema created and migrated if new),
/// driven by `rt`, the business's schema alone on its search path.
fn connect(rt: &Runtime, url: &str, business: Business) -> Result<Client> {
    block(rt, async {
        let mut client = hub_pg::pool::connect(url).await.map_err(pg)?;
        hub_pg::migrate(&mut client).await.map_err(pg)?;
        hub_pg::business::open(&mut client, business)
            .await
            .map_err(pg)?;
        client
            // A request never waits on another process's lock for long:
            // one held by mistake fails requests (which devices send
            // again) instead of hanging every process of the business.
            .batch_execute(&format!(
                "SET search_path TO {}; SET lock_timeout = '20s'",
                hub_pg::business::schema(business)
            ))
            .await
            .map_err(|e| HubError::Setup(format!("PostgreSQL: {e}")))?;
        Ok::<_, HubError>(client)
    })
}

struct PgTx<'a> {
    /// `None` once committed or rolled back.
    tx: Option<Transaction<'a>>,
    rt: &'a Runtime,
    prepared: &'a Statements,
    queued: Queued,
}

impl PgTx<'_> {
    fn door(&self) -> PgSql<'_> {
        PgSql::new(
            self.tx.as_ref().expect("open until committed or dropped"),
            self.rt,
            self.prepared,
            &self.queued,
        )
    }
}

impl Drop for PgTx<'_> {
    /// A transaction given up (an error, a refused request) is rolled back
    /// now, not when the connection is next used: nothing drives the
    /// connection between statements, so a rollback merely queued would
    /// leave the business's write lock held, and every other hub process
    /// waiting on it.
    fn drop(&mut self) {
        if let Some(tx) = self.tx.take() {
            // A connection that is gone has rolled back already.
            let _ = block(self.rt, tx.rollback());
        }
    }
}

impl Sql for PgTx<'_> {
    fn dialect(&self) -> sqlite_replica::sql::Dialect {
        sqlite_replica::sql::Dialect::Postgres
    }

    fn run(&self, sql: &str, p: &[Param<'_>]) -> sqlite_replica::Result<u64> {
        self.door().run(sql, p)
    }

    fn queue(&self, sql: &str, p: &[Param<'_>]) -> sqlite_replica::Result<()> {
        self.door().queue(sql, p)
    }

    fn each(
        &self,
        sql: &str,
        p: &[Param<'_>],
        f: &mut dyn FnMut(Row) -> sqlite_replica::Result<bool>,
    ) -> sqlite_replica::Result<()> {
        self.door().each(sql, p, f)
    }
}

impl Tx for PgTx<'_> {
    fn commit(self: Box<Self>) -> Result<()> {
        let mut this = self;
        let tx = this.tx.take().expect("open until committed");
        this.queued.commit(tx, this.rt)?;
        Ok(())
    }

    fn sql(&self) -> &dyn Sql {
        self
    }
}

impl Engine for PgEngine {
    fn begin(&mut self, access: Access) -> Result<Box<dyn Tx + '_>> {
        // The server restarted, or dropped this connection: a new one (its
        // statements prepared afresh). A request whose transaction the drop
        // cut short failed whole and is retried by its device.
        if self.client.is_closed() {
            let rt = self.rt.as_ref().expect("runtime until dropped");
            self.client = connect(rt, &self.url, self.business)?;
            self.prepared.clear();
        }
        let PgEngine {
            client,
            prepared,
            business,
            rt,
            ..
        } = self;
        let rt = rt.as_ref().expect("runtime until dropped");
        // A write reads what committed before it took the lock (read
        // committed); a snapshot sees one state throughout (a pull's page
        // and its digest agree, whatever commits meanwhile); a plain
        // statement waits for a row another process holds, then goes on.
        let level = match access {
            Access::Snapshot => IsolationLevel::RepeatableRead,
            Access::Write | Access::Plain => IsolationLevel::ReadCommitted,
        };
        let tx = block(
            rt,
            client.build_transaction().isolation_level(level).start(),
        )
        .map_err(engine)?;
        // Wrapped first, so that a failure taking the lock rolls back too.
        let tx = PgTx {
            tx: Some(tx),
            rt,
            prepared,
            queued: Queued::default(),
        };
        if access == Access::Write {
            tx.run(
                "SELECT pg_advisory_xact_lock(?1)",
                sqlite_replica::p![hub_pg::business::lock_key(*business, WRITES)],
            )?;
        }
        Ok(Box::new(tx))
    }

    fn sqlite(&self) -> Option<&Connection> {
        None
    }

    fn shared(&self) -> bool {
        true
    }
}
