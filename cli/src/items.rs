//! Each command: turn arguments into validated values, call the node, print the result.

use std::path::Path;
use std::str::FromStr;

use chrono::{NaiveDate, Utc};
use liaison_node::export;
use liaison_node::{Draft, InitOptions, Query, Repo};
use liaison_protocol::values::parse_date;
use liaison_protocol::{
    CallForInput, Card, Contact, CountryCode, Event, FieldError, Fields, ItemId, Kind, Label,
    LangTag, Link, Location, Mechanism, Peer, Planned, ProgrammeEntry, Report, ReportFile, Role,
    Site, Span, StatusStep, Text, Visit, VisitStatus, VisitType, When,
};

use crate::Failure;
use crate::args::*;
use crate::output;

pub(crate) fn dispatch(command: Command, dir: &Path) -> Result<(), Failure> {
    match command {
        Command::Init(a) => init(a, dir),
        Command::Id => {
            output::line(&Repo::open(dir)?.identity().card().encode());
            Ok(())
        }
        Command::Visit(VisitCommand::Forecast(a)) => publish(dir, visit_draft(a)?),
        Command::Visit(VisitCommand::Update(a)) => visit_update(a, dir),
        Command::Event(EventCommand::Add(a)) => publish(dir, event_draft(a)?),
        Command::Report(ReportCommand::Publish(a)) => publish(dir, report_draft(a)?),
        Command::Contact(ContactCommand::Add(a)) => publish(dir, contact_draft(a)?),
        Command::List(a) => list(a, dir),
        Command::Show(a) => {
            let repo = Repo::open(dir)?;
            let view = repo.view(resolve(&repo, &a.id)?)?;
            output::show(&view, a.format)
        }
        Command::Withdraw(a) => {
            let repo = Repo::open(dir)?;
            let id = resolve(&repo, &a.id)?;
            if repo.withdraw(id, Utc::now())? {
                eprintln!("withdrawn: {id}");
            } else {
                eprintln!("{id} was already withdrawn");
            }
            Ok(())
        }
        Command::Reissue(a) => {
            let repo = Repo::open(dir)?;
            let id = resolve(&repo, &a.id)?;
            let label = Label::from_str(&a.label.label)?;
            let new = repo.reissue(id, label, mechanisms(&a.label.audience)?, Utc::now())?;
            output::line(&new.to_string());
            eprintln!("reissued {id} as {new} ({label}); {id} is withdrawn");
            Ok(())
        }
        Command::Export(a) => export_items(a, dir),
        Command::Import(a) => import(a, dir),
        Command::Roster(c) => roster(c, dir),
        Command::Demo(a) => crate::demo::run(a),
    }
}

fn init(a: InitArgs, dir: &Path) -> Result<(), Failure> {
    let options = InitOptions {
        mechanism: a.mechanism.parse()?,
        name: a.name,
        role: a.role.parse()?,
        listen: a.listen,
        api: a.api,
    };
    let repo = Repo::init(dir, options)?;
    eprintln!(
        "created a {} node of {} in {}",
        repo.identity().config.role,
        repo.identity().config.mechanism,
        dir.display()
    );
    eprintln!("its identity card, for the other nodes' rosters:");
    output::line(&repo.identity().card().encode());
    Ok(())
}

fn publish(dir: &Path, draft: Draft) -> Result<(), Failure> {
    let repo = Repo::open(dir)?;
    let id = repo.create(draft, Utc::now())?;
    output::line(&id.to_string());
    Ok(())
}

/// Accepts a full item id or a unique prefix of at least 4 characters.
pub(crate) fn resolve(repo: &Repo, text: &str) -> Result<ItemId, Failure> {
    if let Ok(id) = ItemId::from_str(text) {
        return Ok(id);
    }
    let prefix = text.trim().to_ascii_lowercase();
    let unknown = || FieldError::new("id", text, "no item has this id; see 'liaison list'");
    if prefix.len() < 4 || !prefix.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(unknown().into());
    }
    let matches: Vec<ItemId> =
        repo.store().ids()?.into_iter().filter(|id| id.to_string().starts_with(&prefix)).collect();
    match matches.as_slice() {
        [id] => Ok(*id),
        [] => Err(unknown().into()),
        _ => Err(FieldError::new(
            "id",
            text,
            format!("{} items start with it; give more of the id", matches.len()),
        )
        .into()),
    }
}

fn mechanisms(codes: &[String]) -> Result<Vec<Mechanism>, FieldError> {
    codes.iter().filter(|c| !c.trim().is_empty()).map(|c| c.trim().parse()).collect()
}

