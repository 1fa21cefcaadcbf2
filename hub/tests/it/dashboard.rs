//! The owner's dashboard and reports need the owner's login: name and PIN,
//! then a session cookie; wrong PINs lock the name, even when they come all
//! at once. Real HTTP against a hub on loopback.

use crate::common::*;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, RETRY_AFTER, SET_COOKIE};
use serde_json::{Value, json};

/// A client that shows redirects instead of following them.
fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn login(http: &reqwest::Client, url: &str, name: &str, pin: &str) -> reqwest::Response {
    http.post(format!("{url}/login"))
        .json(&json!({ "name": name, "pin": pin }))
        .send()
        .await
        .unwrap()
}

/// `hub_session=…` from a successful login's Set-Cookie, for a Cookie header.
fn cookie_of(r: &reqwest::Response) -> String {
    let set = r.headers()[SET_COOKIE].to_str().unwrap();
    set.split(';').next().unwrap().to_string()
}

async fn error_code(r: reqwest::Response) -> String {
    let e: Value = r.json().await.unwrap();
    e["error"]["code"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn the_dashboard_and_reports_need_the_owners_login() {
    let h = start().await;
    let http = no_redirects();
    let get = |path: &str, cookie: Option<&str>| {
        let mut r = http.get(format!("{}{path}", h.url));
        if let Some(c) = cookie {
            r = r.header(COOKIE, c);
        }
        r.send()
    };

    // Without a session: pages go to the login, data is refused. An old
    // `?key=` does nothing.
    for path in [
        "/",
        "/?key=k",
        "/reports/revenue.html",
        "/reports/revenue.html?key=k",
    ] {
        let r = get(path, None).await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(r.headers()[LOCATION], "/login", "{path}");
    }
    for path in [
        "/reports/revenue",
        "/reports/revenue.json",
        "/reports/revenue.csv",
        "/reports/revenue.xlsx",
        "/reports/revenue.csv?key=k",
        "/reports/customer_history.json?mobile=9845012345",
    ] {
        let r = get(path, None).await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(error_code(r).await, "unauthorized", "{path}");
    }
    let bogus = format!("hub_session={}", "ab".repeat(32));
    let r = get("/reports/revenue.csv", Some(&bogus)).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // The login form, then the owner's name and PIN.
    let page = get("/login", None).await.unwrap().text().await.unwrap();
    assert!(
        page.contains("<form") && page.contains("name=\"pin\""),
        "{page}"
    );
    let r = login(&http, &h.url, OWNER, OWNER_PIN).await;
    assert_eq!(r.status(), StatusCode::OK);
    let set = r.headers()[SET_COOKIE].to_str().unwrap().to_string();
    assert!(set.starts_with("hub_session="), "{set}");
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set.split("; ").any(|a| a == attr), "{attr} in {set}");
    }
    assert!(!set.contains("Secure"), "plain HTTP: {set}");
    let token = set.split(';').next().unwrap()["hub_session=".len()..].to_string();
    assert_eq!(token.len(), 64);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    let cookie = cookie_of(&r);

    let dash = get("/", Some(&cookie)).await.unwrap();
    assert_eq!(dash.status(), StatusCode::OK);
    let dash = dash.text().await.unwrap();
    assert!(dash.contains("All branches"));
    assert!(dash.contains("href=\"/reports/revenue.csv\""), "{dash}");
    assert!(!dash.contains("key="), "no secret in a link: {dash}");
    assert!(!dash.contains(&token));
    let r = get("/reports/revenue.csv", Some(&cookie)).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().starts_with("branch,date,revenue"));
    let r = get("/reports/revenue.json", Some(&cookie)).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = get("/reports/revenue.xlsx", Some(&cookie)).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = get(
        "/reports/customer_history.html?mobile=9845012345",
        Some(&cookie),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("/reports/customer_history.csv?mobile=9845012345")
    );

    // A browser's form post: a redirect to the dashboard with the cookie.
    let r = http
        .post(format!("{}/login", h.url))
        .form(&[("name", OWNER), ("pin", OWNER_PIN)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/");
    let second = cookie_of(&r);
    assert_ne!(second, cookie, "a new token per login");

    // Logging out ends that session only, and clears the cookie.
    let r = http
        .post(format!("{}/logout", h.url))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/login");
    let cleared = r.headers()[SET_COOKIE].to_str().unwrap();
    assert!(cleared.starts_with("hub_session=;") && cleared.contains("Max-Age=0"));
    let r = get("/reports/revenue.csv", Some(&cookie)).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = get("/", Some(&cookie)).await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = get("/", Some(&second)).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // The document says how.
    let doc: Value = get("/openapi.json", None)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/login"]["post"].is_object());
    assert!(!doc.to_string().contains("?key="));
}

/// `/openapi.json` is made from the routes: every served (method, path) is
/// described, and every other method of a described path is 405.
#[tokio::test]
async fn every_served_route_is_described_and_nothing_else_answers() {
    let h = start().await;
    let http = no_redirects();
    let doc: Value = http
        .get(format!("{}/openapi.json", h.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let served = hub::server::served();
    let described: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|ops| ops.as_object().unwrap().len())
        .sum();
    assert_eq!(described, served.len(), "{doc}");
    for (method, path) in &served {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} is served but not described"
        );
        let url = format!("{}{}", h.url, path.replace("{name}", "revenue"));
        for m in ["get", "post", "put", "patch", "delete"] {
            let r = http
                .request(m.to_uppercase().parse().unwrap(), &url)
                .send()
                .await
                .unwrap();
            if doc["paths"][path][m].is_object() {
                assert_ne!(r.status(), StatusCode::METHOD_NOT_ALLOWED, "{m} {path}");
                assert_ne!(r.status(), StatusCode::NOT_FOUND, "{m} {path}");
            } else {
                assert_eq!(
                    r.status(),
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{m} {path} answers but is not described"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_wrong_pin_an_unknown_name_or_another_role_is_refused() {
    let h = start().await;
    let http = no_redirects();
    let r = login(&http, &h.url, OWNER, "1357").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers().get(SET_COOKIE).is_none());
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "wrong_pin", "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains('4'), "{e}");
    let r = login(&http, &h.url, "Nobody", OWNER_PIN).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(r).await, "wrong_pin");
    // A receptionist's own PIN opens no dashboard.
    let r = login(&http, &h.url, "Ravi", "1111").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // Malformed input names its field.
    let r = http
        .post(format!("{}/login", h.url))
        .json(&json!({ "name": OWNER }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = login(&http, &h.url, OWNER, &"9".repeat(100)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["field"], "pin", "{e}");
    let r = http
        .post(format!("{}/login", h.url))
        .body("name=x&pin=1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // The right PIN still works: fewer than five were wrong.
    assert_eq!(
        login(&http, &h.url, OWNER, OWNER_PIN).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn five_wrong_pins_lock_the_name_even_for_the_right_pin() {
    let h = start().await;
    let http = no_redirects();
    for i in 1..5 {
        let r = login(&http, &h.url, OWNER, "0000").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let r = login(&http, &h.url, OWNER, "0000").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "the fifth");
    let r = login(&http, &h.url, OWNER, OWNER_PIN).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().get(SET_COOKIE).is_none());
    let secs: u64 = r.headers()[RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((890..=900).contains(&secs), "{secs}");
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "locked_out", "{e}");
    assert!(e["error"]["message"].is_string(), "{e}");
    // Another name is not locked by it.
    let r = login(&http, &h.url, "Someone Else", OWNER_PIN).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(h.state.logins.pin_checks(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_wrong_pins_never_get_past_the_lock_out() {
    let h = start().await;
    let http = no_redirects();
    let attempt = |pin: &'static str| {
        let (http, url) = (http.clone(), h.url.clone());
        tokio::spawn(async move { login(&http, &url, OWNER, pin).await.status() })
    };
    let wrong: Vec<_> = (0..49).map(|_| attempt("0000")).collect();
    // The right PIN joins while the first wrong ones are still being checked
    // (argon2 is slow): all five allowed attempts are already counted.
    while h.state.logins.pin_checks() < 5 {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    let right = attempt(OWNER_PIN);
    let mut statuses = vec![];
    for t in wrong {
        statuses.push(t.await.unwrap());
    }
    let right = right.await.unwrap();
    assert_eq!(
        right,
        StatusCode::TOO_MANY_REQUESTS,
        "the right PIN, after the lock"
    );
    let count = |s: StatusCode| statuses.iter().filter(|&&x| x == s).count();
    // Of the five checked, those answered after all five were counted say
    // "locked" rather than "wrong": at most four say "wrong".
    assert!(count(StatusCode::UNAUTHORIZED) <= 4, "{statuses:?}");
    assert_eq!(
        count(StatusCode::UNAUTHORIZED) + count(StatusCode::TOO_MANY_REQUESTS),
        49,
        "{statuses:?}"
    );
    assert_eq!(
        h.state.logins.pin_checks(),
        5,
        "only the first five were checked"
    );
    // Still locked afterwards.
    let r = login(&http, &h.url, OWNER, OWNER_PIN).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(h.state.logins.pin_checks(), 5);
}

#[tokio::test]
async fn over_https_the_session_cookie_is_secure() {
    let h = start_with(hub::server::RATE_PER_SEC, Some(tls())).await;
    assert!(h.url.starts_with("https://"));
    let r = h
        .client
        .post(format!("{}/login", h.url))
        .json(&json!({ "name": OWNER, "pin": OWNER_PIN }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let set = r.headers()[SET_COOKIE].to_str().unwrap().to_string();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/", "Secure"] {
        assert!(set.split("; ").any(|a| a == attr), "{attr} in {set}");
    }
    let r = h
        .client
        .get(format!("{}/reports/revenue.json", h.url))
        .header(COOKIE, cookie_of(&r))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}
