//! Labels (TLP 2.0 words) and the policy they imply: who may receive an item, who may write it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{FieldError, Header, Mechanism, Role};

/// An item's confidentiality, fixed when the item is created.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Label {
    /// Anyone, public mirrors included.
    Clear,
    /// Every member node of the federation; never a mirror. The default.
    #[default]
    Green,
    /// Member nodes of the owner, the co-owners and the mechanisms in the audience.
    Amber,
    /// Member nodes of the owner and the co-owners only.
    AmberStrict,
    /// Never leaves the node that created it.
    Red,
}

impl Label {
    /// Every label, widest first.
    pub const ALL: [Label; 5] =
        [Label::Clear, Label::Green, Label::Amber, Label::AmberStrict, Label::Red];

    /// The label's name as the CLI and JSON write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Clear => "clear",
            Label::Green => "green",
            Label::Amber => "amber",
            Label::AmberStrict => "amber-strict",
            Label::Red => "red",
        }
    }

    /// Whether items of this label may carry sensitive fields (a visit's programme and notes).
    pub fn is_restricted(self) -> bool {
        matches!(self, Label::Amber | Label::AmberStrict | Label::Red)
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Label {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, FieldError> {
        Label::ALL.into_iter().find(|l| l.as_str() == s).ok_or_else(|| {
            FieldError::new("label", s, "expected one of: clear, green, amber, amber-strict, red")
        })
    }
}

/// Checks that `audience` fits `label`: only `amber` has one, and it must not be empty.
pub fn check_audience(label: Label, audience: &[Mechanism]) -> Result<(), FieldError> {
    match (label, audience.is_empty()) {
        (Label::Amber, true) => Err(FieldError::new(
            "audience",
            "",
            "an amber item needs an audience: the mechanisms it may go to, such as --audience achpr,coe",
        )),
        (Label::Amber, false) | (_, true) => Ok(()),
        (other, false) => Err(FieldError::new(
            "audience",
            audience.iter().map(Mechanism::as_str).collect::<Vec<_>>().join(","),
            format!("a {other} item has no audience; only amber items name one"),
        )),
    }
}

/// How widely a label with its audience lets an item travel, as a rank: wider is smaller.
fn rank(label: Label) -> u8 {
    match label {
        Label::Clear => 0,
        Label::Green => 1,
        Label::Amber => 2,
        Label::AmberStrict => 3,
        Label::Red => 4,
    }
}

/// The narrower of two labels with their audiences: what an item derived from both may carry.
/// Two amber audiences narrow to the mechanisms in both, or to amber-strict if none is.
pub fn narrower(a: (Label, &[Mechanism]), b: (Label, &[Mechanism])) -> (Label, Vec<Mechanism>) {
    match (a, b) {
        ((Label::Amber, x), (Label::Amber, y)) => {
            let both: Vec<Mechanism> = x.iter().filter(|m| y.contains(m)).cloned().collect();
            if both.is_empty() { (Label::AmberStrict, Vec::new()) } else { (Label::Amber, both) }
        }
        ((la, xa), (lb, xb)) => {
            let (label, audience) = if rank(la) >= rank(lb) { (la, xa) } else { (lb, xb) };
            (label, if label == Label::Amber { audience.to_vec() } else { Vec::new() })
        }
    }
}

/// Whether `label` with `audience` is no wider than `bound` with its audience.
pub fn within(label: (Label, &[Mechanism]), bound: (Label, &[Mechanism])) -> bool {
    match (label, bound) {
        ((Label::Amber, x), (Label::Amber, y)) => x.iter().all(|m| y.contains(m)),
        ((l, _), (b, _)) => rank(l) >= rank(b),
    }
}

/// A node as the policy sees it: its mechanism and its role.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Peer {
    /// The mechanism the node belongs to.
    pub mechanism: Mechanism,
    /// Member or mirror.
    pub role: Role,
}

/// May `peer`, another node, ever receive the item with this header?
///
/// This is the one check every way out of a node goes through.
/// A node is never a peer of itself, so `red` items go to no one.
pub fn may_receive(header: &Header, peer: &Peer) -> bool {
    let insider = || header.owner == peer.mechanism || header.co_owners.contains(&peer.mechanism);
    match (header.label, peer.role) {
        (Label::Clear, _) => true,
        (_, Role::Mirror) => false,
        (Label::Green, Role::Member) => true,
        (Label::Amber, Role::Member) => insider() || header.audience.contains(&peer.mechanism),
        (Label::AmberStrict, Role::Member) => insider(),
        (Label::Red, Role::Member) => false,
    }
}

/// Where an item would go when it leaves a node: the argument of [`may_leave`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination<'a> {
    /// This node's own operator, reading on the node itself (`list`, `show`, and `digest`
    /// without `--for`): everything it holds, `red` included. Nothing is sent anywhere.
    Operator,
    /// Another node, by its mechanism and role: every sync message (reconciliation fingerprints,
    /// offers, pushes, fetch answers, relays). A withdrawn item still travels, so that its
    /// withdrawal reaches every node that holds it.
    Node(&'a Peer),
    /// A file or report for the people of one mechanism (`export`, `digest`, with `--for` or
    /// for this node's own mechanism): what a member node of that mechanism may receive. So a
    /// plain export holds no `red` item: red never leaves its node, not even as a file.
    Mechanism(&'a Mechanism),
    /// Anyone: the public site's pages, API, feeds, provenance, metrics and search, the static
    /// export, and `--for public`. Only `clear` items that are not withdrawn.
    Public,
}

/// May the item with this header (withdrawn or not) leave the node for `to`?
///
/// This is the one gate every way out of a node asks; [`may_receive`] is its rule for nodes.
pub fn may_leave(header: &Header, withdrawn: bool, to: Destination<'_>) -> bool {
    match to {
        Destination::Operator => true,
        Destination::Node(peer) => may_receive(header, peer),
        Destination::Mechanism(mechanism) => {
            may_receive(header, &Peer { mechanism: mechanism.clone(), role: Role::Member })
        }
        Destination::Public => header.label == Label::Clear && !withdrawn,
    }
}

/// May a node of `writer` change the item with this header? Only member nodes of the owner
/// mechanism or of a co-owner.
pub fn may_write(header: &Header, writer: &Peer) -> bool {
    writer.role == Role::Member
        && (header.owner == writer.mechanism || header.co_owners.contains(&writer.mechanism))
}

/// Who may see the item, in words, for `liaison show` and previews.
pub fn describe_audience(header: &Header) -> String {
    let insiders = std::iter::once(&header.owner).chain(&header.co_owners);
    let join = |it: &mut dyn Iterator<Item = &Mechanism>| {
        it.map(Mechanism::as_str).collect::<Vec<_>>().join(", ")
    };
    match header.label {
        Label::Clear => "everyone: all member nodes and public mirrors".to_owned(),
        Label::Green => "all member nodes of the federation; no mirror".to_owned(),
        Label::Amber => {
            format!("member nodes of {}; no mirror", join(&mut insiders.chain(&header.audience)))
        }
        Label::AmberStrict => {
            format!("member nodes of {} only; no mirror", join(&mut insiders.into_iter()))
        }
        Label::Red => "this node only".to_owned(),
    }
}

#[cfg(test)]
mod tests;
