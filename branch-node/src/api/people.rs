//! People: logging in and out, who is signed in, the branch's users.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use http_edge::Json;
use http_edge::routes::{Described, Op};

use super::{Answer, AppState, SESSION, SignedIn};
use crate::auth::{self, LoginInput};
use crate::services as svc;

async fn login(
    State(node): State<AppState>,
    Json(i): Json<LoginInput>,
) -> Answer<impl axum::response::IntoResponse> {
    let out = http_edge::blocking(move || auth::login(&node, &i)).await?;
    Ok(axum::Json(out))
}

async fn logout(State(node): State<AppState>, h: HeaderMap) -> Answer<StatusCode> {
    let token = super::session::bearer(&h)?;
    http_edge::blocking(move || auth::logout(&node, &token)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn me(who: SignedIn) -> Answer<impl axum::response::IntoResponse> {
    who.run(svc::session_view).await
}

async fn roles(_who: SignedIn) -> Answer<impl axum::response::IntoResponse> {
    Ok(axum::Json(svc::role_matrix()))
}

async fn staff(State(node): State<AppState>) -> Answer<impl axum::response::IntoResponse> {
    let names = http_edge::blocking(move || svc::login_screen(&node)).await?;
    Ok(axum::Json(names))
}

async fn users(who: SignedIn) -> Answer<impl axum::response::IntoResponse> {
    who.run(svc::list_users).await
}

async fn create_user(
    who: SignedIn,
    Json(i): Json<svc::UserInput>,
) -> Answer<impl axum::response::IntoResponse> {
    who.create(move |n, s| svc::create_user(n, s, i)).await
}

pub(super) fn routes(d: Described<AppState>) -> Described<AppState> {
    d.route(
        "/api/login",
        [Op::post(login, "Log in with a PIN; returns a session token").body("LoginInput")],
    )
    .route(
        "/api/logout",
        [Op::post(logout, "End the session")
            .access(SESSION)
            .success(204, "Logged out")],
    )
    .route(
        "/api/login/staff",
        [Op::get(
            staff,
            "The login screen: the shop's name, and the names and roles of who may log in here",
        )],
    )
    .route(
        "/api/me",
        [Op::get(
            me,
            "The session's user and role, the actions it may take, and the shop",
        )
        .access(SESSION)],
    )
    .route(
        "/api/roles",
        [Op::get(
            roles,
            "The role matrix: each action and the roles that may take it",
        )
        .access(SESSION)],
    )
    .route(
        "/api/users",
        [
            Op::get(users, "Users of this branch").access(SESSION),
            Op::post(create_user, "Create a user (owner; standalone devices)")
                .body("UserInput")
                .access(SESSION)
                .success(201, "Created"),
        ],
    )
}
