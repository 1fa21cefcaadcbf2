//! What must hold after a day of work, read from the SQLite files of each
//! device and from the hub's store (on either engine): one branch's state is the same everywhere
//! it is kept, no operation is missing or doubled, invoice numbers are
//! unique and inside their issuer's lease, and no balance is below zero.
//!
//! These are test-side readers of the shared schema (`schema` crate); they
//! open the files read-only and never write.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rusqlite::{Connection, OpenFlags};
use rust_decimal::Decimal;
use sqlite_replica::sql::Value;
use sqlite_replica::{Sql, SqlExt, p};

pub fn open(db: &Path) -> Connection {
    let c = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .expect("open database read-only");
    c.busy_timeout(std::time::Duration::from_secs(10))
        .expect("busy timeout");
    c
}

pub use sqlite_replica::digest::BRANCH_STATE;

/// Each table's rows for `branch`, as text, by table.
pub fn branch_rows(c: &dyn Sql, branch: &[u8]) -> BTreeMap<&'static str, Vec<String>> {
    sqlite_replica::digest::branch_rows(c, branch).expect("branch rows")
}

/// One hash of a branch's whole state, for a short assertion message.
pub fn digest(rows: &BTreeMap<&'static str, Vec<String>>) -> String {
    sqlite_replica::digest::hash_rows(rows)
}

/// The first difference between two states, to say what diverged.
pub fn first_difference(
    a: &BTreeMap<&'static str, Vec<String>>,
    b: &BTreeMap<&'static str, Vec<String>>,
) -> Option<String> {
    for (t, ra) in a {
        let rb = &b[t];
        if ra != rb {
            let sa: BTreeSet<_> = ra.iter().collect();
            let sb: BTreeSet<_> = rb.iter().collect();
            let only_a: Vec<_> = sa.difference(&sb).take(3).collect();
            let only_b: Vec<_> = sb.difference(&sa).take(3).collect();
            return Some(format!(
                "{t}: {} vs {} rows; only in the first: {only_a:?}; only in the second: {only_b:?}",
                ra.len(),
                rb.len()
            ));
        }
    }
    None
}

/// (device, seq) of every op a replica holds, with its hash.
pub fn op_ids(c: &dyn Sql) -> BTreeMap<(Vec<u8>, u64), Vec<u8>> {
    c.all("SELECT device, seq, hash FROM ops", p![], |r| {
        Ok(((r.get(0)?, r.get(1)?), r.get(2)?))
    })
    .expect("ops")
    .into_iter()
    .collect()
}

/// Ops in the log that the hub refused, with the reason.
pub fn rejected_ops(c: &dyn Sql) -> Vec<(Vec<u8>, u64, String)> {
    c.all(
        "SELECT device, seq, rejected FROM ops WHERE rejected IS NOT NULL",
        p![],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .expect("rows")
}

/// Every stock balance held anywhere, with its holder: none may be negative.
pub fn negative_balances(c: &dyn Sql) -> Vec<String> {
    let rows: Vec<(String, String, String, String, String)> = c
        .all(
            "SELECT branch, item, holder_kind, holder, qty FROM stock_balances",
            p![],
            |r| {
                Ok((
                    hex::encode(r.get::<Vec<u8>>(0)?),
                    hex::encode(r.get::<Vec<u8>>(1)?),
                    r.get(2)?,
                    hex::encode(r.get::<Vec<u8>>(3)?),
                    match r.get::<Value>(4)? {
                        Value::Text(t) => t,
                        Value::Int(i) => i.to_string(),
                        other => format!("{other:?}"),
                    },
                ))
            },
        )
        .expect("rows");
    rows.into_iter()
        .filter(|r| {
            r.4.parse::<Decimal>()
                .map(|q| q < Decimal::ZERO)
                .unwrap_or(true)
        })
        .map(|r| format!("{r:?}"))
        .collect()
}

/// A finalized document's number and where it came from.
#[derive(Debug)]
pub struct Issued {
    pub device: Vec<u8>,
    pub doc_type: String,
    pub prefix: String,
    pub fy: u16,
    pub seq: u64,
    pub number: String,
}

pub fn documents(c: &dyn Sql) -> Vec<Issued> {
    c.all(
        "SELECT device, doc_type, prefix, fy, seq, number FROM documents",
        p![],
        |r| {
            Ok(Issued {
                device: r.get(0)?,
                doc_type: r.get(1)?,
                prefix: r.get(2)?,
                fy: r.get(3)?,
                seq: r.get(4)?,
                number: r.get(5)?,
            })
        },
    )
    .expect("rows")
}

/// Whether `d` lies inside a lease granted to its issuing device.
pub fn inside_a_lease(c: &dyn Sql, d: &Issued) -> bool {
    c.row(
        "SELECT count(*) FROM leases WHERE device = ?1 AND doc_type = ?2 AND prefix = ?3 AND fy = ?4 AND first <= ?5 AND last >= ?5",
        p![d.device, d.doc_type, d.prefix, d.fy, d.seq],
        |r| r.get::<u64>(0),
    )
    .expect("lease query")
        > 0
}
