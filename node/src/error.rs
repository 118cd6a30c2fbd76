//! The node's error type: what went wrong, in words a focal point can act on.

use std::path::{Path, PathBuf};

use liaison_protocol::{FieldError, ItemId, Mechanism, VerifyError};

/// Something the node refused or could not do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A value is not allowed.
    #[error(transparent)]
    Field(#[from] FieldError),
    /// No item with this id (or none this node may show).
    #[error("unknown item id '{0}': no such item in this node's store")]
    NotFound(ItemId),
    /// The data directory already holds a node.
    #[error("{0} already holds a Liaison node; refusing to overwrite its key and config")]
    AlreadyInitialised(PathBuf),
    /// The data directory holds no node.
    #[error("{0} holds no Liaison node; run 'liaison init --mechanism CODE' first")]
    NotInitialised(PathBuf),
    /// The key file cannot be used.
    #[error("key file {path} is corrupt: {why}")]
    CorruptKey {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it.
        why: String,
    },
    /// The config file cannot be used.
    #[error("config: {0}")]
    Config(String),
    /// A stored record or file was altered or truncated.
    #[error("{what} is corrupt: {why}")]
    Corrupt {
        /// What is corrupt.
        what: String,
        /// How it was detected.
        why: String,
    },
    /// This node's mechanism may not write the item.
    #[error("item {id} is owned by {owner}; this node ({mechanism}) may not change it")]
    NotWriter {
        /// The item.
        id: ItemId,
        /// Its owner.
        owner: Mechanism,
        /// This node's mechanism.
        mechanism: Mechanism,
    },
    /// The item was withdrawn and can no longer change.
    #[error("item {0} is withdrawn; it can no longer change")]
    Withdrawn(ItemId),
    /// Signatures or writers do not check out.
    #[error("refused: {0}")]
    Verify(#[from] VerifyError),
    /// The item's label does not allow this node to hold it.
    #[error("item {id} is {label}: its label does not allow this node to hold it")]
    NotForThisNode {
        /// The item.
        id: ItemId,
        /// Its label.
        label: liaison_protocol::Label,
    },
    /// A file to import is not what `export json` writes.
    #[error("{0}")]
    Import(String),
    /// A backup cannot be read or restored.
    #[error("backup refused: {0}")]
    Backup(String),
    /// Another process holds the store.
    #[error("the store in {0} is in use by another liaison process (is 'liaison node' running?)")]
    StoreBusy(PathBuf),
    /// The store was written by another release of Liaison, in a format this build does not
    /// read.
    #[error(
        "the store in {path} is in format version {found}; this build reads version {supported}: \
         run the release of Liaison that wrote it, or a later one that migrates it"
    )]
    StoreVersion {
        /// The store's directory.
        path: PathBuf,
        /// The version it records.
        found: u32,
        /// The version this build reads.
        supported: u32,
    },
    /// A search query is refused.
    #[error(transparent)]
    Search(#[from] crate::search::QueryError),
    /// The request needs a running node (`liaison node`).
    #[error("this needs a running node: start it with 'liaison node'")]
    NotRunning,
    /// The network layer failed (listen, dial, local API).
    #[error("network: {0}")]
    Network(String),
    /// sled failed.
    #[error("store: {0}")]
    Store(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

impl Error {
    /// An IO error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io { path: path.to_owned(), source }
    }

    /// Whether the error comes from what the user, a file or the store gave (exit code 2),
    /// rather than from the system (exit code 1).
    pub fn is_bad_input(&self) -> bool {
        !matches!(
            self,
            Error::Store(_) | Error::Io { .. } | Error::StoreBusy(_) | Error::Network(_)
        )
    }
}
