//! Which prefix a device with a series of its own gets: one no branch,
//! device or outstanding enrollment code of the business already prints,
//! so a document number names its series and its series names one device.

use sqlite_replica::{Sql, SqlExt, p};
use sync_core::body::OwnSeries;
use sync_core::domain::invoice_no::check_prefix;
use sync_core::ids::BranchId;

use crate::error::{HubError, Result};
use crate::store::SeriesChoice;

/// The own series an enrollment code for `branch` will give, if any.
pub(super) fn choose(
    c: &dyn Sql,
    branch: BranchId,
    choice: &SeriesChoice,
    now: u64,
) -> Result<Option<OwnSeries>> {
    let taken = prefixes_in_use(c, now)?;
    let free = |p: &str| !taken.iter().any(|t| t == p);
    match choice {
        SeriesChoice::Branch => Ok(None),
        SeriesChoice::Own(s) => {
            for (field, p) in [
                ("own_series.invoice_prefix", &s.invoice_prefix),
                ("own_series.credit_note_prefix", &s.credit_note_prefix),
            ] {
                check_prefix(p).map_err(|_| {
                    HubError::invalid(
                        field,
                        "must be 1 to 5 upper-case letters or digits, starting with a letter",
                    )
                })?;
                if !free(p) {
                    return Err(HubError::invalid(
                        field,
                        format!("`{p}` is already a series of this business"),
                    ));
                }
            }
            if s.invoice_prefix == s.credit_note_prefix {
                return Err(HubError::invalid(
                    "own_series.credit_note_prefix",
                    "must differ from the invoice prefix: their numbers would print alike",
                ));
            }
            Ok(Some(s.clone()))
        }
        SeriesChoice::OwnNext => {
            let (inv, cn): (String, String) = c
                .one(
                    "SELECT invoice_prefix, credit_note_prefix FROM branches WHERE id = ?1",
                    p![&branch.0[..]],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?
                .ok_or_else(|| HubError::NotFound(format!("branch {branch}")))?;
            // The branch's prefixes cut to four, and a letter: BLR1 → BLR1B.
            let stem = |p: &str| p.chars().take(4).collect::<String>();
            ('A'..='Z')
                .map(|l| OwnSeries {
                    invoice_prefix: format!("{}{l}", stem(&inv)),
                    credit_note_prefix: format!("{}{l}", stem(&cn)),
                })
                .find(|s| {
                    s.invoice_prefix != s.credit_note_prefix
                        && free(&s.invoice_prefix)
                        && free(&s.credit_note_prefix)
                })
                .map(Some)
                .ok_or_else(|| {
                    HubError::invalid(
                        "own_series",
                        "every letter after this branch's prefixes is taken: name the prefixes",
                    )
                })
        }
    }
}

/// Every prefix a document of this business may print with: the branches',
/// the devices' own, and those of enrollment codes not yet used or expired.
fn prefixes_in_use(c: &dyn Sql, now: u64) -> Result<Vec<String>> {
    let rows: Vec<(Option<String>, Option<String>)> = c.all(
        "SELECT invoice_prefix, credit_note_prefix FROM branches \
         UNION ALL SELECT invoice_prefix, credit_note_prefix FROM devices \
         UNION ALL SELECT invoice_prefix, credit_note_prefix FROM enrollments \
           WHERE used_by IS NULL AND expires_at >= ?1",
        p![now],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(rows
        .into_iter()
        .flat_map(|(a, b)| [a, b])
        .flatten()
        .collect())
}
