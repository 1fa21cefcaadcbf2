//! The replay guard, shared by every hub process: a signed request is
//! taken once inside its clock window, whichever process it reaches. The
//! first sight inserts the signature; a second finds it there.

use tokio_postgres::GenericClient;

use crate::{Business, Result};

/// True the first time any hub process sees `signature` from `device`
/// (kept until `now_ms + window_ms`, past which the clock check refuses the
/// request anyway); false for a replay. The device's expired entries are
/// swept on the way, through the key's own index.
pub async fn first_sight(
    c: &impl GenericClient,
    b: Business,
    device: [u8; 16],
    signature: &[u8],
    now_ms: i64,
    window_ms: i64,
) -> Result<bool> {
    // One statement, one round trip: the sight (an expired entry of the
    // same signature counts as unseen, and is renewed) and the sweep of the
    // device's other expired entries.
    let n = c
        .execute(
            "WITH swept AS (
                 DELETE FROM seen_requests
                 WHERE business = $1 AND device = $2 AND expires_at < $5 AND signature <> $3
             )
             INSERT INTO seen_requests (business, device, signature, expires_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (business, device, signature) DO UPDATE SET expires_at = excluded.expires_at
             WHERE seen_requests.expires_at < $5",
            &[&&b.0[..], &&device[..], &signature, &(now_ms + window_ms), &now_ms],
        )
        .await?;
    Ok(n == 1)
}
