//! Devices joining and leaving a branch: one-time enrollment codes that carry
//! the branch key, the device's signing key that every request is checked
//! against, and revocation. A code is redeemed in one transaction with the
//! device's enrollment (and the counter's first leases), so a code that
//! enrolled nothing can be tried again and one that did cannot.

use crate::store::engine::Access;
use sqlite_replica::{SqlExt, p};
use sqlite_replica::{to16, to32};
use sync_core::body::{Lease, OpBody};
use sync_core::domain::date::Date;
use sync_core::domain::invoice_no::DocType;
use sync_core::domain::roles::Role;
use sync_core::identity::PublicKey;
use sync_core::ids::{BranchId, DeviceId};
use sync_core::protocol::{self, EnrollRequest, EnrollResponse};
use sync_core::replica::HQ;
use sync_core::seal;

use super::leases::{DEFAULT_LEASE, LeaseGrant, grant_in};
use super::ops::{HubOp, commit_in};
use super::{HubDb, Inner, branch_hub, now_ms, random};
use crate::error::{HubError, Result};
use crate::store::{DeviceAuth, EnrollmentAsk, EnrollmentCode, SeriesChoice};

/// How long an enrollment code stays valid.
pub const CODE_TTL_MS: u64 = 24 * 60 * 60 * 1000;

pub(super) fn device_auth(hub: &HubDb, device: DeviceId) -> Result<Option<DeviceAuth>> {
    hub.read(|c| {
        let auth = c.one(
            "SELECT public_key, branch, revoked FROM devices WHERE id = ?1",
            p![&device.0[..]],
            |r| {
                Ok(DeviceAuth {
                    key: PublicKey(to32(&r.get::<Vec<u8>>(0)?)),
                    branch: BranchId(to16(&r.get::<Vec<u8>>(1)?)),
                    revoked: r.get(2)?,
                })
            },
        )?;
        Ok(match auth {
            // Revoked while its branch's chain recovers from a restore: in
            // force at once, signed once the chain has recovered.
            Some(a) if !a.revoked => Some(DeviceAuth {
                revoked: super::restore::revocation_waiting(c, device)?,
                ..a
            }),
            other => other,
        })
    })
}

pub(super) fn first_sight(
    hub: &HubDb,
    device: DeviceId,
    signature: &[u8],
    now: u64,
) -> Result<Option<bool>> {
    if !hub.lock().db.shared() {
        return Ok(None);
    }
    let window = sync_core::protocol::MAX_CLOCK_SKEW_MS;
    hub.write_alone(|c| {
        // Past the window the clock check refuses the request anyway: an
        // expired sight counts as none (and is renewed), and the device's
        // other expired ones go.
        c.run(
            "DELETE FROM seen_requests WHERE device = ?1 AND expires_at < ?2",
            p![&device.0[..], now],
        )?;
        let n = c.run(
            "INSERT INTO seen_requests (device, signature, expires_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (device, signature) DO UPDATE SET expires_at = excluded.expires_at
             WHERE seen_requests.expires_at < ?4",
            p![&device.0[..], signature, now + 2 * window, now],
        )?;
        Ok(Some(n == 1))
    })
}

/// A device's token bucket, when several hub processes share it through
/// the database: `rate_per_sec` sustained, a burst of twice that, counted in
/// thousandths of a request. One statement: the refill, the take, and
/// nothing written when the bucket is empty.
pub(super) fn allow(
    hub: &HubDb,
    device: DeviceId,
    rate_per_sec: u32,
    now: u64,
) -> Result<Option<bool>> {
    if !hub.lock().db.shared() {
        return Ok(None);
    }
    let cap = 2_000 * u64::from(rate_per_sec);
    hub.write_alone(|c| {
        let n = c.run(
            "INSERT INTO rate_buckets (device, tokens, at) VALUES (?1, ?2 - 1000, ?3)
             ON CONFLICT (device) DO UPDATE SET
                 tokens = CASE WHEN rate_buckets.tokens + (?3 - rate_buckets.at) * ?4 > ?2 THEN ?2
                               ELSE rate_buckets.tokens + (?3 - rate_buckets.at) * ?4 END - 1000,
                 at = ?3
             WHERE CASE WHEN rate_buckets.tokens + (?3 - rate_buckets.at) * ?4 > ?2 THEN ?2
                        ELSE rate_buckets.tokens + (?3 - rate_buckets.at) * ?4 END >= 1000",
            p![&device.0[..], cap, now, rate_per_sec],
        )?;
        Ok(Some(n == 1))
    })
}

