//! `export`: a table's rows as JSON, limited to the tables a report may
//! show.

use rusqlite::Connection;
use sync_core::ids::RecordId;

use crate::error::{NodeError, Result};
use crate::store::to16;

/// Every row of a table as JSON objects (blobs as hex), for `export`.
pub fn export_table(c: &Connection, table: &str) -> Result<Vec<serde_json::Value>> {
    const ALLOWED: &[&str] = &[
        "branches",
        "users",
        "devices",
        "customers",
        "jobs",
        "job_texts",
        "status_changes",
        "estimate_lines",
        "password_reads",
        "items",
        "stock_movements",
        "stock_balances",
        "transfers",
        "documents",
        "payments",
        "leases",
        "audit",
    ];
    if !ALLOWED.contains(&table) {
        return Err(NodeError::invalid(
            "table",
            format!("must be one of: {}", ALLOWED.join(", ")),
        ));
    }
    let mut stmt = c.prepare(&format!("SELECT * FROM {table}"))?;
    let names: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
    let mut rows = stmt.query([])?;
    let mut out = vec![];
    while let Some(r) = rows.next()? {
        let mut obj = serde_json::Map::new();
        for (i, n) in names.iter().enumerate() {
            use rusqlite::types::ValueRef as V;
            let v = match r.get_ref(i)? {
                V::Null => serde_json::Value::Null,
                V::Integer(x) => serde_json::json!(x),
                V::Real(x) => serde_json::json!(x.to_string()),
                V::Text(t) => serde_json::json!(String::from_utf8_lossy(t)),
                V::Blob(b) if n == "doc" || n == "wire" => {
                    serde_json::json!(format!("{} bytes", b.len()))
                }
                V::Blob(b) if b.len() == 16 => serde_json::json!(RecordId(to16(b)).to_string()),
                V::Blob(b) => serde_json::json!(hex::encode(b)),
            };
            obj.insert(n.clone(), v);
        }
        out.push(serde_json::Value::Object(obj));
    }
    Ok(out)
}
