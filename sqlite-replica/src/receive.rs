//! Receiving operations made elsewhere (from the hub, or a LAN peer).
//!
//! An operation is applied only when it is causally ready: its device's
//! previous op and every dependency it names are already here. Earlier
//! arrivals wait in `pending_ops` and are applied as soon as their past
//! arrives. Each applied op has its signature verified against its device's
//! enrolled key and its place in the chain checked; a repeat is a harmless
//! duplicate; a different op at a known place is a fork and is refused.

use sync_core::chain::{self, ChainHead, Fit};
use sync_core::domain::rules::{self, RuleContext};
use sync_core::identity::PublicKey;
use sync_core::ids::DeviceId;
use sync_core::op::{Op, OpHash, OpId, hash_wire};
use sync_core::replica::Genesis;

use crate::ctx::TxCtx;
use crate::sql::SqlExt;
use crate::{ReplicaError, Result, Sql, apply, p, to32};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Materialized now.
    Applied,
    /// Recorded in the chain as refused by the hub, not materialized.
    RecordedRejected,
    /// Already here.
    Duplicate,
    /// Waiting for its causal past.
    Waiting,
    /// Refused by the rule book on receipt from a LAN peer: not taken, not
    /// stored. If the hub refuses it too, its copy comes with that mark.
    Refused,
    /// Applied here before (a LAN peer passed it on), now refused by the
    /// hub: marked overruled; the caller rebuilds the tables
    /// ([`crate::overrule::rebuild`]) once its batch is done.
    Overruled,
}

/// How to treat the rule book on receipt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// The hub: check every op; a refused op is recorded as rejected. Only
    /// ops of enrolled devices whose signatures verify are held back.
    Rules,
    /// A device, from a LAN peer: the same rule book as the hub; a refused
    /// op is not taken (the hub's verdict on it will come from the hub).
    Gate,
    /// A device, from the hub: the hub's verdict came with each op.
    Trust,
}

impl Check {
    fn as_str(self) -> &'static str {
        match self {
            Check::Rules => "rules",
            Check::Gate => "gate",
            Check::Trust => "trust",
        }
    }

    fn parse(s: &str) -> Check {
        match s {
            "rules" => Check::Rules,
            "gate" => Check::Gate,
            _ => Check::Trust,
        }
    }
}

/// Ops one device may have waiting for their causal past. An honest device
/// sends its chain in order, so only a gap the size of a few batches ever
/// waits; a flood of ops with no past stops here.
pub const MAX_PENDING_PER_DEVICE: u64 = 20_000;

pub fn key_of(c: &dyn Sql, genesis: &Genesis, d: DeviceId) -> Result<PublicKey> {
    if d == genesis.hub_device {
        return Ok(genesis.hub_key);
    }
    let k: Option<Vec<u8>> =
        c.value("SELECT public_key FROM devices WHERE id = ?1", p![&d.0[..]])?;
    k.map(|k| PublicKey(to32(&k)))
        .ok_or(ReplicaError::Rule(sync_core::CoreError::UnknownDevice(d)))
}

fn hash_at(c: &dyn Sql, id: OpId) -> Option<OpHash> {
    c.value::<Vec<u8>>(
        "SELECT hash FROM ops WHERE device = ?1 AND seq = ?2",
        p![&id.device.0[..], id.seq],
    )
    .ok()
    .flatten()
    .map(|h| OpHash(to32(&h)))
}