pub(super) fn issued_code(hub: &HubDb, code: &str, now: u64) -> Result<bool> {
    let hash = sync_core::protocol::code_hash(code.trim());
    hub.read(|c| {
        Ok(c
            .one(
                "SELECT 1 FROM enrollments WHERE code_hash = ?1 AND used_by IS NULL AND expires_at > ?2",
                p![&hash[..], now],
                |_| Ok(()),
            )?
            .is_some())
    })
}

pub(super) fn create_enrollment(
    hub: &HubDb,
    ask: &EnrollmentAsk,
    now: u64,
) -> Result<EnrollmentCode> {
    let EnrollmentAsk {
        branch,
        label,
        holds_store,
        ceiling,
        series,
    } = ask;
    let (branch, holds_store, ceiling) = (*branch, *holds_store, *ceiling);
    let master = hub.master("issue an enrollment code (it carries the branch key)")?;
    sync_core::domain::validate::text("label", label, 1, 100)?;
    if *series != SeriesChoice::Branch && !may_invoice(ceiling, holds_store) {
        return Err(HubError::invalid(
            "own_series",
            "a device whose ceiling cannot issue invoices numbers nothing: give it a ceiling that can",
        ));
    }
    let (nonce, wrapped): (Vec<u8>, Vec<u8>) = hub
        .read(|c| {
            Ok(c.one(
                "SELECT nonce, wrapped FROM branch_keys WHERE branch = ?1",
                p![&branch.0[..]],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })?
        .ok_or_else(|| HubError::NotFound(format!("branch {branch}")))?;
    let key = seal::open(
        &master,
        &seal::branch_key_aad(&branch),
        &seal::Sealed {
            nonce: hex::encode(nonce),
            ciphertext: hex::encode(wrapped),
        },
    )?;
    let code = format!(
        "{}-{}",
        hex::encode(random::<4>()?),
        hex::encode(random::<16>()?)
    );
    let secret = protocol::code_secret_key(&code).expect("well-formed code");
    let for_device = seal::seal(&secret, random()?, &seal::branch_key_aad(&branch), &key);
    let expires = now + CODE_TTL_MS;
    let own_series = hub.read(|c| {
        let own = super::series::choose(c, branch, series, now)?;
        let (inv, cn) = match &own {
            Some(s) => (Some(&s.invoice_prefix), Some(&s.credit_note_prefix)),
            None => (None, None),
        };
        c.run("INSERT INTO enrollments (code_hash, branch, label, holds_store, wrapped_key, nonce, expires_at, ceiling, invoice_prefix, credit_note_prefix) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", p![&protocol::code_hash(&code)[..], &branch.0[..], label.trim(), holds_store, serde_json::to_vec(&for_device).expect("sealed serializes"), Vec::<u8>::new(), expires, ceiling.map(|c| c.as_str()), inv, cn])?;
        Ok(own)
    })?;
    Ok(EnrollmentCode {
        code,
        branch,
        label: label.trim().into(),
        expires_at_ms: expires,
        own_series,
    })
}

/// A device whose ceiling admits a role that may invoice.
fn may_invoice(ceiling: Option<Role>, holds_store: bool) -> bool {
    use sync_core::domain::roles::{Action, allowed};
    let ceiling = ceiling.unwrap_or(sync_core::body::default_ceiling(holds_store));
    Role::ALL
        .iter()
        .any(|r| r.within(ceiling) && allowed(*r, Action::CreateInvoices))
}

pub(super) fn redeem(hub: &HubDb, req: &EnrollRequest, now: u64) -> Result<EnrollResponse> {
    let hash = protocol::code_hash(req.code.trim());
    let mut g = hub.lock();
    let Inner {
        db,
        genesis,
        root_seed,
        writers,
        ..
    } = &mut *g;
    let tx = db.begin(Access::Write)?;
    type Row = (
        Vec<u8>,
        String,
        bool,
        Vec<u8>,
        u64,
        Option<Vec<u8>>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let row: Option<Row> = tx
        .one("SELECT branch, label, holds_store, wrapped_key, expires_at, used_by, ceiling, invoice_prefix, credit_note_prefix FROM enrollments WHERE code_hash = ?1", p![&hash[..]], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?))
        })?;
    let Some((branch, label, holds_store, wrapped, expires, used, ceiling, inv, cn)) = row else {
        return Err(HubError::invalid("code", "is not a valid enrollment code"));
    };
    if used.is_some() {
        return Err(HubError::invalid(
            "code",
            "has already been used; ask the owner for a new one",
        ));
    }
    if expires < now {
        return Err(HubError::invalid(
            "code",
            "has expired; ask the owner for a new one",
        ));
    }
    let known: bool = tx.row(
        "SELECT EXISTS (SELECT 1 FROM devices WHERE id = ?1)",
        p![&req.device.0[..]],
        |r| r.get(0),
    )?;
    if known {
        return Err(HubError::invalid(
            "device",
            "this device id is already enrolled",
        ));
    }
    let branch = BranchId(to16(&branch));
    let ceiling = ceiling.as_deref().and_then(Role::parse);
    let own = super::leases::own_series(inv, cn);
    // The device's number in its branch, in its job numbers: one more
    // than the branch's devices so far, in this serial transaction.
    let number: u32 = tx.row(
        "SELECT count(*) + 1 FROM devices WHERE branch = ?1 AND hub = 0",
        p![&branch.0[..]],
        |r| r.get(0),
    )?;
    // A store device is announced to the whole business (from the root,
    // in HQ): other branches name it as the receiver of a transfer. Other
    // devices stay in their branch's chain.
    let (signer, chain) = if holds_store {
        (genesis.hub_device, HQ)
    } else {
        (branch_hub(root_seed, branch).0, branch)
    };
    let owner = genesis.owner;
    commit_in(
        tx.sql(),
        genesis,
        root_seed,
        writers,
        HubOp {
            device: signer,
            branch: chain,
            author: owner,
            body: OpBody::DeviceEnrolled {
                device: req.device,
                key: req.public_key,
                branch,
                label,
                holds_store,
                ceiling: Some(ceiling.unwrap_or(sync_core::body::default_ceiling(holds_store))),
                hub: false,
                number: Some(number),
                series: own.clone(),
            },
        },
    )?;
    // The counter (the device that keeps the store), and a device with a
    // series of its own, leave enrollment holding numbers: their first
    // blocks are granted in the same transaction and come down with the
    // first pull, so they can bill even if the link drops right after.
    // Other devices ask when they first need one (see `branch-node`'s
    // `lease_wants`).
    let mut leases = vec![];
    if holds_store || own.is_some() {
        let today = Date::from_unix_ms_ist(now);
        for doc_type in [DocType::TaxInvoice, DocType::CreditNote] {
            leases.push(grant_in(
                tx.sql(),
                genesis,
                root_seed,
                writers,
                LeaseGrant {
                    device: req.device,
                    branch,
                    own: own.clone(),
                    doc_type,
                    size: DEFAULT_LEASE,
                    today,
                },
            )?);
        }
    }
    tx.run(
        "UPDATE enrollments SET used_by = ?1, used_at = ?2 WHERE code_hash = ?3",
        p![&req.device.0[..], now, &hash[..]],
    )?;
    tx.commit()?;
    let wrapped: seal::Sealed = serde_json::from_slice(&wrapped)
        .map_err(|e| HubError::Setup(format!("wrapped key damaged: {e}")))?;
    Ok(EnrollResponse {
        owner,
        hub_device: genesis.hub_device,
        hub_key: genesis.hub_key,
        branch,
        holds_store,
        wrapped_branch_key: wrapped,
        hub_time_ms: now_ms(),
        leases,
    })
}

pub(super) fn revoke(hub: &HubDb, device: DeviceId, reason: &str) -> Result<Vec<Lease>> {
    let auth =
        device_auth(hub, device)?.ok_or_else(|| HubError::NotFound(format!("device {device}")))?;
    let g = hub.genesis();
    match hub.commit(
        hub.branch_hub_device(auth.branch),
        auth.branch,
        g.owner,
        OpBody::DeviceRevoked {
            device,
            reason: reason.trim().into(),
        },
    ) {
        // Restored from a backup, its chain still recovering: the device
        // is refused from now on and no longer waited for; the revocation
        // is signed once the chain has recovered. (A revocation made after
        // the backup was lost with the disk: this is how the owner makes
        // it again at once.)
        Err(HubError::Recovering(_)) => {
            hub.defer_revocation(device, reason.trim())?;
            let _ = hub.release(device);
        }
        r => {
            r?;
        }
    }
    // Its blocks are reported, never re-leased (the high-water mark stays).
    hub.read(|c| Ok(sqlite_replica::leases_of(c, device)?))
}
