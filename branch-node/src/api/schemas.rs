//! The request bodies' schemas in the OpenAPI document. They are exactly as
//! strict as reading the body (400 otherwise): unknown fields refused,
//! required fields, types, decimal strings, dates, ids, enums, integer
//! ranges, the PIN's and mobile number's shapes. What the rule book then
//! checks against the shop's state (that a customer exists, that a job may
//! move on) is a 4xx naming the field and rule, not a schema. Schemathesis
//! holds the two together from both sides: a schema-valid body is never
//! refused as unreadable, and a schema-invalid one is never accepted.

use serde_json::{Value, json};
use sync_core::domain::lifecycle::JobStatus;
use sync_core::domain::roles::Role;

/// An id: 8-4-4-4-12 lowercase hex, as `sync_core::ids` parses it.
pub(super) const ID: &str = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";
/// A decimal string (never a JSON number), as `rust_decimal` reads it.
const DECIMAL: &str = "^-?[0-9]{1,12}(\\.[0-9]{1,8})?$";

pub(super) fn id() -> Value {
    json!({ "type": "string", "pattern": ID })
}

fn nullable(mut v: Value) -> Value {
    let t = v["type"].clone();
    v["type"] = json!([t, "null"]);
    v
}

fn text() -> Value {
    json!({ "type": "string" })
}

/// Control characters a text may not hold (all but tab and newline), as
/// `validate::text` refuses them.
const CONTROL: &str = "\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f";

/// Free text as `validate::text` takes it: at most `max` characters, no
/// control characters, and with `min == 1` something besides spaces.
fn text_of(min: usize, max: usize) -> Value {
    let pattern = if min == 0 {
        format!("^[^{CONTROL}]*$")
    } else {
        format!("^[^{CONTROL}]*[^\\s{CONTROL}][^{CONTROL}]*$")
    };
    json!({ "type": "string", "maxLength": max, "pattern": pattern })
}

/// A mobile number as `validate::mobile` reads it: 10 digits starting 6-9,
/// with +91 or a leading 0, spaces and dashes anywhere.
pub(super) fn query_text() -> Value {
    text_of(0, 100)
}

fn mobile() -> Value {
    json!({ "type": "string", "pattern": "^[ -]*(\\+[ -]*9[ -]*1|0)?[ -]*[6-9]([ -]*[0-9]){9}[ -]*$" })
}

fn decimal() -> Value {
    json!({ "type": "string", "pattern": DECIMAL, "description": "a decimal string, never a number" })
}

/// A quantity as stock and lines take it: more than 0, below 1,000,000, at
/// most 3 decimal places (trailing zeros aside).
const QTY: &str =
    "0*([1-9][0-9]{0,5}(\\.[0-9]{1,3}0*)?|\\.([1-9][0-9]{0,2}|0[1-9][0-9]?|00[1-9])0*)";

fn qty() -> Value {
    json!({ "type": "string", "pattern": format!("^{QTY}$"), "description": "a decimal string above 0 and below 1000000, at most 3 decimal places" })
}

/// A stock count's correction: a quantity either way, never zero.
fn delta() -> Value {
    json!({ "type": "string", "pattern": format!("^-?{QTY}$") })
}

pub(super) fn date() -> Value {
    json!({ "type": "string", "format": "date", "pattern": "^2[0-9]{3}-[0-9]{2}-[0-9]{2}$", "description": "DD-MM-YYYY is for people; the API speaks YYYY-MM-DD, 2000 to 2999" })
}

fn one_of(values: &[&str]) -> Value {
    json!({ "type": "string", "enum": values })
}

fn object(props: Value, required: &[&str]) -> Value {
    json!({ "type": "object", "additionalProperties": false, "properties": props, "required": required })
}

/// A patch: some field must be given, and not as `null` (an empty patch
/// changes nothing and is refused).
fn patch(props: Value) -> Value {
    let any: Vec<Value> = props
        .as_object()
        .expect("an object of properties")
        .keys()
        .map(|k| json!({ "required": [k], "properties": { k: { "not": { "type": "null" } } } }))
        .collect();
    let mut o = object(props, &[]);
    o["anyOf"] = json!(any);
    o
}

pub(super) fn statuses() -> Value {
    one_of(
        &JobStatus::ALL
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>(),
    )
}

