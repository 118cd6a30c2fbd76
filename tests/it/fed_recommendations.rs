//! Following a recommendation across mechanisms: ACHPR publishes a clear recommendation,
//! OHCHR asks to follow it, ACHPR accepts (the recommendation is reissued co-owned by both),
//! OHCHR assesses its implementation, and the assessment reaches ACHPR and a public mirror as
//! a change in the one shared item, with both mechanisms' signatures in its history.

use chrono::NaiveDate;
use liaison_node::api::{Request, Response};
use liaison_node::recommend::AssessmentInput;
use liaison_node::{Draft, ItemView};
use liaison_protocol::{
    Fields, Implementation, ItemId, Kind, Label, LangTag, PublicKey, Recommendation, Text,
};

use crate::fed_support::*;
use crate::site_support::{get, get_json, get_ok};

const ACHPR: usize = 0;
const OHCHR: usize = 1;
const NGO: usize = 2;

fn recommendation() -> Draft {
    let mut fields = Fields::new(Text {
        value: "Guarantee every person deprived of liberty access to a lawyer from the outset \
                of custody"
            .to_owned(),
        lang: LangTag::default(),
    });
    fields.countries = vec!["TN".parse().unwrap()];
    fields.themes = vec!["detention".to_owned()];
    let mut r = Recommendation::new(
        "Regional",
        "African Commission on Human and Peoples' Rights",
        "ACHPR/Res.2024/12",
    );
    r.paragraph = Some("7".to_owned());
    fields.recommendation = Some(r);
    Draft {
        kind: Kind::Recommendation,
        fields,
        label: Label::Clear,
        audience: Vec::new(),
        co_owners: Vec::new(),
        supersedes: None,
    }
}

fn assessment(status: Implementation, day: u32) -> AssessmentInput {
    AssessmentInput {
        status,
        date: NaiveDate::from_ymd_opt(2027, 3, day).unwrap(),
        source: Some("https://www.ohchr.org/follow-up/tunisia".to_owned()),
        note: Some("Decree adopted; not yet applied in police custody".to_owned()),
    }
}

async fn view_of(net: &TestNet, node: usize, id: ItemId) -> Result<ItemView, String> {
    match net[node].try_request(Request::View { id }).await {
        Ok(Response::View(view)) => Ok(*view),
        other => Err(format!("node {node} does not show {id} yet: {other:?}")),
    }
}

