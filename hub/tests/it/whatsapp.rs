//! The hub's WhatsApp sender against a stand-in for the Cloud API on
//! loopback, answering in the API's documented shapes and recording every
//! request it gets.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hub::whatsapp::{CloudApi, SendError, template_message};
use serde_json::{Value, json};

#[derive(Clone, Default)]
struct Provider {
    /// (path, authorization header, body) of each request.
    got: Arc<Mutex<Vec<(String, String, Value)>>>,
}

async fn messages(
    State(p): State<Provider>,
    Path((version, phone)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    p.got
        .lock()
        .unwrap()
        .push((format!("/{version}/{phone}/messages"), auth, body.clone()));
    if body["to"] == "910000000000" {
        // The API's refusal shape.
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": {
                "message": "(#131030) Recipient phone number not in allowed list",
                "type": "OAuthException", "code": 131030, "fbtrace_id": "A1" } })),
        );
    }
    let n = p.got.lock().unwrap().len();
    (
        StatusCode::OK,
        Json(json!({
            "messaging_product": "whatsapp",
            "contacts": [{ "input": body["to"], "wa_id": body["to"] }],
            "messages": [{ "id": format!("wamid.HBgM{n}") }],
        })),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_template_message_reaches_the_cloud_api_as_documented() {
    let provider = Provider::default();
    let app = axum::Router::new()
        .route("/{version}/{phone}/messages", post(messages))
        .with_state(provider.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let api = CloudApi {
        base: format!("http://{addr}"),
        version: "v21.0".into(),
        phone_number_id: "106540352242922".into(),
        token: "EAAG-token".into(),
        app_secret: "secret".into(),
    };
    let http = reqwest::Client::new();
    let body = template_message(
        "919845012345",
        "job_ready",
        "en",
        &[
            "Asha Rao".into(),
            "BLR1-2-00017".into(),
            "4821".into(),
            "Jayanagar".into(),
        ],
        "op-1",
    );
    let id = api.send(&http, &body).await.unwrap();
    assert_eq!(id, "wamid.HBgM1");
    {
        let got = provider.got.lock().unwrap();
        let (path, auth, sent) = &got[0];
        assert_eq!(path, "/v21.0/106540352242922/messages");
        assert_eq!(auth, "Bearer EAAG-token");
        assert_eq!(sent, &body);
    }

    let refused = template_message("910000000000", "job_ready", "en", &[], "op-2");
    assert_eq!(
        api.send(&http, &refused).await,
        Err(SendError::Refused {
            code: 131030,
            message: "(#131030) Recipient phone number not in allowed list".into()
        })
    );

    // Nobody listening: the request never left, so it may be asked again
    // (an answer lost after it left is `Unanswered`: see the e2e test
    // `messages`, where the provider holds the request and the hub dies).
    let mut gone = api.clone();
    gone.base = format!("http://127.0.0.1:{}", crate::common::free_port());
    assert!(matches!(
        gone.send(&http, &body).await,
        Err(SendError::Unreachable(_))
    ));
}
