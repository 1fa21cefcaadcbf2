//! What the owner sets up by hand: branches, users and their PINs, and the
//! shared catalogue. Each is an op the hub signs into the chain of those who
//! must see it, so devices learn of it as they learn of anything else; only a
//! new branch's key stays here, wrapped under the passphrase, for the
//! enrollment codes (`devices`) to carry.

use sqlite_replica::to16;
use sqlite_replica::{SqlExt, p};
use sync_core::body::{Branch, FieldValue, FieldWrite, OpBody, User};
use sync_core::domain::roles::Role;
use sync_core::ids::{BranchId, RecordId, UserId};
use sync_core::replica::HQ;
use sync_core::seal;

use super::{HubDb, branch_hub, random};
use crate::error::{HubError, Result};
use crate::store::{BranchChange, BranchRow, ItemChange, ItemRow, UserChange, UserRow};

pub(super) fn add_branch(hub: &HubDb, b: Branch) -> Result<BranchId> {
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
            series: None,
        },
    )?;
    let branch_key: [u8; 32] = random()?;
    let wrapped = seal::seal(&master, random()?, &seal::branch_key_aad(&id), &branch_key);
    hub.read(|c| {
        c.run(
            "INSERT INTO branch_keys (branch, nonce, wrapped) VALUES (?1, ?2, ?3)",
            p![
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
    hub: &HubDb,
    branch: Option<BranchId>,
    name: &str,
    role: Role,
    pin: &str,
) -> Result<UserId> {
    check_pin(pin)?;
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

pub(super) fn add_item(hub: &HubDb, item: sync_core::body::Item) -> Result<()> {
    let g = hub.genesis();
    hub.commit(g.hub_device, HQ, g.owner, OpBody::ItemCreated(item))?;
    Ok(())
}

pub(super) fn users(hub: &HubDb) -> Result<Vec<UserRow>> {
    hub.read(|c| {
        let rows = c.all("SELECT u.id, u.name, u.role, u.branch, b.name, u.active FROM users u LEFT JOIN branches b ON b.id = u.branch ORDER BY b.name, u.name", p![], |r| {
            Ok(UserRow {
                id: UserId(to16(&r.get::<Vec<u8>>(0)?)),
                name: r.get(1)?,
                role: r.get(2)?,
                branch: r.get::<Option<Vec<u8>>>(3)?.map(|b| BranchId(to16(&b))),
                branch_name: r.get(4)?,
                active: r.get(5)?,
            })
        })?;
        Ok(rows)
    })
}

pub(super) fn branches(hub: &HubDb) -> Result<Vec<BranchRow>> {
    hub.read(|c| {
        let rows = c.all(
            "SELECT id, name, address, upi_id, phone, einvoicing FROM branches ORDER BY name",
            p![],
            |r| {
                Ok(BranchRow {
                    id: BranchId(to16(&r.get::<Vec<u8>>(0)?)),
                    name: r.get(1)?,
                    address: r.get(2)?,
                    upi_id: r.get(3)?,
                    phone: r.get(4)?,
                    einvoicing: r.get::<i64>(5)? == 1,
                })
            },
        )?;
        Ok(rows)
    })
}

pub(super) fn catalogue(hub: &HubDb) -> Result<Vec<ItemRow>> {
    hub.read(|c| {
        let dec = |s: String| s.parse().unwrap_or_default();
        let rows = c.all("SELECT id, sku, name, hsn_sac, gst_rate, unit, sale_price, reorder_level FROM items WHERE branch IS NULL OR branch = ?1 ORDER BY name", p![&HQ.0[..]], |r| {
            Ok(ItemRow {
                id: RecordId(to16(&r.get::<Vec<u8>>(0)?)),
                sku: r.get(1)?,
                name: r.get(2)?,
                hsn_sac: r.get(3)?,
                gst_rate: dec(r.get(4)?),
                unit: r.get(5)?,
                sale_price: dec(r.get(6)?),
                reorder_level: dec(r.get(7)?),
            })
        })?;
        Ok(rows)
    })
}

/// Who a user is at the hub: their branch, role, PIN hash, name.
fn user_record(
    hub: &HubDb,
    user: UserId,
) -> Result<(Option<BranchId>, Role, String, String, bool)> {
    hub.read(|c| {
        c.one(
            "SELECT branch, role, pin_hash, name, active FROM users WHERE id = ?1",
            p![&user.0[..]],
            |r| {
                Ok((
                    r.get::<Option<Vec<u8>>>(0)?.map(|b| BranchId(to16(&b))),
                    r.get::<String>(1)?,
                    r.get::<String>(2)?,
                    r.get::<String>(3)?,
                    r.get::<bool>(4)?,
                ))
            },
        )?
        .ok_or_else(|| HubError::NotFound(format!("user {user}")))
        .and_then(|(b, role, hash, name, active)| {
            let role = Role::parse(&role)
                .ok_or_else(|| HubError::invalid("role", "the stored role is unknown"))?;
            Ok((b, role, hash, name, active))
        })
    })
}

/// Whether the hub holds a row of `table` (a fixed name) with this id.
fn exists(hub: &HubDb, table: &'static str, id: &[u8; 16]) -> Result<bool> {
    hub.read(|c| {
        Ok(c.one(
            &format!("SELECT 1 FROM {table} WHERE id = ?1"),
            p![&id[..]],
            |_| Ok(()),
        )?
        .is_some())
    })
}

/// Field writes on top of what the hub holds of `record`.
fn writes(
    hub: &HubDb,
    record: RecordId,
    fields: Vec<(&str, FieldValue)>,
) -> Result<Vec<FieldWrite>> {
    if fields.is_empty() {
        return Err(HubError::invalid(
            "change",
            "name at least one field to change",
        ));
    }
    hub.read(|c| {
        fields
            .into_iter()
            .map(|(f, value)| {
                let live = sqlite_replica::versions::live_versions(c, record, f)?;
                Ok(FieldWrite {
                    field: f.to_string(),
                    value,
                    supersedes: live.into_iter().take(1).collect(),
                })
            })
            .collect()
    })
}

fn check_pin(pin: &str) -> Result<()> {
    if !(4..=8).contains(&pin.len()) || !pin.chars().all(|c| c.is_ascii_digit()) {
        return Err(HubError::invalid("pin", "must be 4 to 8 digits"));
    }
    Ok(())
}

/// An optional text: empty clears it.
fn opt_text(v: &str) -> FieldValue {
    match v.trim() {
        "" => FieldValue::Null,
        t => FieldValue::Text(t.to_string()),
    }
}

pub(super) fn update_user(hub: &HubDb, user: UserId, ch: &UserChange) -> Result<()> {
    let (branch, role, _, _, active) = user_record(hub, user)?;
    if role == Role::Owner && active && ch.active == Some(false) {
        let owners: i64 = hub.read(|c| {
            Ok(c.row(
                "SELECT count(*) FROM users WHERE role = ?1 AND active = 1",
                p![Role::Owner.as_str()],
                |r| r.get(0),
            )?)
        })?;
        if owners <= 1 {
            return Err(HubError::invalid(
                "active",
                "this is the only active owner: add another owner before deactivating this one",
            ));
        }
    }
    let mut f: Vec<(&str, FieldValue)> = vec![];
    if let Some(n) = &ch.name {
        f.push(("name", FieldValue::Text(n.trim().to_string())));
    }
    if let Some(r) = ch.role {
        f.push(("role", FieldValue::Text(r.as_str().to_string())));
    }
    if let Some(a) = ch.active {
        f.push(("active", FieldValue::Bool(a)));
    }
    if let Some(p) = &ch.pin {
        check_pin(p)?;
        f.push(("pin_hash", FieldValue::Text(hash_pin(p)?)));
    }
    let w = writes(hub, RecordId(user.0), f)?;
    let g = hub.genesis();
    let body = OpBody::UserUpdated { user, writes: w };
    match branch {
        Some(b) => hub.commit(hub.branch_hub_device(b), b, g.owner, body)?,
        None => hub.commit(g.hub_device, HQ, g.owner, body)?,
    };
    Ok(())
}

pub(super) fn move_user(hub: &HubDb, user: UserId, to: BranchId) -> Result<UserId> {
    let (from, role, pin_hash, name, active) = user_record(hub, user)?;
    if from.is_none() {
        return Err(HubError::invalid("user", "an owner belongs to no branch"));
    }
    if from == Some(to) {
        return Err(HubError::invalid(
            "branch",
            "the user is already at that branch",
        ));
    }
    if !active {
        return Err(HubError::invalid(
            "user",
            "reactivate the user before moving them",
        ));
    }
    if !exists(hub, "branches", &to.0)? {
        return Err(HubError::invalid("branch", "unknown branch"));
    }
    let g = hub.genesis();
    let id = UserId(random()?);
    hub.commit(
        hub.branch_hub_device(to),
        to,
        g.owner,
        OpBody::UserCreated(User {
            id,
            name,
            role,
            branch: Some(to),
            pin_hash,
        }),
    )?;
    update_user(
        hub,
        user,
        &UserChange {
            active: Some(false),
            ..UserChange::default()
        },
    )?;
    Ok(id)
}

pub(super) fn update_branch(hub: &HubDb, branch: BranchId, ch: &BranchChange) -> Result<()> {
    let mut f: Vec<(&str, FieldValue)> = vec![];
    if let Some(n) = &ch.name {
        f.push(("name", FieldValue::Text(n.trim().to_string())));
    }
    if let Some(a) = &ch.address {
        f.push(("address", FieldValue::Text(a.trim().to_string())));
    }
    if let Some(u) = &ch.upi_id {
        f.push(("upi_id", opt_text(u)));
    }
    if let Some(p) = &ch.phone {
        f.push(("phone", opt_text(p)));
    }
    if let Some(on) = ch.einvoicing {
        f.push(("einvoicing", FieldValue::Bool(on)));
    }
    if !exists(hub, "branches", &branch.0)? {
        return Err(HubError::NotFound(format!("branch {branch}")));
    }
    let w = writes(hub, RecordId(branch.0), f)?;
    let g = hub.genesis();
    hub.commit(
        g.hub_device,
        HQ,
        g.owner,
        OpBody::BranchUpdated { branch, writes: w },
    )?;
    Ok(())
}

pub(super) fn update_item(hub: &HubDb, item: RecordId, ch: &ItemChange) -> Result<()> {
    let mut f: Vec<(&str, FieldValue)> = vec![];
    if let Some(n) = &ch.name {
        f.push(("name", FieldValue::Text(n.trim().to_string())));
    }
    // A rate announced ahead is scheduled: the present one stays until then.
    let (now_rate, next_rate) = match ch.rate_from {
        Some(_) if ch.gst_rate.is_none() => {
            return Err(HubError::invalid(
                "rate_from",
                "is the day a new gst_rate applies from: give the rate too",
            ));
        }
        Some(_) => (None, ch.gst_rate),
        None => (ch.gst_rate, None),
    };
    for (k, v) in [
        ("sale_price", ch.sale_price),
        ("cost", ch.cost),
        ("reorder_level", ch.reorder_level),
        ("gst_rate", now_rate),
        ("next_gst_rate", next_rate),
    ] {
        if let Some(d) = v {
            f.push((k, FieldValue::Decimal(d)));
        }
    }
    if let Some(from) = ch.rate_from {
        f.push(("rate_from", FieldValue::Text(from.to_string())));
    }
    if let Some(h) = &ch.hsn_sac {
        f.push(("hsn_sac", FieldValue::Text(h.trim().to_string())));
    }
    if let Some(u) = &ch.unit {
        f.push(("unit", FieldValue::Text(u.trim().to_string())));
    }
    if !exists(hub, "items", &item.0)? {
        return Err(HubError::NotFound(format!("item {item}")));
    }
    let w = writes(hub, item, f)?;
    let g = hub.genesis();
    hub.commit(
        g.hub_device,
        HQ,
        g.owner,
        OpBody::ItemUpdated { item, writes: w },
    )?;
    Ok(())
}

pub(super) fn owner_pin_hashes(hub: &HubDb, name: &str) -> Result<Vec<String>> {
    hub.read(|c| {
        let rows = c.all(
            "SELECT pin_hash FROM users WHERE name = ?1 AND role = ?2 AND active = 1",
            p![name, Role::Owner.as_str()],
            |r| r.get(0),
        )?;
        Ok(rows)
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
