//! What the owner sets up by hand: branches, users and their PINs, and the
//! shared catalogue. Each is an op the hub signs into the chain of those who
//! must see it, so devices learn of it as they learn of anything else; only a
//! new branch's key stays here, wrapped under the passphrase, for the
//! enrollment codes (`devices`) to carry.

use rusqlite::params;
use sync_core::body::{Branch, OpBody, User};
use sync_core::domain::roles::Role;
use sync_core::ids::{BranchId, UserId};
use sync_core::replica::HQ;
use sync_core::seal;

use super::{SqliteHub, branch_hub, random};
use crate::error::{HubError, Result};

pub(super) fn add_branch(hub: &SqliteHub, b: Branch) -> Result<BranchId> {
    let master = hub.master("add a branch (its key is wrapped under the passphrase)")?;
    let id = b.id;
    let root = hub.genesis();
    hub.commit(root.hub_device, HQ, root.owner, OpBody::BranchCreated(b))?;
    let (hubdev, hubkey) = {
        let g = hub.lock();
        branch_hub(&g.root_seed, id)
    };
    hub.commit(
        root.hub_device,
        HQ,
        root.owner,
        OpBody::DeviceEnrolled {
            device: hubdev,
            key: hubkey.public(),
            branch: id,
            label: "hub".into(),
            holds_store: false,
            ceiling: Some(Role::Owner),
            hub: true,
            number: None,
        },
    )?;
    let branch_key: [u8; 32] = random()?;
    let wrapped = seal::seal(&master, random()?, &seal::branch_key_aad(&id), &branch_key);
    hub.read(|c| {
        c.execute(
            "INSERT INTO branch_keys (branch, nonce, wrapped) VALUES (?1, ?2, ?3)",
            params![
                &id.0[..],
                hex::decode(&wrapped.nonce).unwrap_or_default(),
                hex::decode(&wrapped.ciphertext).unwrap_or_default()
            ],
        )?;
        Ok(())
    })?;
    Ok(id)
}

pub(super) fn add_user(
    hub: &SqliteHub,
    branch: Option<BranchId>,
    name: &str,
    role: Role,
    pin: &str,
) -> Result<UserId> {
    if !(4..=8).contains(&pin.len()) || !pin.chars().all(|c| c.is_ascii_digit()) {
        return Err(HubError::invalid("pin", "must be 4 to 8 digits"));
    }
    let g = hub.genesis();
    let id = UserId(random()?);
    let user = User {
        id,
        name: name.trim().into(),
        role,
        branch,
        pin_hash: hash_pin(pin)?,
    };
    match branch {
        Some(b) => hub.commit(
            hub.branch_hub_device(b),
            b,
            g.owner,
            OpBody::UserCreated(user),
        )?,
        None => hub.commit(g.hub_device, HQ, g.owner, OpBody::UserCreated(user))?,
    };
    Ok(id)
}

pub(super) fn add_item(hub: &SqliteHub, item: sync_core::body::Item) -> Result<()> {
    let g = hub.genesis();
    hub.commit(g.hub_device, HQ, g.owner, OpBody::ItemCreated(item))?;
    Ok(())
}

pub(super) fn owner_pin_hashes(hub: &SqliteHub, name: &str) -> Result<Vec<String>> {
    hub.read(|c| {
        let mut stmt = c.prepare_cached(
            "SELECT pin_hash FROM users WHERE name = ?1 AND role = ?2 AND active = 1",
        )?;
        let rows = stmt.query_map(params![name, Role::Owner.as_str()], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    })
}

pub(super) fn hash_pin(pin: &str) -> Result<String> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let salt_bytes: [u8; 16] = random()?;
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| HubError::Setup(e.to_string()))?;
    Ok(argon2::Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map_err(|e| HubError::Setup(e.to_string()))?
        .to_string())
}
