//! A device-signed request, checked the same way at the hub and on the LAN
//! side of every device: the three headers, the clock window, the signature
//! over the body as sent, what the receiver knows of the device, and the
//! replay guard, in that order. The replay guard sees a request only once
//! its signature verifies, so a stranger cannot fill it.

use std::sync::Mutex;

use axum::http::HeaderMap;
use sync_core::identity::{DeviceKey, PublicKey};
use sync_core::ids::DeviceId;
use sync_core::protocol::{self, MAX_CLOCK_SKEW_MS, ReplayGuard};

use crate::{Code, Refusal};

/// A request as received, before anything in it is trusted.
pub struct Incoming<'a> {
    pub headers: &'a HeaderMap,
    pub method: &'a str,
    pub path: &'a str,
    /// The body exactly as sent (gzip bytes when compressed).
    pub body: &'a [u8],
    /// The receiver's clock.
    pub now_ms: u64,
}

fn unauthorized(message: &str) -> Refusal {
    Refusal::new(401, Code::Unauthorized, message)
}

/// Check `req` and return its device and what the receiver knows of it.
///
/// `known` looks the device up (`None`: never enrolled here) and gives its
/// key; `admit` refuses a device that verifies but may not sync here (revoked,
/// another branch). Both run before the replay guard records the request.
pub fn verify<K>(
    req: &Incoming<'_>,
    replays: &Mutex<ReplayGuard>,
    known: impl FnOnce(DeviceId) -> Result<Option<(PublicKey, K)>, Refusal>,
    admit: impl FnOnce(DeviceId, &K) -> Result<(), Refusal>,
) -> Result<(DeviceId, K), Refusal> {
    verify_with(req, known, admit, |_, sig, time, now| {
        Ok(replays
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .first_sight(sig, time, now))
    })
}

/// [`verify`], with the replay guard as `first_sight(device, signature,
/// time, now)`: true the first time the request is seen (a guard several
/// receiver processes share lives in their database).
pub fn verify_with<K>(
    req: &Incoming<'_>,
    known: impl FnOnce(DeviceId) -> Result<Option<(PublicKey, K)>, Refusal>,
    admit: impl FnOnce(DeviceId, &K) -> Result<(), Refusal>,
    first_sight: impl FnOnce(DeviceId, [u8; 64], u64, u64) -> Result<bool, Refusal>,
) -> Result<(DeviceId, K), Refusal> {
    let get = |k: &str| req.headers.get(k).and_then(|v| v.to_str().ok());
    let device: DeviceId = get(protocol::H_DEVICE)
        .and_then(|d| d.parse().ok())
        .ok_or_else(|| unauthorized("missing or malformed x-device header"))?;
    let time: u64 = get(protocol::H_TIME)
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| unauthorized("missing or malformed x-time header"))?;
    let mut sig = [0u8; 64];
    hex::decode_to_slice(
        get(protocol::H_SIGNATURE).ok_or_else(|| unauthorized("missing x-signature header"))?,
        &mut sig,
    )
    .map_err(|_| unauthorized("x-signature is not 64 bytes of hex"))?;
    if req.now_ms.abs_diff(time) > MAX_CLOCK_SKEW_MS {
        return Err(Refusal::new(
            401,
            Code::ClockSkew,
            "request time is more than 5 minutes off the receiver's clock (replayed, or a clock is wrong)",
        ));
    }
    let (key, what) =
        known(device)?.ok_or_else(|| unauthorized("unknown device: it is not enrolled here"))?;
    let signed = protocol::request_signing_bytes(req.method, req.path, time, req.body);
    if !PublicKey::verify_strict(&key, &signed, &sig) {
        return Err(unauthorized("signature does not verify"));
    }
    admit(device, &what)?;
    let first = first_sight(device, sig, time, req.now_ms)?;
    if !first {
        return Err(Refusal::new(
            401,
            Code::Replayed,
            "this signed request was already received (a replay): sign every request afresh",
        ));
    }
    Ok((device, what))
}

/// The three headers that sign a request, for any key (tests sign as
/// devices that are not a running node).
pub fn headers(
    key: &DeviceKey,
    device: DeviceId,
    req: (&str, &str),
    time_ms: u64,
    body: &[u8],
) -> [(&'static str, String); 3] {
    let (method, path) = req;
    let sig = key.sign(&protocol::request_signing_bytes(
        method, path, time_ms, body,
    ));
    [
        (protocol::H_DEVICE, device.to_string()),
        (protocol::H_TIME, time_ms.to_string()),
        (protocol::H_SIGNATURE, hex::encode(sig)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const NOW: u64 = 10 * MAX_CLOCK_SKEW_MS;

    fn signed(key: &DeviceKey, device: DeviceId, time: u64, body: &[u8]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in headers(key, device, ("POST", "/sync/pull"), time, body) {
            h.insert(k, HeaderValue::from_str(&v).unwrap());
        }
        h
    }

    fn check(
        h: &HeaderMap,
        body: &[u8],
        guard: &Mutex<ReplayGuard>,
        key: PublicKey,
    ) -> Result<DeviceId, Refusal> {
        let req = Incoming {
            headers: h,
            method: "POST",
            path: "/sync/pull",
            body,
            now_ms: NOW,
        };
        verify(&req, guard, |_| Ok(Some((key, ()))), |_, _| Ok(())).map(|(d, _)| d)
    }

    #[test]
    fn each_refusal_has_its_own_code() {
        let key = DeviceKey::from_seed([7; 32]);
        let device = DeviceId::default();
        let guard = Mutex::new(ReplayGuard::starting_at(0));
        let h = signed(&key, device, NOW, b"{}");
        assert_eq!(check(&h, b"{}", &guard, key.public()), Ok(device));
        let again = check(&h, b"{}", &guard, key.public()).unwrap_err();
        assert_eq!(again.code, Code::Replayed);
        let late = signed(&key, device, NOW - MAX_CLOCK_SKEW_MS - 1, b"{}");
        assert_eq!(
            check(&late, b"{}", &guard, key.public()).unwrap_err().code,
            Code::ClockSkew
        );
        let other = signed(&key, device, NOW + 1, b"{}");
        let altered = check(&other, b"{ }", &guard, key.public()).unwrap_err();
        assert_eq!(altered.code, Code::Unauthorized);
        // The altered copy was not recorded: the genuine one still goes in.
        assert_eq!(check(&other, b"{}", &guard, key.public()), Ok(device));
        assert_eq!(
            check(&HeaderMap::new(), b"", &guard, key.public())
                .unwrap_err()
                .status,
            401
        );
    }
}
