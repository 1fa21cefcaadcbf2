//! People: PIN login with lock-out, sessions, and the session's permissions.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sync_core::domain::roles::{Action, Role, require};
use sync_core::ids::{BranchId, UserId};

use crate::crypto;
use crate::error::{NodeError, Result};
use crate::node::{Node, now_ms};
use crate::store::to16;

/// Wrong PINs allowed before the account locks.
pub const MAX_FAILURES: u32 = 5;
/// How long a lock-out lasts.
pub const LOCK_MS: u64 = 15 * 60 * 1000;
/// How long a session lasts: one working day.
pub const SESSION_MS: u64 = 12 * 60 * 60 * 1000;

/// Who is acting, resolved from a session token or a CLI login.
#[derive(Clone, Debug, Serialize)]
pub struct Session {
    pub user: UserId,
    pub name: String,
    pub role: Role,
    pub branch: Option<BranchId>,
}

impl Session {
    pub fn require(&self, action: Action) -> Result<()> {
        Ok(require(self.role, action)?)
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    /// The user's id, or their name as shown on the login screen.
    pub user: String,
    pub pin: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct LoginOutput {
    pub token: String,
    pub expires_at: u64,
    pub session: Session,
}

fn find_user(node: &Node, who: &str) -> Result<UserId> {
    if let Ok(id) = who.parse::<UserId>() {
        return Ok(id);
    }
    node.read(|c| {
        let rows: Vec<Vec<u8>> = c
            .prepare_cached("SELECT id FROM users WHERE name = ?1 AND active = 1")?
            .query_map([who], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        match rows.as_slice() {
            [one] => Ok(UserId(to16(one))),
            [] => Err(NodeError::invalid(
                "user",
                "no active user with that name or id",
            )),
            _ => Err(NodeError::invalid(
                "user",
                "several users have that name; log in with the user id",
            )),
        }
    })
}

fn session_for(node: &Node, user: UserId) -> Result<Session> {
    node.read(|c| {
        c.prepare_cached("SELECT name, role, branch, active FROM users WHERE id = ?1")?
            .query_row([&user.0[..]], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<Vec<u8>>>(2)?,
                    r.get::<_, bool>(3)?,
                ))
            })
            .optional()?
            .filter(|row| row.3)
            .and_then(|(name, role, branch, _)| {
                Some(Session {
                    user,
                    name,
                    role: Role::parse(&role)?,
                    branch: branch.map(|b| BranchId(to16(&b))),
                })
            })
            .ok_or(NodeError::Unauthorized)
    })
}

/// Check a PIN, counting failures and locking the account after
/// [`MAX_FAILURES`]. The argon2 check runs without holding the database.
pub fn check_pin(node: &Node, input: &LoginInput) -> Result<Session> {
    if input.pin.len() > 64 {
        return Err(NodeError::invalid("pin", "must be 4 to 8 digits"));
    }
    let user = find_user(node, &input.user)?;
    let now = now_ms();
    let (hash, locked_until, failed) = node.read(|c| {
        let Some((hash, active)) = crate::store::read::user_pin_hash(c, user)? else {
            return Err(NodeError::invalid(
                "user",
                "no active user with that name or id",
            ));
        };
        if !active {
            return Err(NodeError::invalid("user", "this user is deactivated"));
        }
        let (failed, locked): (u32, u64) = c
            .prepare_cached("SELECT failed, locked_until FROM login_attempts WHERE user = ?1")?
            .query_row([&user.0[..]], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .unwrap_or((0, 0));
        Ok((hash, locked, failed))
    })?;
    if locked_until > now {
        return Err(NodeError::Locked {
            seconds: (locked_until - now).div_ceil(1000),
        });
    }
    let ok = crypto::verify_pin(&input.pin, &hash);
    if ok {
        node.read(|c| {
            c.execute("DELETE FROM login_attempts WHERE user = ?1", [&user.0[..]])?;
            Ok(())
        })?;
        return session_for(node, user);
    }
    let failed = if locked_until != 0 && locked_until <= now {
        1
    } else {
        failed + 1
    };
    let lock = if failed >= MAX_FAILURES {
        now + LOCK_MS
    } else {
        0
    };
    node.read(|c| {
        c.execute(
            "INSERT INTO login_attempts (user, failed, locked_until) VALUES (?1, ?2, ?3) ON CONFLICT (user) DO UPDATE SET failed = excluded.failed, locked_until = excluded.locked_until",
            params![&user.0[..], if lock > 0 { 0 } else { failed }, lock],
        )?;
        Ok(())
    })?;
    if lock > 0 {
        Err(NodeError::Locked {
            seconds: LOCK_MS / 1000,
        })
    } else {
        Err(NodeError::WrongPin {
            left: MAX_FAILURES - failed,
        })
    }
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Log in and open a session; only the token's hash is stored.
pub fn login(node: &Node, input: &LoginInput) -> Result<LoginOutput> {
    let session = check_pin(node, input)?;
    let token = hex::encode(crypto::random_bytes::<32>()?);
    let now = now_ms();
    let expires_at = now + SESSION_MS;
    node.read(|c| {
        c.execute(
            "INSERT INTO sessions (token_hash, user, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![token_hash(&token), &session.user.0[..], now, expires_at],
        )?;
        c.execute("DELETE FROM sessions WHERE expires_at < ?1", [now])?;
        Ok(())
    })?;
    Ok(LoginOutput {
        token,
        expires_at,
        session,
    })
}

/// Resolve a bearer token to its session.
pub fn session(node: &Node, token: &str) -> Result<Session> {
    if token.len() != 64 {
        return Err(NodeError::Unauthorized);
    }
    let user: Option<Vec<u8>> =
        node.read(|c| {
            Ok(c.prepare_cached(
                "SELECT user FROM sessions WHERE token_hash = ?1 AND expires_at > ?2",
            )?
            .query_row(params![token_hash(token), now_ms()], |r| r.get(0))
            .optional()?)
        })?;
    session_for(node, UserId(to16(&user.ok_or(NodeError::Unauthorized)?)))
}

pub fn logout(node: &Node, token: &str) -> Result<()> {
    node.read(|c| {
        c.execute(
            "DELETE FROM sessions WHERE token_hash = ?1",
            [token_hash(token)],
        )?;
        Ok(())
    })
}
