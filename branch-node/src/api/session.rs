//! The signed-in user of a request: its bearer token resolved to a
//! [`Session`] on the blocking pool (sessions live in SQLite), before the
//! handler runs. A handler that takes [`SignedIn`] cannot forget the check.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use serde::Serialize;

use super::{Answer, AppState};
use crate::auth::{self, Session};
use crate::error::NodeError;
use crate::node::Node;

pub struct SignedIn {
    node: AppState,
    pub session: Session,
}

/// The token of `Authorization: Bearer …`.
pub(super) fn bearer(h: &HeaderMap) -> Result<String, NodeError> {
    h.get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string())
        .ok_or(NodeError::Unauthorized)
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = http_edge::Refusal;
    async fn from_request_parts(parts: &mut Parts, node: &AppState) -> Answer<Self> {
        let token = bearer(&parts.headers)?;
        let n = node.clone();
        let session = http_edge::blocking(move || auth::session(&n, &token)).await?;
        Ok(SignedIn {
            node: node.clone(),
            session,
        })
    }
}

impl SignedIn {
    /// Run a service as this user, on the blocking pool.
    pub async fn run<T: Serialize + Send + 'static>(
        self,
        f: impl FnOnce(&Node, &Session) -> crate::Result<T> + Send + 'static,
    ) -> Answer<axum::Json<T>> {
        let SignedIn { node, session } = self;
        Ok(axum::Json(
            http_edge::blocking(move || f(&node, &session)).await?,
        ))
    }

    /// As [`SignedIn::run`], for a service that makes something: 201.
    pub async fn create<T: Serialize + Send + 'static>(
        self,
        f: impl FnOnce(&Node, &Session) -> crate::Result<T> + Send + 'static,
    ) -> Answer<(StatusCode, axum::Json<T>)> {
        Ok((StatusCode::CREATED, self.run(f).await?))
    }

    pub fn node(&self) -> &AppState {
        &self.node
    }
}
