//! The request bodies' schemas in the OpenAPI document, as strict as the
//! parsing behind them (unknown fields are refused, so none are allowed).

use serde_json::{Value, json};

pub(super) fn all() -> Value {
    let s = |props: Value, required: &[&str]| json!({ "type": "object", "additionalProperties": false, "properties": props, "required": required });
    let text = json!({ "type": "string" });
    let id = json!({ "type": "string", "format": "uuid" });
    let money = json!({ "type": "string", "pattern": "^[0-9]+(\\.[0-9]{1,2})?$", "description": "decimal string, never a number" });
    let status = json!({ "type": "string", "enum": sync_core::domain::lifecycle::JobStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>() });
    let customer = s(
        json!({ "name": text, "mobile": text, "email": text, "address": text, "gstin": text, "state_code": text }),
        &["name", "mobile"],
    );
    json!({
        "LoginInput": s(json!({ "user": text, "pin": { "type": "string", "pattern": "^[0-9]{4,8}$" } }), &["user", "pin"]),
        "UserInput": s(json!({ "name": text, "role": { "type": "string", "enum": ["owner", "manager", "receptionist", "technician", "accountant"] }, "pin": text }), &["name", "role", "pin"]),
        "CustomerInput": customer,
        "CustomerPatch": s(json!({ "name": text, "mobile": text, "email": text, "address": text, "gstin": text, "state_code": text }), &[]),
        "JobInput": s(json!({
            "customer": id, "new_customer": { "$ref": "#/components/schemas/CustomerInput" },
            "device_type": text, "brand": text, "model": text, "serial": text, "complaint": text,
            "accessories": { "type": "array", "items": text }, "condition": text,
            "password": s(json!({ "kind": { "type": "string", "enum": ["pin", "pattern", "text"] }, "value": text }), &["kind", "value"]),
            "promised": { "type": "string", "format": "date" }
        }), &["device_type", "complaint"]),
        "JobPatch": s(json!({ "brand": text, "model": text, "serial": text, "complaint": text, "condition": text, "promised": { "type": "string", "format": "date" }, "estimate_note": text }), &[]),
        "StatusInput": s(json!({ "to": status, "override_reason": text, "note": text, "otp": text, "signature_sha256": text, "allow_balance_due": { "type": "boolean" } }), &["to"]),
        "AssignInput": s(json!({ "technician": { "type": ["string", "null"], "format": "uuid" } }), &[]),
        "TextInput": s(json!({ "text": text, "version": { "type": ["array", "null"], "items": text } }), &["text"]),
        "LineInput": s(json!({ "kind": { "type": "string", "enum": ["service", "part"] }, "item": id, "description": text, "hsn_sac": text, "qty": text, "unit": text, "unit_price": money, "discount": money, "gst_rate": text }), &["description", "hsn_sac", "qty", "unit_price", "gst_rate"]),
        "RevealInput": s(json!({ "purpose": text }), &[]),
        "ResolveInput": s(json!({ "record": id, "field": text, "value": { "type": "object", "description": "FieldValue: {\"t\": \"text\", \"v\": \"…\"}" } }), &["record", "field", "value"]),
        "ItemInput": s(json!({ "sku": text, "name": text, "hsn_sac": text, "gst_rate": text, "unit": text, "sale_price": money, "cost": money, "reorder_level": text, "is_service": { "type": "boolean" } }), &["sku", "name", "hsn_sac", "gst_rate", "sale_price"]),
        "ReceiptInput": s(json!({ "item": id, "qty": text, "supplier": text, "reference": text, "note": text }), &["item", "qty", "supplier"]),
        "AdjustInput": s(json!({ "item": id, "delta": text, "reason": text }), &["item", "delta", "reason"]),
        "IssueInput": s(json!({ "item": id, "qty": text, "technician": id, "to_device": id }), &["item", "qty", "technician", "to_device"]),
        "ReturnInput": s(json!({ "item": id, "qty": text, "to_device": id }), &["item", "qty"]),
        "UseInput": s(json!({ "job": id, "item": id, "qty": text, "unit_price": money }), &["job", "item", "qty"]),
        "TransferOutInput": s(json!({ "item": id, "qty": text, "to_branch": id, "to_device": id }), &["item", "qty", "to_branch"]),
        "ReceiveInput": s(json!({ "received": text }), &["received"]),
        "DraftInput": s(json!({ "job": id, "customer": id, "customer_name": text, "customer_gstin": text, "customer_state": text, "customer_address": text, "lines": { "type": "array", "items": { "$ref": "#/components/schemas/LineInput" } } }), &[]),
        "FinalizeInput": s(json!({ "date": { "type": "string", "format": "date" } }), &[]),
        "ReasonInput": s(json!({ "reason": text }), &["reason"]),
        "CreditNoteInput": s(json!({ "invoice": id, "reason": text, "lines": { "type": "array", "items": { "$ref": "#/components/schemas/LineInput" } }, "date": { "type": "string", "format": "date" } }), &["invoice", "reason"]),
        "PaymentInput": s(json!({ "invoice": id, "job": id, "amount": money, "mode": { "type": "string", "enum": ["cash", "upi", "card", "bank"] }, "reference": text, "date": { "type": "string", "format": "date" } }), &["amount", "mode"]),
        "LocalLeaseInput": s(json!({ "doc_type": { "type": "string", "enum": ["tax_invoice", "credit_note"] }, "size": { "type": "integer", "minimum": 1 }, "fy": { "type": "integer" } }), &["doc_type", "size"]),
        "PushRequest": s(json!({ "ops": { "type": "array", "maxItems": sync_core::protocol::MAX_BATCH, "items": { "type": "string", "description": "an operation's signed wire bytes, hex" } } }), &["ops"]),
        "PullRequest": s(json!({ "cursor": { "type": "integer", "minimum": 0 }, "limit": { "type": "integer", "minimum": 1, "maximum": 1000 } }), &["cursor", "limit"]),
        "Error": http_edge::routes::error_schema(),
    })
}
