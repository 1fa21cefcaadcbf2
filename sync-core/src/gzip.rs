//! The sync protocol's body compression (`Content-Encoding: gzip`), shared
//! by the hub and the devices: compress, inflate within a limit, and read
//! `Accept-Encoding`. Pure functions over byte slices; the callers own the
//! HTTP and map failures to their own errors.

use std::io::{Read, Write};

/// Bodies smaller than this are sent as they are: gzip's header and trailer
/// would make them larger.
pub const MIN_COMPRESS: usize = 1024;

/// Level 1: most of the gain at a fraction of the CPU, which matters on a
/// shop's laptop and on a 2-core hub answering every branch's pulls.
pub fn compress(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 4),
        flate2::Compression::fast(),
    );
    e.write_all(data).expect("writing to a Vec");
    e.finish().expect("writing to a Vec")
}

/// Inflate gzip `data`; `Ok(None)` past `limit` bytes. Reading stops one byte
/// past it, so a bomb never becomes a large allocation.
pub fn inflate(data: &[u8], limit: usize) -> std::io::Result<Option<Vec<u8>>> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(data)
        .take(limit as u64 + 1)
        .read_to_end(&mut out)?;
    Ok((out.len() <= limit).then_some(out))
}

/// Whether `Accept-Encoding` values take gzip (and not `gzip;q=0`).
pub fn accepts_gzip<'a>(values: impl IntoIterator<Item = &'a str>) -> bool {
    values.into_iter().flat_map(|v| v.split(',')).any(|part| {
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
