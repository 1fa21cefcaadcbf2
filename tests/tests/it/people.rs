//! The owner manages people, branches and the catalogue at the hub, and
//! every device of the branch follows at its next sync: a deactivated
//! technician can no longer log in (and their open session ends), a reset
//! PIN is the one that works, a changed role changes what the person may do,
//! a branch's phone and an item's price reach the counter. Real processes'
//! parts: the hub's HTTP server on loopback with the owner's session
//! cookie, the counter's local API, sync over HTTP between them.

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use sqlite_replica::{SqlExt, p};
use sync_core::domain::roles::Role;

use e2e_tests::world::Hub;

async fn device_login(http: &Client, url: &str, name: &str, pin: &str) -> (StatusCode, Value) {
    let r = http
        .post(format!("{url}/api/login"))
        .json(&json!({ "user": name, "pin": pin }))
        .send()
        .await
        .expect("login request");
    let st = r.status();
    (st, r.json().await.unwrap_or(Value::Null))
}

async fn me(http: &Client, url: &str, token: &str) -> (StatusCode, Value) {
    let r = http
        .get(format!("{url}/api/me"))
        .bearer_auth(token)
        .send()
        .await
        .expect("me");
    let st = r.status();
    (st, r.json().await.unwrap_or(Value::Null))
}

async fn owner_change(
    http: &Client,
    hub: &Hub,
    cookie: &str,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    let r = http
        .request(method, format!("{}{path}", hub.url))
        .header("cookie", cookie)
        .json(&body)
        .send()
        .await
        .expect("owner request");
    let st = r.status();
    (st, r.json().await.unwrap_or(Value::Null))
}

