//! Each command: turn arguments into validated values, call the node, print the result.

use std::path::Path;
use std::str::FromStr;

use crate::client::Client;
use chrono::{NaiveDate, Utc};
use liaison_node::api::{Request, Response};
use liaison_node::export;
use liaison_node::{Draft, Error, InitOptions, Query, Repo};
use liaison_protocol::trust::{
    AUTHORITY_PREFIX, AuthorityCard, CERT_PREFIX, REVOCATION_PREFIX, Signed,
};
use liaison_protocol::values::parse_date;
use liaison_protocol::{
    CallForInput, Card, Contact, CountryCode, Event, FieldError, Fields, ItemId, Kind, Label,
    LangTag, Link, Location, Mechanism, Planned, ProgrammeEntry, Report, ReportFile, Site, Span,
    StatusStep, Text, Translations, Visit, VisitPatch, VisitStatus, When,
};

use crate::Failure;
use crate::args::*;
use crate::output;

pub(crate) fn dispatch(command: Command, dir: &Path) -> Result<(), Failure> {
    match command {
        Command::Init(a) => init(a, dir),
        Command::Node(a) => crate::daemon::run(a, dir),
        Command::Demo(a) => crate::demo::run(a),
        Command::Key(KeyCommand::Rotate) => rotate(dir),
        Command::Verify(a) => crate::verify::run(&a.source, &a.trust, a.max_age, dir),
        Command::Authority(a) => crate::authority::run(a),
        Command::Backup(a) => crate::backup::backup(a, dir),
        Command::Restore(a) => crate::backup::restore(a, dir),
        Command::Doctor => crate::doctor::run(dir),
        command => {
            let mut conn = Conn::open(dir)?;
            run(command, &mut conn)
        }
    }
}

/// The node the command works on: its store directly, or the running node's local API.
pub(crate) enum Conn {
    Local(Box<Repo>),
    Remote(Client),
}

impl Conn {
    /// Opens the store, or, when a running node holds it, that node's local API.
    pub(crate) fn open(dir: &Path) -> Result<Conn, Failure> {
        match Repo::open(dir) {
            Ok(repo) => Ok(Conn::Local(Box::new(repo))),
            Err(Error::StoreBusy(_)) => Ok(Conn::Remote(Client::for_dir(dir)?)),
            Err(e) => Err(e.into()),
        }
    }

    pub(crate) fn call(&mut self, request: Request) -> Result<Response, Failure> {
        match self {
            Conn::Local(repo) => Ok(repo.handle(request, Utc::now())?.response),
            Conn::Remote(client) => client
                .call(&request)
                .map_err(|e| Failure { code: if e.bad_input { 2 } else { 1 }, message: e.message }),
        }
    }
}

pub(crate) fn unexpected(r: Response) -> Failure {
    Failure::system(format!("unexpected answer from the node: {r:?}"))
}

