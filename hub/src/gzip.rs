//! `Content-Encoding: gzip` for sync bodies. A week of a branch's ops is
//! mostly hex and repeated JSON keys, so it shrinks several times over a
//! shop's uplink.
//!
//! The request signature covers the body exactly as sent (the gzip bytes when
//! the request is compressed): the hub checks it before inflating anything,
//! so only an enrolled device can make it decompress, and then never past
//! [`crate::server::MAX_BODY`].

use std::io::{Read, Write};

use axum::http::{HeaderMap, header};

use crate::error::{HubError, Result};

/// Bodies smaller than this are sent as they are: gzip's header and trailer
/// would make them larger.
pub const MIN_COMPRESS: usize = 1024;

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
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(data)
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| HubError::invalid("body", format!("is not valid gzip: {e}")))?;
    if out.len() > limit {
        return Err(HubError::TooLarge(limit));
    }
    Ok(out)
}

pub fn compress(data: &[u8]) -> Vec<u8> {
    // Level 1: most of the gain at a fraction of the CPU, which matters on a
    // 2-core hub answering every branch's pulls.
    let mut e = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 4),
        flate2::Compression::fast(),
    );
    e.write_all(data).expect("writing to a Vec");
    e.finish().expect("writing to a Vec")
}

/// The client said `Accept-Encoding: gzip` (and not `gzip;q=0`).
pub fn accepts_gzip(h: &HeaderMap) -> bool {
    h.get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|part| {
            let mut it = part.split(';').map(str::trim);
            let coding = it.next().unwrap_or("").to_ascii_lowercase();
            // q=0, q=0.0, q=0.000: "not acceptable".
            let refused = it.any(|p| {
                p.strip_prefix("q=")
                    .is_some_and(|q| q.chars().all(|c| c == '0' || c == '.'))
            });
            (coding == "gzip" || coding == "x-gzip") && !refused
        })
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
