//! `hub business einvoice`: turn e-invoicing on or off for the business,
//! with the IRP's credentials (kept at the hub, never printed back), or
//! see the queue and what needs a person.

use crate::cli::EinvoiceArgs;
use crate::error::{HubError, Result};
use crate::irp::IrpSettings;
use crate::store::{BranchChange, HubStore};

pub fn run(hub: &dyn HubStore, a: EinvoiceArgs) -> Result<()> {
    if let Some(base) = &a.irp_url {
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(HubError::invalid("irp_url", "must be an http(s) address"));
        }
        let mut fields = vec![];
        for (field, v) in [
            ("client_id", &a.client_id),
            ("client_secret", &a.client_secret),
            ("user", &a.user),
            ("password", &a.password),
        ] {
            match v.as_deref().map(str::trim) {
                Some(v) if !v.is_empty() => fields.push(v.to_string()),
                _ => return Err(HubError::invalid(field, "cannot be empty")),
            }
        }
        let [client_id, client_secret, user, password]: [String; 4] =
            fields.try_into().expect("four fields");
        let s = IrpSettings {
            base: base.trim_end_matches('/').to_string(),
            client_id,
            client_secret,
            user,
            password,
        };
        hub.set_einvoice_settings(
            &serde_json::to_string(&s).map_err(|e| HubError::Setup(e.to_string()))?,
        )?;
    }
    let settings = super::settings(hub)?;
    if a.on && settings.is_none() {
        return Err(HubError::invalid(
            "irp_url",
            "give the IRP's address and credentials to turn e-invoicing on",
        ));
    }
    if a.on || a.off {
        // Each branch's devices learn it with their next pull, so a B2B
        // invoice made offline prints "IRN pending".
        for b in hub.branches()? {
            hub.update_branch(
                b.id,
                &BranchChange {
                    einvoicing: Some(a.on),
                    ..BranchChange::default()
                },
            )?;
        }
    }
    let queue = hub.einvoice_queue()?;
    let count = |state: &str| queue.iter().filter(|q| q.state == state).count();
    let attention: Vec<_> = queue
        .iter()
        .filter(|q| {
            q.state == "failed" || matches!(q.cancel.as_deref(), Some("window_closed" | "failed"))
        })
        .collect();
    let out = serde_json::json!({
        "irp": settings.as_ref().map(|s| serde_json::json!({ "base": s.base, "user": s.user })),
        "branches": hub.branches()?.iter().map(|b| serde_json::json!({ "branch": b.id, "name": b.name, "einvoicing": a.on || (!a.off && b.einvoicing) })).collect::<Vec<_>>(),
        "queued": count("queued") + count("registering"),
        "registered": count("registered"),
        "failed": count("failed"),
        "needs_attention": attention,
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&out).expect("serializes")
    );
    Ok(())
}
