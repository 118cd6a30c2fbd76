//! Trust through mechanism authorities: the other secretariats anchor OHCHR's authority card
//! once, and a second OHCHR node, certified by that authority, joins a running federation with
//! no action on their side; its changes to its sibling's items apply everywhere. A revocation
//! installed on one node travels to every node and mirror, which then refuse new changes by the
//! revoked key.

use chrono::{Duration, Utc};
use ed25519_dalek::SigningKey;
use liaison_node::api::{Request, Response, TrustView};
use liaison_node::daemon::Options;
use liaison_protocol::trust::{
    AuthorityCard, Certificate, Checkpoint, Reason, Revocation, STATEMENT_VERSION, Signed,
};
use liaison_protocol::{ItemId, Label, Mechanism, PublicKey, VisitPatch};

use crate::fed_support::{
    DEADLINE, MEMBER, MIRROR, TestNet, TestNode, eventually, mech, options, visit,
};

/// A mechanism's authority, held by the test as the secretariat holds it offline.
struct Authority {
    key: SigningKey,
    mechanism: Mechanism,
}

impl Authority {
    fn new(mechanism: &str, seed: u8) -> Self {
        Self { key: SigningKey::from_bytes(&[seed; 32]), mechanism: mech(mechanism) }
    }

    fn public(&self) -> PublicKey {
        PublicKey::from(&self.key.verifying_key())
    }

    fn card(&self) -> AuthorityCard {
        AuthorityCard {
            v: STATEMENT_VERSION,
            mechanism: self.mechanism.clone(),
            key: self.public(),
            name: Some(format!("{} authority", self.mechanism)),
        }
    }

    fn certify(&self, node: &TestNode) -> Signed {
        let cert = Certificate {
            v: STATEMENT_VERSION,
            mechanism: self.mechanism.clone(),
            role: node.card.role,
            key: node.key(),
            name: Some(node.name.clone()),
            not_before: Utc::now() - Duration::days(1),
            not_after: Some(Utc::now() + Duration::days(365)),
            authority: self.public(),
        };
        Signed::sign(&cert, &self.key)
    }

    fn revoke(&self, node: &TestNode, reason: Reason) -> Signed {
        let revocation = Revocation {
            v: STATEMENT_VERSION,
            mechanism: self.mechanism.clone(),
            key: node.key(),
            reason,
            revoked_at: Utc::now(),
            authority: self.public(),
        };
        Signed::sign(&revocation, &self.key)
    }
}

async fn anchor(node: &TestNode, authority: &Authority) {
    node.request(Request::RosterAddAuthority { card: authority.card() }).await;
}

/// Installs `statements` as `liaison cert add` does; each must be taken.
async fn install(node: &TestNode, statements: Vec<Signed>) {
    match node.request(Request::AddStatements { statements }).await {
        Response::Statements(outcomes) => {
            for outcome in outcomes {
                outcome.unwrap_or_else(|e| panic!("{} refused a statement: {e}", node.name));
            }
        }
        other => panic!("cert add answered {other:?}"),
    }
}

async fn trust(node: &TestNode) -> TrustView {
    match node.request(Request::Trust).await {
        Response::Trust(view) => *view,
        other => panic!("trust answered {other:?}"),
    }
}

/// The title of `id` on `node`, once it holds it.
async fn title(node: &TestNode, id: ItemId) -> Option<String> {
    node.entries().await.get(&id).map(|e| e.record.state.fields.title.value.clone())
}

async fn has_title(node: &TestNode, id: ItemId, expected: &str) {
    eventually(DEADLINE, || async {
        match title(node, id).await {
            Some(t) if t == expected => Ok(()),
            other => Err(format!("{} has {other:?} for {id}, expected {expected:?}", node.name)),
        }
    })
    .await;
}

