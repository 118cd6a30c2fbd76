//! Following a recommendation across mechanisms: ACHPR publishes a clear recommendation,
//! OHCHR asks to follow it, ACHPR accepts (the recommendation is reissued co-owned by both),
//! then the Council of Europe and the IACHR ask at once and are admitted one after the other
//! (each time a new version co-owned by every follower, the older one withdrawn). Every
//! follower's assessment reaches the others and a public mirror as a change in the one shared
//! item, with every mechanism's signature in its history; the mirror's pages show the text in
//! the reader's language where the recommendation has it.

use chrono::NaiveDate;
use liaison_node::api::{Request, Response};
use liaison_node::recommend::{AssessmentInput, next_version};
use liaison_node::{Draft, ItemView};
use liaison_protocol::{
    Fields, Implementation, ItemId, Kind, Label, LangTag, PublicKey, Recommendation, Text,
};

use crate::fed_support::*;
use crate::site_support::{get, get_json, get_ok};

const ACHPR: usize = 0;
const OHCHR: usize = 1;
const COE: usize = 2;
const IACHR: usize = 3;
const NGO: usize = 4;

/// The French text, with a word ("avocat") no other item has.
const FRENCH: &str = "Garantir à toute personne privée de liberté l'accès à un avocat dès le \
                      début de la garde à vue";

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
    r.text_in.insert("fr".parse().unwrap(), FRENCH.to_owned());
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

/// Waits until `node` holds `id`, not withdrawn.
async fn holds(net: &TestNet, node: usize, id: ItemId) {
    eventually(DEADLINE, || async {
        let view = view_of(net, node, id).await?;
        if view.entry.record.state.withdrawn { Err(format!("{id} withdrawn")) } else { Ok(()) }
    })
    .await;
}

/// Whether `view` holds assessments by exactly `by` (in any order), and every change of its
/// history verifies, with a change signed by each of `keys`.
fn assessed_by(view: &ItemView, by: &[&str], keys: &[PublicKey]) -> Result<(), String> {
    let r = view.entry.record.state.fields.recommendation.as_ref().ok_or("not a recommendation")?;
    let mut got: Vec<_> = r.assessments.iter().map(|a| a.by.to_string()).collect();
    got.sort();
    let signers: Vec<_> = view.history.iter().filter_map(|h| h.signer).collect();
    if got != by {
        return Err(format!("assessments by {got:?}"));
    }
    if !keys.iter().all(|k| signers.contains(k)) || !view.history.iter().all(|h| h.verifies) {
        return Err(format!("history signed by {signers:?}"));
    }
    Ok(())
}

/// `node` asks to follow `id`; returns the proposal once the owner, ACHPR, holds it.
async fn follow(net: &TestNet, node: usize, id: ItemId) -> ItemId {
    let Response::Id(proposal) = net[node].request(Request::ProposeFollow { id, note: None }).await
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
    proposal
}

/// ACHPR accepts `proposal`; returns the recommendation's new version.
async fn accept(net: &TestNet, proposal: ItemId) -> ItemId {
    let Response::Answered(Some(id)) = net[ACHPR]
        .request(Request::AnswerJoint { proposal, accept: true, note: None, label: None })
        .await
    else {
        panic!("not accepted")
    };
    id
}

