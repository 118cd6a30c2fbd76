//! Items for the benchmarks: a deterministic mix of kinds and labels shaped like a secretariat's
//! archive, and seeding of node stores offline (signed by their owners, verified on import).

use std::path::{Path, PathBuf};

use chrono::{Days, NaiveDate, Utc};
use liaison_node::{Draft, Repo, verify_payloads};
use liaison_protocol::sync::ItemPayload;
use liaison_protocol::verify::{Held, VerifiedItem};
use liaison_protocol::{
    Card, Contact, ContactRole, CountryCode, DocType, Event, EventCategory, EventStatus, Fields,
    Header, Kind, Label, LangTag, Location, Mechanism, Peer, Planned, ProgrammeEntry, PublicKey,
    Report, ReportFile, Roster, StatusStep, Text, Visit, VisitCountry, VisitStatus, VisitType,
    When, may_receive,
};

use super::Res;

/// The four mechanisms of the benchmark federation.
pub(crate) const MECHANISMS: [&str; 4] = ["ohchr", "achpr", "coe", "iachr"];

pub(crate) const COUNTRIES: [&str; 24] = [
    "TN", "BI", "TR", "FR", "GE", "VE", "CO", "GM", "KE", "NG", "ZA", "EG", "UA", "PL", "HU", "BR",
    "MX", "GT", "HN", "US", "CH", "LK", "MM", "PH",
];
const MANDATES: [&str; 6] = [
    "SR on torture",
    "SPT",
    "CPT",
    "ACHPR SR on prisons",
    "IACHR",
    "Commissioner for Human Rights",
];
/// Items per atomic write while seeding.
const CHUNK: usize = 500;

pub(crate) fn mechanism(code: &str) -> Mechanism {
    code.parse().unwrap_or_else(|_| unreachable!("benchmark mechanism codes are valid"))
}

fn country(i: usize) -> CountryCode {
    COUNTRIES[i % COUNTRIES.len()].parse().unwrap_or_else(|_| unreachable!("valid country"))
}

fn day(i: usize) -> NaiveDate {
    let start = NaiveDate::from_ymd_opt(2017, 1, 2).unwrap_or(NaiveDate::MIN);
    start.checked_add_days(Days::new((i * 37 % 3650) as u64)).unwrap_or(start)
}

/// The label of item `i`: 40% clear, 35% green, 15% amber, 5% amber-strict, 5% red.
pub(crate) fn label(i: usize) -> Label {
    match (i / 4) % 20 {
        0..8 => Label::Clear,
        8..15 => Label::Green,
        15..18 => Label::Amber,
        18 => Label::AmberStrict,
        _ => Label::Red,
    }
}

/// Item `i` of mechanism `owner` (an index into [`MECHANISMS`]): kinds in turn, labels mixed.
pub(crate) fn draft(i: usize, owner: usize) -> Draft {
    draft_in(i, owner, country(i * 7 + owner))
}

/// Item `i` of mechanism `owner`, concerning country `cc`.
fn draft_in(i: usize, owner: usize, cc: CountryCode) -> Draft {
    let label = label(i);
    let kind = [Kind::Visit, Kind::Event, Kind::Report, Kind::Contact][i % 4];
    let title = format!("{} {} #{i}", MECHANISMS[owner], kind);
    let mut fields = Fields::new(Text { value: title, lang: LangTag::default() });
    fields.themes = vec!["detention".into()];
    match kind {
        Kind::Visit => fields.visit = Some(visit(i, cc, label)),
        Kind::Event => {
            fields.countries = vec![cc];
            fields.event = Some(Event {
                category: if i.is_multiple_of(3) {
                    EventCategory::Session
                } else {
                    EventCategory::Meeting
                },
                start: When::Date(day(i)),
                end: Some(When::Date(day(i) + Days::new(4))),
                status: EventStatus::Confirmed,
                location: Some(Location { text: Some("Geneva".into()), country: Some(cc) }),
                session: Some(format!("Session {}", i % 90)),
                related: Vec::new(),
            });
        }
        Kind::Report => {
            fields.countries = vec![cc];
            fields.report = Some(Report {
                symbol: Some(format!("A/HRC/{}/{}", 30 + i % 30, i % 97)),
                doc_type: DocType::MissionReport,
                issued: day(i),
                files: vec![ReportFile {
                    lang: LangTag::default(),
                    url: format!("https://undocs.org/A/HRC/{}/{}", 30 + i % 30, i % 97),
                    media_type: Some("application/pdf".into()),
                    sha256: None,
                }],
                summary: Some("Findings and recommendations of the visit.".into()),
                related_visit: None,
            });
        }
        Kind::Contact => {
            fields.contact = Some(Contact {
                role: ContactRole::FocalPoint,
                function_title: "Focal point for regional mechanisms".into(),
                org_unit: format!("Desk {}", i % 40),
                person_name: None,
                public_name_consent: false,
                emails: vec![format!("desk{}@{}.example.org", i % 40, MECHANISMS[owner])],
                phones: Vec::new(),
                coverage_countries: vec![cc],
                coverage_themes: Vec::new(),
                valid_from: Some(day(i)),
                valid_until: None,
            });
        }
        // The benchmark data holds no joint-visit proposals or recommendations.
        Kind::Proposal | Kind::Recommendation => {}
    }
    let audience = if label == Label::Amber {
        vec![mechanism(MECHANISMS[(owner + 1 + i % 3) % 4])]
    } else {
        Vec::new()
    };
    Draft { kind, fields, label, audience, co_owners: Vec::new(), supersedes: None }
}

