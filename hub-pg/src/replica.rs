//! The replica (the op log and the tables materialized from it) on
//! PostgreSQL: [`PgSql`] runs the very statements every device and the
//! SQLite hub run (`sqlite_replica::Sql`), inside one transaction, in the
//! business's own schema (see [`crate::business`]). Nothing here knows what
//! a job or an invoice is; it only carries statements and values across.
//!
//! The replica is synchronous (it runs inside a device's SQLite
//! transaction too), so each statement blocks on the runtime that drives
//! the connection: call it from a blocking thread (`spawn_blocking`), never
//! from an async task.

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::BytesMut;
use sqlite_replica::ReplicaError;
use sqlite_replica::sql::{Dialect, Param, Row, Sql, ToParam, Value};
use tokio::runtime::{Handle, Runtime};
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use tokio_postgres::{Statement, Transaction};

/// `?1`, `?2`, ... as PostgreSQL spells them (`$1`, `$2`, ...), outside
/// quoted text.
pub fn render(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quoted = false;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted && chars.peek().is_some_and(|n| n.is_ascii_digit()) => out.push('$'),
            _ => out.push(c),
        }
    }
    out
}

/// Wait for `f` on `rt`. From a thread that drives async tasks (a test
/// calling the store from its async body) blocking there is not allowed,
/// so the wait moves to a thread of its own; the hub's server calls the
/// store on its blocking pool, where this is a plain `block_on`. With a
/// current-thread `rt` the connection's own task runs on the waiting
/// thread too: a round trip wakes no other thread (about half of its cost
/// here when the connection ran on a thread of its own).
pub fn block<F>(rt: &Runtime, f: F) -> F::Output
where
    F: std::future::Future + Send,
    F::Output: Send,
{
    if Handle::try_current().is_ok() {
        std::thread::scope(|s| {
            s.spawn(|| rt.block_on(f))
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p))
        })
    } else {
        rt.block_on(f)
    }
}

/// Statements prepared on one connection, by their text: a statement is
/// prepared once per connection, not once per use. (Prepared statements
/// outlive transactions, and PostgreSQL re-resolves their tables when the
/// search path names another business's schema.)
#[derive(Default)]
pub struct Statements(Mutex<HashMap<String, Statement>>);

impl Statements {
    /// Forget them all (their connection is gone).
    pub fn clear(&self) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

impl std::fmt::Debug for Statements {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Statements")
    }
}

/// Writes of one transaction held back to go to the server together (see
/// `Sql::queue`): they are sent before the transaction's next read, count or
/// commit, pipelined with it, so an op costs a round trip per read rather
/// than one per statement (PostgreSQL answers each in turn; the client does
/// not wait between them). Commit through [`Queued::commit`], which sends
/// what is still held.
#[derive(Default)]
pub struct Queued(Mutex<Vec<(Statement, Vec<Value>)>>);

impl Queued {
    fn take(&self) -> Vec<(Statement, Vec<Value>)> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Send what is held, then commit `tx`.
    pub fn commit(&self, tx: Transaction<'_>, rt: &Runtime) -> sqlite_replica::Result<()> {
        let held = self.take();
        block(rt, async {
            send(&tx, &held).await?;
            tx.commit().await
        })
        .map_err(engine)
    }
}

/// Execute every held write, pipelined; the first failure.
async fn send(
    tx: &Transaction<'_>,
    held: &[(Statement, Vec<Value>)],
) -> Result<(), tokio_postgres::Error> {
    if held.is_empty() {
        return Ok(());
    }
    let bound: Vec<Vec<Bound<'_>>> = held
        .iter()
        .map(|(_, v)| v.iter().map(|x| Bound(x.param())).collect())
        .collect();
    let refs: Vec<Vec<&(dyn ToSql + Sync)>> = bound
        .iter()
        .map(|b| b.iter().map(|b| b as &(dyn ToSql + Sync)).collect())
        .collect();
    futures_util::future::try_join_all(
        held.iter()
            .zip(&refs)
            .map(|((stmt, _), r)| tx.execute(stmt, r)),
    )
    .await?;
    Ok(())
}

/// The replica's door to one PostgreSQL transaction.
pub struct PgSql<'a> {
    tx: &'a Transaction<'a>,
    rt: &'a Runtime,
    prepared: &'a Statements,
    queued: &'a Queued,
}

