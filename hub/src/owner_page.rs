//! The owner's page for people, branches and the catalogue (`GET /people`,
//! HTML): each row a small form whose script sends the change to the JSON
//! API of [`crate::owner`] and reloads, so the page holds no rule and no
//! second copy of what a change may be; the refusal's message is shown
//! beside the form.

use sync_core::domain::money::format_inr;

use crate::error::Result;
use crate::store::HubStore;
use sheets::escape as esc;

/// What only this page needs beyond the shared stylesheet: each row's
/// forms side by side, and on a phone each row a block.
const STYLE: &str = "<style>#people form,#branches form,#catalogue form{display:flex;gap:.4rem;flex-wrap:wrap;margin:0 0 .3rem}#people input,#branches input,#catalogue input{width:8rem}td{vertical-align:top}@media(max-width:600px){#people,#branches,#catalogue,#people tbody,#people tr,#people td,#branches tbody,#branches tr,#branches td,#catalogue tbody,#catalogue tr,#catalogue td{display:block}thead{display:none}td{border:0}tr{border-bottom:1px solid var(--line);padding:.4rem 0}}</style>";

const SCRIPT: &str = r#"<script>
for (const f of document.querySelectorAll('form[data-path]')) {
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    // A named button sends only itself (Deactivate); Save sends what was
    // changed: filled inputs, and a select moved off its first value.
    const body = {};
    if (e.submitter && e.submitter.name) {
      body[e.submitter.name] = e.submitter.value === 'true' ? true : e.submitter.value === 'false' ? false : e.submitter.value;
    } else {
      for (const el of f.elements) {
        if (!el.name || el.tagName === 'BUTTON' || el.value === '') continue;
        if (el.dataset.was !== undefined && el.dataset.was === el.value) continue;
        body[el.name] = el.value;
      }
    }
    const r = await fetch(f.dataset.path, { method: f.dataset.method || 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (r.ok) { location.reload(); return; }
    const b = await r.json().catch(() => null);
    f.querySelector('.err').textContent = (b && b.error && b.error.message) || ('refused (' + r.status + ')');
  });
}
</script>"#;

fn role_label(r: &str) -> &str {
    match r {
        "owner" => "Owner",
        "manager" => "Manager",
        "receptionist" => "Front desk",
        "technician" => "Technician",
        "accountant" => "Accountant",
        other => other,
    }
}

pub fn page(store: &dyn HubStore) -> Result<String> {
    let (users, branches, items) = (store.users()?, store.branches()?, store.catalogue()?);
    let business = store.business_name()?;
    let mut h = crate::pages::head("People, branches and catalogue", &business);
    h.push_str(STYLE);
    h.push_str(&crate::pages::top(&business, Some("/people")));
    h.push_str(
        "<main><h1>People</h1><p>Changes reach each device of the branch at its next sync; a deactivated person cannot log in there after it, and their open sessions end.</p><table id=\"people\"><thead><tr><th>Name</th><th>Role</th><th>Branch</th><th>Change</th></tr></thead><tbody>",
    );
    for u in &users {
        let staff = u.role != "owner";
        let roles: String = ["manager", "receptionist", "technician", "accountant"]
            .iter()
            .map(|r| {
                format!(
                    "<option value=\"{r}\"{}>{}</option>",
                    if *r == u.role { " selected" } else { "" },
                    role_label(r)
                )
            })
            .collect();
        let moves: String = branches
            .iter()
            .filter(|b| Some(b.id) != u.branch)
            .map(|b| format!("<option value=\"{}\">{}</option>", b.id, esc(&b.name)))
            .collect();
        h.push_str(&format!(
            "<tr class=\"{}\" data-user=\"{}\"><td>{}{}</td><td>{}</td><td>{}</td><td>\
             <form data-path=\"/owner/users/{id}\"><button name=\"active\" value=\"{}\">{}</button><input name=\"pin\" placeholder=\"new PIN\" inputmode=\"numeric\" autocomplete=\"off\" aria-label=\"New PIN for {name}\">{}<button>Save</button><span class=\"err\" role=\"alert\"></span></form>\
             {}</td></tr>",
            if u.active { "" } else { "off" },
            u.id,
            esc(&u.name),
            if u.active { "" } else { " (deactivated)" },
            role_label(&u.role),
            esc(u.branch_name.as_deref().unwrap_or("all branches")),
            !u.active,
            if u.active { "Deactivate" } else { "Reactivate" },
            if staff {
                format!(
                    "<select name=\"role\" data-was=\"{}\" aria-label=\"Role of {}\">{roles}</select>",
                    esc(&u.role),
                    esc(&u.name)
                )
            } else {
                String::new()
            },
            if staff && u.active && !moves.is_empty() {
                format!(
                    "<form data-path=\"/owner/users/{}/move\" data-method=\"POST\"><select name=\"to\" aria-label=\"Move {} to\">{moves}</select><button>Move to branch</button><span class=\"err\" role=\"alert\"></span></form>",
                    u.id,
                    esc(&u.name)
                )
            } else {
                String::new()
            },
            id = u.id,
            name = esc(&u.name),
        ));
    }
    h.push_str("</tbody></table><h1>Branches</h1><table id=\"branches\"><thead><tr><th>Branch</th><th>Change</th></tr></thead><tbody>");
    for b in &branches {
        h.push_str(&format!(
            "<tr><td>{name}</td><td><form data-path=\"/owner/branches/{id}\"><input name=\"address\" value=\"{address}\" data-was=\"{address}\" aria-label=\"Address\"><input name=\"phone\" value=\"{phone}\" data-was=\"{phone}\" placeholder=\"phone\" aria-label=\"Phone\"><input name=\"upi_id\" value=\"{upi}\" data-was=\"{upi}\" placeholder=\"UPI id\" aria-label=\"UPI id\"><button>Save</button><span class=\"err\" role=\"alert\"></span></form></td></tr>",
            name = esc(&b.name),
            id = b.id,
            address = esc(&b.address),
            phone = esc(b.phone.as_deref().unwrap_or("")),
            upi = esc(b.upi_id.as_deref().unwrap_or("")),
        ));
    }
    h.push_str("</tbody></table><h1>Catalogue</h1><table id=\"catalogue\"><thead><tr><th>Item</th><th>Now</th><th>Change</th></tr></thead><tbody>");
    for i in &items {
        h.push_str(&format!(
            "<tr><td>{} <small>{}</small></td><td>₹{} · GST {} % · HSN/SAC {} · reorder at {} {}</td><td><form data-path=\"/owner/items/{}\"><input name=\"sale_price\" placeholder=\"price ₹\" inputmode=\"decimal\" aria-label=\"Price\"><input name=\"gst_rate\" placeholder=\"GST %\" inputmode=\"decimal\" aria-label=\"GST rate\"><input name=\"hsn_sac\" placeholder=\"HSN/SAC\" aria-label=\"HSN/SAC\"><input name=\"reorder_level\" placeholder=\"reorder at\" inputmode=\"decimal\" aria-label=\"Reorder level\"><input name=\"unit\" placeholder=\"unit\" aria-label=\"Unit\"><button>Save</button><span class=\"err\" role=\"alert\"></span></form></td></tr>",
            esc(&i.name),
            esc(&i.sku),
            format_inr(i.sale_price),
            i.gst_rate.normalize(),
            esc(&i.hsn_sac),
            i.reorder_level.normalize(),
            esc(&i.unit),
            i.id,
        ));
    }
    h.push_str("</tbody></table>");
    h.push_str(SCRIPT);
    h.push_str(crate::pages::END);
    Ok(h)
}