fn line() -> Value {
    object(
        json!({
            "kind": one_of(&["service", "part"]), "item": nullable(id()), "description": text(),
            "hsn_sac": text(), "qty": qty(), "unit": text(), "unit_price": decimal(),
            "discount": decimal(), "gst_rate": decimal()
        }),
        &["description", "hsn_sac", "qty", "unit_price", "gst_rate"],
    )
}

fn field_value() -> Value {
    let v = |t: &str, v: Option<Value>| match v {
        None => object(
            json!({ "t": { "const": t }, "v": { "type": "null" } }),
            &["t"],
        ),
        Some(v) => object(json!({ "t": { "const": t }, "v": v }), &["t", "v"]),
    };
    json!({ "oneOf": [
        v("null", None),
        v("text", Some(text())),
        v("bool", Some(json!({ "type": "boolean" }))),
        v("int", Some(json!({ "type": "integer", "minimum": i64::MIN, "maximum": i64::MAX }))),
        v("decimal", Some(decimal())),
        v("id", Some(id())),
        v("user", Some(id())),
    ] })
}

pub(super) fn all() -> Value {
    let s = |x: Value| nullable(x);
    let customer = json!({
        "name": text_of(1, 100), "mobile": mobile(),
        "email": s(text()), "address": s(text_of(0, 500)), "gstin": s(text()), "state_code": s(text())
    });
    let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    json!({
        "LoginInput": object(json!({ "user": text(), "pin": { "type": "string", "pattern": "^[0-9]{4,8}$" } }), &["user", "pin"]),
        "UserInput": object(json!({ "name": text_of(1, 100), "role": one_of(&roles), "pin": { "type": "string", "pattern": "^[0-9]{4,8}$" } }), &["name", "role", "pin"]),
        "CustomerInput": object(customer.clone(), &["name", "mobile"]),
        "CustomerPatch": patch(json!({ "name": s(text_of(1, 100)), "mobile": s(mobile()), "email": s(text()), "address": s(text_of(0, 500)), "gstin": s(text()), "state_code": s(text()), "language": s(json!({ "type": "string", "enum": ["", "en", "hi", "kn", "ta"] })), "no_messages": s(json!({ "type": "boolean" })) })),
        "JobInput": object(json!({
            "customer": s(id()), "new_customer": { "oneOf": [{ "type": "null" }, { "$ref": "#/components/schemas/CustomerInput" }] },
            "device_type": text(), "brand": text(), "model": text(), "serial": text(), "complaint": text(),
            "accessories": { "type": "array", "items": text() }, "condition": text(),
            "password": { "oneOf": [{ "type": "null" }, object(json!({ "kind": one_of(&["pin", "pattern", "text"]), "value": text() }), &["kind", "value"])] },
            "promised": s(date()), "technician": s(id())
        }), &["device_type", "complaint"]),
        "JobPatch": patch(json!({ "brand": s(text_of(0, 2000)), "model": s(text_of(0, 2000)), "serial": s(text_of(0, 2000)), "complaint": s(text_of(1, 2000)), "condition": s(text_of(0, 2000)), "promised": s(date()), "estimate_note": s(text_of(0, 2000)) })),
        "StatusInput": object(json!({ "to": statuses(), "override_reason": s(text()), "note": s(text()), "otp": s(text()), "signature_sha256": s(text()), "allow_balance_due": { "type": "boolean" }, "approval": { "oneOf": [{ "type": "null" }, object(json!({ "by": text_of(1, 100), "channel": one_of(&["in_person", "phone", "whatsapp"]), "amount": decimal() }), &["by", "channel", "amount"])] } }), &["to"]),
        "AssignInput": object(json!({ "technician": s(id()) }), &[]),
        "TextInput": object(json!({ "text": text_of(0, sync_core::merge::text::MAX_CHARS), "version": { "type": ["array", "null"], "items": text() } }), &["text"]),
        "LineInput": line(),
        "RevealInput": object(json!({ "purpose": text_of(0, 200) }), &[]),
        "ResolveInput": object(json!({ "record": id(), "field": text(), "value": field_value() }), &["record", "field", "value"]),
        "ItemInput": object(json!({ "sku": text(), "name": text(), "hsn_sac": text(), "gst_rate": decimal(), "unit": text(), "sale_price": decimal(), "cost": decimal(), "reorder_level": decimal(), "is_service": { "type": "boolean" } }), &["sku", "name", "hsn_sac", "gst_rate", "sale_price"]),
        "ReceiptInput": object(json!({ "item": id(), "qty": qty(), "supplier": text_of(1, 200), "reference": s(text_of(0, 100)), "note": s(text_of(0, 500)) }), &["item", "qty", "supplier"]),
        "AdjustInput": object(json!({ "item": id(), "delta": delta(), "reason": text_of(1, 500) }), &["item", "delta", "reason"]),
        "IssueInput": object(json!({ "item": id(), "qty": qty(), "technician": id(), "to_device": id() }), &["item", "qty", "technician", "to_device"]),
        "ReturnInput": object(json!({ "item": id(), "qty": qty(), "to_device": s(id()) }), &["item", "qty"]),
        "UseInput": object(json!({ "job": id(), "item": id(), "qty": qty(), "unit_price": s(decimal()) }), &["job", "item", "qty"]),
        "TransferOutInput": object(json!({ "item": id(), "qty": qty(), "to_branch": id(), "to_device": s(id()), "unit_value": s(decimal()), "eway_bill": s(text()) }), &["item", "qty", "to_branch"]),
        "ReceiveInput": object(json!({ "received": decimal() }), &["received"]),
        "DraftInput": object(json!({ "job": s(id()), "customer": s(id()), "customer_name": s(text()), "customer_gstin": s(text()), "customer_state": s(text()), "customer_address": s(text()), "lines": { "type": "array", "items": line() } }), &[]),
        "FinalizeInput": object(json!({ "date": s(date()) }), &[]),
        "ReasonInput": object(json!({ "reason": text_of(1, 500) }), &["reason"]),
        "CreditNoteInput": object(json!({ "invoice": id(), "reason": text_of(1, 500), "lines": { "type": ["array", "null"], "items": line() }, "date": s(date()), "restock": { "type": ["boolean", "null"] } }), &["invoice", "reason"]),
        "PurchaseInput": object(json!({ "supplier_name": text_of(1, 200), "supplier_gstin": s(text()), "supplier_state": s(text()), "bill_number": text_of(1, 16), "bill_date": date(), "lines": { "type": "array", "items": line() }, "grand_total": s(decimal()) }), &["supplier_name", "bill_number", "bill_date", "lines"]),
        "SupplierPaymentInput": object(json!({ "amount": decimal(), "mode": one_of(&["cash", "upi", "card", "bank"]), "reference": s(text_of(0, 100)), "date": s(date()) }), &["amount", "mode"]),
        "PaymentInput": object(json!({ "invoice": s(id()), "job": s(id()), "amount": decimal(), "mode": one_of(&["cash", "upi", "card", "bank"]), "reference": s(text()), "date": s(date()) }), &["amount", "mode"]),
        "LocalLeaseInput": object(json!({ "doc_type": one_of(&["tax_invoice", "credit_note"]), "size": { "type": "integer", "minimum": 1, "maximum": 100000 }, "fy": { "type": ["integer", "null"], "minimum": 2000, "maximum": 2998 } }), &["doc_type", "size"]),
        "PushRequest": object(json!({ "ops": { "type": "array", "maxItems": sync_core::protocol::MAX_BATCH, "items": { "type": "string", "description": "an operation's signed wire bytes, hex" } } }), &["ops"]),
        "PullRequest": object(json!({ "cursor": { "type": "integer", "minimum": 0 }, "limit": { "type": "integer", "minimum": 0, "maximum": u32::MAX }, "digest": { "type": "boolean" } }), &["cursor", "limit"]),
        "Created": { "type": "object", "properties": { "id": id() }, "required": ["id"] },
        "OpenedJob": { "type": "object", "properties": { "job": { "$ref": "#/components/schemas/Created" }, "otp": text() }, "required": ["job", "otp"] },
        "Error": http_edge::routes::error_schema(),
    })
}

#[cfg(test)]
mod tests {
    use sync_core::domain::fields::{self, Fields};

    /// A patch body names only fields an update may write: the API's schema
    /// and the one field list (`domain::fields`) cannot drift apart.
    #[test]
    fn a_patch_names_only_editable_fields() {
        let all = super::all();
        for (schema, editable) in [
            ("JobPatch", fields::JOB),
            ("CustomerPatch", fields::CUSTOMER),
        ] {
            let props = all[schema]["properties"].as_object().unwrap();
            assert!(!props.is_empty());
            for name in props.keys() {
                assert!(
                    fields::has(editable as Fields, name),
                    "{schema}.{name} is not an editable field"
                );
            }
        }
    }
}
