//! The local HTTP API over a real axum server on loopback: workflows, the
//! role matrix over HTTP, OpenAPI, and bad input of every kind — each answered
//! with a 4xx JSON body naming the field and rule, changing nothing.

mod common;

use std::sync::Arc;

use common::*;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

struct Api {
    base: String,
    http: Client,
    shop: Shop,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn start() -> Api {
    let shop = tokio::task::spawn_blocking(shop).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel();
    let node = Arc::clone(&shop.node);
    tokio::spawn(async move {
        branch_node::api::serve(listener, node, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    Api {
        base,
        http: Client::new(),
        shop,
        _stop: tx,
    }
}

impl Api {
    async fn login(&self, user: &str) -> String {
        let r = self
            .http
            .post(format!("{}/api/login", self.base))
            .json(&json!({ "user": user, "pin": PIN }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "login {user}");
        r.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    async fn call(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{}", self.base, path))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text)
                .unwrap_or_else(|_| panic!("{path}: body is not JSON: {text}")),
        )
    }

    async fn raw(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        let r = self
            .http
            .request(method, format!("{}{}", self.base, path))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text)
                .unwrap_or_else(|_| panic!("{path}: body is not JSON: {text}")),
        )
    }

    fn ops(&self) -> u64 {
        self.shop.op_count()
    }
}

fn intake_json(mobile: &str) -> Value {
    json!({
        "new_customer": { "name": "Asha Rao", "mobile": mobile },
        "device_type": "Laptop", "brand": "Lenovo", "model": "ThinkPad E14", "serial": "PF3ABC",
        "complaint": "Keyboard not working", "accessories": ["Charger"], "condition": "Good",
        "password": { "kind": "pin", "value": "1111" }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn intake_to_delivery_over_http() {
    let api = start().await;
    let rec = api.login("Ravi Reception").await;
    let tech = api.login("Tara Technician").await;
    let mgr = api.login("Meera Manager").await;
    let (st, opened) = api
        .call(
            &rec,
            Method::POST,
            "/api/jobs",
            Some(intake_json("9845012345")),
        )
        .await;
    assert_eq!(st, 201, "{opened}");
    let id = opened["job"]["id"].as_str().unwrap().to_string();
    let otp = opened["otp"].as_str().unwrap().to_string();
    let (st, found) = api
        .call(&rec, Method::GET, "/api/customers?q=98450", None)
        .await;
    assert_eq!((st, found.as_array().unwrap().len()), (StatusCode::OK, 1));
    let tech_id = api.call(&tech, Method::GET, "/api/me", None).await.1["user"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        api.call(
            &mgr,
            Method::POST,
            &format!("/api/jobs/{id}/assign"),
            Some(json!({ "technician": tech_id }))
        )
        .await
        .0,
        200
    );
    let (st, j) = api
        .call(
            &tech,
            Method::PUT,
            &format!("/api/jobs/{id}/diagnosis"),
            Some(json!({ "text": "Keyboard ribbon torn" })),
        )
        .await;
    assert_eq!(
        (st, j["diagnosis"].as_str().unwrap()),
        (StatusCode::OK, "Keyboard ribbon torn")
    );
    let (st, j) = api
        .call(&tech, Method::POST, &format!("/api/jobs/{id}/estimate"), Some(json!({ "description": "Keyboard replacement", "hsn_sac": "84733099", "qty": "1", "unit_price": "1450.00", "gst_rate": "18", "kind": "part" })))
        .await;
    assert_eq!(st, 201, "{j}");
    assert_eq!(j["estimate"][0]["unit_price"], "1450.00");
    for to in [
        "diagnosed",
        "estimate_shared",
        "approved",
        "in_repair",
        "ready",
    ] {
        let (st, j) = api
            .call(
                &mgr,
                Method::POST,
                &format!("/api/jobs/{id}/status"),
                Some(json!({ "to": to })),
            )
            .await;
        assert_eq!(st, 200, "{to}: {j}");
    }
    let (st, p) = api
        .call(
            &tech,
            Method::POST,
            &format!("/api/jobs/{id}/password/reveal"),
            Some(json!({ "purpose": "test keyboard" })),
        )
        .await;
    assert_eq!(
        (st, p["password"].as_str().unwrap()),
        (StatusCode::OK, "1111")
    );
    let (st, e) = api
        .call(
            &rec,
            Method::POST,
            &format!("/api/jobs/{id}/password/reveal"),
            Some(json!({})),
        )
        .await;
    assert_eq!(
        (st, e["error"]["code"].as_str().unwrap()),
        (StatusCode::FORBIDDEN, "forbidden")
    );
    let (st, j) = api
        .call(
            &rec,
            Method::POST,
            &format!("/api/jobs/{id}/status"),
            Some(json!({ "to": "delivered", "otp": otp })),
        )
        .await;
    assert_eq!(
        (st, j["status"].as_str().unwrap()),
        (StatusCode::OK, "delivered")
    );
    let (st, e) = api
        .call(
            &mgr,
            Method::PATCH,
            &format!("/api/jobs/{id}"),
            Some(json!({ "model": "x" })),
        )
        .await;
    assert_eq!(st, 422, "{e}");
    let (st, list) = api
        .call(&mgr, Method::GET, "/api/jobs?status=delivered", None)
        .await;
    assert_eq!((st, list.as_array().unwrap().len()), (StatusCode::OK, 1));
    // logout ends the session
    assert_eq!(
        api.http
            .post(format!("{}/api/logout", api.base))
            .bearer_auth(&rec)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(api.call(&rec, Method::GET, "/api/me", None).await.0, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pin_lockout_after_repeated_failures() {
    let api = start().await;
    for left in (1..5).rev() {
        let r = api
            .http
            .post(format!("{}/api/login", api.base))
            .json(&json!({ "user": "Ravi Reception", "pin": "0000" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        let b: Value = r.json().await.unwrap();
        assert!(
            b["error"]["message"]
                .as_str()
                .unwrap()
                .contains(&format!("{left} attempts left")),
            "{b}"
        );
    }
    let r = api
        .http
        .post(format!("{}/api/login", api.base))
        .json(&json!({ "user": "Ravi Reception", "pin": "0000" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 423);
    // even the right PIN is refused while locked
    let r = api
        .http
        .post(format!("{}/api/login", api.base))
        .json(&json!({ "user": "Ravi Reception", "pin": PIN }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 423);
    // other users are unaffected
    api.login("Meera Manager").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_matrix_over_http() {
    use sync_core::domain::roles::{Action, Role, allowed};
    let api = start().await;
    let rec = api.login("Ravi Reception").await;
    let (_, opened) = api
        .call(
            &rec,
            Method::POST,
            "/api/jobs",
            Some(intake_json("9845012345")),
        )
        .await;
    let id = opened["job"]["id"].as_str().unwrap().to_string();
    let tech_id = api.shop.technician.user.to_string();
    let names = [
        (Role::Owner, "Olivia Owner"),
        (Role::Manager, "Meera Manager"),
        (Role::Receptionist, "Ravi Reception"),
        (Role::Technician, "Tara Technician"),
        (Role::Accountant, "Arun Accounts"),
    ];
    for (role, name) in names {
        let t = api.login(name).await;
        let cases: Vec<(Action, Method, String, Option<Value>)> = vec![
            (
                Action::CreateJobs,
                Method::POST,
                "/api/jobs".into(),
                Some(intake_json("9845012345")),
            ),
            (
                Action::AssignTechnicians,
                Method::POST,
                format!("/api/jobs/{id}/assign"),
                Some(json!({ "technician": tech_id })),
            ),
            (
                Action::AddDiagnosis,
                Method::PUT,
                format!("/api/jobs/{id}/diagnosis"),
                Some(json!({ "text": format!("by {name}") })),
            ),
            (
                Action::AccessDevicePasswords,
                Method::POST,
                format!("/api/jobs/{id}/password/reveal"),
                Some(json!({})),
            ),
            (
                Action::ViewAuditLogs,
                Method::GET,
                "/api/audit".into(),
                None,
            ),
            (
                Action::ManageUsers,
                Method::POST,
                "/api/users".into(),
                Some(
                    json!({ "name": format!("Temp {name}"), "role": "receptionist", "pin": "9753" }),
                ),
            ),
        ];
        for (action, m, path, body) in cases {
            let (st, b) = api.call(&t, m, &path, body).await;
            let refused = st == StatusCode::FORBIDDEN;
            assert_eq!(
                !refused,
                allowed(role, action),
                "{} × {}: {st} {b}",
                role.as_str(),
                action.as_str()
            );
            if refused {
                assert_eq!(b["error"]["code"], "forbidden");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_describes_every_route() {
    let api = start().await;
    let doc: Value = api
        .http
        .get(format!("{}/openapi.json", api.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    for (method, path, ..) in branch_node::api::ROUTES {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing from openapi.json"
        );
        // the route really exists: an unauthenticated call is not a 404/405
        let url = format!(
            "{}{}",
            api.base,
            path.replace("{id}", "00000000-0000-0000-0000-000000000000")
                .replace("{line}", "00000000-0000-0000-0000-000000000000")
        );
        let r = api
            .http
            .request(method.to_uppercase().parse().unwrap(), url)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert!(
            r.status() != 405
                && !(r.status() == 404 && path.contains("api") && !path.contains('{')),
            "{method} {path} -> {}",
            r.status()
        );
    }
}

/// Every write endpoint, with bad bodies of every kind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_with_json_and_changes_nothing() {
    let api = start().await;
    let owner = api.login("Olivia Owner").await;
    let (_, opened) = api
        .call(
            &owner,
            Method::POST,
            "/api/jobs",
            Some(intake_json("9845012345")),
        )
        .await;
    let id = opened["job"]["id"].as_str().unwrap().to_string();
    let cust = opened["job"]["customer"].as_str().unwrap().to_string();
    let endpoints: Vec<(Method, String)> = vec![
        (Method::POST, "/api/customers".into()),
        (Method::PATCH, format!("/api/customers/{cust}")),
        (Method::POST, "/api/jobs".into()),
        (Method::PATCH, format!("/api/jobs/{id}")),
        (Method::POST, format!("/api/jobs/{id}/status")),
        (Method::POST, format!("/api/jobs/{id}/assign")),
        (Method::PUT, format!("/api/jobs/{id}/diagnosis")),
        (Method::PUT, format!("/api/jobs/{id}/notes")),
        (Method::POST, format!("/api/jobs/{id}/estimate")),
        (Method::POST, format!("/api/jobs/{id}/password/reveal")),
        (Method::POST, "/api/conflicts/resolve".into()),
        (Method::POST, "/api/users".into()),
        (Method::POST, "/api/login".into()),
        (Method::POST, "/api/items".into()),
        (Method::POST, "/api/stock/receipts".into()),
        (Method::POST, "/api/stock/adjustments".into()),
        (Method::POST, "/api/stock/issues".into()),
        (Method::POST, "/api/stock/returns".into()),
        (Method::POST, "/api/stock/uses".into()),
        (Method::POST, "/api/transfers".into()),
        (
            Method::POST,
            "/api/transfers/00000000-0000-0000-0000-000000000000/receive".into(),
        ),
        (Method::POST, "/api/drafts".into()),
        (
            Method::POST,
            "/api/drafts/00000000-0000-0000-0000-000000000000/finalize".into(),
        ),
        (
            Method::POST,
            "/api/documents/00000000-0000-0000-0000-000000000000/cancel".into(),
        ),
        (Method::POST, "/api/credit-notes".into()),
        (Method::POST, "/api/payments".into()),
        (Method::POST, "/api/leases/local".into()),
    ];
    let big = vec![b'a'; 10 * 1024 * 1024];
    let mut big_json = b"{\"name\":\"".to_vec();
    big_json.extend_from_slice(&big);
    big_json.extend_from_slice(b"\"}");
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("not json", b"hello".to_vec()),
        ("array", b"[]".to_vec()),
        ("invalid utf-8", vec![b'{', b'"', 0xff, 0xfe, b'"', b':', b'1', b'}']),
        ("wrong types", br#"{"name": 5, "mobile": true, "to": 7, "text": [], "technician": 3, "description": {}, "qty": 1.5, "user": 1, "pin": 2, "record": 1, "field": 2, "value": 3, "role": 9}"#.to_vec()),
        ("unknown field", br#"{"surprise": "x"}"#.to_vec()),
        ("10 MB", big_json),
    ];
    let before = api.ops();
    for (m, path) in &endpoints {
        for (what, body) in &bodies {
            let (st, b) = api.raw(&owner, m.clone(), path, body.clone()).await;
            assert!(st.is_client_error(), "{m} {path} with {what}: {st} {b}");
            assert!(
                b["error"]["message"].is_string(),
                "{m} {path} with {what}: {b}"
            );
            if *what == "10 MB" {
                assert_eq!(st, 413, "{m} {path}");
            }
            if *what == "wrong types" || *what == "unknown field" {
                assert!(
                    b["error"]["field"].is_string(),
                    "{m} {path} with {what} must name the field: {b}"
                );
            }
        }
    }
    // Well-formed but breaking a rule: the field and the rule are named.
    let rules: Vec<(Method, String, Value, &str)> = vec![
        (
            Method::POST,
            "/api/customers".into(),
            json!({ "name": "", "mobile": "9845012345" }),
            "name",
        ),
        (
            Method::POST,
            "/api/customers".into(),
            json!({ "name": "A", "mobile": "12345" }),
            "mobile",
        ),
        (
            Method::POST,
            "/api/customers".into(),
            json!({ "name": "A".repeat(101), "mobile": "9845012345" }),
            "name",
        ),
        (
            Method::POST,
            "/api/customers".into(),
            json!({ "name": "A", "mobile": "9845012345", "gstin": "29ABCDE1234F1Z0" }),
            "gstin",
        ),
        (
            Method::POST,
            "/api/jobs".into(),
            json!({ "device_type": "Laptop", "complaint": "" , "new_customer": { "name": "B", "mobile": "9845012345" } }),
            "complaint",
        ),
        (
            Method::POST,
            "/api/jobs".into(),
            json!({ "device_type": "Laptop", "complaint": "x" }),
            "customer",
        ),
        (
            Method::POST,
            format!("/api/jobs/{id}/estimate"),
            json!({ "description": "x", "hsn_sac": "12", "qty": "1", "unit_price": "10", "gst_rate": "18" }),
            "hsn_sac",
        ),
        (
            Method::POST,
            format!("/api/jobs/{id}/estimate"),
            json!({ "description": "x", "hsn_sac": "998713", "qty": "1", "unit_price": "10.555", "gst_rate": "18" }),
            "unit_price",
        ),
        (
            Method::POST,
            format!("/api/jobs/{id}/estimate"),
            json!({ "description": "x", "hsn_sac": "998713", "qty": "1", "unit_price": "10", "discount": "11", "gst_rate": "18" }),
            "discount",
        ),
        (
            Method::POST,
            format!("/api/jobs/{id}/status"),
            json!({ "to": "delivered" }),
            "override_reason",
        ),
        (
            Method::PUT,
            format!("/api/jobs/{id}/diagnosis"),
            json!({ "text": "x\u{0}y" }),
            "text",
        ),
        (
            Method::POST,
            "/api/users".into(),
            json!({ "name": "P", "role": "manager", "pin": "12" }),
            "pin",
        ),
    ];
    for (m, path, body, field) in rules {
        let (st, b) = api.call(&owner, m.clone(), &path, Some(body.clone())).await;
        assert!(st.is_client_error(), "{m} {path} {body}: {st} {b}");
        assert_eq!(
            b["error"]["field"].as_str(),
            Some(field),
            "{m} {path} {body}: {b}"
        );
        assert!(b["error"]["rule"].is_string());
    }
    assert_eq!(api.ops(), before, "refused input changed nothing");
    // SQL and HTML in text fields are stored as text, not executed or interpreted.
    let evil = "Robert'); DROP TABLE jobs;-- <script>alert(1)</script>";
    let (st, c) = api.call(&owner, Method::POST, "/api/customers", Some(json!({ "name": evil, "mobile": "9845012345", "address": "<img src=x onerror=alert(1)>" }))).await;
    assert_eq!(st, 201, "{c}");
    assert_eq!(c["name"], evil);
    let (st, found) = api
        .call(&owner, Method::GET, "/api/customers?q=DROP%20TABLE", None)
        .await;
    assert_eq!((st, found.as_array().unwrap().len()), (StatusCode::OK, 1));
    assert_eq!(
        api.call(&owner, Method::GET, "/api/jobs", None).await.0,
        200,
        "jobs table still there"
    );
    // bad ids and unknown records are 404 JSON
    let (st, b) = api
        .call(&owner, Method::GET, "/api/jobs/not-an-id", None)
        .await;
    assert_eq!(st, 404, "{b}");
    let (st, _) = api
        .call(
            &owner,
            Method::GET,
            "/api/jobs/00000000-0000-0000-0000-000000000000",
            None,
        )
        .await;
    assert_eq!(st, 404);
    let (st, b) = api
        .call(&owner, Method::GET, "/api/jobs?status=bogus", None)
        .await;
    assert_eq!(
        (st, b["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("status"))
    );
    let (st, _) = api.call("nonsense", Method::GET, "/api/jobs", None).await;
    assert_eq!(st, 401);
}
