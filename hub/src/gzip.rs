//! `Content-Encoding: gzip` for sync bodies. A week of a branch's ops is
//! mostly hex and repeated JSON keys, so it shrinks several times over a
//! shop's uplink.
//!
//! The request signature covers the body exactly as sent (the gzip bytes when
//! the request is compressed): the hub checks it before inflating anything,
//! so only an enrolled device can make it decompress, and then never past
//! [`crate::server::MAX_BODY`].

use axum::http::{HeaderMap, header};
pub use sync_core::gzip::{MIN_COMPRESS, compress};

use crate::error::{HubError, Result};

/// The request body as JSON bytes: inflated if it came gzip-encoded, refused
/// if its encoding is anything else. Inflation stops one byte past `limit`,
/// so a small bomb never becomes a large allocation.
pub fn decode_request(h: &HeaderMap, body: Vec<u8>, limit: usize) -> Result<Vec<u8>> {
    let encoding = h
        .get(header::CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap_or("?").trim().to_ascii_lowercase());
    match encoding.as_deref() {
        None | Some("") | Some("identity") => Ok(body),
        Some("gzip") | Some("x-gzip") => inflate(&body, limit),
        Some(_) => Err(HubError::Unsupported {
            field: "content-encoding",
            rule: "must be gzip or identity".into(),
        }),
    }
}

/// Inflate gzip `data`, refusing (413) output larger than `limit`.
pub fn inflate(data: &[u8], limit: usize) -> Result<Vec<u8>> {
    sync_core::gzip::inflate(data, limit)
        .map_err(|e| HubError::invalid("body", format!("is not valid gzip: {e}")))?
        .ok_or(HubError::TooLarge(limit))
}

/// The client said `Accept-Encoding: gzip` (and not `gzip;q=0`).
pub fn accepts_gzip(h: &HeaderMap) -> bool {
    sync_core::gzip::accepts_gzip(
        h.get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_bomb() {
        let data = vec![b'{'; 100_000];
        let z = compress(&data);
        assert!(z.len() < 1000);
        assert_eq!(inflate(&z, 100_000).unwrap(), data);
        assert!(matches!(inflate(&z, 99_999), Err(HubError::TooLarge(_))));
        assert!(inflate(b"not gzip", 10).is_err());
    }

    #[test]
    fn accept_encoding() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(header::ACCEPT_ENCODING, v.parse().unwrap());
            m
        };
        assert!(accepts_gzip(&h("gzip")));
        assert!(accepts_gzip(&h("br, gzip;q=0.8")));
        assert!(!accepts_gzip(&h("gzip;q=0")));
        assert!(!accepts_gzip(&h("identity")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