fn visit(i: usize, cc: CountryCode, label: Label) -> Visit {
    let private = !matches!(label, Label::Clear | Label::Green);
    Visit {
        mandate: MANDATES[i % MANDATES.len()].to_owned(),
        country: VisitCountry::Code(cc),
        sites: Vec::new(),
        visit_type: VisitType::Official,
        status: VisitStatus::Scheduled,
        status_history: vec![StatusStep {
            status: VisitStatus::Requested,
            date: day(i),
            note: None,
        }],
        planned: Planned::days(day(i + 40), day(i + 40) + Days::new(9)).ok(),
        actual: None,
        joint_with: Vec::new(),
        call_for_input: None,
        report: None,
        programme: if private {
            vec![ProgrammeEntry {
                date: day(i + 41),
                place: "Capital".into(),
                meeting: "Civil society organisations".into(),
            }]
        } else {
            Vec::new()
        },
        notes: private.then(|| "Working notes.".to_owned()),
    }
}

/// A clear country-visit forecast, the item of the propagation benchmark.
pub(crate) fn forecast(i: usize) -> Draft {
    let mut d = draft(i * 80, 0);
    d.label = Label::Clear;
    d.audience.clear();
    d
}

/// Creates `count` items owned by the node in `dir`, items `first..first + count` of the mix,
/// in atomic writes of [`CHUNK`] items; returns them as they travel.
pub(crate) fn create(
    dir: &Path,
    owner: usize,
    first: usize,
    count: usize,
) -> Res<Vec<ItemPayload>> {
    create_with(dir, first..first + count, |i| draft(i, owner))
}

/// Item `i` of the `clear` items of the mix (of the first mechanism): kinds in turn, each run
/// of the four kinds in the next of the 24 countries, so every country has every kind.
pub(crate) fn public_draft(i: usize) -> Draft {
    // Labels come in runs of 4 items, and runs 0-7 of every 20 are clear: skip the others.
    // (In `draft`, a country's items are all of one kind: 7 is prime to 24, 4 divides it.)
    draft_in(i / 32 * 80 + i % 32, 0, country(i / 4))
}

/// Creates the items `make` makes for `range` on the node in `dir`, in atomic writes of
/// [`CHUNK`] items, on every core; returns them as they travel, in the order of `range`.
pub(crate) fn create_with(
    dir: &Path,
    range: std::ops::Range<usize>,
    make: impl Fn(usize) -> Draft + Sync,
) -> Res<Vec<ItemPayload>> {
    let repo = open_repo(dir)?;
    let chunks: Vec<std::ops::Range<usize>> =
        range.clone().step_by(CHUNK).map(|i| i..(i + CHUNK).min(range.end)).collect();
    let threads = cores();
    let (repo, chunks, make) = (&repo, &chunks, &make);
    let mut made: Vec<(usize, Vec<ItemPayload>)> = std::thread::scope(|s| {
        let tasks: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || -> Res<Vec<(usize, Vec<ItemPayload>)>> {
                    let mut out = Vec::new();
                    for (k, chunk) in chunks.iter().enumerate().skip(t).step_by(threads) {
                        let drafts = chunk.clone().map(make).collect();
                        let mut payloads = Vec::with_capacity(chunk.len());
                        for id in repo.create_all(drafts, Utc::now())? {
                            payloads.extend(repo.payload(id)?);
                        }
                        out.push((k, payloads));
                    }
                    Ok(out)
                })
            })
            .collect();
        tasks.into_iter().try_fold(Vec::new(), |mut all, t| {
            all.extend(t.join().unwrap_or_else(|_| Err("creating items panicked".into()))?);
            Res::Ok(all)
        })
    })?;
    made.sort_by_key(|(k, _)| *k);
    Ok(made.into_iter().flat_map(|(_, payloads)| payloads).collect())
}

