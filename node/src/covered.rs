//! What a member's checkpoints cover: its mechanism's public items with their state digests,
//! kept current from the store's log of changed items ([`Store::changed_since`]), so that
//! looking whether to sign a checkpoint reads only the items changed since the last look, and
//! an idle member reads none.

use std::collections::BTreeMap;

use liaison_protocol::trust::Checkpoint;
use liaison_protocol::{ItemId, Mechanism, PublicKey};

use crate::Error;
use crate::store::{Head, Store};

/// A mechanism's public items and digests, sorted by id, at a store generation.
#[derive(Debug, Default)]
pub(crate) struct Covered {
    /// The store generation the leaves are current at; `None` until first read.
    generation: Option<u64>,
    leaves: BTreeMap<ItemId, [u8; 32]>,
    /// The checkpoint made over `leaves` as they are (its time is that of the first one
    /// made), until they change: the Merkle root is computed once per change.
    made: Option<Checkpoint>,
}

impl Covered {
    /// Empty leaves at store generation `generation`, to be filled by [`Covered::take`] from
    /// a pass over every record that began after `generation` was read.
    pub(crate) fn at(generation: u64) -> Self {
        Self { generation: Some(generation), ..Self::default() }
    }

    /// Takes the item of `head` among the leaves if it is one of `mechanism`'s public items.
    pub(crate) fn take(&mut self, head: &Head, mechanism: &Mechanism) {
        if let Some(digest) = head.public_leaf(mechanism) {
            self.leaves.insert(head.header.id, digest);
        }
    }