async fn retitle(node: &TestNode, id: ItemId, title: &str) {
    let patch = VisitPatch { title: Some(title.to_owned()), ..Default::default() };
    node.request(Request::UpdateVisit { id, patch }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certified_node_joins_with_no_action_elsewhere_and_a_revocation_reaches_everyone() {
    const GENEVA: usize = 0;
    const COE: usize = 1;
    const NGO: usize = 2;
    const NEW_YORK: usize = 3;
    let ohchr = Authority::new("ohchr", 41);
    let specs = [("ohchr", MEMBER), ("coe", MEMBER), ("ngo-watch", MIRROR), ("ohchr", MEMBER)];
    // Members sign checkpoints every second, so that they travel within the test.
    let checkpoints = Options { checkpoint_every: std::time::Duration::from_secs(1), ..options() };
    let mut net = TestNet::start_with(&specs, checkpoints).await;
    // Geneva runs with a certificate; the Council of Europe and the NGO's mirror anchor only
    // OHCHR's authority card, never a card of an OHCHR node.
    for i in [GENEVA, COE, NGO, NEW_YORK] {
        anchor(&net[i], &ohchr).await;
    }
    install(&net[GENEVA], vec![ohchr.certify(&net[GENEVA])]).await;
    let (coe, ngo) = (net[COE].card.clone(), net[NGO].card.clone());
    net[GENEVA].knows(&coe).await;
    net[GENEVA].knows(&ngo).await;
    // Geneva dials them and introduces itself by its certificate.
    eventually(DEADLINE, || async {
        let t = trust(&net[COE]).await;
        if t.certificates.iter().any(|c| c.key == net[GENEVA].key()) {
            Ok(())
        } else {
            Err(format!("COE has not learned Geneva's certificate: {t:?}"))
        }
    })
    .await;

    let green = net[GENEVA].create(visit("Visit to Chile", Label::Green, &[], &[])).await;
    let clear = net[GENEVA].create(visit("Visit to Peru", Label::Clear, &[], &[])).await;
    has_title(&net[COE], green, "Visit to Chile").await;
    has_title(&net[NGO], clear, "Visit to Peru").await;

    // New York starts with its certificate and the card of one node to dial; nobody else does
    // anything.
    install(&net[NEW_YORK], vec![ohchr.certify(&net[NEW_YORK])]).await;
    net[NEW_YORK].knows(&coe).await;
    let geneva = net[GENEVA].card.clone();
    net[NEW_YORK].knows(&geneva).await;
    has_title(&net[NEW_YORK], green, "Visit to Chile").await;
    retitle(&net[NEW_YORK], green, "Visit to Chile, dates agreed").await;
    retitle(&net[NEW_YORK], clear, "Visit to Peru, dates agreed").await;
    for i in [GENEVA, COE] {
        has_title(&net[i], green, "Visit to Chile, dates agreed").await;
    }
    has_title(&net[NGO], clear, "Visit to Peru, dates agreed").await;
    // Geneva's checkpoints of OHCHR's public items reach COE and the mirror, which serves them.
    for i in [COE, NGO] {
        eventually(DEADLINE, || async {
            let t = trust(&net[i]).await;
            let ohchr_checkpoint = t
                .signed
                .iter()
                .filter_map(|s| s.verify::<Checkpoint>().ok())
                .any(|c| c.mechanism == mech("ohchr") && c.count >= 1);
            if ohchr_checkpoint {
                Ok(())
            } else {
                Err(format!("{} holds no checkpoint of ohchr", net[i].name))
            }
        })
        .await;
    }
    let history = net[COE].view(green).await.history;
    let by_new_york = history.iter().find(|h| h.signer == Some(net[NEW_YORK].key()));
    assert!(
        by_new_york.is_some_and(|h| h.verifies && h.mechanism == Some(mech("ohchr"))),
        "COE's history names New York as an OHCHR node: {history:?}"
    );

    // OHCHR revokes New York's key (a stolen laptop). The revocation is installed on Geneva
    // alone, while New York is down, and reaches COE and the mirror.
    net[NEW_YORK].stop().await;
    install(&net[GENEVA], vec![ohchr.revoke(&net[NEW_YORK], Reason::Compromised)]).await;
    for i in [COE, NGO] {
        eventually(DEADLINE, || async {
            let t = trust(&net[i]).await;
            if t.revocations.iter().any(|r| r.key == net[NEW_YORK].key()) {
                Ok(())
            } else {
                Err(format!("{} has not learned the revocation", net[i].name))
            }
        })
        .await;
    }
    // The key's holder writes again: nobody takes it.
    let new_york = net[NEW_YORK].key();
    let count = |history: &[liaison_node::History]| {
        history.iter().filter(|h| h.signer == Some(new_york)).count()
    };
    let before =
        [count(&net[COE].view(green).await.history), count(&net[NGO].view(clear).await.history)];
    net[NEW_YORK].start().await;
    retitle(&net[NEW_YORK], green, "Visit cancelled").await;
    retitle(&net[NEW_YORK], clear, "Visit cancelled").await;
    // Geneva writes after it, so that "nothing arrived" is not just "not yet".
    retitle(&net[GENEVA], green, "Visit to Chile, programme").await;
    retitle(&net[GENEVA], clear, "Visit to Peru, programme").await;
    has_title(&net[COE], green, "Visit to Chile, programme").await;
    has_title(&net[NGO], clear, "Visit to Peru, programme").await;
    // New York has met its peers again once it holds the revocation, which only they had:
    // it offered its changes then. A few more reconciliations, and had any been taken, it would
    // be there.
    eventually(DEADLINE, || async {
        let t = trust(&net[NEW_YORK]).await;
        if t.revocations.iter().any(|r| r.key == new_york) {
            Ok(())
        } else {
            Err("New York has not met its peers again".to_owned())
        }
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let after =
        [count(&net[COE].view(green).await.history), count(&net[NGO].view(clear).await.history)];
    assert_eq!(after, before, "a change by the revoked key was taken");
    for (i, id) in [(GENEVA, green), (COE, green), (GENEVA, clear), (NGO, clear)] {
        assert_ne!(title(&net[i], id).await.as_deref(), Some("Visit cancelled"));
    }
    assert!(
        net[COE].peer_status(net[NEW_YORK].key()).await.is_none_or(|p| !p.connected),
        "COE still talks to the revoked node"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_key_rotation_old_changes_still_verify_and_new_ones_carry_the_new_key() {
    const GENEVA: usize = 0;
    const COE: usize = 1;
    let ohchr = Authority::new("ohchr", 43);
    let mut net = TestNet::start(&[("ohchr", MEMBER), ("coe", MEMBER)]).await;
    for i in [GENEVA, COE] {
        anchor(&net[i], &ohchr).await;
    }
    install(&net[GENEVA], vec![ohchr.certify(&net[GENEVA])]).await;
    let coe = net[COE].card.clone();
    net[GENEVA].knows(&coe).await;
    let visit = net[GENEVA].create(visit("Visit to Chile", Label::Green, &[], &[])).await;
    has_title(&net[COE], visit, "Visit to Chile").await;
    let old_key = net[GENEVA].key();

    // Geneva's operator rotates the key of the stopped node, as the CLI does it.
    net[GENEVA].stop().await;
    let out = std::process::Command::new(crate::support::liaison_bin())
        .args(["--data-dir", net[GENEVA].path().to_str().expect("utf-8"), "key", "rotate"])
        .output()
        .expect("liaison key rotate");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let card = liaison_protocol::Card::decode(String::from_utf8_lossy(&out.stdout).trim())
        .expect("the new card");
    assert_ne!(card.key, old_key);
    net[GENEVA].card.key = card.key;
    net[GENEVA].start().await;
    install(&net[GENEVA], vec![ohchr.certify(&net[GENEVA])]).await;
    retitle(&net[GENEVA], visit, "Visit to Chile, dates agreed").await;
    has_title(&net[COE], visit, "Visit to Chile, dates agreed").await;
    for i in [GENEVA, COE] {
        let history = net[i].view(visit).await.history;
        let signers: Vec<_> = history.iter().map(|h| h.signer).collect();
        assert_eq!(signers, [Some(old_key), Some(card.key)], "{}: {history:?}", net[i].name);
        assert!(history.iter().all(|h| h.verifies), "{}: {history:?}", net[i].name);
    }
}
