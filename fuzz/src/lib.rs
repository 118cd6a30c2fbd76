//! Fixtures the fuzz targets and the seed generator share: a small federation whose keys come
//! from fixed seeds, so the seed corpus verifies against the same roster in every run.

use std::path::Path;

use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;
use liaison_node::{InitOptions, Repo, sample};
use liaison_protocol::sync::Catalog;
use liaison_protocol::{Card, ItemId, Role, Roster};

/// The federation's nodes: mechanism, key seed byte, role.
pub const NODES: [(&str, u8, Role); 3] =
    [("ohchr", 1, Role::Member), ("achpr", 2, Role::Member), ("ngo-watch", 3, Role::Mirror)];

/// The moment every fixture item is written.
pub fn now() -> DateTime<Utc> {
    "2027-01-15T09:00:00Z".parse().unwrap_or_default()
}

/// The card of fixture node `mechanism`, whose key is derived from `[seed; 32]`.
pub fn card(mechanism: &str, seed: u8, role: Role) -> Card {
    Card {
        mechanism: mechanism.parse().expect("a fixture mechanism is valid"),
        name: None,
        role,
        key: (&SigningKey::from_bytes(&[seed; 32]).verifying_key()).into(),
        addrs: Vec::new(),
    }
}

/// The roster every node of the fixture federation holds: all of [`NODES`].
pub fn roster() -> Roster {
    let mut roster = Roster::new();
    for (mechanism, seed, role) in NODES {
        roster.insert(card(mechanism, seed, role));
    }
    roster
}

/// A catalogue of 300 made-up items for reconciliation targets: more than one `Items` list,
/// so a differing fingerprint is split.
pub fn catalog() -> Catalog {
    (0..300u16)
        .map(|n| {
            let [a, b] = n.to_be_bytes();
            let mut id = [a; 16];
            id[15] = b;
            (ItemId::from_random_bytes(id), [b; 32])
        })
        .collect()
}

/// The member nodes of the fixture federation, each holding its sample items, in `dir`.
#[derive(Debug)]
pub struct Federation {
    /// The members, in the order of [`NODES`].
    pub members: Vec<Repo>,
}

impl Federation {
    /// Creates the members in `dir`, which must be empty, each with the others in its roster
    /// and its sample items written at [`now`].
    ///
    /// # Panics
    /// If the fixture cannot be written: the target cannot run without it.
    pub fn create(dir: &Path) -> Self {
        let mut members = Vec::new();
        for (mechanism, seed, role) in NODES.into_iter().filter(|n| n.2 == Role::Member) {
            let path = dir.join(mechanism);
            let options = InitOptions {
                mechanism: mechanism.parse().expect("a fixture mechanism is valid"),
                name: None,
                role,
                listen: Vec::new(),
                api: None,
                http: None,
            };
            liaison_node::Identity::init(&path, options, [seed; 32]).expect("init a fixture node");
            let mut repo = Repo::open(&path).expect("open a fixture node");
            for (other, seed, role) in NODES.into_iter().filter(|n| n.0 != mechanism) {
                repo.add_peer(card(other, seed, role)).expect("add a fixture peer");
            }
            repo.create_all(sample::drafts(mechanism), now()).expect("write the sample items");
            members.push(repo);
        }
        Self { members }
    }
}

/// Run before the first input: restores the default panic hook, which libFuzzer's replaces with
/// one that aborts even on a panic the code catches (Liaison catches automerge's loader panics
/// and turns them into errors). A panic that is not caught still fails the run.
pub fn init() {
    drop(std::panic::take_hook());
}
