//! The operation log and the chains in it. Appends to one business's log
//! take a transaction-scoped advisory lock on the business, so that its lsn
//! order is its commit order (a puller's cursor never skips an op that
//! commits late with a smaller lsn) and so that two hub processes never
//! make two ops at one place of the hub's own chains. Other businesses
//! append in parallel.

use tokio_postgres::{Client, GenericClient, Transaction};

use crate::{Business, PgError, Result};

/// An op to append: its place in its device's chain and its bytes.
#[derive(Clone, Debug)]
pub struct NewOp {
    pub device: [u8; 16],
    pub seq: i64,
    pub branch: [u8; 16],
    pub kind: String,
    pub hash: Vec<u8>,
    pub wire: Vec<u8>,
    pub rejected: Option<String>,
}

/// What became of an op given to [`append`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Appended {
    /// Stored at this lsn.
    At(i64),
    /// The log already holds this very op.
    Duplicate,
}

/// Add a business (its own root of trust, series and devices live under
/// this key).
pub async fn add_business(c: &Client, b: Business, name: &str, now_ms: i64) -> Result<()> {
    if name.trim().is_empty() {
        return Err(PgError::Invalid {
            field: "name",
            rule: "a business needs a name".into(),
        });
    }
    c.execute(
        "INSERT INTO businesses (business, name, created_at) VALUES ($1, $2, $3)",
        &[&&b.0[..], &name.trim(), &now_ms],
    )
    .await?;
    Ok(())
}

/// Serialize this transaction's appends with every other's on `b`'s log.
pub async fn lock_log(tx: &Transaction<'_>, b: Business) -> Result<()> {
    let mut k = [0u8; 8];
    k.copy_from_slice(&b.0[..8]);
    tx.execute(
        "SELECT pg_advisory_xact_lock($1)",
        &[&(i64::from_le_bytes(k) ^ 0x7400_7400)],
    )
    .await?;
    Ok(())
}

/// Append `ops` in order to `b`'s log (taking the log's lock): each must
/// follow its device's chain head (seq one more than the head's), or be the
/// very op already there (a duplicate). A different op at a taken place is
/// a fork, and the whole append fails; so does a gap.
///
/// A batch costs a fixed handful of round trips whatever its size (the
/// heads and the possible duplicates read in one query each, the rows and
/// the new heads written in one statement each, as arrays).
pub async fn append(tx: &Transaction<'_>, b: Business, ops: &[NewOp]) -> Result<Vec<Appended>> {
    lock_log(tx, b).await?;
    append_locked(tx, b, ops).await
}

