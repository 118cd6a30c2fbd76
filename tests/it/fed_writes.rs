//! Writes travel at once and merge: pushes and relays without waiting for reconciliation,
//! concurrent edits by co-owners, and a split federation that heals by itself and after a
//! restart.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::Utc;
use liaison_node::api::{Request, Response};
use liaison_node::daemon::Options;
use liaison_protocol::{Label, Planned, Site, VisitPatch};

use crate::fed_support::*;
use crate::wire_support::*;

/// "A local write is pushed at once to connected peers allowed to see it (no polling
/// interval)", and a relay passes on what it received at once too: with periodic
/// reconciliation off, a write on ohchr reaches coe through achpr.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_and_relays_are_pushed_at_once_without_waiting_for_reconciliation() {
    let options = Options { reconcile_every: Duration::from_secs(3600), ..Options::default() };
    let specs = [("ohchr", MEMBER), ("achpr", MEMBER), ("coe", MEMBER)];
    let mut net = TestNet::start_with(&specs, options).await;
    net.link(0, 1).await;
    net.link(1, 2).await;
    net.introduce(2, 0).await;
    // Wait for the reconciliation each new connection starts, so what follows is pushed.
    eventually(DEADLINE, || async {
        for (a, b) in [(0, 1), (1, 0), (1, 2), (2, 1)] {
            let status = net[a].peer_status(net[b].key()).await;
            if !status.as_ref().is_some_and(|s| s.connected && s.last_sync.is_some()) {
                return Err(format!("{} not synced with {}: {status:?}", net[a].name, net[b].name));
            }
        }
        Ok(())
    })
    .await;
    let id = net[0].create(visit("Pushed at once", Label::Green, &[], &[])).await;
    net.holds(1, &[id], &[id]).await;
    net.holds(2, &[id], &[id]).await;
}

/// Two co-owners edit a joint visit while apart; both edits survive, signed by each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_edits_by_two_co_owners_merge_and_keep_both_signatures() {
    const OHCHR: usize = 0;
    const ACHPR: usize = 1;
    let mut net = TestNet::start(&[("ohchr", MEMBER), ("achpr", MEMBER)]).await;
    net.link(OHCHR, ACHPR).await;
    let draft = visit("Joint visit", Label::Green, &[], &[]);
    let id = net[OHCHR].create_co_owned(draft, &[&net[ACHPR]]).await;
    net.holds(ACHPR, &[id], &[id]).await;
    net[ACHPR].stop().await;

    let tn = "TN".parse().expect("country");
    let ohchr_edit = VisitPatch {
        title: Some("Joint visit to Tunisia".to_owned()),
        add_sites: vec![Site { country: tn, place: Some("Sfax".to_owned()) }],
        ..VisitPatch::default()
    };
    let response = net[OHCHR].request(Request::UpdateVisit { id, patch: ohchr_edit }).await;
    assert!(matches!(response, Response::Updated(Some(1))), "{response:?}");
    let planned = Planned::parse_coarse("2027-Q3").expect("planned");
    let achpr_edit = VisitPatch {
        planned: Some(planned),
        add_sites: vec![Site { country: tn, place: Some("Gafsa".to_owned()) }],
        ..VisitPatch::default()
    };
    net[ACHPR].offline(|repo| {
        let handled = repo
            .handle(Request::UpdateVisit { id, patch: achpr_edit }, Utc::now())
            .expect("achpr edits offline");
        assert_eq!(handled.changed, vec![id]);
    });
    net[ACHPR].start().await;

    let records = converged(&net, &[OHCHR, ACHPR], &[id]).await;
    let state = &records[&id].state;
    assert_eq!(state.fields.title.value, "Joint visit to Tunisia", "ohchr's edit");
    let v = state.fields.visit.as_ref().expect("a visit");
    assert_eq!(v.planned, Some(planned), "achpr's edit");
    let places: BTreeSet<&str> = v.sites.iter().filter_map(|s| s.place.as_deref()).collect();
    assert_eq!(places, BTreeSet::from(["Sfax", "Gafsa"]), "both sites appended");
    assert_eq!(state.revision, 2, "both edits count");
    for node in [OHCHR, ACHPR] {
        let view = net[node].view(id).await;
        assert!(view.header_verifies);
        assert_eq!(view.history.len(), 3, "creation and two edits: {:?}", view.history);
        assert!(view.history.iter().all(|h| h.verifies), "{:?}", view.history);
        let by: BTreeSet<String> = view
            .history
            .iter()
            .filter_map(|h| h.mechanism.as_ref().map(ToString::to_string))
            .collect();
        assert_eq!(by, BTreeSet::from(["ohchr".to_owned(), "achpr".to_owned()]));
    }
}

