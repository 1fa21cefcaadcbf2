//! The owner's words for customer messages, as the hub keeps and signs
//! them: business-wide in the head office's chain (the root signs), a
//! branch's own in its chain (its hub device signs), each as a
//! `TemplateSet` op that every device of the audience applies, so the
//! counter's WhatsApp link says what the owner wrote even offline.

use sqlite_replica::{Sql, SqlExt, p};
use sync_core::body::{MessageTemplate, OpBody};
use sync_core::domain::messages::{Event, Language};
use sync_core::ids::BranchId;
use sync_core::replica::HQ;

use super::ops::HubOp;
use super::{HubDb, branch_hub};
use crate::error::{HubError, Result};

/// The words in force for `branch`: its own, else the business's.
pub(super) fn in_force(
    hub: &HubDb,
    branch: Option<BranchId>,
    event: Event,
    language: Language,
) -> Result<Option<String>> {
    hub.read(|c| lookup(c, branch, event, language))
}

fn lookup(
    c: &dyn Sql,
    branch: Option<BranchId>,
    event: Event,
    language: Language,
) -> Result<Option<String>> {
    for scope in branch.into_iter().chain([HQ]) {
        if let Some(t) = c.one(
            "SELECT text FROM message_templates WHERE scope = ?1 AND event = ?2 AND language = ?3",
            p![&scope.0[..], event.as_str(), language.code()],
            |r| r.get::<String>(0),
        )? {
            return Ok(Some(t));
        }
    }
    Ok(None)
}

/// Sign the owner's words (checked by the rule book like any op).
pub(super) fn set(hub: &HubDb, t: MessageTemplate) -> Result<()> {
    hub.write(|c, parts| {
        let (device, branch) = match t.branch {
            Some(b) => {
                let known: bool = c
                    .one(
                        "SELECT EXISTS (SELECT 1 FROM branches WHERE id = ?1)",
                        p![&b.0[..]],
                        |r| r.get(0),
                    )?
                    .unwrap_or(false);
                if !known {
                    return Err(HubError::NotFound(format!("branch {b}")));
                }
                (branch_hub(parts.root_seed, b).0, b)
            }
            None => (parts.genesis.hub_device, HQ),
        };
        let author = parts.genesis.owner;
        super::restore::commit_or_defer(
            c,
            parts,
            HubOp {
                device,
                branch,
                author,
                body: OpBody::TemplateSet(t),
            },
        )
    })
}

/// What a preview is filled with: the newest job of `branch` (of any
/// branch without one), as its customer would read it.
#[derive(Clone, Debug, Default)]
pub struct Sample {
    pub customer: String,
    pub job_no: String,
    pub device: String,
    pub shop: String,
}

pub(super) fn sample(hub: &HubDb, branch: Option<BranchId>) -> Result<Option<Sample>> {
    hub.read(|c| {
        let b = branch.map(|b| b.0.to_vec());
        Ok(c.one(
            "SELECT c.name, j.job_no, j.device_type, j.brand, j.model, b.name FROM jobs j
               JOIN customers c ON c.id = j.customer JOIN branches b ON b.id = j.branch
              WHERE (j.branch = ?1 OR ?1 IS NULL) ORDER BY j.opened_at DESC, j.id LIMIT 1",
            p![b],
            |r| {
                let (kind, brand, model): (String, String, String) =
                    (r.get(2)?, r.get(3)?, r.get(4)?);
                let device = [brand, model]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                Ok(Sample {
                    customer: r.get(0)?,
                    job_no: r.get(1)?,
                    device: if device.is_empty() { kind } else { device },
                    shop: r.get(5)?,
                })
            },
        )?)
    })
}