/// [`append`], the log's lock already taken by this transaction.
async fn append_locked(tx: &Transaction<'_>, b: Business, ops: &[NewOp]) -> Result<Vec<Appended>> {
    use std::collections::HashMap;
    let biz = &b.0[..];
    let mut lsn: i64 = tx
        .query_one(
            "SELECT coalesce(max(lsn), 0) FROM ops WHERE business = $1",
            &[&biz],
        )
        .await?
        .get(0);
    let mut devices: Vec<&[u8]> = ops.iter().map(|o| &o.device[..]).collect();
    devices.sort_unstable();
    devices.dedup();
    let mut heads: HashMap<Vec<u8>, i64> = tx
        .query(
            "SELECT device, seq FROM chain_heads WHERE business = $1 AND device = ANY($2)",
            &[&biz, &devices],
        )
        .await?
        .iter()
        .map(|r| (r.get::<_, Vec<u8>>(0), r.get::<_, i64>(1)))
        .collect();
    // What the log holds at the places this batch claims below its heads.
    let (below_dev, below_seq): (Vec<&[u8]>, Vec<i64>) = ops
        .iter()
        .filter(|o| o.seq <= heads.get(&o.device[..]).copied().unwrap_or(0))
        .map(|o| (&o.device[..], o.seq))
        .unzip();
    let mut held: HashMap<(Vec<u8>, i64), Vec<u8>> = if below_dev.is_empty() {
        HashMap::new()
    } else {
        tx.query(
            "SELECT o.device, o.seq, o.hash FROM ops o
             JOIN unnest($2::bytea[], $3::bigint[]) AS w(device, seq)
               ON o.device = w.device AND o.seq = w.seq
             WHERE o.business = $1",
            &[&biz, &below_dev, &below_seq],
        )
        .await?
        .iter()
        .map(|r| ((r.get(0), r.get(1)), r.get(2)))
        .collect()
    };
    let mut out = Vec::with_capacity(ops.len());
    let mut new: Vec<(&NewOp, i64)> = Vec::with_capacity(ops.len());
    for op in ops {
        let at = heads.get(&op.device[..]).copied().unwrap_or(0);
        if op.seq <= at {
            if held.get(&(op.device.to_vec(), op.seq)) == Some(&op.hash) {
                out.push(Appended::Duplicate);
                continue;
            }
            return Err(PgError::Chain {
                device: hex(&op.device),
                rule: format!("a different op is already at seq {} (a fork)", op.seq),
            });
        }
        if op.seq != at + 1 {
            return Err(PgError::Chain {
                device: hex(&op.device),
                rule: format!("seq {} does not follow the head at {at}", op.seq),
            });
        }
        lsn += 1;
        heads.insert(op.device.to_vec(), op.seq);
        held.insert((op.device.to_vec(), op.seq), op.hash.clone());
        new.push((op, lsn));
        out.push(Appended::At(lsn));
    }
    if new.is_empty() {
        return Ok(out);
    }
    let lsns: Vec<i64> = new.iter().map(|n| n.1).collect();
    let devs: Vec<&[u8]> = new.iter().map(|n| &n.0.device[..]).collect();
    let seqs: Vec<i64> = new.iter().map(|n| n.0.seq).collect();
    let branches: Vec<&[u8]> = new.iter().map(|n| &n.0.branch[..]).collect();
    let kinds: Vec<&str> = new.iter().map(|n| n.0.kind.as_str()).collect();
    let hashes: Vec<&[u8]> = new.iter().map(|n| &n.0.hash[..]).collect();
    let wires: Vec<&[u8]> = new.iter().map(|n| &n.0.wire[..]).collect();
    let rejected: Vec<Option<&str>> = new.iter().map(|n| n.0.rejected.as_deref()).collect();
    tx.execute(
        "INSERT INTO ops (business, lsn, device, seq, branch, kind, hash, wire, rejected)
         SELECT $1, * FROM unnest($2::bigint[], $3::bytea[], $4::bigint[], $5::bytea[],
                                  $6::text[], $7::bytea[], $8::bytea[], $9::text[])",
        &[
            &biz, &lsns, &devs, &seqs, &branches, &kinds, &hashes, &wires, &rejected,
        ],
    )
    .await?;
    // Each device's new head: its last op of the batch.
    let mut last: HashMap<&[u8], (i64, &[u8])> = HashMap::new();
    for (op, _) in &new {
        last.insert(&op.device[..], (op.seq, &op.hash[..]));
    }
    let mut hd: Vec<&[u8]> = Vec::with_capacity(last.len());
    let mut hs: Vec<i64> = Vec::with_capacity(last.len());
    let mut hh: Vec<&[u8]> = Vec::with_capacity(last.len());
    for (d, (s, h)) in last {
        hd.push(d);
        hs.push(s);
        hh.push(h);
    }
    tx.execute(
        "INSERT INTO chain_heads (business, device, seq, hash)
         SELECT $1, * FROM unnest($2::bytea[], $3::bigint[], $4::bytea[])
         ON CONFLICT (business, device) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        &[&biz, &hd, &hs, &hh],
    )
    .await?;
    Ok(out)
}

/// The place a new op of `device` takes: (next seq, the head's hash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub seq: i64,
    pub prev: Option<Vec<u8>>,
}

/// Make and append one op of one of the hub's own signing devices: under
/// the log's lock, `make` is given the place the op takes and returns it
/// signed. Two hub processes signing for one device at once take turns, so
/// each signs at a place nobody else has: the hub's chains never fork.
pub async fn append_own<F>(
    tx: &Transaction<'_>,
    b: Business,
    device: [u8; 16],
    make: F,
) -> Result<(NewOp, i64)>
where
    F: FnOnce(&Place) -> Result<NewOp>,
{
    lock_log(tx, b).await?;
    let place = tx
        .query_opt(
            "SELECT seq, hash FROM chain_heads WHERE business = $1 AND device = $2",
            &[&&b.0[..], &&device[..]],
        )
        .await?
        .map_or(Place { seq: 1, prev: None }, |r| Place {
            seq: r.get::<_, i64>(0) + 1,
            prev: Some(r.get(1)),
        });
    let op = make(&place)?;
    if op.device != device || op.seq != place.seq {
        return Err(PgError::Chain {
            device: hex(&device),
            rule: format!("made at seq {}, not at its place {}", op.seq, place.seq),
        });
    }
    match append_locked(tx, b, std::slice::from_ref(&op)).await?[0] {
        Appended::At(lsn) => Ok((op, lsn)),
        Appended::Duplicate => Err(PgError::Chain {
            device: hex(&device),
            rule: "made an op the chain already holds".into(),
        }),
    }
}

/// A page of `b`'s log after `cursor`: (lsn, device, seq, hash), in order.
pub async fn after(
    c: &impl GenericClient,
    b: Business,
    cursor: i64,
    limit: i64,
) -> Result<Vec<(i64, Vec<u8>, i64, Vec<u8>)>> {
    Ok(c
        .query(
            "SELECT lsn, device, seq, hash FROM ops WHERE business = $1 AND lsn > $2 ORDER BY lsn LIMIT $3",
            &[&&b.0[..], &cursor, &limit],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect())
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