fn countries(codes: &[String]) -> Result<Vec<CountryCode>, FieldError> {
    codes.iter().map(|c| c.parse()).collect()
}

fn opt<T>(
    value: &Option<String>,
    parse: impl Fn(&str) -> Result<T, FieldError>,
) -> Result<Option<T>, FieldError> {
    value.as_deref().map(parse).transpose()
}

fn label(a: &LabelArgs) -> Result<(Label, Vec<Mechanism>), FieldError> {
    let label = Label::from_str(&a.label)?;
    let audience = mechanisms(&a.audience)?;
    liaison_protocol::label::check_audience(label, &audience)?;
    Ok((label, audience))
}

fn common(title: String, a: &CommonArgs) -> Result<Fields, FieldError> {
    let mut fields = Fields::new(Text { value: title, lang: LangTag::from_str(&a.lang)? });
    fields.themes = a.themes.clone();
    fields.links = a
        .links
        .iter()
        .map(|l| {
            let (rel, href) = match l.split_once('=') {
                Some((rel, href)) if !rel.contains(':') => (rel.to_owned(), href.to_owned()),
                _ => ("related".to_owned(), l.clone()),
            };
            Link { rel, href, lang: None }
        })
        .collect();
    Ok(fields)
}

fn draft(kind: Kind, fields: Fields, a: &LabelArgs) -> Result<Draft, Failure> {
    let (label, audience) = label(a)?;
    fields.validate(kind, label)?;
    Ok(Draft { kind, fields, label, audience, co_owners: Vec::new(), supersedes: None })
}

