//! Liaison's pure core: the items a federation of human-rights mechanisms shares, their labels,
//! signed headers and signed automerge changes, the policy deciding who may receive and write
//! what, and the CBOR encoding with its size limits.
//!
//! Nothing here does IO, reads a clock or draws randomness: time, keys and random bytes come in
//! as arguments, so every function is deterministic and the `node` crate moves the bytes.
//!
//! ```
//! use liaison_protocol::{Header, ItemId, Kind, Label, Peer, Role, SCHEMA_VERSION, may_receive};
//! use ed25519_dalek::SigningKey;
//!
//! let key = SigningKey::from_bytes(&[7; 32]);
//! let header = Header {
//!     v: SCHEMA_VERSION,
//!     id: ItemId::from_random_bytes([1; 16]),
//!     kind: Kind::Report,
//!     owner: "ohchr".parse().unwrap(),
//!     co_owners: vec![],
//!     label: Label::Amber,
//!     audience: vec!["achpr".parse().unwrap()],
//!     created: "2027-01-15T09:00:00Z".parse().unwrap(),
//!     creator: (&key.verifying_key()).into(),
//!     supersedes: None,
//!     consents: vec![],
//! };
//! let achpr = Peer { mechanism: "achpr".parse().unwrap(), role: Role::Member };
//! let coe = Peer { mechanism: "coe".parse().unwrap(), role: Role::Member };
//! assert!(may_receive(&header, &achpr));
//! assert!(!may_receive(&header, &coe));
//! let signed = header.sign(&key);
//! assert!(signed.verify().is_ok());
//! ```
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

mod bytes;
pub mod change;
pub mod codec;
pub mod consent;
pub mod country_names;
pub mod doc;
pub mod doc_bound;
mod error;
pub mod header;
mod ids;
pub mod item;
pub mod label;
pub mod patch;
pub mod provenance;
pub mod roster;
mod signature;
pub mod sync;
pub mod trust;
pub mod values;
pub mod verify;
mod words;

#[cfg(test)]
mod test_support;

pub use change::ChangeSig;
pub use consent::Consent;
pub use doc::{ChangeInfo, DocError, Edit, ItemDoc, ItemState};
pub use error::FieldError;
pub use header::{Header, SCHEMA_VERSION, SignedHeader, Verified};
pub use ids::{ItemId, Mechanism, PublicKey, Role};
pub use item::{
    Assessment, CallForInput, Contact, ContactRole, DocType, Event, EventCategory, EventStatus,
    Fields, Implementation, JointConsent, Kind, Link, Location, ProgrammeEntry, Proposal,
    ProposalStatus, ProposalSubject, Recommendation, Report, ReportFile, Site, Span, StatusStep,
    Upr, UprPosition, Visit, VisitStatus, VisitType,
};
pub use label::{Destination, Label, Peer, may_leave, may_receive, may_write};
pub use patch::VisitPatch;
pub use provenance::Provenance;
pub use roster::{Card, Roster};
pub use sync::{Catalog, Reconcile, Reconciler, Step, SyncError, SyncRequest, SyncResponse};
pub use values::{
    CountryCode, LangTag, MAX_TRANSLATIONS, Planned, Precision, Text, Translations, VisitCountry,
    When, check_translations, text_for,
};
pub use verify::{VerifiedItem, VerifyError};