/// The assessments `view` holds, with whether every change verifies and is signed by both.
fn assessed_by_both(view: &ItemView, keys: [PublicKey; 2]) -> Result<(), String> {
    let r = view.entry.record.state.fields.recommendation.as_ref().ok_or("not a recommendation")?;
    let by: Vec<_> = r.assessments.iter().map(|a| a.by.to_string()).collect();
    let signers: Vec<_> = view.history.iter().filter_map(|h| h.signer).collect();
    if by != ["ohchr"] {
        return Err(format!("assessments by {by:?}"));
    }
    if !keys.iter().all(|k| signers.contains(k)) || !view.history.iter().all(|h| h.verifies) {
        return Err(format!("history signed by {signers:?}"));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_assessment_by_a_follower_reaches_the_owner_and_the_mirror_with_both_signatures() {
    let mut net =
        TestNet::start(&[("achpr", MEMBER), ("ohchr", MEMBER), ("ngo-watch", MIRROR)]).await;
    net.mesh().await;
    let original = net[ACHPR].create(recommendation()).await;
    eventually(DEADLINE, || async { view_of(&net, OHCHR, original).await.map(drop) }).await;

    // OHCHR may not write ACHPR's recommendation until it follows it.
    let refused = net[OHCHR]
        .try_request(Request::Assess {
            id: original,
            assessment: assessment(Implementation::PartiallyImplemented, 1),
        })
        .await
        .unwrap_err();
    assert!(refused.contains("follow it first"), "{refused}");

    let Response::Id(proposal) =
        net[OHCHR].request(Request::ProposeFollow { id: original, note: None }).await
    else {
        panic!("no proposal")
    };
    eventually(DEADLINE, || async {
        match net[ACHPR].try_request(Request::Inbox).await {
            Ok(Response::Entries(e)) if e.iter().any(|e| e.header.id == proposal) => Ok(()),
            other => Err(format!("not in achpr's inbox yet: {other:?}")),
        }
    })
    .await;
    let Response::Answered(Some(followed)) = net[ACHPR]
        .request(Request::AnswerJoint { proposal, accept: true, note: None, label: None })
        .await
    else {
        panic!("not accepted")
    };
    assert_ne!(followed, original);

    eventually(DEADLINE, || async { view_of(&net, OHCHR, followed).await.map(drop) }).await;
    let Response::Updated(Some(_)) = net[OHCHR]
        .request(Request::Assess {
            id: followed,
            assessment: assessment(Implementation::PartiallyImplemented, 1),
        })
        .await
    else {
        panic!("not assessed")
    };

    let keys = [net[ACHPR].key(), net[OHCHR].key()];
    for node in [ACHPR, NGO] {
        let view = eventually(DEADLINE, || async {
            let view = view_of(&net, node, followed).await?;
            assessed_by_both(&view, keys).map(|()| view)
        })
        .await;
        assert_eq!(view.entry.header.owner.as_str(), "achpr");
        assert_eq!(
            view.entry.header.co_owners.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
            ["ohchr"]
        );
        assert_eq!(view.entry.header.supersedes, Some(original));
        let r = view.entry.record.state.fields.recommendation.unwrap();
        assert_eq!(r.assessments[0].status, Implementation::PartiallyImplemented);
        assert_eq!(r.symbol, "ACHPR/Res.2024/12");
    }
    // The mirror holds the one shared item, never the proposal, and the original is withdrawn
    // there as everywhere.
    eventually(DEADLINE, || async {
        let ids = net[NGO].ids().await;
        match net[NGO].entries().await.get(&original) {
            Some(e) if e.record.state.withdrawn && !ids.contains(&proposal) => Ok(()),
            other => Err(format!("mirror: original {:?}", other.map(|e| e.record.state.withdrawn))),
        }
    })
    .await;

    // The mirror's public site shows the one item with its follow-up, and the country's
    // recommendations, as a page and as JSON.
    net[NGO].stop().await;
    net[NGO]
        .start_with(liaison_node::daemon::Options {
            http: Some("127.0.0.1:0".to_owned()),
            ..options()
        })
        .await;
    let site = net[NGO].running.as_ref().and_then(|r| r.http).expect("the mirror serves a site");
    let page = get_ok(site, &format!("/items/{followed}/")).await;
    assert!(
        page.contains("Follow-up") && page.contains("Partially implemented, by ohchr"),
        "{page}"
    );
    assert_eq!(get(site, &format!("/items/{original}/")).await.status, 404, "withdrawn");
    let country = get_ok(site, "/countries/TN/recommendations/").await;
    assert!(
        country.contains(&format!("/items/{followed}/"))
            && country.contains("ACHPR/Res.2024/12, para. 7"),
        "{country}"
    );
    // In French: the interface's words, the status and the links keep the reader's language.
    let page = get_ok(site, &format!("/items/{followed}/?lang=fr")).await;
    assert!(
        page.contains("Suivi") && page.contains("Partiellement mise en œuvre, par ohchr"),
        "{page}"
    );
    let country = get_ok(site, "/countries/TN/recommendations/?lang=fr").await;
    assert!(
        country.contains("Recommandations adressées à : Tunisie")
            && country.contains(&format!("/items/{followed}/?lang=fr"))
            && country.contains("ACHPR/Res.2024/12, para. 7")
            && country.contains("mise en œuvre : Partiellement mise en œuvre, par ohchr"),
        "{country}"
    );
    let json = get_json(site, "/api/v1/countries/TN/recommendations?theme=detention").await;
    assert_eq!(json["themes"][0]["theme"], "detention", "{json}");
    let rows = &json["themes"][0]["clusters"][0]["recommendations"];
    assert_eq!(rows[0]["id"], followed.to_string(), "{json}");
    let status = &rows[0]["implementation"];
    assert_eq!(status["status"], "partially-implemented", "{json}");
    assert_eq!((&status["by"], &status["date"]), (&"ohchr".into(), &"2027-03-01".into()), "{json}");
    assert_eq!(get(site, "/api/v1/countries/TN/recommendations?colour=red").await.status, 400);
    assert_eq!(get(site, "/countries/XX/recommendations/").await.status, 404);
}