fn visit_draft(a: VisitForecastArgs) -> Result<Draft, Failure> {
    let country = a.country.parse()?;
    let mut visit = Visit {
        mandate: a.mandate.clone(),
        country,
        sites: Vec::new(),
        visit_type: VisitType::Official,
        status: VisitStatus::Requested,
        status_history: Vec::new(),
        planned: None,
        actual: None,
        joint_with: Vec::new(),
        call_for_input: None,
        report: None,
        programme: Vec::new(),
        notes: None,
    };
    apply_visit_fields(&mut visit, &a.visit)?;
    visit.status = match &a.status {
        Some(s) => s.parse()?,
        None => match visit.planned.map(|p| p.precision) {
            Some(liaison_protocol::Precision::Day) => VisitStatus::Scheduled,
            Some(_) => VisitStatus::Accepted,
            None => VisitStatus::Requested,
        },
    };
    visit.status_history.push(StatusStep { status: visit.status, date: today(), note: None });
    let title = a.title.clone().unwrap_or_else(|| {
        let place = country.code().map_or_else(|| "an undisclosed State".to_owned(), |c| c.name());
        format!("{}: visit to {place}", a.mandate)
    });
    let mut fields = common(title, &a.common)?;
    fields.visit = Some(visit);
    draft(Kind::Visit, fields, &a.label)
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// Sets the visit fields given on the command line, leaving the others as they are.
fn apply_visit_fields(v: &mut Visit, a: &VisitFieldArgs) -> Result<(), FieldError> {
    if let (Some(from), Some(to)) = (&a.from, &a.to) {
        v.planned = Some(Planned::days(parse_date("from", from)?, parse_date("to", to)?)?);
    }
    if let Some(p) = &a.planned {
        v.planned = Some(Planned::parse_coarse(p)?);
    }
    if let Some(t) = &a.visit_type {
        v.visit_type = t.parse()?;
    }
    if let Some(c) = &a.call_for_input {
        let (deadline, url) = c.split_once(',').ok_or_else(|| {
            FieldError::new(
                "call-for-input",
                c,
                "expected DEADLINE,URL such as 2027-03-01,https://ohchr.org/cfi",
            )
        })?;
        v.call_for_input = Some(CallForInput {
            deadline: parse_date("call-for-input", deadline)?,
            url: url.trim().to_owned(),
        });
    }
    for s in &a.sites {
        let (cc, place) = match s.split_once(':') {
            Some((cc, place)) => (cc, Some(place.trim().to_owned())),
            None => (s.as_str(), None),
        };
        v.sites.push(Site {
            country: cc
                .parse()
                .map_err(|e: FieldError| FieldError { field: "site".into(), ..e })?,
            place,
        });
    }
    if let Some(r) = &a.report {
        v.report = Some(r.clone());
    }
    for p in &a.programme {
        let parts: Vec<&str> = p.splitn(3, '|').collect();
        let [date, place, meeting] = parts.as_slice() else {
            return Err(FieldError::new("programme", p, "expected DATE|PLACE|MEETING"));
        };
        v.programme.push(ProgrammeEntry {
            date: parse_date("programme", date)?,
            place: place.trim().to_owned(),
            meeting: meeting.trim().to_owned(),
        });
    }
    if let Some(n) = &a.notes {
        v.notes = Some(n.clone());
    }
    Ok(())
}

fn visit_update(a: VisitUpdateArgs, dir: &Path) -> Result<(), Failure> {
    let repo = Repo::open(dir)?;
    let id = resolve(&repo, &a.id)?;
    let status: Option<VisitStatus> = opt(&a.status, str::parse)?;
    let actual = match (&a.actual_from, &a.actual_to) {
        (Some(f), Some(t)) => {
            Some(Span { start: parse_date("actual-from", f)?, end: parse_date("actual-to", t)? })
        }
        _ => None,
    };
    let country = opt(&a.country, str::parse)?;
    let revision = repo.update(id, Utc::now(), |fields| {
        let Some(v) = fields.visit.as_mut() else {
            return Err(FieldError::new("id", id, "this item is not a visit").into());
        };
        apply_visit_fields(v, &a.visit)?;
        if a.dates_to_be_agreed {
            v.planned = None;
        }
        if let Some(status) = status {
            v.status = status;
            v.status_history.push(StatusStep { status, date: today(), note: a.note.clone() });
        }
        if actual.is_some() {
            v.actual = actual;
        }
        if let Some(m) = &a.mandate {
            v.mandate = m.clone();
        }
        if let Some(c) = country {
            v.country = c;
        }
        if let Some(t) = &a.title {
            fields.title.value = t.clone();
        }
        Ok(())
    })?;
    match revision {
        Some(r) => eprintln!("updated {id}: revision {r}"),
        None => eprintln!("{id} unchanged: nothing to update"),
    }
    Ok(())
}

fn event_draft(a: EventAddArgs) -> Result<Draft, Failure> {
    let location = match (&a.location, &a.location_country) {
        (None, None) => None,
        (text, country) => {
            Some(Location { text: text.clone(), country: opt(country, str::parse)? })
        }
    };
    let event = Event {
        category: a.category.parse()?,
        start: When::parse("start", &a.start)?,
        end: opt(&a.end, |s| When::parse("end", s))?,
        status: a.status.parse()?,
        location,
        session: a.session.clone(),
        related: Vec::new(),
    };
    let mut fields = common(a.title.clone(), &a.common)?;
    fields.countries = countries(&a.countries)?;
    fields.event = Some(event);
    draft(Kind::Event, fields, &a.label)
}

fn report_draft(a: ReportPublishArgs) -> Result<Draft, Failure> {
    let files = a
        .files
        .iter()
        .map(|f| {
            let (lang, url) = f.split_once('=').ok_or_else(|| {
                FieldError::new(
                    "file",
                    f,
                    "expected LANG=URL such as en=https://undocs.org/A/HRC/23/18",
                )
            })?;
            Ok(ReportFile {
                lang: lang.parse()?,
                url: url.to_owned(),
                media_type: None,
                sha256: None,
            })
        })
        .collect::<Result<Vec<_>, FieldError>>()?;
    let report = Report {
        symbol: a.symbol.clone(),
        doc_type: a.doc_type.parse()?,
        issued: parse_date("issued", &a.issued)?,
        files,
        summary: a.summary.clone(),
        related_visit: opt(&a.related_visit, str::parse)?,
    };
    let mut fields = common(a.title.clone(), &a.common)?;
    fields.countries = countries(&a.countries)?;
    fields.report = Some(report);
    draft(Kind::Report, fields, &a.label)
}

fn contact_draft(a: ContactAddArgs) -> Result<Draft, Failure> {
    let contact = Contact {
        role: a.role.parse()?,
        function_title: a.function.clone(),
        org_unit: a.unit.clone(),
        person_name: a.name.clone(),
        public_name_consent: a.public_name_consent,
        emails: a.emails.clone(),
        phones: a.phones.clone(),
        coverage_countries: countries(&a.countries)?,
        coverage_themes: a.common.themes.clone(),
        valid_from: opt(&a.valid_from, |s| parse_date("valid-from", s))?,
        valid_until: opt(&a.valid_until, |s| parse_date("valid-until", s))?,
    };
    let mut fields = common(format!("{}, {}", a.function, a.unit), &a.common)?;
    fields.themes.clear();
    fields.contact = Some(contact);
    draft(Kind::Contact, fields, &a.label)
}

fn query(f: &FilterArgs) -> Result<Query, FieldError> {
    Ok(Query {
        kind: opt(&f.kind, str::parse)?,
        country: opt(&f.country, str::parse)?,
        mechanism: opt(&f.mechanism, str::parse)?,
        ..Query::default()
    })
}

fn list(a: ListArgs, dir: &Path) -> Result<(), Failure> {
    let mut q = query(&a.filter)?;
    q.from = opt(&a.from, |s| parse_date("from", s))?;
    q.to = opt(&a.to, |s| parse_date("to", s))?;
    q.withdrawn = a.withdrawn;
    if let (Some(from), Some(to)) = (q.from, q.to) {
        if to < from {
            return Err(
                FieldError::new("to", to, format!("must not be before --from ({from})")).into()
            );
        }
    }
    let repo = Repo::open(dir)?;
    let entries = repo.list(&q)?;
    output::list(&entries, a.format)
}

fn export_items(a: ExportArgs, dir: &Path) -> Result<(), Failure> {
    let q = query(&a.filter)?;
    let audience = match a.audience.as_deref() {
        None => None,
        Some("public") => Some(Peer { mechanism: "public".parse()?, role: Role::Mirror }),
        Some(code) => Some(Peer { mechanism: code.parse()?, role: Role::Member }),
    };
    let repo = Repo::open(dir)?;
    let mut entries = repo.list(&q)?;
    entries
        .retain(|e| audience.as_ref().is_none_or(|p| liaison_protocol::may_receive(&e.header, p)));
    // Exports leave the node: every item is verified in full first, never served on trust.
    for e in &entries {
        repo.verified(e.header.id)?;
    }
    let text = match a.format {
        ExportFormat::Ics => {
            let name = format!(
                "Liaison: {}",
                repo.identity()
                    .config
                    .name
                    .as_deref()
                    .unwrap_or(repo.identity().config.mechanism.as_str())
            );
            export::to_ics(&entries, &name)
        }
        ExportFormat::Json => export::to_json(&entries),
        ExportFormat::Csv => export::to_csv(&entries)?,
    };
    output::write(a.output.as_deref(), &text)
}

fn import(a: ImportArgs, dir: &Path) -> Result<(), Failure> {
    let meta = std::fs::metadata(&a.file)
        .map_err(|e| Failure::system(format!("{}: {e}", a.file.display())))?;
    if meta.len() > export::MAX_IMPORT_BYTES {
        return Err(FieldError::new(
            "file",
            a.file.display(),
            format!("at most {} bytes", export::MAX_IMPORT_BYTES),
        )
        .into());
    }
    let text = std::fs::read_to_string(&a.file)
        .map_err(|e| Failure { code: 2, message: format!("{}: {e}", a.file.display()) })?;
    let repo = Repo::open(dir)?;
    let plan = export::plan_import(&text, repo.roster(), &repo.identity().config.mechanism)
        .map_err(|e| Failure { code: 2, message: format!("{}: {e}", a.file.display()) })?;
    let report = repo.merge_verified(plan.signed)?;
    let created = repo.create_all(plan.drafts, Utc::now())?;
    for id in &created {
        output::line(&id.to_string());
    }
    eprintln!(
        "imported {}: {} added, {} merged, {} unchanged, {} published as new items",
        a.file.display(),
        report.added.len(),
        report.merged.len(),
        report.unchanged.len(),
        created.len()
    );
    Ok(())
}

fn roster(c: RosterCommand, dir: &Path) -> Result<(), Failure> {
    let mut repo = Repo::open(dir)?;
    match c {
        RosterCommand::Add(a) => {
            let mut card = Card::decode(&a.card)?;
            if let Some(role) = &a.role {
                card.role = role.parse()?;
            }
            if !a.addr.is_empty() {
                for addr in &a.addr {
                    liaison_node::identity::check_multiaddr(addr)?;
                }
                card.addrs = a.addr;
            }
            eprintln!("added {} {} ({})", card.role, card.mechanism, card.key.short());
            repo.add_peer(card)?;
        }
        RosterCommand::List => output::roster(&repo),
        RosterCommand::Remove(a) => {
            for card in repo.remove_peer(&a.peer)? {
                eprintln!("removed {} {} ({})", card.role, card.mechanism, card.key.short());
            }
        }
    }
    Ok(())
}
