//! A Liaison node: its data directory and key, the sled store, the local write path that signs
//! and verifies every change, and the exports (iCalendar, JSON, CSV).
//!
//! [`Repo`] is the one way to read and write items; the CLI uses it directly when no node runs,
//! and the daemon owns one in its event loop.
//!
//! ```no_run
//! use liaison_node::{Repo, Draft};
//! # fn main() -> Result<(), liaison_node::Error> {
//! let repo = Repo::open(std::path::Path::new("/var/lib/liaison"))?;
//! for entry in repo.list(&Default::default())? {
//!     println!("{} {}", entry.header.id, entry.record.state.fields.title.value);
//! }
//! # Ok(()) }
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod api;
pub mod authority;
pub mod backup;
pub mod coord;
mod cores;
mod covered;
pub mod daemon;
pub mod digest;
pub mod doctor;
mod error;
pub mod export;
pub(crate) mod follow;
pub mod identity;
pub mod joint;
pub mod matrix;
pub mod public;
pub mod recommend;
pub mod repo;
pub mod sample;
pub mod search;
pub mod store;
mod sync;
pub mod uhri;

pub use error::Error;
pub use identity::{Config, Identity, InitOptions};
pub use repo::{Draft, History, ItemView, Received, Repo, verify_payloads};
pub use store::{Entry, Query, Record, Store};
