//! People: PIN login with lock-out, sessions, and the session's permissions.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sync_core::domain::roles::{Action, Role, require};
use sync_core::ids::{BranchId, UserId};

use crate::crypto;
use crate::error::{NodeError, Result};
use crate::node::{Node, now_ms};
use crate::store::people;

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
    match node
        .read(|c| people::active_users_named(c, who))?
        .as_slice()
    {
        [one] => Ok(*one),
        [] => Err(NodeError::invalid(
            "user",
            "no active user with that name or id",
        )),
        _ => Err(NodeError::invalid(
            "user",
            "several users have that name; log in with the user id",
        )),
    }
}

fn session_for(node: &Node, user: UserId) -> Result<Session> {
    node.read(|c| people::user_row(c, user))?
        .filter(|u| u.active)
        .and_then(|u| {
            Some(Session {
                user,
                name: u.name,
                role: Role::parse(&u.role)?,
                branch: u.branch,
            })
        })
        .ok_or(NodeError::Unauthorized)
}

/// Check a PIN, counting failures and locking the account after
/// [`MAX_FAILURES`]. Each attempt is counted as a failure *before* its PIN
/// is checked, in the same locked step that reads the lock-out, and cleared
/// only if the PIN was right: however many attempts run at once, at most
/// [`MAX_FAILURES`] are ever checked before the lock holds. The argon2 check
/// itself runs without holding the database.
pub fn check_pin(node: &Node, input: &LoginInput) -> Result<Session> {
    if input.pin.len() > 64 {
        return Err(NodeError::invalid("pin", "must be 4 to 8 digits"));
    }
    let user = find_user(node, &input.user)?;
    let now = now_ms();
    let (hash, failed) = node.read(|c| {
        let Some((hash, active)) = crate::store::read::user_pin_hash(c, user)? else {
            return Err(NodeError::invalid(
                "user",
                "no active user with that name or id",
            ));
        };
        if !active {
            return Err(NodeError::invalid("user", "this user is deactivated"));
        }
        let (failed, locked_until) = people::login_attempts(c, user)?;
        if locked_until > now {
            return Err(NodeError::Locked {
                seconds: (locked_until - now).div_ceil(1000),
            });
        }
        // A lock that has run out starts the count afresh.
        let failed = if locked_until != 0 { 1 } else { failed + 1 };
        let lock = if failed >= MAX_FAILURES {
            now + LOCK_MS
        } else {
            0
        };
        people::set_login_attempts(c, user, if lock > 0 { 0 } else { failed }, lock)?;
        Ok((hash, failed))
    })?;
    if crypto::verify_pin(&input.pin, &hash) {
        node.read(|c| people::clear_login_attempts(c, user))?;
        return session_for(node, user);
    }
    if failed >= MAX_FAILURES {
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
    node.read(|c| people::open_session(c, &token_hash(&token), session.user, now, expires_at))?;
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
    let user = node.read(|c| people::session_user(c, &token_hash(token), now_ms()))?;
    session_for(node, user.ok_or(NodeError::Unauthorized)?)
}

pub fn logout(node: &Node, token: &str) -> Result<()> {
    node.read(|c| people::close_session(c, &token_hash(token)))
}
