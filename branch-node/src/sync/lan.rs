//! The LAN side of the protocol every device serves: signed-request checks, push and pull.

use http_edge::{Code, Refusal, signed};

use super::*;

/// The three headers that sign a sync request, for any key (tests sign as
/// devices that are not a [`Node`]).
pub fn signature_headers(
    key: &DeviceKey,
    device: DeviceId,
    method: &str,
    path: &str,
    time_ms: u64,
    body: &[u8],
) -> [(&'static str, String); 3] {
    http_edge::signed::headers(key, device, (method, path), time_ms, body)
}

/// Check a LAN sync request: signed within the clock window by a known,
/// active device of this device's branch, and not seen before. Returns the
/// caller.
pub fn authenticate(
    node: &Node,
    headers: &axum::http::HeaderMap,
    path: &str,
    body: &[u8],
) -> std::result::Result<DeviceId, Refusal> {
    let req = signed::Incoming {
        headers,
        method: "POST",
        path,
        body,
        now_ms: node.corrected_now_ms(),
    };
    type Known = Option<(PublicKey, (BranchId, bool))>;
    let known = |d: DeviceId| -> std::result::Result<Known, Refusal> {
        let auth = node.read(|c| ss::device_auth(c, d))?;
        Ok(auth.map(|(branch, key, revoked)| (key, (branch, revoked))))
    };
    let admit = |d, (branch, revoked): &(BranchId, bool)| {
        if *revoked {
            return Err(Refusal::new(
                403,
                Code::Revoked,
                format!("device {d} has been revoked"),
            ));
        }
        if *branch != node.branch {
            return Err(Refusal::new(
                403,
                Code::Forbidden,
                format!("device {d} belongs to another branch"),
            ));
        }
        Ok(())
    };
    let (device, _) = signed::verify(&req, &node.sync.replays, known, admit)?;
    Ok(device)
}

/// `POST /sync/push` on a device: receive a LAN peer's batch.
pub fn serve_push(node: &Node, req: &PushRequest) -> Result<PushResponse> {
    let mut items = Vec::with_capacity(req.ops.len());
    let mut bad_hex = HashSet::new();
    for (i, w) in req.ops.iter().enumerate() {
        match hex::decode(w) {
            Ok(b) => items.push((b, None)),
            Err(_) => {
                bad_hex.insert(i);
                items.push((vec![], None));
            }
        }
    }
    let (got, unblocked) = receive_batch(node, &items, Check::Gate, |_, _| Ok(()))?;
    let later: HashSet<OpId> = unblocked
        .iter()
        .filter(|(_, o)| *o == Outcome::Applied)
        .map(|(id, _)| *id)
        .collect();
    let mut applied_any = !later.is_empty();
    let results = got
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let id = r.id.unwrap_or(OpId {
                device: DeviceId::default(),
                seq: 0,
            });
            let (verdict, reason) = match r.result {
                _ if bad_hex.contains(&i) => {
                    (Verdict::Rejected, Some("ops: is not hex".to_string()))
                }
                Ok(Outcome::Applied) => (Verdict::Accepted, None),
                // (Overruled comes only with the hub's verdict, never here.)
                Ok(Outcome::Duplicate | Outcome::Overruled) => (Verdict::Duplicate, None),
                // Its past arrived later in this same batch.
                Ok(Outcome::Waiting) if later.contains(&id) => (Verdict::Accepted, None),
                Ok(Outcome::Waiting) => (Verdict::Waiting, None),
                Ok(Outcome::RecordedRejected) => {
                    (Verdict::Rejected, Some("recorded as rejected".into()))
                }
                Ok(Outcome::Refused) => (
                    Verdict::Rejected,
                    Some(
                        r.reason
                            .unwrap_or_else(|| "refused by the rule book".into()),
                    ),
                ),
                Err(e) => (Verdict::Rejected, Some(e)),
            };
            applied_any |= verdict == Verdict::Accepted;
            OpVerdict {
                device: id.device,
                seq: id.seq,
                verdict,
                reason,
            }
        })
        .collect();
    if applied_any {
        // Relay what a LAN peer brought to our other peers (the hub) soon.
        node.request_sync();
    }
    Ok(PushResponse {
        results,
        hub_time_ms: node.corrected_now_ms(),
        hub: None,
    })
}

/// `POST /sync/pull` on a device: a page of the whole log (a LAN peer is of
/// the same branch, and sees what this device sees).
pub fn serve_pull(node: &Node, req: &PullRequest) -> Result<PullResponse> {
    let limit = req.limit.clamp(1, MAX_PULL_PAGE);
    let mut rows = node.read(|c| ss::ops_after(c, req.cursor, limit + 1))?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = rows.last().map(|r| r.0).unwrap_or(req.cursor);
    Ok(PullResponse {
        ops: rows
            .into_iter()
            .map(|(lsn, wire, rejected)| PulledOp {
                lsn,
                wire: hex::encode(wire),
                rejected,
            })
            .collect(),
        next_cursor,
        more,
        hub_time_ms: node.corrected_now_ms(),
        branch_digest: None,
        hub: None,
    })
}