fn run(command: Command, conn: &mut Conn) -> Result<(), Failure> {
    match command {
        Command::Id => match conn.call(Request::Identity)? {
            Response::Card(card) => {
                output::line(&card.encode());
                Ok(())
            }
            r => Err(unexpected(r)),
        },
        Command::Visit(VisitCommand::Forecast(a)) => {
            let id = publish(conn, visit_draft(a)?)?;
            warn_overlaps(conn, id);
            Ok(())
        }
        Command::Visit(VisitCommand::Update(a)) => visit_update(a, conn),
        Command::Visit(VisitCommand::ProposeJoint(a)) => {
            let (visit, with) = (resolve(conn, &a.id)?, resolve(conn, &a.with)?);
            match conn.call(Request::ProposeJoint { visit, with, note: a.note })? {
                Response::Id(id) => {
                    output::line(&id.to_string());
                    eprintln!(
                        "proposed a joint visit; the other mechanism sees it in 'liaison inbox'"
                    );
                    Ok(())
                }
                r => Err(unexpected(r)),
            }
        }
        Command::Visit(VisitCommand::AcceptJoint(a)) => {
            let proposal = resolve(conn, &a.proposal)?;
            let label = match &a.label {
                Some(l) => Some((Label::from_str(l)?, mechanisms(&a.audience)?)),
                None => None,
            };
            match conn.call(Request::AnswerJoint { proposal, accept: true, note: None, label })? {
                Response::Answered(Some(joint)) => {
                    output::line(&joint.to_string());
                    eprintln!("accepted: the joint visit {joint} is co-owned by both mechanisms");
                    Ok(())
                }
                r => Err(unexpected(r)),
            }
        }
        Command::Visit(VisitCommand::DeclineJoint(a)) => {
            let proposal = resolve(conn, &a.proposal)?;
            match conn.call(Request::AnswerJoint {
                proposal,
                accept: false,
                note: a.note,
                label: None,
            })? {
                Response::Answered(None) => {
                    eprintln!("declined {proposal}");
                    Ok(())
                }
                r => Err(unexpected(r)),
            }
        }
        Command::Inbox => match conn.call(Request::Inbox)? {
            Response::Entries(entries) => output::inbox(&entries),
            r => Err(unexpected(r)),
        },
        Command::Event(EventCommand::Add(a)) => publish(conn, event_draft(a)?).map(drop),
        Command::Report(ReportCommand::Publish(a)) => publish(conn, report_draft(a)?).map(drop),
        Command::Contact(ContactCommand::Add(a)) => publish(conn, contact_draft(a)?).map(drop),
        Command::Recommendation(c) => crate::recommend::run(c, conn),
        Command::Recommendations(a) => crate::recommend::matrix(a, conn),
        Command::Overlaps(a) => crate::coord::overlaps(conn, a),
        Command::Digest(a) => crate::coord::digest(conn, a),
        Command::List(a) => list(a, conn),
        Command::Search(a) => search(a, conn),
        Command::Show(a) => {
            let id = resolve(conn, &a.id)?;
            match conn.call(Request::View { id })? {
                Response::View(view) => output::show(&view, a.format),
                r => Err(unexpected(r)),
            }
        }
        Command::Withdraw(a) => {
            let id = resolve(conn, &a.id)?;
            match conn.call(Request::Withdraw { id })? {
                Response::Withdrawn(true) => eprintln!("withdrawn: {id}"),
                Response::Withdrawn(false) => eprintln!("{id} was already withdrawn"),
                r => return Err(unexpected(r)),
            }
            Ok(())
        }
        Command::Reissue(a) => {
            let id = resolve(conn, &a.id)?;
            let label = Label::from_str(&a.label.label)?;
            let audience = mechanisms(&a.label.audience)?;
            match conn.call(Request::Reissue { id, label, audience })? {
                Response::Id(new) => {
                    output::line(&new.to_string());
                    eprintln!("reissued {id} as {new} ({label}); {id} is withdrawn");
                    Ok(())
                }
                r => Err(unexpected(r)),
            }
        }
        Command::Export(a) => export_items(a, conn),
        Command::Import(a) => import(a, conn),
        Command::Roster(c) => roster(c, conn),
        Command::Cert(CertCommand::Add(a)) => {
            if let Some(path) = &a.keyset {
                let text = std::fs::read_to_string(path).map_err(|e| Failure {
                    code: 2,
                    message: format!("{}: {e}", path.display()),
                })?;
                let file = serde_json::from_str(&text).map_err(|e| Failure {
                    code: 2,
                    message: format!("{}: not a keyset file: {e}", path.display()),
                })?;
                report_statements(conn.call(Request::AddKeyset { file })?)?;
            }
            if a.lines.is_empty() { Ok(()) } else { add_statements(&a.lines, conn) }
        }
        Command::Status => crate::daemon::status(conn),
        Command::Peers(a) => crate::daemon::peers(conn, a),
        Command::Mirror(MirrorCommand::Export(a)) => {
            let dir = std::path::absolute(&a.dir)
                .map_err(|e| Failure::system(format!("{}: {e}", a.dir.display())))?;
            match conn.call(Request::MirrorExport { dir: dir.clone() })? {
                Response::Exported { files, items } => {
                    eprintln!(
                        "wrote {files} files for {items} public items into {}",
                        dir.display()
                    );
                    Ok(())
                }
                r => Err(unexpected(r)),
            }
        }
        Command::Init(_)
        | Command::Node(_)
        | Command::Demo(_)
        | Command::Verify(_)
        | Command::Key(_)
        | Command::Authority(_)
        | Command::Backup(_)
        | Command::Restore(_)
        | Command::Doctor => Ok(()),
    }
}

