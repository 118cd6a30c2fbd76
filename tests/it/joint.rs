//! Joint visits between two real nodes: propose, see it in the inbox, accept, and the joint
//! visit co-owned by both with both signatures; declining; the label rule; refusals.

use liaison_node::api::{Request, Response};
use liaison_protocol::{Label, ProposalStatus, Role};

use crate::fed_support::{DEADLINE, TestNet, eventually, visit};

async fn answer(net: &TestNet, node: usize, request: Request) -> Result<Response, String> {
    net[node].try_request(request).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_joint_visit_flows_between_two_nodes_with_both_signatures() {
    let mut net =
        TestNet::start(&[("ohchr", Role::Member), ("achpr", Role::Member), ("coe", Role::Member)])
            .await;
    net.mesh().await;
    let ours = net[0].create(visit("SR on torture: Tunisia", Label::Green, &[], &[])).await;
    let theirs =
        net[1].create(visit("ACHPR SR on prisons: Tunisia", Label::Amber, &["ohchr"], &[])).await;
    eventually(DEADLINE, || async {
        if net[0].ids().await.contains(&theirs) && net[1].ids().await.contains(&ours) {
            Ok(())
        } else {
            Err("visits not shared yet".to_owned())
        }
    })
    .await;

    let Response::Id(proposal) = net[0]
        .request(Request::ProposeJoint {
            visit: ours,
            with: theirs,
            note: Some("same month".into()),
        })
        .await
    else {
        panic!("no proposal id")
    };
    // The other mechanism sees it in its inbox; a third mechanism never receives it.
    eventually(DEADLINE, || async {
        match net[1].try_request(Request::Inbox).await {
            Ok(Response::Entries(e)) if e.iter().any(|e| e.header.id == proposal) => Ok(()),
            other => Err(format!("not in achpr's inbox yet: {other:?}")),
        }
    })
    .await;
    assert!(
        answer(&net, 0, Request::AnswerJoint { proposal, accept: true, note: None, label: None })
            .await
            .unwrap_err()
            .contains("addressed to achpr")
    );
    // Wider than the narrower of green and amber(ohchr) is refused.
    let wide = Request::AnswerJoint {
        proposal,
        accept: true,
        note: None,
        label: Some((Label::Green, vec![])),
    };
    assert!(answer(&net, 1, wide).await.unwrap_err().contains("wider"));

    let Response::Answered(Some(joint)) = net[1]
        .request(Request::AnswerJoint { proposal, accept: true, note: None, label: None })
        .await
    else {
        panic!("no joint visit")
    };
    // Both sides converge: the joint visit links both visits, both originals link it, and its
    // history carries a change signed by each mechanism.
    let (k0, k1) = (net[0].key(), net[1].key());
    eventually(DEADLINE, || async {
        let Ok(Response::View(view)) = net[0].try_request(Request::View { id: joint }).await else {
            return Err("the joint visit has not reached ohchr yet".to_owned());
        };
        let signers: Vec<_> = view.history.iter().filter_map(|h| h.signer).collect();
        let both_signed = signers.contains(&k0)
            && signers.contains(&k1)
            && view.history.iter().all(|h| h.verifies);
        let links = view
            .entry
            .record
            .state
            .fields
            .visit
            .as_ref()
            .map(|v| v.joint_with.clone())
            .unwrap_or_default();
        let on_1 = net[1].entries().await;
        let mirrored =
            on_1.get(&joint).is_some_and(|e| e.record.digest == view.entry.record.digest);
        if both_signed && links.contains(&ours) && links.contains(&theirs) && mirrored {
            Ok(())
        } else {
            Err(format!("not yet: {signers:?} {links:?} {mirrored}"))
        }
    })
    .await;
    let on_0 = net[0].entries().await;
    let joint_entry = &on_0[&joint];
    assert_eq!(joint_entry.header.owner.as_str(), "achpr");
    assert_eq!(
        joint_entry.header.co_owners.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
        ["ohchr"]
    );
    assert_eq!(joint_entry.header.label, Label::Amber, "the narrower of green and amber");
    assert_eq!(
        joint_entry.header.audience.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
        ["ohchr"]
    );
    let links =
        |id| on_0[&id].record.state.fields.visit.as_ref().expect("visit").joint_with.clone();
    assert!(
        links(ours).contains(&theirs) && links(ours).contains(&joint),
        "the proposer's visit is linked"
    );
    let proposal_state = on_0[&proposal].record.state.fields.proposal.clone().expect("proposal");
    assert_eq!(
        (proposal_state.status, proposal_state.joint),
        (ProposalStatus::Accepted, Some(joint))
    );
    assert!(
        !net[2].ids().await.contains(&proposal) && !net[2].ids().await.contains(&joint),
        "coe sees neither"
    );
    // Either co-owner may update the joint visit; answering twice is refused.
    let patch = liaison_protocol::VisitPatch {
        notes: Some("shared logistics".into()),
        ..Default::default()
    };
    net[0].request(Request::UpdateVisit { id: joint, patch }).await;
    assert!(
        answer(&net, 1, Request::AnswerJoint { proposal, accept: false, note: None, label: None })
            .await
            .unwrap_err()
            .contains("already")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_proposal_tells_the_proposer_why() {
    let mut net = TestNet::start(&[("ohchr", Role::Member), ("coe", Role::Member)]).await;
    net.mesh().await;
    let ours = net[0].create(visit("SR: Georgia", Label::Green, &[], &[])).await;
    let theirs = net[1].create(visit("Commissioner: Georgia", Label::Green, &[], &[])).await;
    eventually(DEADLINE, || async {
        if net[0].ids().await.contains(&theirs) { Ok(()) } else { Err("not shared".to_owned()) }
    })
    .await;
    assert!(
        answer(&net, 0, Request::ProposeJoint { visit: theirs, with: ours, note: None })
            .await
            .unwrap_err()
            .contains("coe's")
    );
    let Response::Id(proposal) =
        net[0].request(Request::ProposeJoint { visit: ours, with: theirs, note: None }).await
    else {
        panic!()
    };
    eventually(DEADLINE, || async {
        if net[1].ids().await.contains(&proposal) { Ok(()) } else { Err("not there".to_owned()) }
    })
    .await;
    net[1]
        .request(Request::AnswerJoint {
            proposal,
            accept: false,
            note: Some("dates fixed already".into()),
            label: None,
        })
        .await;
    eventually(DEADLINE, || async {
        let p = net[0]
            .entries()
            .await
            .get(&proposal)
            .and_then(|e| e.record.state.fields.proposal.clone());
        match p {
            Some(p)
                if p.status == ProposalStatus::Declined
                    && p.note.as_deref() == Some("dates fixed already") =>
            {
                Ok(())
            }
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    let unknown = liaison_protocol::ItemId::from_random_bytes([7; 16]);
    assert!(
        answer(
            &net,
            1,
            Request::AnswerJoint { proposal: unknown, accept: true, note: None, label: None }
        )
        .await
        .unwrap_err()
        .contains("unknown item")
    );
}
