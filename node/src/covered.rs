//! What a member's checkpoints cover: its mechanism's public items with their state digests,
//! which the store keeps current with every write ([`Store::keep_leaves`]), so that looking
//! whether to sign a checkpoint reads no record, however many items changed since the last
//! look, and computes the Merkle root only when they changed.

use liaison_protocol::trust::Checkpoint;
use liaison_protocol::{Mechanism, PublicKey};

use crate::Error;
use crate::store::Store;

/// The last checkpoint made over the kept leaves, and the store's count of their changes then.
#[derive(Debug, Default)]
pub(crate) struct Covered {
    /// The checkpoint made (its time is that of the first one made) while the leaves stay as
    /// they were at that count: the Merkle root is computed once per change.
    made: Option<(u64, Checkpoint)>,
}

impl Covered {
    /// A checkpoint by `signer` at `now` over `mechanism`'s public items in `store` as they
    /// are: from the leaves the store keeps, or, when it keeps none of this mechanism's (a
    /// node that did not start as a member), from every record read again.
    ///
    /// # Errors
    /// If the store fails, or [`Error::Corrupt`] on an altered record.
    pub(crate) fn checkpoint(
        &mut self,
        store: &Store,
        mechanism: &Mechanism,
        signer: PublicKey,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Checkpoint, Error> {
        let kept = store.with_leaves(mechanism, |leaves, changes| match &self.made {
            Some((at, made)) if *at == changes && made.signer == signer => made.clone(),
            _ => {
                let leaves: Vec<_> = leaves.iter().map(|(id, d)| (*id, *d)).collect();
                let made = Checkpoint::over(mechanism.clone(), signer, now, &leaves);
                self.made = Some((changes, made.clone()));
                made
            }
        });
        let made = match kept {
            Some(made) => made,
            None => {
                Checkpoint::over(mechanism.clone(), signer, now, &store.public_leaves(mechanism)?)
            }
        };
        Ok(Checkpoint { time: now, ..made })
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

    /// A store that keeps no leaves (the node did not start as a member) is read whole.
    #[test]
    fn without_kept_leaves_the_store_is_read_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = crate::repo::test_member(dir.path(), "ohchr");
        repo.create_all(sample::drafts("ohchr"), Utc::now()).expect("sample items");
        let mechanism = repo.identity().config.mechanism.clone();
        let key = repo.identity().public_key();
        let mut covered = super::Covered::default();
        let c = covered.checkpoint(repo.store(), &mechanism, key, Utc::now()).expect("checkpoint");
        assert!(c.count >= 2);
        assert_eq!((c.root, c.count), read_whole(&repo));
    }
}
