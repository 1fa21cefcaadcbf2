//! Number blocks. A series' high-water mark is raised by a block's size in
//! one statement (`INSERT … ON CONFLICT DO UPDATE … RETURNING`), which holds
//! the series row's lock to the end of the transaction: two hub processes
//! granting at once take turns, and the blocks they hand out never overlap.
//! Which device may have a block, and when, is the hub's policy.

use tokio_postgres::GenericClient;

use crate::{Business, PgError, Result};

/// A document series: (prefix, document type, financial year).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Series {
    pub prefix: String,
    pub doc_type: String,
    pub fy: i32,
}

/// A block granted: numbers `first..=last` of the series to `device`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub id: [u8; 16],
    pub device: [u8; 16],
    pub first: i64,
    pub last: i64,
}

/// Grant the next `size` numbers of `series` to `device`, recorded as lease
/// `id`, inside the caller's transaction.
pub async fn grant(
    c: &impl GenericClient,
    b: Business,
    series: &Series,
    device: [u8; 16],
    id: [u8; 16],
    size: i64,
) -> Result<Block> {
    if !(1..=10_000).contains(&size) {
        return Err(PgError::Invalid {
            field: "size",
            rule: "a block is 1 to 10,000 numbers".into(),
        });
    }
    let last: i64 = c
        .query_one(
            "INSERT INTO series_high (business, prefix, doc_type, fy, high) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (business, prefix, doc_type, fy) DO UPDATE SET high = series_high.high + excluded.high
             RETURNING high",
            &[&&b.0[..], &series.prefix, &series.doc_type, &series.fy, &size],
        )
        .await?
        .get(0);
    let first = last - size + 1;
    c.execute(
        "INSERT INTO leases (business, id, device, prefix, doc_type, fy, first, last)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            &&b.0[..],
            &&id[..],
            &&device[..],
            &series.prefix,
            &series.doc_type,
            &series.fy,
            &first,
            &last,
        ],
    )
    .await?;
    Ok(Block {
        id,
        device,
        first,
        last,
    })
}

/// Every block of `series`, in number order.
pub async fn blocks(c: &impl GenericClient, b: Business, series: &Series) -> Result<Vec<Block>> {
    Ok(c.query(
        "SELECT id, device, first, last FROM leases
             WHERE business = $1 AND prefix = $2 AND doc_type = $3 AND fy = $4 ORDER BY first",
        &[&&b.0[..], &series.prefix, &series.doc_type, &series.fy],
    )
    .await?
    .iter()
    .map(|r| Block {
        id: to16(r.get(0)),
        device: to16(r.get(1)),
        first: r.get(2),
        last: r.get(3),
    })
    .collect())
}

fn to16(v: &[u8]) -> [u8; 16] {
    let mut a = [0u8; 16];
    let n = v.len().min(16);
    a[..n].copy_from_slice(&v[..n]);
    a
}