fn init(a: InitArgs, dir: &Path) -> Result<(), Failure> {
    let options = InitOptions {
        mechanism: a.mechanism.parse()?,
        name: a.name,
        role: a.role.parse()?,
        listen: a.listen,
        api: a.api,
        http: a.http,
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

pub(crate) fn publish(conn: &mut Conn, draft: Draft) -> Result<ItemId, Failure> {
    match conn.call(Request::Create { draft: Box::new(draft) })? {
        Response::Id(id) => {
            output::line(&id.to_string());
            Ok(id)
        }
        r => Err(unexpected(r)),
    }
}

/// Tells, on stderr, which other mechanisms' visits overlap visit `id`; never fails the write.
fn warn_overlaps(conn: &mut Conn, id: ItemId) {
    let request =
        Request::Overlaps { country: None, from: None, to: None, window: None, of: Some(id) };
    if let Ok(Response::Overlaps(clusters)) = conn.call(request) {
        for c in clusters {
            eprintln!("warning: overlapping visits to {} ({}):", c.country.name(), c.country);
            for v in c.visits.iter().filter(|v| v.id != id) {
                eprintln!("  {} {} {} ({}) {}", v.mechanism, v.dates, v.mandate, v.status, v.id);
            }
        }
    }
}

/// Accepts a full item id or a unique prefix of at least 4 characters.
pub(crate) fn resolve(conn: &mut Conn, text: &str) -> Result<ItemId, Failure> {
    if let Ok(id) = ItemId::from_str(text) {
        return Ok(id);
    }
    let prefix = text.trim().to_ascii_lowercase();
    let unknown = || FieldError::new("id", text, "no item has this id; see 'liaison list'");
    if prefix.len() < 4 || !prefix.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(unknown().into());
    }
    let Response::Ids(ids) = conn.call(Request::Ids)? else {
        return Err(Failure::system("unexpected answer from the node"));
    };
    let matches: Vec<ItemId> =
        ids.into_iter().filter(|id| id.to_string().starts_with(&prefix)).collect();
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

/// An RFC 3339 time, or a date meaning midnight UTC.
fn parse_moment(text: &str) -> Result<chrono::DateTime<Utc>, FieldError> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(t.with_timezone(&Utc));
    }
    parse_date("embargo-until", text)
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| {
            FieldError::new(
                "embargo-until",
                text,
                "expected a time such as 2027-03-01T09:00:00Z or a date",
            )
        })
}

fn mechanisms(codes: &[String]) -> Result<Vec<Mechanism>, FieldError> {
    codes.iter().filter(|c| !c.trim().is_empty()).map(|c| c.trim().parse()).collect()
}

pub(crate) fn countries(codes: &[String]) -> Result<Vec<CountryCode>, FieldError> {
    codes.iter().map(|c| c.parse()).collect()
}

pub(crate) fn opt<T>(
    value: &Option<String>,
    parse: impl Fn(&str) -> Result<T, FieldError>,
) -> Result<Option<T>, FieldError> {
    value.as_deref().map(parse).transpose()
}

pub(crate) fn label(a: &LabelArgs) -> Result<(Label, Vec<Mechanism>), FieldError> {
    let label = Label::from_str(&a.label)?;
    let audience = mechanisms(&a.audience)?;
    liaison_protocol::label::check_audience(label, &audience)?;
    Ok((label, audience))
}

/// `LANG=TEXT` arguments of `flag` as texts by language.
pub(crate) fn translations(flag: &str, args: &[String]) -> Result<Translations, FieldError> {
    let mut texts = Translations::new();
    for arg in args {
        let (lang, text) = arg.split_once('=').ok_or_else(|| {
            FieldError::new(flag, arg, "expected LANG=TEXT such as fr=Visite en Tunisie")
        })?;
        let lang: LangTag = lang
            .trim()
            .parse()
            .map_err(|e: FieldError| FieldError { field: flag.to_owned(), ..e })?;
        if texts.insert(lang, text.to_owned()).is_some() {
            return Err(FieldError::new(flag, arg, "each language once"));
        }
    }
    Ok(texts)
}

