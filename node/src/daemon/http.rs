//! The local API: HTTP on loopback, one route, guarded by a token kept in the data directory
//! with mode 0600. The CLI sends a [`Request`] as JSON and gets the [`Response`] back.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::Handle;
use crate::Error;
use crate::api::{Request, Response};

/// The token file's name in the data directory.
pub const TOKEN_FILE: &str = "api.token";
/// The API's one route.
pub const ROUTE: &str = "/v1/request";
/// Largest request body (an import file).
const MAX_BODY: usize = 256 * 1024 * 1024;

/// An error as the local API carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    /// The message, as the node's error displays it.
    pub message: String,
    /// Whether it is the input's fault (exit code 2) rather than the system's (1).
    pub bad_input: bool,
}

impl ApiError {
    pub(super) fn stopped() -> Self {
        ApiError { message: "the node stopped".to_owned(), bad_input: false }
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError { bad_input: e.is_bad_input(), message: e.to_string() }
    }
}

/// A fresh random token for the local API.
pub(super) fn new_token() -> String {
    data_encoding::HEXLOWER.encode(&rand::random::<[u8; 32]>())
}

/// Writes the API's actual address and its token to the data directory (mode 0600), where the
/// CLI finds them: two lines, `ADDR:PORT` then the token.
pub(super) fn write_token(dir: &Path, addr: SocketAddr, token: &str) -> Result<(), Error> {
    let path = token_path(dir);
    let _ = std::fs::remove_file(&path);
    crate::identity::write_private(&path, format!("{addr}\n{token}\n").as_bytes())
}

/// Reads what the running node wrote at start: the API address and token.
///
/// # Errors
/// If the file is missing or damaged.
pub fn read_token(dir: &Path) -> Result<(String, String), Error> {
    let path = token_path(dir);
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let mut lines = text.lines();
    match (lines.next(), lines.next()) {
        (Some(addr), Some(token)) if !addr.is_empty() && !token.is_empty() => {
            Ok((addr.to_owned(), token.to_owned()))
        }
        _ => Err(Error::Corrupt {
            what: path.display().to_string(),
            why: "expected the API address and token".to_owned(),
        }),
    }
}

/// Where the token of the node in `dir` lives.
pub fn token_path(dir: &Path) -> PathBuf {
    dir.join(TOKEN_FILE)
}

#[derive(Clone)]
struct ApiState {
    token: String,
    handle: Handle,
}

/// Serves the local API on `addr` (loopback only) until the node stops.
pub(super) async fn serve(
    addr: &str,
    token: String,
    handle: Handle,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), Error> {
    let addr: SocketAddr =
        addr.parse().map_err(|e| Error::Network(format!("api address {addr}: {e}")))?;
    if !addr.ip().is_loopback() {
        return Err(liaison_protocol::FieldError::new(
            "api",
            addr,
            "the local API listens on loopback only",
        )
        .into());
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Error::Network(format!("api {addr}: {e}")))?;
    let bound = listener.local_addr().map_err(|e| Error::Network(e.to_string()))?;
    let app = Router::new()
        .route(ROUTE, post(request))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(ApiState { token, handle });
    let server = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "local API stopped");
        }
    });
    Ok((bound, server))
}

async fn request(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Json(request): Json<Request>,
) -> (StatusCode, Json<Result<Response, ApiError>>) {
    let authorised = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| constant_time_eq(t.as_bytes(), state.token.as_bytes()));
    if !authorised {
        tracing::warn!("local API request without the right token");
        let e =
            ApiError { message: "local API: wrong or missing token".to_owned(), bad_input: true };
        return (StatusCode::UNAUTHORIZED, Json(Err(e)));
    }
    let answer = state.handle.request(request).await;
    let status = match &answer {
        Ok(_) => StatusCode::OK,
        Err(e) if e.bad_input => StatusCode::BAD_REQUEST,
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    (status, Json(answer))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