/// Whether `op`'s past is all here, given its own device's chain `head`.
fn ready(c: &dyn Sql, op: &Op, head: ChainHead) -> Result<bool> {
    if op.id.seq != head.seq + 1 {
        return Ok(false);
    }
    for d in &op.deps {
        let at = if d.device == op.id.device {
            head
        } else {
            crate::chain_head(c, d.device)?
        };
        if at.seq < d.seq && !revoked(c, d.device)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Whether `device` is revoked here. A dependency on an op of a revoked
/// device that this replica lacks is met: from the revocation on every op of
/// that device not already held is refused, so the op will never come to be
/// waited for (a device that signed two chains may have given a LAN peer ops
/// that fit no chain the hub holds, and an honest op made after them must
/// still be judged, not wait forever). What the hub took of that device
/// before revoking it comes first in the hub's order, so nothing is applied
/// ahead of an op the hub holds.
fn revoked(c: &dyn Sql, device: sync_core::ids::DeviceId) -> Result<bool> {
    Ok(c.value::<bool>(
        "SELECT revoked FROM devices WHERE id = ?1",
        p![&device.0[..]],
    )?
    .unwrap_or(false))
}

/// Result of receiving one op, with the ops it unblocked.
#[derive(Debug)]
pub struct Received {
    pub id: OpId,
    pub outcome: Outcome,
    /// The rule it broke, when the hub recorded it as rejected.
    pub reason: Option<String>,
    /// Held-back ops that became applicable and were applied.
    pub unblocked: Unblocked,
}

/// Receive one operation (wire bytes) in the caller's transaction.
/// `rejected` is set when the sender says the hub refused it.
pub fn receive(
    c: &dyn Sql,
    genesis: &Genesis,
    wire: &[u8],
    rejected: Option<&str>,
    check: Check,
) -> Result<Received> {
    receive_op(c, genesis, Op::decode(wire)?, wire, rejected, check, false)
}

/// As [`receive`], for an op already decoded, whose signature the caller may
/// have verified already (the hub checks a whole batch at once, about twice as
/// fast as one by one).
pub fn receive_op(
    c: &dyn Sql,
    genesis: &Genesis,
    op: Op,
    wire: &[u8],
    rejected: Option<&str>,
    check: Check,
    signature_verified: bool,
) -> Result<Received> {
    Intake {
        c,
        genesis,
        waiting: true,
    }
    .receive_op(op, wire, rejected, check, signature_verified)
}

/// Receives a run of ops in one transaction (a pushed batch). It remembers
/// whether any op waits for its past, so that an op arriving in order, as
/// nearly all do, costs no look through the waiting ones. Only what it
/// receives adds to the waiting ones, so nothing else may receive in the
/// transaction while it does.
pub struct Intake<'a> {
    c: &'a dyn Sql,
    genesis: &'a Genesis,
    /// Some op may be waiting in `pending_ops`.
    waiting: bool,
}

impl<'a> Intake<'a> {
    pub fn new(c: &'a dyn Sql, genesis: &'a Genesis) -> Result<Intake<'a>> {
        let waiting = c.row("SELECT EXISTS (SELECT 1 FROM pending_ops)", p![], |r| {
            r.get(0)
        })?;
        Ok(Intake {
            c,
            genesis,
            waiting,
        })
    }

    /// Receive one op: as [`receive_op`].
    pub fn receive_op(
        &mut self,
        op: Op,
        wire: &[u8],
        rejected: Option<&str>,
        check: Check,
        signature_verified: bool,
    ) -> Result<Received> {
        let (c, genesis) = (self.c, self.genesis);
        let hash = hash_wire(wire);
        let head = crate::chain_head(c, op.id.device)?;
        if op.id.seq <= head.seq {
            let fit = chain::check(head, &op, hash, |s| {
                hash_at(
                    c,
                    OpId {
                        device: op.id.device,
                        seq: s,
                    },
                )
            });
            let fit = match fit {
                // The hub holds another op of this device at this place, as
                // signed as ours: the device signed two (its key is in hostile
                // hands; the hub revokes it). The hub's chain is the one that
                // counts: its op takes the place of ours (see `overrule`).
                Err(sync_core::CoreError::ChainFork { device, seq })
                    if check == Check::Trust && op.verify(&key_of(c, genesis, device)?).is_ok() =>
                {
                    let why = format!(
                        "fork: the hub holds another operation of device {device} at seq {seq}; the device signed two"
                    );
                    crate::overrule::take_hubs_op(c, &op, wire, hash, rejected, &why)?;
                    return Ok(Received {
                        id: op.id,
                        outcome: Outcome::Overruled,
                        reason: Some(why),
                        unblocked: vec![],
                    });
                }
                other => other?,
            };
            return match fit {
                Fit::Duplicate => {
                    // The hub's copy says it refused what a peer gave us first:
                    // the hub's word stands (see `overrule`).
                    if let (Some(r), Check::Trust) = (rejected, check)
                        && crate::overrule::is_applied(c, op.id)?
                    {
                        crate::overrule::mark(c, op.id, r, op.hlc.wall_ms)?;
                        return Ok(Received {
                            id: op.id,
                            outcome: Outcome::Overruled,
                            reason: Some(r.to_string()),
                            unblocked: vec![],
                        });
                    }
                    Ok(Received {
                        id: op.id,
                        outcome: Outcome::Duplicate,
                        reason: None,
                        unblocked: vec![],
                    })
                }
                Fit::Next => unreachable!("at or below the head"),
            };
        }
        if !ready(c, &op, head)? {
            if check == Check::Rules {
                // The hub enrolled every device whose ops it may hold: an op
                // of an unknown device, or one whose signature fails, is a
                // forgery and is not kept, even to wait.
                if !signature_verified {
                    op.verify(&key_of(c, genesis, op.id.device)?)?;
                }
            }
            if rejected.is_some() && check == Check::Gate {
                // A peer's word that the hub refused it is not ours to take:
                // the hub's own copy of the verdict will come.
                return Ok(Received {
                    id: op.id,
                    outcome: Outcome::Refused,
                    reason: Some(
                        "refused by the hub, as a peer says: taken from the hub only".into(),
                    ),
                    unblocked: vec![],
                });
            }
            let waiting: u64 = c.row(
                "SELECT count(*) FROM pending_ops WHERE device = ?1",
                p![&op.id.device.0[..]],
                |r| r.get(0),
            )?;
            if waiting >= MAX_PENDING_PER_DEVICE {
                return Err(crate::ReplicaError::invalid(
                    "ops",
                    format!(
                        "device {} already has {waiting} operations waiting for their past; send the missing ones first",
                        op.id.device
                    ),
                ));
            }
            let existing: Option<Vec<u8>> = c.value(
                "SELECT wire FROM pending_ops WHERE device = ?1 AND seq = ?2",
                p![&op.id.device.0[..], op.id.seq],
            )?;
            match existing {
                Some(w) if w != wire => {
                    return Err(sync_core::CoreError::ChainFork {
                        device: op.id.device,
                        seq: op.id.seq,
                    }
                    .into());
                }
                Some(_) => {}
                None => {
                    c.queue(
                    "INSERT INTO pending_ops (device, seq, wire, rejected, check_kind) VALUES (?1, ?2, ?3, ?4, ?5)",
                    p![&op.id.device.0[..], op.id.seq, wire, rejected, check.as_str()],
                )?;
                }
            }
            self.waiting = true;
            return Ok(Received {
                id: op.id,
                outcome: Outcome::Waiting,
                reason: None,
                unblocked: vec![],
            });
        }
        let ready = Ready {
            op: &op,
            head,
            wire,
            hash,
            rejected,
            check,
            signature_verified,
        };
        let (outcome, reason) = apply_ready(c, genesis, ready)?;
        let unblocked = if self.waiting {
            let (done, still) = drain(c, genesis)?;
            self.waiting = still;
            done
        } else {
            vec![]
        };
        Ok(Received {
            id: op.id,
            outcome,
            reason,
            unblocked,
        })
    }
}