fn hub_ops(hub: &Hub) -> i64 {
    hub.store
        .read(|c| Ok(c.row("SELECT count(*) FROM ops", p![], |r| r.get(0))?))
        .expect("count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_changes_people_and_every_device_follows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = Hub::start(dir.path(), 10_000).await;
    let counter = hub
        .enroll(dir.path(), 0, "jayanagar counter", true, &hub.url)
        .await;
    let sync = || async {
        branch_node::sync::sync_once(&counter.node, &hub.url)
            .await
            .expect("sync")
    };
    sync().await;
    let http = Client::new();
    let b = &hub.branches[0];
    let (tech_id, tech_name, tech_pin) = b.people[&Role::Technician].clone();
    let (rec_id, rec_name, rec_pin) = b.people[&Role::Receptionist].clone();

    // The technician is at work, logged in on the counter.
    let (st, login) = device_login(&http, &counter.url, &tech_name, tech_pin).await;
    assert_eq!(st, 200, "{login}");
    let tech_token = login["token"].as_str().unwrap().to_string();
    assert_eq!(me(&http, &counter.url, &tech_token).await.0, 200);

    // The owner, at the hub: refused without a session, and for bad values,
    // with the field named and nothing signed.
    let cookie = hub.owner_cookie(&http).await;
    let before = hub_ops(&hub);
    let (st, e) = owner_change(
        &http,
        &hub,
        "",
        reqwest::Method::PATCH,
        &format!("/owner/users/{tech_id}"),
        json!({ "active": false }),
    )
    .await;
    assert_eq!(st, 401, "{e}");
    let (st, e) = owner_change(
        &http,
        &hub,
        &cookie,
        reqwest::Method::PATCH,
        &format!("/owner/users/{rec_id}"),
        json!({ "pin": "12" }),
    )
    .await;
    assert_eq!(
        (st, &e["error"]["field"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("pin")),
        "{e}"
    );
    let (st, e) = owner_change(
        &http,
        &hub,
        &cookie,
        reqwest::Method::PATCH,
        &format!("/owner/users/{rec_id}"),
        json!({ "role": "owner" }),
    )
    .await;
    assert_eq!(
        (st, &e["error"]["field"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("role")),
        "{e}"
    );
    let (st, e) = owner_change(
        &http,
        &hub,
        &cookie,
        reqwest::Method::PATCH,
        &format!("/owner/users/{rec_id}"),
        json!({}),
    )
    .await;
    assert_eq!(st, 422, "an empty change: {e}");
    let (st, e) = owner_change(
        &http,
        &hub,
        &cookie,
        reqwest::Method::PATCH,
        &format!("/owner/users/{}", sync_core::ids::UserId([9; 16])),
        json!({ "active": false }),
    )
    .await;
    assert_eq!(st, 404, "{e}");
    let (st, e) = owner_change(
        &http,
        &hub,
        &cookie,
        reqwest::Method::PATCH,
        &format!("/owner/users/{}", hub.owner),
        json!({ "active": false }),
    )
    .await;
    assert_eq!(
        (st, &e["error"]["field"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("active")),
        "the only owner cannot lock everyone out: {e}"
    );
    assert_eq!(hub_ops(&hub), before, "a refused change signed nothing");

    // The people list names everyone, with their branch.
    let r = http
        .get(format!("{}/owner/users", hub.url))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let list: Value = r.json().await.unwrap();
    let tech_row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == json!(tech_id.to_string()))
        .expect("the technician is listed")
        .clone();
    assert_eq!(
        (&tech_row["active"], &tech_row["branch_name"]),
        (&json!(true), &json!(b.name))
    );

    // Deactivate the technician who left; reset the receptionist's PIN;
    // give the branch a phone; re-price an item.
    for (path, body) in [
        (
            format!("/owner/users/{tech_id}"),
            json!({ "active": false }),
        ),
        (format!("/owner/users/{rec_id}"), json!({ "pin": "8642" })),
        (
            format!("/owner/branches/{}", b.id),
            json!({ "phone": "080 4123 4567", "upi_id": "jayanagar@okhdfc" }),
        ),
        (
            format!("/owner/items/{}", hub.items["RAM8-DDR4"]),
            json!({ "sale_price": "1950.00", "reorder_level": "4" }),
        ),
    ] {
        let (st, v) = owner_change(&http, &hub, &cookie, reqwest::Method::PATCH, &path, body).await;
        assert_eq!(st, 200, "{path}: {v}");
    }

    // The owner's page shows it; without a session it sends the browser to log in.
    let no_redirects = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = no_redirects
        .get(format!("{}/people", hub.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "the page needs the owner's login");
    let page = no_redirects
        .get(format!("{}/people", hub.url))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("{tech_name} (deactivated)")) && page.contains("Reactivate"),
        "the people page shows the technician deactivated"
    );
    assert!(page.contains("080 4123 4567"), "and the branch's new phone");
    assert!(page.contains("₹1,950.00"), "and the item's new price");

    // Until the counter syncs, it still knows the old state (it may be offline).
    assert_eq!(
        device_login(&http, &counter.url, &rec_name, rec_pin)
            .await
            .0,
        200
    );
    // The technician's offline work in that window is kept: a device signs
    // it, and it is not lost for a change the device had not yet seen.
    let job = {
        let who = counter.login(b, Role::Receptionist).await;
        let n = counter.node.clone();
        e2e_tests::world::bg(move || {
            branch_node::services::open_job(&n, &who, e2e_tests::demo::intake(1, 80))
                .expect("intake")
                .job
                .summary
                .id
        })
        .await
    };
    let r = http
        .put(format!("{}/api/jobs/{job}/diagnosis", counter.url))
        .bearer_auth(&tech_token)
        .json(&json!({ "text": "Hinge cracked; screen fine" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        200,
        "the technician works before the counter learns"
    );

    sync().await;
    sync().await;

    // Deactivated: no login, and the open session has ended.
    let (st, e) = device_login(&http, &counter.url, &tech_name, tech_pin).await;
    assert_eq!(st, 422, "a deactivated technician cannot log in: {e}");
    assert_eq!(e["error"]["field"], "user", "{e}");
    assert_eq!(
        me(&http, &counter.url, &tech_token).await.0,
        401,
        "their session ended"
    );
    // The diagnosis made before the device knew reached the hub, accepted.
    let refused = counter
        .node
        .read(|c| {
            Ok(
                c.query_row("SELECT count(*) FROM needs_attention", [], |r| {
                    r.get::<_, i64>(0)
                })?,
            )
        })
        .unwrap();
    assert_eq!(refused, 0, "nothing the technician did was refused");
    let at_hub: String = hub
        .store
        .sqlite(|c| {
            Ok(c.query_row(
                "SELECT text FROM job_texts WHERE job = ?1 AND field = 'diagnosis'",
                [&job.0[..]],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(at_hub, "Hinge cracked; screen fine");

    // The reset PIN is the one that works.
    assert_eq!(
        device_login(&http, &counter.url, &rec_name, rec_pin)
            .await
            .0,
        401,
        "the old PIN"
    );
    let (st, login) = device_login(&http, &counter.url, &rec_name, "8642").await;
    assert_eq!(st, 200, "the new PIN: {login}");
    let (_, who) = me(&http, &counter.url, login["token"].as_str().unwrap()).await;
    assert_eq!(who["role"], "receptionist", "{who}");
    // A new role: what /api/me says, and so what the screens offer.
    let (st, _) = owner_change(
        &http,
        &hub,
        &cookie,
        reqwest::Method::PATCH,
        &format!("/owner/users/{rec_id}"),
        json!({ "role": "accountant" }),
    )
    .await;
    assert_eq!(st, 200);
    sync().await;
    let (_, who) = me(&http, &counter.url, login["token"].as_str().unwrap()).await;
    assert_eq!(who["role"], "accountant", "{who}");
    let may: Vec<&str> = who["may"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        may.contains(&"create_invoices") && !may.contains(&"create_jobs"),
        "{may:?}"
    );
    // The shop's identity and the price reached the counter.
    assert_eq!(who["shop"]["phone"], "080 4123 4567", "{who}");
    assert_eq!(who["shop"]["upi_id"], "jayanagar@okhdfc", "{who}");
    let items: Value = http
        .get(format!("{}/api/items", counter.url))
        .bearer_auth(login["token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ram = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["sku"] == "RAM8-DDR4")
        .expect("RAM");
    assert_eq!(
        (&ram["sale_price"], &ram["reorder_level"]),
        (&json!("1950.00"), &json!("4")),
        "{ram}"
    );

    // Reactivated, the technician logs in again.
    let (st, _) = owner_change(
        &http,
        &hub,
        &cookie,
        reqwest::Method::PATCH,
        &format!("/owner/users/{tech_id}"),
        json!({ "active": true }),
    )
    .await;
    assert_eq!(st, 200);
    sync().await;
    assert_eq!(
        device_login(&http, &counter.url, &tech_name, tech_pin)
            .await
            .0,
        200
    );
    // The same from the owner's page in a browser: deactivate, by a click.
    let browser = e2e_tests::browser::Browser::start().await;
    browser.goto(&format!("{}/login", hub.url)).await;
    browser
        .fill("#login [name=name]", e2e_tests::world::OWNER_NAME)
        .await;
    browser
        .fill("#login [name=pin]", e2e_tests::world::OWNER_PIN)
        .await;
    browser.click("#login button").await;
    browser.wait_text("body", "All branches", 20).await;
    browser.goto(&format!("{}/people", hub.url)).await;
    browser
        .click(&format!("tr[data-user='{tech_id}'] button[name=active]"))
        .await;
    browser
        .wait_text(&format!("tr[data-user='{tech_id}']"), "(deactivated)", 20)
        .await;
    browser.screenshot("hub-people").await;
    // A bad PIN from the page: the refusal shows beside the form.
    browser
        .fill(&format!("tr[data-user='{rec_id}'] [name=pin]"), "12")
        .await;
    browser
        .click(&format!("tr[data-user='{rec_id}'] form button:not([name])"))
        .await;
    browser
        .wait_text(
            &format!("tr[data-user='{rec_id}'] .err"),
            "4 to 8 digits",
            20,
        )
        .await;
    drop(browser);
    sync().await;
    assert_eq!(
        device_login(&http, &counter.url, &tech_name, tech_pin)
            .await
            .0,
        422,
        "deactivated from the page"
    );

    // The device and the hub hold the same state of the branch.
    let d = counter
        .node
        .read(|c| Ok(sqlite_replica::digest::branch_digest(c, &b.id.0)?))
        .unwrap();
    let h = hub
        .store
        .read(|c| Ok(sqlite_replica::digest::branch_digest(c, &b.id.0)?))
        .unwrap();
    assert_eq!(d, h, "device and hub agree");
}