pub(crate) fn common(title: String, a: &CommonArgs) -> Result<Fields, FieldError> {
    let mut fields = Fields::new(Text { value: title, lang: LangTag::from_str(&a.lang)? });
    fields.summary.clone_from(&a.languages.summary);
    fields.title_in = translations("title-in", &a.languages.title_in)?;
    fields.summary_in = translations("summary-in", &a.languages.summary_in)?;
    fields.embargo_until = opt(&a.embargo_until, parse_moment)?;
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

pub(crate) fn draft(kind: Kind, fields: Fields, a: &LabelArgs) -> Result<Draft, Failure> {
    let (label, audience) = label(a)?;
    fields.validate(kind, label)?;
    Ok(Draft { kind, fields, label, audience, co_owners: Vec::new(), supersedes: None })
}

fn visit_draft(a: VisitForecastArgs) -> Result<Draft, Failure> {
    let country: liaison_protocol::VisitCountry = a.country.parse()?;
    let mut patch = visit_patch(&a.visit)?;
    let status = match &a.status {
        Some(s) => s.parse()?,
        None => match patch.planned.map(|p| p.precision) {
            Some(liaison_protocol::Precision::Day) => VisitStatus::Scheduled,
            Some(_) => VisitStatus::Accepted,
            None => VisitStatus::Requested,
        },
    };
    patch.status = Some(StatusStep { status, date: today(), note: None });
    let title = a.title.clone().unwrap_or_else(|| {
        let place = country.code().map_or_else(|| "an undisclosed State".to_owned(), |c| c.name());
        format!("{}: visit to {place}", a.mandate)
    });
    let mut fields = common(title, &a.common)?;
    fields.visit = Some(Visit::new(a.mandate.clone(), country, status));
    patch.apply(&mut fields)?;
    draft(Kind::Visit, fields, &a.label)
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// The visit fields given on the command line, as a change to apply.
fn visit_patch(a: &VisitFieldArgs) -> Result<VisitPatch, FieldError> {
    let mut patch = VisitPatch::default();
    if let (Some(from), Some(to)) = (&a.from, &a.to) {
        patch.planned = Some(Planned::days(parse_date("from", from)?, parse_date("to", to)?)?);
    }
    if let Some(p) = &a.planned {
        patch.planned = Some(Planned::parse_coarse(p)?);
    }
    patch.visit_type = opt(&a.visit_type, str::parse)?;
    if let Some(c) = &a.call_for_input {
        let (deadline, url) = c.split_once(',').ok_or_else(|| {
            FieldError::new(
                "call-for-input",
                c,
                "expected DEADLINE,URL such as 2027-03-01,https://ohchr.org/cfi",
            )
        })?;
        patch.call_for_input = Some(CallForInput {
            deadline: parse_date("call-for-input", deadline)?,
            url: url.trim().to_owned(),
        });
    }
    for s in &a.sites {
        let (cc, place) = match s.split_once(':') {
            Some((cc, place)) => (cc, Some(place.trim().to_owned())),
            None => (s.as_str(), None),
        };
        let country =
            cc.parse().map_err(|e: FieldError| FieldError { field: "site".into(), ..e })?;
        patch.add_sites.push(Site { country, place });
    }
    patch.report.clone_from(&a.report);
    for p in &a.programme {
        let parts: Vec<&str> = p.splitn(3, '|').collect();
        let [date, place, meeting] = parts.as_slice() else {
            return Err(FieldError::new("programme", p, "expected DATE|PLACE|MEETING"));
        };
        patch.add_programme.push(ProgrammeEntry {
            date: parse_date("programme", date)?,
            place: place.trim().to_owned(),
            meeting: meeting.trim().to_owned(),
        });
    }
    patch.notes.clone_from(&a.notes);
    Ok(patch)
}

fn visit_update(a: VisitUpdateArgs, conn: &mut Conn) -> Result<(), Failure> {
    let id = resolve(conn, &a.id)?;
    let mut patch = visit_patch(&a.visit)?;
    if let Some(status) = &a.status {
        patch.status =
            Some(StatusStep { status: status.parse()?, date: today(), note: a.note.clone() });
    }
    if let (Some(f), Some(t)) = (&a.actual_from, &a.actual_to) {
        patch.actual =
            Some(Span { start: parse_date("actual-from", f)?, end: parse_date("actual-to", t)? });
    }
    patch.country = opt(&a.country, str::parse)?;
    patch.mandate.clone_from(&a.mandate);
    patch.title.clone_from(&a.title);
    patch.summary.clone_from(&a.languages.summary);
    patch.title_in = translations("title-in", &a.languages.title_in)?;
    patch.summary_in = translations("summary-in", &a.languages.summary_in)?;
    patch.dates_to_be_agreed = a.dates_to_be_agreed;
    let moved = patch.planned.is_some()
        || patch.actual.is_some()
        || patch.country.is_some()
        || !patch.add_sites.is_empty()
        || patch.status.is_some();
    match conn.call(Request::UpdateVisit { id, patch })? {
        Response::Updated(Some(r)) => {
            eprintln!("updated {id}: revision {r}");
            if moved {
                warn_overlaps(conn, id);
            }
        }
        Response::Updated(None) => eprintln!("{id} unchanged: nothing to update"),
        r => return Err(unexpected(r)),
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
        // A report's summary stays where reports have always kept it.
        summary: a.common.languages.summary.clone(),
        related_visit: opt(&a.related_visit, str::parse)?,
    };
    let mut fields = common(a.title.clone(), &a.common)?;
    fields.summary = None;
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

fn list(a: ListArgs, conn: &mut Conn) -> Result<(), Failure> {
    let mut query = query(&a.filter)?;
    query.from = opt(&a.from, |s| parse_date("from", s))?;
    query.to = opt(&a.to, |s| parse_date("to", s))?;
    query.withdrawn = a.withdrawn;
    if let (Some(from), Some(to)) = (query.from, query.to)
        && to < from
    {
        return Err(FieldError::new("to", to, format!("must not be before --from ({from})")).into());
    }
    match conn.call(Request::List { query })? {
        Response::Entries(entries) => output::list(&entries, a.format),
        r => Err(unexpected(r)),
    }
}

fn search(a: SearchArgs, conn: &mut Conn) -> Result<(), Failure> {
    let mut query = query(&a.filter)?;
    query.from = opt(&a.from, |s| parse_date("from", s))?;
    query.to = opt(&a.to, |s| parse_date("to", s))?;
    query.withdrawn = a.withdrawn;
    let request = Request::Search { text: a.text, query, limit: usize::from(a.limit) };
    match conn.call(request)? {
        Response::Found(found) => output::found(&found, a.format),
        r => Err(unexpected(r)),
    }
}

fn export_items(a: ExportArgs, conn: &mut Conn) -> Result<(), Failure> {
    let query = query(&a.filter)?;
    let audience = crate::coord::audience(a.audience.as_deref())?;
    if a.excel && !matches!(a.format, ExportFormat::Csv) {
        return Err(FieldError::new("--excel", "set", "only with 'export csv'").into());
    }
    let format = match a.format {
        ExportFormat::Ics => export::ExportFormat::Ics,
        ExportFormat::Json => export::ExportFormat::Json,
        ExportFormat::Csv => export::ExportFormat::Csv,
    };
    match conn.call(Request::Export { query, audience, format })? {
        Response::Text(text) if a.excel => {
            output::write(a.output.as_deref(), &format!("{}{text}", export::EXCEL_BOM))
        }
        Response::Text(text) => output::write(a.output.as_deref(), &text),
        r => Err(unexpected(r)),
    }
}

fn import(a: ImportArgs, conn: &mut Conn) -> Result<(), Failure> {
    let meta = std::fs::metadata(&a.file)
        .map_err(|e| Failure { code: 2, message: format!("{}: {e}", a.file.display()) })?;
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
    let (report, created) = match conn.call(Request::Import { text }) {
        Ok(Response::Imported { report, created }) => (report, created),
        Ok(r) => return Err(unexpected(r)),
        Err(f) => {
            return Err(Failure { message: format!("{}: {}", a.file.display(), f.message), ..f });
        }
    };
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

/// `key rotate`: a new key for the stopped node; prints its card.
fn rotate(dir: &Path) -> Result<(), Failure> {
    let (repo, old) = Repo::rotate_key(dir).map_err(|e| match e {
        Error::StoreBusy(_) => Failure {
            code: 2,
            message: "the node is running: stop it, rotate its key, then start it again".into(),
        },
        e => e.into(),
    })?;
    output::line(&repo.identity().card().encode());
    eprintln!(
        "new key {}; the old key {old} is in {} until you delete it. Next: have your \
         authority certify the card above ('liaison authority certify'), install the \
         certificate with 'liaison cert add', then revoke the old key as retired.",
        repo.identity().public_key(),
        dir.join(liaison_node::identity::RETIRED_KEY_FILE).display()
    );
    Ok(())
}

/// `cert add`: certificates and revocations, each line by its prefix.
fn add_statements(lines: &[String], conn: &mut Conn) -> Result<(), Failure> {
    let mut statements = Vec::with_capacity(lines.len());
    for line in lines {
        let line = line.trim();
        let (prefix, what) = if line.starts_with(REVOCATION_PREFIX) {
            (REVOCATION_PREFIX, "revocation")
        } else {
            (CERT_PREFIX, "certificate")
        };
        let signed = Signed::decode(line, prefix, what)
            .map_err(|e| Failure { code: 2, message: format!("{what}: {e}") })?;
        statements.push(signed);
    }
    report_statements(conn.call(Request::AddStatements { statements })?)
}

/// Prints what each statement installed said, or why it was refused.
fn report_statements(response: Response) -> Result<(), Failure> {
    let outcomes = match response {
        Response::Statements(outcomes) => outcomes,
        r => return Err(unexpected(r)),
    };
    let mut refused = 0;
    for outcome in outcomes {
        match outcome {
            Ok(line) => eprintln!("installed {line}"),
            Err(why) => {
                refused += 1;
                eprintln!("refused: {why}");
            }
        }
    }
    if refused > 0 {
        return Err(Failure {
            code: 2,
            message: format!("{refused} refused, nothing of them kept"),
        });
    }
    Ok(())
}

fn roster(c: RosterCommand, conn: &mut Conn) -> Result<(), Failure> {
    match c {
        RosterCommand::Add(a) if a.card.trim().starts_with(AUTHORITY_PREFIX) => {
            let card = AuthorityCard::decode(&a.card)?;
            if a.role.is_some() || !a.addr.is_empty() {
                return Err(Failure {
                    code: 2,
                    message: "--role and --addr apply to node cards, not authority cards".into(),
                });
            }
            let summary = format!("{} ({})", card.mechanism, card.key.short());
            conn.call(Request::RosterAddAuthority { card })?;
            eprintln!(
                "anchored the authority of {summary}: every node key it certifies is a node of \
                 that mechanism here"
            );
        }
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
            let summary = format!("{} {} ({})", card.role, card.mechanism, card.key.short());
            conn.call(Request::RosterAdd { card })?;
            eprintln!("added {summary}");
        }
        RosterCommand::List => {
            let own = match conn.call(Request::Identity)? {
                Response::Card(card) => card.key,
                r => return Err(unexpected(r)),
            };
            match conn.call(Request::RosterList)? {
                Response::Cards(cards) => output::roster(&cards, &own),
                r => return Err(unexpected(r)),
            }
            match conn.call(Request::Trust)? {
                Response::Trust(trust) => output::trust(&trust),
                r => return Err(unexpected(r)),
            }
        }
        RosterCommand::Remove(a) => match conn.call(Request::RosterRemove { peer: a.peer })? {
            Response::Cards(cards) => {
                for card in cards {
                    eprintln!("removed {} {} ({})", card.role, card.mechanism, card.key.short());
                }
            }
            r => return Err(unexpected(r)),
        },
    }
    Ok(())
}
