//! The local API: HTTP on loopback, one route, guarded by a token kept in the data directory
//! with mode 0600. The CLI sends a [`Request`] as JSON and gets the [`Response`] back.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse as _, Response as HttpResponse};
use axum::routing::post;
use axum::{Json, Router};
use futures::StreamExt as _;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::Handle;
use crate::Error;
use crate::api::{Request, Response};

/// The token file's name in the data directory.
pub const TOKEN_FILE: &str = "api.token";
/// The API's one route.
pub const ROUTE: &str = "/v1/request";
/// Largest request body of an import (the file's text).
const MAX_IMPORT_BODY: usize = 256 * 1024 * 1024;
/// Largest body of any other request (a draft is at most a few MiB of text).
const MAX_BODY: usize = 8 * 1024 * 1024;
/// Most requests handled at once; more are answered 503 before their body is read.
const MAX_REQUESTS: usize = 8;
/// Most connections open at once; more wait to be accepted.
const MAX_CONNECTIONS: usize = 32;
/// How long a connection may wait for the client's next bytes before it is closed.
const IDLE_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a request body may take to arrive.
const BODY_TIMEOUT: Duration = Duration::from_secs(60);

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
    /// [`MAX_REQUESTS`] permits, one per request being read or handled.
    requests: Arc<Semaphore>,
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
    let listener =
        TcpListener::bind(addr).await.map_err(|e| Error::Network(format!("api {addr}: {e}")))?;
    let bound = listener.local_addr().map_err(|e| Error::Network(e.to_string()))?;
    let listener = Limited { listener, connections: Arc::new(Semaphore::new(MAX_CONNECTIONS)) };
    let requests = Arc::new(Semaphore::new(MAX_REQUESTS));
    let app = Router::new()
        .route(ROUTE, post(request))
        .layer(DefaultBodyLimit::disable())
        .with_state(ApiState { token, handle, requests });
    let server = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "local API stopped");
        }
    });
    Ok((bound, server))
}

/// Answers one request: the token is checked before a byte of the body is read, and a
/// request without it learns nothing about the API.
async fn request(State(state): State<ApiState>, headers: HeaderMap, body: Body) -> HttpResponse {
    let authorised = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| constant_time_eq(t.as_bytes(), state.token.as_bytes()));
    if !authorised {
        tracing::warn!("local API request without the right token");
        return (StatusCode::UNAUTHORIZED, "unauthorised\n").into_response();
    }
    let Ok(_permit) = Arc::clone(&state.requests).try_acquire_owned() else {
        return answer(
            StatusCode::SERVICE_UNAVAILABLE,
            bad("local API: too many requests at once"),
        );
    };
    let bytes = match tokio::time::timeout(BODY_TIMEOUT, read_body(body)).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err((status, message))) => return answer(status, bad(&message)),
        Err(_) => return answer(StatusCode::REQUEST_TIMEOUT, bad("local API: body too slow")),
    };
    let request: Request = match serde_json::from_slice(&bytes) {
        Ok(request) => request,
        Err(e) => return answer(StatusCode::BAD_REQUEST, bad(&format!("local API: {e}"))),
    };
    drop(bytes);
    let answer_ = state.handle.request(request).await;
    let status = match &answer_ {
        Ok(_) => StatusCode::OK,
        Err(e) if e.bad_input => StatusCode::BAD_REQUEST,
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    answer(status, answer_)
}

fn bad(message: &str) -> Result<Response, ApiError> {
    Err(ApiError { message: message.to_owned(), bad_input: true })
}

fn answer(status: StatusCode, answer: Result<Response, ApiError>) -> HttpResponse {
    (status, Json(answer)).into_response()
}

/// Reads a body of at most its kind's limit: [`MAX_IMPORT_BODY`] for an import (the JSON of
/// `Request::Import` starts `{"Import"`), [`MAX_BODY`] for anything else.
async fn read_body(body: Body) -> Result<Vec<u8>, (StatusCode, String)> {
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    while let Some(frame) = stream.next().await {
        let frame = frame.map_err(|e| (StatusCode::BAD_REQUEST, format!("local API: {e}")))?;
        bytes.extend_from_slice(&frame);
        let limit = if bytes.starts_with(br#"{"Import""#) { MAX_IMPORT_BODY } else { MAX_BODY };
        if bytes.len() > limit {
            let message = format!("local API: a request of this kind is at most {limit} bytes");
            return Err((StatusCode::PAYLOAD_TOO_LARGE, message));
        }
    }
    Ok(bytes)
}

/// The API's listener: at most [`MAX_CONNECTIONS`] connections at once, each closed when its
/// client sends nothing for [`IDLE_TIMEOUT`].
struct Limited {
    listener: TcpListener,
    connections: Arc<Semaphore>,
}

impl axum::serve::Listener for Limited {
    type Io = Connection;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Connection, SocketAddr) {
        loop {
            let Ok(permit) = Arc::clone(&self.connections).acquire_owned().await else {
                unreachable!("the connection semaphore is never closed");
            };
            match self.listener.accept().await {
                Ok((stream, addr)) => {
                    let idle = Box::pin(tokio::time::sleep(IDLE_TIMEOUT));
                    return (Connection { stream, idle, _permit: permit }, addr);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "local API: accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }
}

/// One API connection, holding its place among [`MAX_CONNECTIONS`].
struct Connection {
    stream: TcpStream,
    /// Fires when the client has sent nothing for [`IDLE_TIMEOUT`]; reset by each read.
    idle: Pin<Box<tokio::time::Sleep>>,
    _permit: OwnedSemaphorePermit,
}

impl AsyncRead for Connection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Ready(result) => {
                this.idle.as_mut().reset(tokio::time::Instant::now() + IDLE_TIMEOUT);
                Poll::Ready(result)
            }
            Poll::Pending if this.idle.as_mut().poll(cx).is_ready() => {
                Poll::Ready(Err(std::io::ErrorKind::TimedOut.into()))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
