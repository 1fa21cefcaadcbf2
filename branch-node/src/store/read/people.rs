//! The branch's people as the store holds them: who they are, and the PIN
//! hash a login is checked against.

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use sync_core::ids::{BranchId, UserId};

use super::uid;
use crate::error::Result;
use crate::store::to16;

#[derive(Clone, Debug, Serialize)]
pub struct UserView {
    pub id: UserId,
    pub name: String,
    pub role: String,
    pub branch: Option<BranchId>,
    pub active: bool,
}

pub fn users(c: &Connection) -> Result<Vec<UserView>> {
    let mut stmt =
        c.prepare_cached("SELECT id, name, role, branch, active FROM users ORDER BY name")?;
    let rows = stmt.query_map([], |r| {
        Ok(UserView {
            id: uid(r.get(0)?),
            name: r.get(1)?,
            role: r.get(2)?,
            branch: r.get::<_, Option<Vec<u8>>>(3)?.map(|b| BranchId(to16(&b))),
            active: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn user_pin_hash(c: &Connection, id: UserId) -> Result<Option<(String, bool)>> {
    Ok(
        c.prepare_cached("SELECT pin_hash, active FROM users WHERE id = ?1")?
            .query_row([&id.0[..]], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?,
    )
}

pub fn user_name(c: &Connection, id: UserId) -> Result<Option<String>> {
    Ok(c.prepare_cached("SELECT name FROM users WHERE id = ?1")?
        .query_row([&id.0[..]], |r| r.get(0))
        .optional()?)
}
