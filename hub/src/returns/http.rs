//! The returns over HTTP, for the logged-in owner (or their accountant at
//! the owner's screen): `GET /returns/gstr1?gstin=…&period=MMYYYY` as the
//! portal's JSON (a download), `/returns/gstr1.xlsx` as a workbook, and
//! `/returns/gstr3b` as JSON, and `/returns/tally.xml`, the month's
//! vouchers for Tally (a download). A bad GSTIN or period is refused
//! naming it.

use std::sync::Arc;

use axum::extract::{Path, Query};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use http_edge::routes::{Described, Op};
use http_edge::{Refusal, blocking};
use serde::Deserialize;
use serde_json::json;

use crate::error::HubError;
use crate::owner::Owner;
use crate::server::AppState;

type St = Arc<AppState>;

#[derive(Deserialize)]
pub(crate) struct ReturnAsk {
    gstin: String,
    period: String,
}

async fn get_return(
    Owner(hub): Owner,
    Path(name): Path<String>,
    q: Result<Query<ReturnAsk>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Refusal> {
    let Query(q) = q.map_err(|_| {
        HubError::invalid(
            "period",
            "a return needs gstin (the branch's GSTIN) and period (MMYYYY)",
        )
    })?;
    let file = |ext: &str| {
        format!(
            "attachment; filename=\"{}_{}_{}.{ext}\"",
            name.split('.').next().unwrap_or("return").to_uppercase(),
            q.gstin.trim(),
            q.period.trim()
        )
    };
    match name.as_str() {
        "gstr1" | "gstr1.json" => {
            let disposition = file("json");
            let r = blocking(move || crate::returns::gstr1_of(&*hub, &q.gstin, &q.period)).await?;
            let body = serde_json::to_string(&r)
                .map_err(|e| HubError::Setup(format!("the return did not serialize: {e}")))?;
            Ok((
                [
                    (header::CONTENT_TYPE, "application/json".to_string()),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                body,
            )
                .into_response())
        }
        "gstr1.xlsx" => {
            let disposition = file("xlsx");
            let bytes = blocking(move || {
                let r = crate::returns::gstr1_of(&*hub, &q.gstin, &q.period)?;
                let tables = super::sheet::tables(&r);
                let refs: Vec<&sheets::Table> = tables.iter().collect();
                Ok::<_, HubError>(sheets::workbook(&refs)?)
            })
            .await?;
            Ok((
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                            .to_string(),
                    ),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                bytes,
            )
                .into_response())
        }
        "gstr3b" | "gstr3b.json" => {
            let r = blocking(move || crate::returns::gstr3b_of(&*hub, &q.gstin, &q.period)).await?;
            Ok(axum::Json(r).into_response())
        }
        "tally.xml" => {
            let disposition = file("xml");
            let xml =
                blocking(move || crate::returns::tally_of(&*hub, &q.gstin, &q.period)).await?;
            Ok((
                [
                    (header::CONTENT_TYPE, "application/xml".to_string()),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                xml,
            )
                .into_response())
        }
        _ => Err(HubError::NotFound(format!(
            "return `{name}` (returns: gstr1, gstr1.xlsx, gstr3b, tally.xml)"
        ))
        .into()),
    }
}

/// The returns' route, described for the OpenAPI document.
pub(crate) fn routes(d: Described<St>, session: &'static str) -> Described<St> {
    d.route(
        "/returns/{name}",
        [Op::get(
            get_return,
            "A GST return of one GSTIN for one month: gstr1 (the portal's offline-tool JSON, a download), gstr1.xlsx (the same figures as a workbook), gstr3b (its outward summary) or tally.xml (the month's sales, credit notes and receipts as Tally vouchers, a download). A GSTIN not of this business, or a period not MMYYYY, is refused naming the field",
        )
        .access(session)
        .param("name", json!({ "type": "string", "enum": ["gstr1", "gstr1.json", "gstr1.xlsx", "gstr3b", "gstr3b.json", "tally.xml"] }))
        .required_query("gstin", json!({ "type": "string" }))
        .required_query("period", json!({ "type": "string", "pattern": "^(0[1-9]|1[0-2])[0-9]{4}$" }))],
    )
}