/// `node` assesses `id`; returns the version it assessed.
async fn assess(
    net: &TestNet,
    node: usize,
    id: ItemId,
    status: Implementation,
    day: u32,
) -> ItemId {
    let request = Request::Assess { id, assessment: assessment(status, day) };
    let Response::Assessed { id, revision: Some(_) } = net[node].request(request).await else {
        panic!("node {node} did not assess {id}")
    };
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_followers_assessment_reaches_the_others_and_the_mirror_with_every_signature() {
    let mut net = TestNet::start(&[
        ("achpr", MEMBER),
        ("ohchr", MEMBER),
        ("coe", MEMBER),
        ("iachr", MEMBER),
        ("ngo-watch", MIRROR),
    ])
    .await;
    net.mesh().await;
    let original = net[ACHPR].create(recommendation()).await;
    holds(&net, OHCHR, original).await;

    // OHCHR may not write ACHPR's recommendation until it follows it.
    let refused = net[OHCHR]
        .try_request(Request::Assess {
            id: original,
            assessment: assessment(Implementation::PartiallyImplemented, 1),
        })
        .await
        .unwrap_err();
    assert!(refused.contains("follow it first"), "{refused}");

    // The first follower: the recommendation is reissued under the id agreed in advance.
    let proposal = follow(&net, OHCHR, original).await;
    let followed = accept(&net, proposal).await;
    assert_eq!(followed, next_version(original));
    holds(&net, OHCHR, followed).await;
    assess(&net, OHCHR, followed, Implementation::PartiallyImplemented, 1).await;

    // Two more ask at once, about the same version (IACHR by the original's id, which its node
    // follows to the newest version it holds); ACHPR admits one, then the other, each time
    // with every earlier follower's consent given in advance.
    holds(&net, COE, followed).await;
    holds(&net, IACHR, followed).await;
    let by_coe = follow(&net, COE, followed).await;
    let by_iachr = follow(&net, IACHR, original).await;
    let second = accept(&net, by_coe).await;
    assert_eq!(second, next_version(followed));
    // A member publishes an unrelated item under the id the next version would take: it is no
    // version of the recommendation, and the next follow is reissued under the id after it,
    // which IACHR consented to as well.
    let squatted = next_version(second);
    let mut unrelated = recommendation();
    unrelated.fields.title.value = "An unrelated item under the next version's id".to_owned();
    unrelated.fields.countries = vec!["FR".parse().unwrap()];
    unrelated.fields.themes = vec!["other".to_owned()];
    let r = unrelated.fields.recommendation.as_mut().unwrap();
    r.symbol = "OTHER/1".to_owned();
    r.text_in.clear();
    net[OHCHR].stop().await;
    let held = net[OHCHR].offline(|repo| {
        repo.create_consented(unrelated, squatted, Vec::new(), chrono::Utc::now())
            .expect("the unrelated item")
    });
    assert_eq!(held, squatted);
    net[OHCHR].start().await;
    holds(&net, ACHPR, squatted).await;
    let third = accept(&net, by_iachr).await;
    assert_eq!(third, next_version(squatted), "the taken id is stepped over");
    // Accepting again admits no one twice.
    let again = net[ACHPR]
        .try_request(Request::AnswerJoint {
            proposal: by_coe,
            accept: true,
            note: None,
            label: None,
        })
        .await
        .unwrap_err();
    assert!(again.contains("accepted already"), "{again}");

    // Each follower assesses in the newest version, whichever id it names.
    holds(&net, IACHR, third).await;
    assert_eq!(assess(&net, IACHR, third, Implementation::PartiallyImplemented, 2).await, third);
    holds(&net, COE, third).await;
    assert_eq!(assess(&net, COE, second, Implementation::NotImplemented, 3).await, third);
    holds(&net, OHCHR, third).await;
    assert_eq!(assess(&net, OHCHR, original, Implementation::Implemented, 4).await, third);

    let keys = [net[ACHPR].key(), net[OHCHR].key(), net[COE].key(), net[IACHR].key()];
    let by = ["coe", "iachr", "ohchr", "ohchr"];
    for node in [ACHPR, OHCHR, COE, IACHR, NGO] {
        let view = eventually(DEADLINE, || async {
            let view = view_of(&net, node, third).await?;
            assessed_by(&view, &by, &keys).map(|()| view)
        })
        .await;
        assert_eq!(view.entry.header.owner.as_str(), "achpr");
        assert_eq!(
            view.entry.header.co_owners.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
            ["coe", "iachr", "ohchr"]
        );
        assert_eq!(view.entry.header.supersedes, Some(second));
        let r = view.entry.record.state.fields.recommendation.unwrap();
        assert_eq!(r.symbol, "ACHPR/Res.2024/12");
        assert_eq!(r.latest().map(|a| a.status), Some(Implementation::Implemented));
    }
    // The mirror holds the one shared item, never a proposal, and every older version is
    // withdrawn there as everywhere.
    eventually(DEADLINE, || async {
        let ids = net[NGO].ids().await;
        let entries = net[NGO].entries().await;
        let old: Vec<_> = [original, followed, second]
            .iter()
            .map(|id| entries.get(id).map(|e| e.record.state.withdrawn))
            .collect();
        let proposals = [proposal, by_coe, by_iachr].iter().any(|p| ids.contains(p));
        if old.iter().all(|w| *w == Some(true)) && !proposals {
            Ok(())
        } else {
            Err(format!("mirror: older versions withdrawn {old:?}, proposals {proposals}"))
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
    let page = get_ok(site, &format!("/items/{third}/")).await;
    assert!(
        page.contains("Follow-up")
            && page.contains("Implemented, by ohchr")
            && page.contains("Not implemented, by coe")
            && page.contains("Partially implemented, by iachr"),
        "{page}"
    );
    for old in [original, followed, second] {
        assert_eq!(get(site, &format!("/items/{old}/")).await.status, 404, "withdrawn");
    }
    let country = get_ok(site, "/countries/TN/recommendations/").await;
    assert!(
        country.contains(&format!("/items/{third}/"))
            && country.contains("ACHPR/Res.2024/12, para. 7"),
        "{country}"
    );
    assert!(get_ok(site, "/countries/TN/").await.contains("/countries/TN/recommendations/"));
    // In French: the interface's words, the status, the text itself, and links that keep the
    // reader's language; in Spanish, which it lacks, the English text saying so.
    let page = get_ok(site, &format!("/items/{third}/?lang=fr")).await;
    assert!(
        page.contains("Suivi")
            && page.contains("Mise en œuvre, par ohchr")
            && page.contains("<title>Garantir à toute personne privée de liberté")
            && !page.contains("Titre affiché en"),
        "{page}"
    );
    let page = get_ok(site, &format!("/items/{third}/?lang=es")).await;
    assert!(page.contains("Título mostrado en inglés; no disponible en español"), "{page}");
    let country = get_ok(site, "/countries/TN/recommendations/?lang=fr").await;
    assert!(
        country.contains("Recommandations adressées à : Tunisie")
            && country.contains(&format!("/items/{third}/?lang=fr"))
            && country.contains("ACHPR/Res.2024/12, para. 7")
            && country.contains("mise en œuvre : Mise en œuvre, par ohchr"),
        "{country}"
    );
    // The text's other languages are a map by language tag, as every kind's title_in, and
    // search finds the item by a word of its French text.
    let json = get_json(site, &format!("/api/v1/items/{third}")).await;
    assert_eq!(json["fields"]["recommendation"]["text_in"]["fr"], FRENCH, "{json}");
    let found = get_json(site, "/api/v1/search?q=avocat").await;
    assert_eq!(found["results"][0]["item"]["id"], third.to_string(), "{found}");
    assert_eq!(found["total"], 1, "{found}");

    let json = get_json(site, "/api/v1/countries/TN/recommendations?theme=detention").await;
    assert_eq!(json["themes"][0]["theme"], "detention", "{json}");
    let rows = &json["themes"][0]["clusters"][0]["recommendations"];
    assert_eq!(rows[0]["id"], third.to_string(), "{json}");
    let status = &rows[0]["implementation"];
    assert_eq!(status["status"], "implemented", "{json}");
    assert_eq!((&status["by"], &status["date"]), (&"ohchr".into(), &"2027-03-04".into()), "{json}");
    assert_eq!(get(site, "/api/v1/countries/TN/recommendations?colour=red").await.status, 400);
    assert_eq!(get(site, "/countries/XX/recommendations/").await.status, 404);
}