    /// A checkpoint by `signer` at `now` over `mechanism`'s public items in `store` as they
    /// are: the items changed since the last call are read again, or all of them when the
    /// store no longer remembers those changes.
    ///
    /// # Errors
    /// If the store fails, or [`Error::Corrupt`] on an altered record (the leaves then stay
    /// at the generation they were, so the next call reads the same changes again).
    pub(crate) fn checkpoint(
        &mut self,
        store: &Store,
        mechanism: &Mechanism,
        signer: PublicKey,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Checkpoint, Error> {
        let (generation, changed) = match self.generation {
            Some(g) => store.changed_since(g),
            None => (store.generation(), None),
        };
        match changed {
            Some(ids) => {
                for id in ids {
                    // Only the head: a busy node's checkpoint reads thousands of records.
                    let leaf = store.head(id)?.and_then(|h| h.public_leaf(mechanism));
                    let old = match leaf {
                        Some(digest) => self.leaves.insert(id, digest),
                        None => self.leaves.remove(&id),
                    };
                    if old != leaf {
                        self.made = None;
                    }
                }
            }
            None => {
                let all: BTreeMap<_, _> = store.public_leaves(mechanism)?.into_iter().collect();
                if all != self.leaves {
                    self.leaves = all;
                    self.made = None;
                }
            }
        }
        self.generation = Some(generation);
        let made = match self.made.take() {
            Some(made) if made.signer == signer && &made.mechanism == mechanism => made,
            _ => {
                let leaves: Vec<_> = self.leaves.iter().map(|(id, d)| (*id, *d)).collect();
                Checkpoint::over(mechanism.clone(), signer, now, &leaves)
            }
        };
        let checkpoint = Checkpoint { time: now, ..made.clone() };
        self.made = Some(made);
        Ok(checkpoint)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, Utc};
    use liaison_protocol::Label;
    use liaison_protocol::trust::Checkpoint;

    use crate::{Repo, sample};

    /// What the latest checkpoint says: (root, count).
    fn latest(repo: &Repo) -> ([u8; 32], u64) {
        let mechanism = &repo.identity().config.mechanism;
        let (c, _) = repo.roster().checkpoint(mechanism).expect("a checkpoint");
        (c.root, c.count)
    }

    /// What a checkpoint over the store's public items read whole says.
    fn read_whole(repo: &Repo) -> ([u8; 32], u64) {
        let mechanism = &repo.identity().config.mechanism;
        let leaves = repo.store().public_leaves(mechanism).expect("leaves");
        let c =
            Checkpoint::over(mechanism.clone(), repo.identity().public_key(), Utc::now(), &leaves);
        (c.root, c.count)
    }

    /// A member signs from its kept leaves what it would sign from the store read whole, after
    /// every kind of change to its public items; and nothing when no item they cover changed.
    #[test]
    fn the_kept_leaves_sign_what_the_store_holds() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut repo = crate::repo::test_member(dir.path(), "ohchr");
        let now = Utc::now();
        let ids = repo.create_all(sample::drafts("ohchr"), now).expect("sample items");
        // As at a node's start: the leaves come from the catalogue's pass.
        repo.catalog(|_, _| {}).expect("catalogue");
        let hour = TimeDelta::hours(1);
        let sign = |repo: &mut Repo| repo.checkpoint(Utc::now(), hour).expect("checkpoint");
        assert!(sign(&mut repo).is_some(), "the first checkpoint");
        assert_eq!(latest(&repo), read_whole(&repo));
        assert!(latest(&repo).1 >= 2, "the sample has public items: {}", latest(&repo).1);
        assert!(sign(&mut repo).is_none(), "nothing changed");

        let mechanism = repo.identity().config.mechanism.clone();
        let covers = |repo: &Repo, id: &liaison_protocol::ItemId| {
            repo.store()
                .get(*id)
                .expect("get")
                .is_some_and(|e| crate::store::public_leaf(&e, &mechanism).is_some())
        };
        let public: Vec<_> = ids.iter().copied().filter(|id| covers(&repo, id)).collect();
        let green =
            ids.iter().copied().find(|id| !covers(&repo, id)).expect("a sample item not public");
        repo.update(green, now, |f| {
            f.title.value = "changed, not public".into();
            Ok(())
        })
        .expect("update");
        assert!(sign(&mut repo).is_none(), "a change to an item it does not cover");

        let before = latest(&repo);
        repo.update(public[0], now, |f| {
            f.title.value = "changed".into();
            Ok(())
        })
        .expect("update");
        assert!(sign(&mut repo).is_some(), "after an update");
        assert_eq!(latest(&repo), read_whole(&repo));
        assert_eq!(latest(&repo).1, before.1);
        assert_ne!(latest(&repo).0, before.0);

        repo.withdraw(public[0], now).expect("withdraw");
        assert!(sign(&mut repo).is_some(), "after a withdrawal");
        assert_eq!(latest(&repo), read_whole(&repo));
        assert_eq!(latest(&repo).1, before.1 - 1);

        repo.reissue(public[1], Label::Green, Vec::new(), now).expect("reissue");
        assert!(sign(&mut repo).is_some(), "after a narrowing");
        assert_eq!(latest(&repo), read_whole(&repo));
        assert_eq!(latest(&repo).1, before.1 - 2);

        repo.create_all(sample::drafts("ohchr"), now).expect("more items");
        assert!(sign(&mut repo).is_some(), "after new items");
        assert_eq!(latest(&repo), read_whole(&repo));
        assert!(sign(&mut repo).is_none(), "nothing changed since");

        // What a start reads of each record is what the record holds, withdrawn ones too.
        let mut whole = Vec::new();
        let all = crate::Query { withdrawn: true, ..crate::Query::default() };
        repo.store()
            .each(&all, |e| {
                whole.push((e.header, e.record.state.withdrawn, e.record.digest.clone()));
            })
            .expect("each");
        let mut heads = Vec::new();
        repo.store()
            .each_head(|h| heads.push((h.header, h.withdrawn, h.digest.to_vec())))
            .expect("heads");
        assert_eq!(heads, whole);
        assert!(heads.iter().any(|(_, withdrawn, _)| *withdrawn));
    }

    /// Leaves at a generation the store does not remember are read whole again.
    #[test]
    fn leaves_behind_the_stores_log_are_read_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = crate::repo::test_member(dir.path(), "ohchr");
        repo.create_all(sample::drafts("ohchr"), Utc::now()).expect("sample items");
        let mechanism = repo.identity().config.mechanism.clone();
        let key = repo.identity().public_key();
        let mut covered = super::Covered::at(u64::MAX);
        let c = covered.checkpoint(repo.store(), &mechanism, key, Utc::now()).expect("checkpoint");
        assert!(c.count >= 2);
        assert_eq!((c.root, c.count), read_whole(&repo));
    }
}
