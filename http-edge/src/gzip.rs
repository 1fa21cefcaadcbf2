//! `Content-Encoding: gzip` for sync bodies, both ways. A week of a branch's
//! ops is mostly hex and repeated JSON keys, so it shrinks several times over
//! a shop's uplink.
//!
//! A request's signature covers its body exactly as sent (the gzip bytes when
//! compressed): the receiver checks it before inflating anything, so only a
//! known device can make it decompress, and never past the limit.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
pub use sync_core::gzip::{MIN_COMPRESS, compress};

use crate::Refusal;
use crate::body::too_large;

/// The request body as JSON bytes: inflated if it came gzip-encoded (never
/// past `limit`: a small bomb does not become a large allocation), refused
/// if its encoding is anything else.
pub fn decode_request(h: &HeaderMap, body: Vec<u8>, limit: usize) -> Result<Vec<u8>, Refusal> {
    let encoding = h
        .get(header::CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap_or("?").trim().to_ascii_lowercase());
    match encoding.as_deref() {
        None | Some("") | Some("identity") => Ok(body),
        Some("gzip") | Some("x-gzip") => sync_core::gzip::inflate(&body, limit)
            .map_err(|e| Refusal::bad_request("body", format!("is not valid gzip: {e}")))?
            .ok_or_else(|| too_large(limit)),
        Some(_) => Err(Refusal {
            code: crate::Code::UnsupportedMediaType,
            ..Refusal::invalid("content-encoding", "must be gzip or identity")
        }
        .with_status(415)),
    }
}

/// The client said `Accept-Encoding: gzip` (and not `gzip;q=0`).
pub fn accepts_gzip(h: &HeaderMap) -> bool {
    sync_core::gzip::accepts_gzip(
        h.get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok()),
    )
}

/// A JSON answer's bytes, gzip-encoded (true) when the client takes it and
/// it is large enough to gain. Call it on the blocking pool for a page of
/// ops: serializing and compressing a thousand is real work.
pub fn encode_json<T: Serialize>(v: &T, gzip_ok: bool) -> (Vec<u8>, bool) {
    let json = serde_json::to_vec(v).expect("protocol types serialize");
    if gzip_ok && json.len() >= MIN_COMPRESS {
        (compress(&json), true)
    } else {
        (json, false)
    }
}

/// The response for [`encode_json`]'s bytes.
pub fn json_response(status: StatusCode, (body, gzipped): (Vec<u8>, bool)) -> Response {
    let mut r = (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::VARY, "accept-encoding"),
        ],
        body,
    )
        .into_response();
    if gzipped {
        r.headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(k: header::HeaderName, v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(k, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn a_gzip_body_inflates_within_its_limit_and_a_bomb_does_not() {
        let json = br#"{"ops":[]}"#.to_vec();
        let h = with(header::CONTENT_ENCODING, "gzip");
        assert_eq!(decode_request(&h, compress(&json), 100).unwrap(), json);
        let bomb = compress(&vec![b' '; 10_000]);
        assert_eq!(decode_request(&h, bomb, 100).unwrap_err().status, 413);
        assert_eq!(
            decode_request(&h, b"nope".to_vec(), 100)
                .unwrap_err()
                .status,
            400
        );
        let br = with(header::CONTENT_ENCODING, "br");
        assert_eq!(decode_request(&br, json, 100).unwrap_err().status, 415);
    }

    #[test]
    fn an_answer_is_compressed_only_for_a_client_that_takes_it() {
        let big = vec!["x".repeat(64); 64];
        assert!(encode_json(&big, true).1);
        assert!(!encode_json(&big, false).1);
        assert!(!encode_json(&"small", true).1);
        assert!(accepts_gzip(&with(header::ACCEPT_ENCODING, "br, gzip")));
        assert!(!accepts_gzip(&with(header::ACCEPT_ENCODING, "gzip;q=0")));
    }
}
