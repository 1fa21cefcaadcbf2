//! The device-local tables behind logging in: failed-PIN counts with their
//! lock-out, and sessions (only a token's hash is kept). Neither is
//! replicated: a lock-out or a session belongs to the device it happened on.

use rusqlite::{Connection, OptionalExtension, params};
use sync_core::ids::{BranchId, UserId};

use super::to16;
use crate::error::Result;

/// The active users with this exact name (a name is not unique).
pub fn active_users_named(c: &Connection, name: &str) -> Result<Vec<UserId>> {
    let rows: Vec<Vec<u8>> = c
        .prepare_cached("SELECT id FROM users WHERE name = ?1 AND active = 1")?
        .query_map([name], |r| r.get(0))?
        .collect::<std::result::Result<_, _>>()?;
    Ok(rows.iter().map(|b| UserId(to16(b))).collect())
}

/// Who a user is, for a session: name, role (as stored), branch, active.
pub struct UserRow {
    pub name: String,
    pub role: String,
    pub branch: Option<BranchId>,
    pub active: bool,
}

pub fn user_row(c: &Connection, user: UserId) -> Result<Option<UserRow>> {
    Ok(
        c.prepare_cached("SELECT name, role, branch, active FROM users WHERE id = ?1")?
            .query_row([&user.0[..]], |r| {
                Ok(UserRow {
                    name: r.get(0)?,
                    role: r.get(1)?,
                    branch: r.get::<_, Option<Vec<u8>>>(2)?.map(|b| BranchId(to16(&b))),
                    active: r.get(3)?,
                })
            })
            .optional()?,
    )
}

/// Wrong PINs in a row and the lock-out's end (ms), `(0, 0)` when none.
pub fn login_attempts(c: &Connection, user: UserId) -> Result<(u32, u64)> {
    Ok(
        c.prepare_cached("SELECT failed, locked_until FROM login_attempts WHERE user = ?1")?
            .query_row([&user.0[..]], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .unwrap_or((0, 0)),
    )
}

pub fn clear_login_attempts(c: &Connection, user: UserId) -> Result<()> {
    c.execute("DELETE FROM login_attempts WHERE user = ?1", [&user.0[..]])?;
    Ok(())
}

pub fn set_login_attempts(
    c: &Connection,
    user: UserId,
    failed: u32,
    locked_until: u64,
) -> Result<()> {
    c.execute(
        "INSERT INTO login_attempts (user, failed, locked_until) VALUES (?1, ?2, ?3) ON CONFLICT (user) DO UPDATE SET failed = excluded.failed, locked_until = excluded.locked_until",
        params![&user.0[..], failed, locked_until],
    )?;
    Ok(())
}

/// Keep a new session, and drop the ones that have expired.
pub fn open_session(
    c: &Connection,
    token_hash: &[u8],
    user: UserId,
    now: u64,
    expires_at: u64,
) -> Result<()> {
    c.execute(
        "INSERT INTO sessions (token_hash, user, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![token_hash, &user.0[..], now, expires_at],
    )?;
    c.execute("DELETE FROM sessions WHERE expires_at < ?1", [now])?;
    Ok(())
}

/// The user of a session that has not expired at `now`.
pub fn session_user(c: &Connection, token_hash: &[u8], now: u64) -> Result<Option<UserId>> {
    let user: Option<Vec<u8>> = c
        .prepare_cached("SELECT user FROM sessions WHERE token_hash = ?1 AND expires_at > ?2")?
        .query_row(params![token_hash, now], |r| r.get(0))
        .optional()?;
    Ok(user.map(|u| UserId(to16(&u))))
}

pub fn close_session(c: &Connection, token_hash: &[u8]) -> Result<()> {
    c.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
    Ok(())
}
