//! The CLI's side of the local API: a blocking HTTP client for a running node.

use std::path::Path;
use std::time::Duration;

use liaison_node::Error;
use liaison_node::api::{Request, Response};
use liaison_node::daemon::{self, ApiError, read_token};

/// A running node's local API.
#[derive(Debug)]
pub struct Client {
    url: String,
    token: String,
    agent: ureq::Agent,
}

impl Client {
    /// The API of the node running on the data directory `dir`, as it wrote it at start.
    ///
    /// # Errors
    /// If the address and token cannot be read.
    pub fn for_dir(dir: &Path) -> Result<Self, Error> {
        let (addr, token) = read_token(dir)?;
        Ok(Self::new(&addr, token))
    }

    /// A client for the API at `addr` with `token`.
    pub fn new(addr: &str, token: String) -> Self {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(300)))
            .http_status_as_error(false)
            .build();
        Self { url: format!("http://{addr}{}", daemon::ROUTE), token, agent: config.into() }
    }

    /// Sends `request` and returns the node's answer.
    ///
    /// # Errors
    /// What the node refused, or that it could not be reached.
    pub fn call(&self, request: &Request) -> Result<Response, ApiError> {
        let unreachable = |e: ureq::Error| ApiError {
            message: format!("local API at {}: {e}", self.url),
            bad_input: false,
        };
        let mut answer = self
            .agent
            .post(&self.url)
            .header("authorization", &format!("Bearer {}", self.token))
            .send_json(request)
            .map_err(unreachable)?;
        let body: Result<Response, ApiError> = answer
            .body_mut()
            .with_config()
            .limit(512 * 1024 * 1024)
            .read_json()
            .map_err(unreachable)?;
        body
    }
}