/// A network split between {ohchr, achpr} and {coe, iachr}: writes on both sides, a joint
/// visit edited on both; the network comes back and the nodes converge with no one acting.
/// Then every node restarts from its data directory and still holds everything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_split_federation_converges_when_the_network_heals_and_after_a_restart() {
    const OHCHR: usize = 0;
    const ACHPR: usize = 1;
    const COE: usize = 2;
    const IACHR: usize = 3;
    let left = [OHCHR, ACHPR];
    let right = [COE, IACHR];
    let everyone = [OHCHR, ACHPR, COE, IACHR];
    let mut net =
        TestNet::start(&[("ohchr", MEMBER), ("achpr", MEMBER), ("coe", MEMBER), ("iachr", MEMBER)])
            .await;
    net.link(OHCHR, ACHPR).await;
    net.link(COE, IACHR).await;
    // Across the split, each node is reached through a proxy that can cut the network.
    let mut proxies = Vec::new();
    for i in everyone {
        proxies.push(Proxy::to(&net[i].card.addrs[0]).await);
    }
    for a in left {
        for b in right {
            let mut card_a = net[a].card.clone();
            card_a.addrs = vec![proxies[a].multiaddr()];
            let mut card_b = net[b].card.clone();
            card_b.addrs = vec![proxies[b].multiaddr()];
            net[a].knows(&card_b).await;
            net[b].knows(&card_a).await;
            net.links.insert((a, b));
        }
    }
    let draft = visit("Joint visit", Label::Green, &[], &[]);
    let joint = net[OHCHR].create_co_owned(draft, &[&net[COE]]).await;
    converged(&net, &everyone, &[joint]).await;

    for proxy in &proxies {
        proxy.cut();
    }
    eventually(DEADLINE, || async {
        for a in left {
            for b in right {
                for (x, y) in [(a, b), (b, a)] {
                    if net[x].peer_status(net[y].key()).await.is_none_or(|p| p.connected) {
                        return Err(format!("{} still connected to {}", net[x].name, net[y].name));
                    }
                }
            }
        }
        Ok(())
    })
    .await;

    let g_left = net[OHCHR].create(visit("Written left", Label::Green, &[], &[])).await;
    let g_right = net[COE].create(visit("Written right", Label::Green, &[], &[])).await;
    let title = VisitPatch { title: Some("Joint visit, edited left".into()), ..Default::default() };
    net[OHCHR].request(Request::UpdateVisit { id: joint, patch: title }).await;
    let planned = Planned::parse_coarse("2027-11").expect("planned");
    let dates = VisitPatch { planned: Some(planned), ..Default::default() };
    net[COE].request(Request::UpdateVisit { id: joint, patch: dates }).await;
    let sides = [g_left, g_right];
    net.holds(ACHPR, &sides, &[g_left]).await;
    net.holds(IACHR, &sides, &[g_right]).await;
    converged(&net, &left, &[joint]).await;
    converged(&net, &right, &[joint]).await;
    let apart = (net[OHCHR].entries().await, net[COE].entries().await);
    assert_ne!(apart.0[&joint].record.digest, apart.1[&joint].record.digest, "split is real");

    for proxy in &proxies {
        proxy.heal();
    }
    let records = converged(&net, &everyone, &[joint, g_left, g_right]).await;
    let state = &records[&joint].state;
    assert_eq!(state.fields.title.value, "Joint visit, edited left");
    assert_eq!(state.fields.visit.as_ref().and_then(|v| v.planned), Some(planned));

    for i in everyone {
        net[i].stop().await;
    }
    for i in everyone {
        net[i].start().await;
    }
    let after = net[IACHR].create(visit("After the restart", Label::Green, &[], &[])).await;
    let again = converged(&net, &everyone, &[joint, g_left, g_right, after]).await;
    for id in [joint, g_left, g_right] {
        assert_eq!(again[&id], records[&id], "item {id} changed across the restart");
    }
    assert_eq!(net.refusals().await, Vec::<String>::new(), "honest nodes refused each other");
}
