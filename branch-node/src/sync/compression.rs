//! Request and answer bodies: gzip both ways above a size, inflated within a limit.

use super::*;

pub use sync_core::gzip::inflate as gunzip;
pub use sync_core::gzip::{MIN_COMPRESS, accepts_gzip, compress as gzip};

/// A request body by its `Content-Encoding`: as it is, or inflated to at
/// most `limit` bytes. The error carries its HTTP status (413, 415, 400).
pub fn decode_body(
    encoding: Option<&str>,
    body: Vec<u8>,
    limit: usize,
) -> std::result::Result<Vec<u8>, (u16, NodeError)> {
    match encoding.map(|e| e.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") | Some("identity") => Ok(body),
        Some("gzip") | Some("x-gzip") => match gunzip(&body, limit) {
            Ok(Some(b)) => Ok(b),
            Ok(None) => Err((
                413,
                NodeError::invalid("body", format!("must be at most {limit} bytes inflated")),
            )),
            Err(e) => Err((
                400,
                NodeError::invalid("body", format!("is not valid gzip: {e}")),
            )),
        },
        Some(_) => Err((
            415,
            NodeError::invalid("content-encoding", "must be gzip or identity"),
        )),
    }
}

/// A JSON answer: gzip-encoded (true) when the client takes it and it is
/// large enough to gain.
pub fn encode_json<T: Serialize>(v: &T, gzip_ok: bool) -> (Vec<u8>, bool) {
    let json = serde_json::to_vec(v).expect("protocol types serialize");
    if gzip_ok && json.len() >= MIN_COMPRESS {
        (gzip(&json), true)
    } else {
        (json, false)
    }
}