impl<'a> PgSql<'a> {
    /// `prepared` must belong to `tx`'s connection; `rt` drives it;
    /// `queued` holds this transaction's writes until they are sent.
    pub fn new(
        tx: &'a Transaction<'a>,
        rt: &'a Runtime,
        prepared: &'a Statements,
        queued: &'a Queued,
    ) -> PgSql<'a> {
        PgSql {
            tx,
            rt,
            prepared,
            queued,
        }
    }

    fn statement(&self, sql: &str) -> sqlite_replica::Result<Statement> {
        if let Some(s) = self.lock().get(sql) {
            return Ok(s.clone());
        }
        let s = block(self.rt, self.tx.prepare(&render(sql))).map_err(engine)?;
        self.lock().insert(sql.to_owned(), s.clone());
        Ok(s)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Statement>> {
        self.prepared.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A PostgreSQL failure, with the server's own message when it sent one.
pub fn engine(e: tokio_postgres::Error) -> ReplicaError {
    match e.as_db_error() {
        Some(db) => ReplicaError::Engine(format!("{}: {}", db.code().code(), db.message())),
        None => ReplicaError::Engine(e.to_string()),
    }
}

/// A parameter bound as the type PostgreSQL inferred for its place.
#[derive(Debug)]
struct Bound<'a>(Param<'a>);

impl ToSql for Bound<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self.0 {
            Param::Null => Ok(IsNull::Yes),
            Param::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(i)?.to_sql(ty, out),
                Type::BOOL => (i != 0).to_sql(ty, out),
                _ => i.to_string().as_str().to_sql(ty, out),
            },
            Param::Text(s) => s.to_sql(ty, out),
            Param::Blob(b) => b.to_sql(ty, out),
            Param::TooBig(v) => Err(Box::new(Param::too_big(v))),
        }
    }

    fn accepts(_: &Type) -> bool {
        // Any: `to_sql` converts to what the statement's place wants, and a
        // value that cannot be is an error there.
        true
    }

    to_sql_checked!();
}

fn cell(row: &tokio_postgres::Row, i: usize) -> sqlite_replica::Result<Value> {
    let ty = row.columns()[i].type_().clone();
    let v = match ty {
        Type::INT8 => row.try_get::<_, Option<i64>>(i).map(|v| v.map(Value::Int)),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(i)
            .map(|v| v.map(|v| Value::Int(v.into()))),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(i)
            .map(|v| v.map(|v| Value::Int(v.into()))),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(i)
            .map(|v| v.map(|v| Value::Int(v.into()))),
        Type::BYTEA => row
            .try_get::<_, Option<Vec<u8>>>(i)
            .map(|v| v.map(Value::Blob)),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => row
            .try_get::<_, Option<String>>(i)
            .map(|v| v.map(Value::Text)),
        other => {
            return Err(ReplicaError::Engine(format!(
                "column {i} is of type {other}, which the replica does not read (cast it to text or bigint)"
            )));
        }
    };
    Ok(v.map_err(engine)?.unwrap_or(Value::Null))
}

impl Sql for PgSql<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn run(&self, sql: &str, p: &[Param<'_>]) -> sqlite_replica::Result<u64> {
        let stmt = self.statement(sql)?;
        let bound: Vec<Bound<'_>> = p.iter().map(|p| Bound(*p)).collect();
        let refs: Vec<&(dyn ToSql + Sync)> =
            bound.iter().map(|b| b as &(dyn ToSql + Sync)).collect();
        let held = self.queued.take();
        block(self.rt, async {
            let (sent, n) =
                futures_util::future::join(send(self.tx, &held), self.tx.execute(&stmt, &refs))
                    .await;
            sent?;
            n
        })
        .map_err(engine)
    }

    fn queue(&self, sql: &str, p: &[Param<'_>]) -> sqlite_replica::Result<()> {
        let stmt = self.statement(sql)?;
        let owned = p
            .iter()
            .map(|p| match *p {
                Param::Null => Ok(Value::Null),
                Param::Int(i) => Ok(Value::Int(i)),
                Param::Text(s) => Ok(Value::Text(s.to_owned())),
                Param::Blob(b) => Ok(Value::Blob(b.to_vec())),
                Param::TooBig(v) => Err(Param::too_big(v)),
            })
            .collect::<sqlite_replica::Result<Vec<Value>>>()?;
        self.queued
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((stmt, owned));
        Ok(())
    }

    fn each(
        &self,
        sql: &str,
        p: &[Param<'_>],
        f: &mut dyn FnMut(Row) -> sqlite_replica::Result<bool>,
    ) -> sqlite_replica::Result<()> {
        let stmt = self.statement(sql)?;
        let bound: Vec<Bound<'_>> = p.iter().map(|p| Bound(*p)).collect();
        let refs: Vec<&(dyn ToSql + Sync)> =
            bound.iter().map(|b| b as &(dyn ToSql + Sync)).collect();
        let held = self.queued.take();
        let rows = block(self.rt, async {
            // The held writes go first, in the same flight: the query sees
            // them, and a failed write is the error reported.
            let (sent, rows) =
                futures_util::future::join(send(self.tx, &held), self.tx.query(&stmt, &refs)).await;
            sent?;
            rows
        })
        .map_err(engine)?;
        for r in &rows {
            let cells = (0..r.len()).map(|i| cell(r, i)).collect::<Result<_, _>>()?;
            if !f(Row(cells))? {
                break;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn numbered_parameters_are_renamed_outside_quotes_only() {
        assert_eq!(
            render("SELECT '?1', x FROM t WHERE a = ?1 AND b = ?12 AND c = '?'"),
            "SELECT '?1', x FROM t WHERE a = $1 AND b = $12 AND c = '?'"
        );
    }
}
