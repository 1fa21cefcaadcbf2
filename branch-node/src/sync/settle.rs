//! What a push's verdicts and a pulled page change here: acknowledgements, needs attention, the cursor.

use super::*;
use sqlite_replica::overrule;

/// Record a push's verdicts in one transaction: advance the peer's
/// acknowledgements in log order (per device, up to its first op still
/// waiting), note this device's refused ops, and drop another device's op
/// the hub refused outright. Ops marked refused by the hub were not sent;
/// they count as handled. Returns (any progress, new attention items).
pub(super) fn settle_push(
    node: &Node,
    peer: &str,
    is_hub: bool,
    batch: &[ss::OutOp],
    verdicts: &HashMap<(DeviceId, u64), (Verdict, Option<String>)>,
) -> Result<(bool, u64)> {
    node.transaction(|c| {
        let mut blocked: HashSet<DeviceId> = HashSet::new();
        let mut progress = false;
        let mut attention = 0;
        let mut overruled = false;
        let at = now_ms();
        for o in batch {
            if blocked.contains(&o.device) {
                continue;
            }
            let v = if o.rejected {
                Some((Verdict::Duplicate, None))
            } else {
                verdicts.get(&(o.device, o.seq)).cloned()
            };
            match v {
                None | Some((Verdict::Waiting, _)) => {
                    blocked.insert(o.device);
                }
                Some((verdict, reason)) => {
                    ss::ack(c, peer, o.device, o.seq)?;
                    progress = true;
                    if verdict == Verdict::Rejected && o.device == node.device {
                        let reason = reason.unwrap_or_else(|| "refused without a reason".into());
                        if ss::needs_attention_add(c, o.device, o.seq, &o.kind, &reason, at)? {
                            attention += 1;
                        }
                    } else if verdict == Verdict::Rejected
                        && is_hub
                        && overrule::is_applied(
                            c,
                            OpId {
                                device: o.device,
                                seq: o.seq,
                            },
                        )?
                    {
                        // Another device's op a LAN peer gave us, refused by
                        // the hub outright (it fits no chain the hub holds:
                        // its device signed two). The hub keeps no copy to
                        // send a verdict with, so this answer is its word.
                        let reason = reason.unwrap_or_else(|| "refused without a reason".into());
                        overrule::mark(
                            c,
                            OpId {
                                device: o.device,
                                seq: o.seq,
                            },
                            &reason,
                            at,
                        )?;
                        overruled = true;
                    }
                }
            }
        }
        if overruled {
            overrule::rebuild(c)?;
        }
        Ok((progress, attention))
    })
}

#[derive(Default)]
pub(super) struct PageStats {
    pub(super) applied: u64,
    pub(super) duplicates: u64,
    pub(super) waiting: u64,
    pub(super) attention: u64,
    pub(super) errors: Vec<String>,
    pub(super) digest_agrees: Option<bool>,
}

/// Apply one pulled page and move the cursor, in one transaction.
pub(super) fn apply_page(
    node: &Node,
    peer: &str,
    resp: PullResponse,
    check: Check,
) -> Result<PageStats> {
    let mut stats = PageStats::default();
    let mut items = Vec::with_capacity(resp.ops.len());
    for o in &resp.ops {
        match hex::decode(&o.wire) {
            Ok(w) => items.push((w, o.rejected.clone())),
            Err(_) => stats
                .errors
                .push(format!("op at lsn {}: wire is not hex", o.lsn)),
        }
    }
    let marks: Vec<Option<String>> = items.iter().map(|(_, r)| r.clone()).collect();
    let mut attention = 0;
    let mut agrees = None;
    let (got, unblocked) = receive_batch(node, &items, check, |c, got| {
        ss::set_cursor(c, peer, resp.next_cursor)?;
        if let Some(hub) = &resp.branch_digest {
            // In the transaction that applied the last page: the state the
            // hub's digest speaks of, no more, no less.
            let mine = sqlite_replica::digest::branch_digest(c, &node.branch.0)?;
            agrees = Some(mine == *hub);
            ss::set_digest(c, hub, &mine, now_ms())?;
        }
        let at = now_ms();
        for (r, mark) in got.iter().zip(&marks) {
            let Some(id) = r.id else { continue };
            // The peer holds what it sent us (its log is complete up to it).
            ss::ack(c, peer, id.device, id.seq)?;
            // Whatever the hub refused is shown on every device that holds
            // it, not only its author's.
            if let (Some(reason), Check::Trust) = (mark, check) {
                let kind = r.kind.unwrap_or("unknown");
                if ss::needs_attention_add(c, id.device, id.seq, kind, reason, at)? {
                    attention += 1;
                }
            }
        }
        Ok(())
    })?;
    stats.attention = attention;
    stats.digest_agrees = agrees;
    for r in got {
        match r.result {
            Ok(Outcome::Applied | Outcome::RecordedRejected | Outcome::Overruled) => {
                stats.applied += 1
            }
            Ok(Outcome::Duplicate) => stats.duplicates += 1,
            Ok(Outcome::Waiting) => stats.waiting += 1,
            Ok(Outcome::Refused) => stats.errors.push(format!(
                "{}: not taken from a peer (the hub's verdict will come)",
                r.id.map(|i| format!("{}#{}", i.device, i.seq))
                    .unwrap_or_default()
            )),
            Err(e) => {
                let id =
                    r.id.map(|i| format!("{}#{}", i.device, i.seq))
                        .unwrap_or_default();
                tracing::warn!(op = %id, error = %e, "refused a pulled operation");
                stats.errors.push(format!("{id}: {e}"));
            }
        }
    }
    stats.applied += unblocked
        .iter()
        .filter(|(_, o)| *o != Outcome::Duplicate)
        .count() as u64;
    Ok(stats)
}