/// The machine's cores.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// Verifies against the roster of the node in `dir`, and stores there, every item of `items`
/// that node may hold and did not create, in atomic writes of [`CHUNK`] items (verified as a
/// node verifies what it fetches: in batches, on every core).
pub(crate) fn import(dir: &Path, items: &[ItemPayload]) -> Res<usize> {
    let repo = open_repo(dir)?;
    let peer = repo.identity().card().peer();
    let own = repo.identity().public_key();
    let mine: Vec<&ItemPayload> = items.iter().filter(|p| holds(p, &peer, own)).collect();
    for chunk in mine.chunks(CHUNK) {
        let chunk: Vec<ItemPayload> = chunk.iter().map(|p| (*p).clone()).collect();
        repo.merge_verified(verify(repo.roster(), &chunk)?)?;
    }
    Ok(mine.len())
}

/// Whether node `peer`, of key `own`, holds `item` once synced: it may, and did not create it.
fn holds(item: &ItemPayload, peer: &Peer, own: PublicKey) -> bool {
    header(item).is_ok_and(|h| h.creator != own && may_receive(&h, peer))
}

/// Verifies every one of `items`, or fails.
fn verify(roster: &Roster, items: &[ItemPayload]) -> Res<Vec<VerifiedItem>> {
    Ok(verify_payloads(roster, items, |_| Held::default()).into_iter().collect::<Result<_, _>>()?)
}

/// Opens the stopped node in `dir`, waiting while the store of a node that just stopped is
/// still being released (sled lets go of its lock from a background thread).
pub(crate) fn open_repo(dir: &Path) -> Res<Repo> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        match Repo::open(dir) {
            Err(liaison_node::Error::StoreBusy(_)) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            other => return Ok(other?),
        }
    }
}

/// Adds `cards` to the roster of the stopped node in `dir`.
pub(crate) fn know(dir: &Path, cards: &[Card]) -> Res<()> {
    let mut repo = open_repo(dir)?;
    for card in cards {
        repo.add_peer(card.clone())?;
    }
    Ok(())
}

/// Seeds stopped member nodes (one per mechanism, in [`MECHANISMS`] order) with `n` items in
/// all: each creates its share, then each stores what it may hold of the others', verified
/// (once for all of them), as if they had synced. Nodes work in parallel threads. Returns
/// every item.
pub(crate) fn seed_federation(members: &[(PathBuf, Card)], n: usize) -> Res<Vec<ItemPayload>> {
    let cards: Vec<Card> = members.iter().map(|(_, c)| c.clone()).collect();
    let shares: Vec<Vec<ItemPayload>> = std::thread::scope(|s| {
        let tasks: Vec<_> = (0..members.len())
            .map(|m| {
                let (dir, cards) = (&members[m].0, &cards);
                let (first, count) =
                    (n * m / members.len(), n * (m + 1) / members.len() - n * m / members.len());
                s.spawn(move || -> Res<Vec<ItemPayload>> {
                    let others: Vec<Card> =
                        cards.iter().filter(|c| c.key != cards[m].key).cloned().collect();
                    know(dir, &others)?;
                    create(dir, m, first, count)
                })
            })
            .collect();
        tasks
            .into_iter()
            .map(|t| t.join().unwrap_or_else(|_| Err("seeding panicked".into())))
            .collect::<Res<_>>()
    })?;
    let all: Vec<ItemPayload> = shares.into_iter().flatten().collect();
    let repos: Vec<Repo> = members.iter().map(|(dir, _)| open_repo(dir)).collect::<Res<_>>()?;
    let roster = roster(&cards);
    for chunk in all.chunks(CHUNK * 4) {
        let verified = verify(&roster, chunk)?;
        std::thread::scope(|s| {
            let tasks: Vec<_> = repos
                .iter()
                .map(|repo| {
                    let verified = &verified;
                    s.spawn(move || -> Res<()> {
                        let (peer, own) =
                            (repo.identity().card().peer(), repo.identity().public_key());
                        let mine = verified
                            .iter()
                            .filter(|v| v.header.creator != own && may_receive(&v.header, &peer))
                            .cloned()
                            .collect();
                        repo.merge_verified(mine)?;
                        Ok(())
                    })
                })
                .collect();
            tasks
                .into_iter()
                .try_for_each(|t| t.join().unwrap_or_else(|_| Err("importing panicked".into())))
        })?;
    }
    Ok(all)
}

/// The header of an item as it travels (its signature is checked where it matters).
pub(crate) fn header(item: &ItemPayload) -> Res<Header> {
    Ok(liaison_protocol::codec::decode(&item.header.bytes, item.header.bytes.len())?)
}

/// The items of `items` that `peer` may receive.
pub(crate) fn allowed<'a>(items: &'a [ItemPayload], peer: &Peer) -> Vec<&'a ItemPayload> {
    items.iter().filter(|p| header(p).is_ok_and(|h| may_receive(&h, peer))).collect()
}

/// The roster of a federation: `cards`.
pub(crate) fn roster(cards: &[Card]) -> Roster {
    let mut roster = Roster::new();
    for card in cards {
        roster.insert(card.clone());
    }
    roster
}
