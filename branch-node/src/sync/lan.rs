//! The LAN side of the protocol every device serves: signed-request checks, push and pull.

use super::*;

/// The signature headers of a sync request, as received.
#[derive(Clone, Debug, Default)]
pub struct SignedHeaders {
    pub device: Option<String>,
    pub time: Option<String>,
    pub signature: Option<String>,
}

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
    let sig = key.sign(&protocol::request_signing_bytes(
        method, path, time_ms, body,
    ));
    [
        (protocol::H_DEVICE, device.to_string()),
        (protocol::H_TIME, time_ms.to_string()),
        (protocol::H_SIGNATURE, hex::encode(sig)),
    ]
}

/// Check a LAN sync request: signed within the last 5 minutes by a known,
/// active device of this device's branch. Returns the caller.
pub fn authenticate(
    node: &Node,
    h: &SignedHeaders,
    method: &str,
    path: &str,
    body: &[u8],
) -> Result<DeviceId> {
    let unauth = |m: &str| NodeError::PeerAuth(m.to_string());
    let device: DeviceId = h
        .device
        .as_deref()
        .and_then(|d| d.parse().ok())
        .ok_or_else(|| unauth("missing or malformed x-device header"))?;
    let time: u64 = h
        .time
        .as_deref()
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| unauth("missing or malformed x-time header"))?;
    let mut sig = [0u8; 64];
    hex::decode_to_slice(
        h.signature
            .as_deref()
            .ok_or_else(|| unauth("missing x-signature header"))?,
        &mut sig,
    )
    .map_err(|_| unauth("x-signature is not 64 bytes of hex"))?;
    if node.corrected_now_ms().abs_diff(time) > MAX_SKEW_MS {
        return Err(unauth(
            "request time is more than 5 minutes off this device's clock (replayed, or a clock is wrong)",
        ));
    }
    let (branch, key, revoked) = node
        .read(|c| ss::device_auth(c, device))?
        .ok_or_else(|| unauth("unknown device: it is not enrolled in this branch"))?;
    if !PublicKey::verify_strict(
        &key,
        &protocol::request_signing_bytes(method, path, time, body),
        &sig,
    ) {
        return Err(unauth("signature does not verify"));
    }
    if revoked {
        return Err(NodeError::PeerForbidden(format!(
            "device {device} has been revoked"
        )));
    }
    if branch != node.branch {
        return Err(NodeError::PeerForbidden(format!(
            "device {device} belongs to another branch"
        )));
    }
    let first = node
        .sync
        .replays
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .first_sight(sig, time, node.corrected_now_ms());
    if !first {
        return Err(unauth(
            "this signed request was already received (a replay): sign every request afresh",
        ));
    }
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
    })
}