/// An op whose past is all here, as received: what applying it needs.
struct Ready<'a> {
    op: &'a Op,
    /// Its device's chain as it stands, the op not yet in it.
    head: ChainHead,
    wire: &'a [u8],
    hash: OpHash,
    /// The hub's refusal mark, if it came with one.
    rejected: Option<&'a str>,
    check: Check,
    signature_verified: bool,
}

fn apply_ready(c: &dyn Sql, genesis: &Genesis, r: Ready<'_>) -> Result<(Outcome, Option<String>)> {
    let Ready {
        op,
        head,
        wire,
        hash,
        rejected,
        check,
        signature_verified,
    } = r;
    if !signature_verified {
        op.verify(&key_of(c, genesis, op.id.device)?)?;
    }
    chain::check_no_replay(head, op, hash, |_| None)?;
    if let Some(r) = rejected {
        if check == Check::Gate {
            return Ok((
                Outcome::Refused,
                Some(format!("refused by the hub, as a peer says: {r}")),
            ));
        }
        apply::insert_op_as(c, op, wire, hash, Some(r))?;
        return Ok((Outcome::RecordedRejected, Some(r.to_string())));
    }
    if check != Check::Trust {
        let ctx = TxCtx::new(c, genesis);
        if let Err(e) = rules::check(op, &ctx as &dyn RuleContext) {
            let reason = e.to_string();
            if check == Check::Gate {
                return Ok((Outcome::Refused, Some(reason)));
            }
            apply::insert_op_as(c, op, wire, hash, Some(&reason))?;
            return Ok((Outcome::RecordedRejected, Some(reason)));
        }
    }
    apply::insert_op(c, op, wire, hash)?;
    apply::materialize(c, op)?;
    Ok((Outcome::Applied, None))
}

/// Ops applied from the waiting ones, each with its outcome and reason.
type Unblocked = Vec<(OpId, Outcome, Option<String>)>;

/// Apply every held-back op that has become ready; and whether any still
/// waits.
/// Each is checked as it was received (see `pending_ops.check_kind`): an op
/// that came from the hub keeps the hub's verdict, whatever batch unblocks it.
fn drain(c: &dyn Sql, genesis: &Genesis) -> Result<(Unblocked, bool)> {
    let mut done = vec![];
    loop {
        let pending: Vec<(Vec<u8>, Option<String>, String)> = c.all(
            "SELECT wire, rejected, check_kind FROM pending_ops ORDER BY seq, device",
            p![],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let mut progressed = false;
        let mut still = false;
        for (wire, rejected, check) in pending {
            let check = Check::parse(&check);
            let op = Op::decode(&wire)?;
            let head = crate::chain_head(c, op.id.device)?;
            if !ready(c, &op, head)? {
                still = true;
                continue;
            }
            c.queue(
                "DELETE FROM pending_ops WHERE device = ?1 AND seq = ?2",
                p![&op.id.device.0[..], op.id.seq],
            )?;
            let ready = Ready {
                op: &op,
                head,
                wire: &wire,
                hash: hash_wire(&wire),
                rejected: rejected.as_deref(),
                check,
                signature_verified: false,
            };
            let (o, r) = apply_ready(c, genesis, ready)?;
            done.push((op.id, o, r));
            progressed = true;
        }
        if !progressed {
            return Ok((done, still));
        }
    }
}

/// Number of ops waiting for their causal past.
pub fn pending(c: &dyn Sql) -> Result<u64> {
    c.row("SELECT count(*) FROM pending_ops", p![], |r| r.get(0))
}
