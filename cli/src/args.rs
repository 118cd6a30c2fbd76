//! The command line, as clap reads it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod recommendation;
pub(crate) use recommendation::*;

/// Liaison: share calendars, visit forecasts, reports and contacts between human-rights
/// mechanisms, with labels that decide who may ever receive each item.
#[derive(Debug, Parser)]
#[command(name = "liaison", version, propagate_version = true, max_term_width = 100)]
pub(crate) struct Cli {
    /// The node's data directory [default: the platform's data directory, e.g. ~/.local/share/liaison]
    #[arg(long, global = true, env = "LIAISON_DIR", value_name = "DIR")]
    pub(crate) data_dir: Option<PathBuf>,
    /// More log output on stderr (-v info, -vv debug); LIAISON_LOG overrides
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
    /// Log lines as text, or as one JSON object a line (for journald and log collectors)
    #[arg(long, global = true, value_enum, default_value = "text", env = "LIAISON_LOG_FORMAT")]
    pub(crate) log_format: LogFormat,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create this node: its key (mode 0600), config file and store
    Init(InitArgs),
    /// Print this node's identity card (one line starting 'liaison1:') to give to peers
    Id,
    /// Run the node: sync with the roster over libp2p and serve the local API until interrupted
    Node(NodeArgs),
    /// The running node's state: identity, addresses, items, peers
    Status,
    /// The running node's peers: connected or not, last sync, items sent and received, refusals
    Peers(PeersArgs),
    /// Country visits: forecast a visit, update its status or dates
    #[command(subcommand)]
    Visit(VisitCommand),
    /// Calendar events: sessions, meetings, hearings, deadlines, launches
    #[command(subcommand)]
    Event(EventCommand),
    /// Reports and statements
    #[command(subcommand)]
    Report(ReportCommand),
    /// The directory of secretariats
    #[command(subcommand)]
    Contact(ContactCommand),
    /// Recommendations of mechanisms to States, and the follow-up of their implementation
    #[command(subcommand)]
    Recommendation(RecommendationCommand),
    /// A country's recommendations from every mechanism, by theme, those that say the same
    /// thing clustered together
    Recommendations(MatrixArgs),
    /// List items, newest dates last
    List(ListArgs),
    /// Search the text of the items this node holds, best matches first
    Search(SearchArgs),
    /// Show one item: fields, label, who may see it, history and signatures
    Show(ShowArgs),
    /// Withdraw an item: it vanishes from mirrors and exports
    Withdraw(IdArg),
    /// Reissue an item under a new label: a new item with a fresh history; the old one is withdrawn
    Reissue(ReissueArgs),
    /// Export items as iCalendar, JSON or CSV
    Export(ExportArgs),
    /// Import a JSON file as 'liaison export json' writes it
    Import(ImportArgs),
    /// The nodes this node knows
    #[command(subcommand)]
    Roster(RosterCommand),
    /// Visits of different mechanisms to the same country close together in time
    Overlaps(OverlapsArgs),
    /// Proposals (joint visits, following recommendations) addressed to this node's mechanism,
    /// and those it made
    Inbox,
    /// The weekly digest: new, changed and cancelled items, upcoming visits, calls for input,
    /// overlaps; with --for, exactly what that mechanism (or the public) may see
    Digest(DigestArgs),
    /// Check an item's provenance: signatures of its header and of every change
    Verify(VerifyArgs),
    /// A mechanism's offline authority key: certify node keys, revoke them, publish a keyset
    #[command(subcommand)]
    Authority(AuthorityCommand),
    /// Certificates and revocations on this node: install this node's certificate, or a
    /// revocation to pass on to the federation
    #[command(subcommand)]
    Cert(CertCommand),
    /// This node's key
    #[command(subcommand)]
    Key(KeyCommand),
    /// The public mirror's static export
    #[command(subcommand)]
    Mirror(MirrorCommand),
    /// Write a consistent snapshot of this node (items, withdrawn ones too, roster, config) to
    /// FILE, whether the node runs or not
    Backup(BackupArgs),
    /// Bring a node back from a backup into an empty data directory (--data-dir DIR)
    Restore(RestoreArgs),
    /// Check this node: permissions, key, config, every record, peers' reachability, free disk
    Doctor,
    /// Create a local demo federation (ohchr, achpr, coe, iachr) with sample data and show
    /// what each node holds and why
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
pub(crate) struct BackupArgs {
    /// The backup file to write
    pub(crate) file: PathBuf,
    /// Include the node's key, encrypted with a passphrase (LIAISON_BACKUP_PASSPHRASE, or asked
    /// for on the terminal)
    #[arg(long)]
    pub(crate) include_key: bool,
}

#[derive(Debug, Args)]
pub(crate) struct RestoreArgs {
    /// The backup file to read
    pub(crate) file: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct OverlapsArgs {
    /// Only this country
    #[arg(long, value_name = "CC")]
    pub(crate) country: Option<String>,
    /// Only clusters with a visit ending on or after this day
    #[arg(long, value_name = "DATE")]
    pub(crate) from: Option<String>,
    /// Only clusters with a visit starting on or before this day
    #[arg(long, value_name = "DATE")]
    pub(crate) to: Option<String>,
    /// Days either side of a visit [default: the config's overlap_window_days, 60]
    #[arg(long, value_name = "DAYS")]
    pub(crate) window: Option<u32>,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub(crate) format: TableFormat,
}

#[derive(Debug, Args)]
pub(crate) struct DigestArgs {
    /// The period: 7d, 2w, 24h, a date (YYYY-MM-DD) or a time (RFC 3339)
    #[arg(long, default_value = "7d", value_name = "PERIOD")]
    pub(crate) since: String,
    /// Only what this mechanism's nodes may receive, or 'public' for clear items only
    #[arg(long = "for", value_name = "CODE|public")]
    pub(crate) audience: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub(crate) format: DigestFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum DigestFormat {
    Text,
    Markdown,
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum TableFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// A provenance document (a file, or an http URL such as a mirror's /items/ID/provenance),
    /// or a JSON export
    pub(crate) source: String,
    /// What anchors trust in the signers (repeatable): a keyset file or URL (a mechanism's
    /// /.well-known/liaison-keyset.json), or an authority card ('liaison-authority1:...', or a
    /// file holding one). Without it, the roster of the node in --data-dir, if there is one.
    /// Exit 0: every signer anchored; 3: signatures valid but a key not anchored; 2: invalid
    #[arg(long, value_name = "KEYSET|URL|CARD")]
    pub(crate) trust: Vec<String>,
    /// Fail (exit 3) when the owner's latest checkpoint that covers this copy is older than
    /// this (90s, 30m, 2h, 1d), or there is none: an old copy may hide a later change
    #[arg(long, value_name = "DURATION", value_parser = crate::verify::parse_duration)]
    pub(crate) max_age: Option<chrono::TimeDelta>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum MirrorCommand {
    /// Write the public site (HTML, JSON, iCalendar, Atom) as static files into DIR
    Export(MirrorExportArgs),
}

#[derive(Debug, Args)]
pub(crate) struct MirrorExportArgs {
    /// The directory to write into
    pub(crate) dir: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct NodeArgs {
    /// Listen on this libp2p address instead of the configured ones (repeatable)
    #[arg(long, value_name = "MULTIADDR")]
    pub(crate) listen: Vec<String>,
    /// Serve the local API on this loopback address instead of the configured one
    #[arg(long, value_name = "ADDR:PORT")]
    pub(crate) api: Option<String>,
    /// Serve clear items, read only, to mirrors outside the roster
    #[arg(long)]
    pub(crate) allow_mirrors: bool,
    /// Serve the public read-only site on this address instead of the configured one
    #[arg(long, value_name = "ADDR:PORT")]
    pub(crate) http: Option<String>,
    /// Seconds between full reconciliations with each connected peer
    #[arg(long, default_value = "30", value_name = "SECS")]
    pub(crate) reconcile_every: u64,
    /// A member signs a checkpoint of its mechanism's public items at least this often (seconds),
    /// and within 30 seconds (or this, if shorter) of any change to them
    #[arg(long, default_value = "3600", value_name = "SECS")]
    pub(crate) checkpoint_every: u64,
    /// Serve the operator's Prometheus metrics (sync lag and refusals per peer, store size,
    /// queue depths) at http://ADDR:PORT/metrics; bind it where only monitoring can reach
    #[arg(long, value_name = "ADDR:PORT")]
    pub(crate) metrics: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct PeersArgs {
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub(crate) format: ShowFormat,
}

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Where to create the nodes' data directories [default: a new directory under the system's temp directory]
    #[arg(long, value_name = "DIR")]
    pub(crate) dir: Option<PathBuf>,
    /// Stop after this many seconds instead of running until interrupted
    #[arg(long, value_name = "SECS")]
    pub(crate) exit_after: Option<u64>,
}

#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// This node's mechanism, a short code such as ohchr, achpr, coe, iachr
    #[arg(long, value_name = "CODE")]
    pub(crate) mechanism: String,
    /// A name for this node, shown on its identity card ("OHCHR Geneva")
    #[arg(long, value_name = "TEXT")]
    pub(crate) name: Option<String>,
    /// member (a secretariat's node) or mirror (public, read-only)
    #[arg(long, default_value = "member", value_name = "ROLE")]
    pub(crate) role: String,
    /// libp2p address to listen on (repeatable) [default: /ip4/0.0.0.0/tcp/4747]
    #[arg(long, value_name = "MULTIADDR")]
    pub(crate) listen: Vec<String>,
    /// Loopback address of the local API the CLI uses while the node runs [default: 127.0.0.1:7878]
    #[arg(long, value_name = "ADDR:PORT")]
    pub(crate) api: Option<String>,
    /// Serve the public read-only site (pages, JSON API, feeds) on this address, e.g. 0.0.0.0:8080
    #[arg(long, value_name = "ADDR:PORT")]
    pub(crate) http: Option<String>,
}

/// Who may receive an item.
#[derive(Debug, Args, Clone)]
pub(crate) struct LabelArgs {
    /// clear (public), green (all members), amber (owner + audience), amber-strict (owner only),
    /// red (this node only)
    #[arg(long, default_value = "green", value_name = "LABEL")]
    pub(crate) label: String,
    /// For amber: the mechanisms that may also receive it, comma-separated (achpr,coe)
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub(crate) audience: Vec<String>,
}

/// Fields every item kind has.
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct CommonArgs {
    /// Language of the title and summary, a BCP 47 tag
    #[arg(long, default_value = "en", value_name = "TAG")]
    pub(crate) lang: String,
    #[command(flatten)]
    pub(crate) languages: LanguageArgs,
    /// A theme (repeatable): torture, detention, defenders, ...
    #[arg(long = "theme", value_name = "TEXT")]
    pub(crate) themes: Vec<String>,
    /// A link (repeatable), as URL or REL=URL
    #[arg(long = "link", value_name = "URL")]
    pub(crate) links: Vec<String>,
    /// Keep the item under its narrower label until then (RFC 3339, or a date for midnight UTC);
    /// the node then reissues it as clear, without its history
    #[arg(long, value_name = "DATETIME")]
    pub(crate) embargo_until: Option<String>,
}

/// The summary, and the title and summary in other languages than the item's own.
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct LanguageArgs {
    /// A short summary, in the item's language
    #[arg(long, value_name = "TEXT")]
    pub(crate) summary: Option<String>,
    /// The title in another language (repeatable): LANG=TEXT, such as fr="Visite en Tunisie"
    #[arg(long = "title-in", value_name = "LANG=TEXT")]
    pub(crate) title_in: Vec<String>,
    /// The summary in another language (repeatable): LANG=TEXT
    #[arg(long = "summary-in", value_name = "LANG=TEXT")]
    pub(crate) summary_in: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum VisitCommand {
    /// Forecast a country visit; prints the new item's id
    Forecast(VisitForecastArgs),
    /// Change a visit: status (with a note), dates, type, call for input, ...
    Update(VisitUpdateArgs),
    /// Propose to the owner of another visit a joint visit; prints the proposal's id
    ProposeJoint(ProposeJointArgs),
    /// Accept a joint-visit proposal: creates the joint visit, co-owned; prints its id
    AcceptJoint(AcceptJointArgs),
    /// Decline a joint-visit proposal
    DeclineJoint(DeclineJointArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ProposeJointArgs {
    /// This node's visit (or a unique prefix of its id)
    pub(crate) id: String,
    /// The other mechanism's visit
    #[arg(long = "with", value_name = "ID")]
    pub(crate) with: String,
    /// A note for the other mechanism
    #[arg(long, value_name = "TEXT")]
    pub(crate) note: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct AcceptJointArgs {
    /// The proposal (see 'liaison inbox')
    pub(crate) proposal: String,
    /// The joint visit's label [default: the narrower of the two visits' labels; never wider]
    #[arg(long, value_name = "LABEL")]
    pub(crate) label: Option<String>,
    /// For amber: the mechanisms that may also receive it
    #[arg(long, value_delimiter = ',', value_name = "CODES", requires = "label")]
    pub(crate) audience: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct DeclineJointArgs {
    /// The proposal (see 'liaison inbox')
    pub(crate) proposal: String,
    /// Why
    #[arg(long, value_name = "TEXT")]
    pub(crate) note: Option<String>,
}

/// Visit fields settable when forecasting and updating.
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct VisitFieldArgs {
    /// First day, YYYY-MM-DD (with --to)
    #[arg(long, value_name = "DATE", requires = "to", conflicts_with = "planned")]
    pub(crate) from: Option<String>,
    /// Last day, YYYY-MM-DD (with --from)
    #[arg(long, value_name = "DATE", requires = "from")]
    pub(crate) to: Option<String>,
    /// A coarse forecast: a quarter (2027-Q2), a month (2027-05) or a year (2027)
    #[arg(long, value_name = "PERIOD")]
    pub(crate) planned: Option<String>,
    /// Visit type: official, follow_up, promotional, in_loco, working, periodic, ad_hoc, joint, other
    #[arg(long = "type", value_name = "TYPE")]
    pub(crate) visit_type: Option<String>,
    /// Call for input to NGOs: DEADLINE,URL
    #[arg(long, value_name = "DATE,URL")]
    pub(crate) call_for_input: Option<String>,
    /// A place visited (repeatable), CC or CC:PLACE, which may lie in another country
    #[arg(long = "site", value_name = "CC[:PLACE]")]
    pub(crate) sites: Vec<String>,
    /// The resulting report: an item id or a document symbol
    #[arg(long, value_name = "ID|SYMBOL")]
    pub(crate) report: Option<String>,
    /// A programme entry (repeatable), DATE|PLACE|MEETING; amber, amber-strict or red only
    #[arg(long = "programme", value_name = "DATE|PLACE|MEETING")]
    pub(crate) programme: Vec<String>,
    /// Internal working notes; amber, amber-strict or red only
    #[arg(long, value_name = "TEXT")]
    pub(crate) notes: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct VisitForecastArgs {
    /// The visiting mandate ("SR on torture", "CPT", "ACHPR SR on human rights defenders")
    #[arg(long, value_name = "TEXT")]
    pub(crate) mandate: String,
    /// The State visited: ISO 3166-1 alpha-2 code, or 'undisclosed'
    #[arg(long, value_name = "CC")]
    pub(crate) country: String,
    /// Status [default: scheduled with --from/--to, accepted with --planned, else requested]
    #[arg(long, value_name = "S")]
    pub(crate) status: Option<String>,
    /// Title [default: "<mandate>: visit to <country>"]
    #[arg(long, value_name = "TEXT")]
    pub(crate) title: Option<String>,
    #[command(flatten)]
    pub(crate) visit: VisitFieldArgs,
    #[command(flatten)]
    pub(crate) label: LabelArgs,
    #[command(flatten)]
    pub(crate) common: CommonArgs,
}

#[derive(Debug, Args)]
pub(crate) struct VisitUpdateArgs {
    /// The visit's id (or a unique prefix of it)
    pub(crate) id: String,
    /// New status; recorded in the status history
    #[arg(long, value_name = "S")]
    pub(crate) status: Option<String>,
    /// A note for the status history (with --status)
    #[arg(long, value_name = "TEXT", requires = "status")]
    pub(crate) note: Option<String>,
    /// First actual day, once the visit took place (with --actual-to)
    #[arg(long, value_name = "DATE", requires = "actual_to")]
    pub(crate) actual_from: Option<String>,
    /// Last actual day (with --actual-from)
    #[arg(long, value_name = "DATE", requires = "actual_from")]
    pub(crate) actual_to: Option<String>,
    /// New title
    #[arg(long, value_name = "TEXT")]
    pub(crate) title: Option<String>,
    /// New mandate
    #[arg(long, value_name = "TEXT")]
    pub(crate) mandate: Option<String>,
    /// New State visited
    #[arg(long, value_name = "CC")]
    pub(crate) country: Option<String>,
    /// Forget the planned dates: dates to be agreed
    #[arg(long, conflicts_with_all = ["from", "planned"])]
    pub(crate) dates_to_be_agreed: bool,
    /// A new summary; titles and summaries in other languages, each replacing the one it names
    #[command(flatten)]
    pub(crate) languages: LanguageArgs,
    #[command(flatten)]
    pub(crate) visit: VisitFieldArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum EventCommand {
    /// Add a calendar event; prints the new item's id
    Add(EventAddArgs),
}

#[derive(Debug, Args)]
pub(crate) struct EventAddArgs {
    /// The event's title
    #[arg(long, value_name = "TEXT")]
    pub(crate) title: String,
    /// First day (YYYY-MM-DD) or start (2027-03-03T10:00:00+01:00)
    #[arg(long, value_name = "DATE")]
    pub(crate) start: String,
    /// Last day, inclusive, or end time
    #[arg(long, value_name = "DATE")]
    pub(crate) end: Option<String>,
    /// session, meeting, hearing, deadline, launch, other
    #[arg(long, default_value = "meeting", value_name = "C")]
    pub(crate) category: String,
    /// tentative, confirmed, cancelled
    #[arg(long, default_value = "confirmed", value_name = "S")]
    pub(crate) status: String,
    /// A country the event concerns (repeatable)
    #[arg(long = "country", value_name = "CC")]
    pub(crate) countries: Vec<String>,
    /// Where it takes place, in words
    #[arg(long, value_name = "TEXT")]
    pub(crate) location: Option<String>,
    /// The country it takes place in, if not the one it concerns
    #[arg(long, value_name = "CC")]
    pub(crate) location_country: Option<String>,
    /// The session it belongs to ("HRC 61")
    #[arg(long, value_name = "TEXT")]
    pub(crate) session: Option<String>,
    #[command(flatten)]
    pub(crate) label: LabelArgs,
    #[command(flatten)]
    pub(crate) common: CommonArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ReportCommand {
    /// Publish a report; prints the new item's id
    Publish(ReportPublishArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ReportPublishArgs {
    /// The report's title
    #[arg(long, value_name = "TEXT")]
    pub(crate) title: String,
    /// The day it was issued
    #[arg(long, value_name = "DATE")]
    pub(crate) issued: String,
    /// Its document symbol (A/HRC/23/18, CPT/Inf (2024) 12)
    #[arg(long, value_name = "S")]
    pub(crate) symbol: Option<String>,
    /// mission_report, end_of_visit_statement, press_release, concluding_observations,
    /// annual_report, thematic_report, decision, other
    #[arg(long = "type", default_value = "other", value_name = "T")]
    pub(crate) doc_type: String,
    /// A language version (repeatable): LANG=URL
    #[arg(long = "file", value_name = "LANG=URL")]
    pub(crate) files: Vec<String>,
    /// A country it concerns (repeatable)
    #[arg(long = "country", value_name = "CC")]
    pub(crate) countries: Vec<String>,
    /// The visit it reports on
    #[arg(long, value_name = "ID")]
    pub(crate) related_visit: Option<String>,
    #[command(flatten)]
    pub(crate) label: LabelArgs,
    #[command(flatten)]
    pub(crate) common: CommonArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ContactCommand {
    /// Add a directory entry; prints the new item's id
    Add(ContactAddArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ContactAddArgs {
    /// focal_point, secretary, desk_officer, press, other
    #[arg(long, value_name = "R")]
    pub(crate) role: String,
    /// The function ("Focal point for regional mechanisms")
    #[arg(long, value_name = "TEXT")]
    pub(crate) function: String,
    /// The unit ("Special Procedures Branch")
    #[arg(long, value_name = "TEXT")]
    pub(crate) unit: String,
    /// A person's name (personal data; not on clear items without --public-name-consent)
    #[arg(long, value_name = "TEXT")]
    pub(crate) name: Option<String>,
    /// The person agreed to their name being public
    #[arg(long)]
    pub(crate) public_name_consent: bool,
    /// An e-mail address (repeatable); prefer functional mailboxes
    #[arg(long = "email", value_name = "E")]
    pub(crate) emails: Vec<String>,
    /// A telephone number in E.164 form (repeatable)
    #[arg(long = "phone", value_name = "P")]
    pub(crate) phones: Vec<String>,
    /// A country the desk covers (repeatable)
    #[arg(long = "country", value_name = "CC")]
    pub(crate) countries: Vec<String>,
    /// First day the entry holds
    #[arg(long, value_name = "DATE")]
    pub(crate) valid_from: Option<String>,
    /// Last day the entry holds
    #[arg(long, value_name = "DATE")]
    pub(crate) valid_until: Option<String>,
    #[command(flatten)]
    pub(crate) label: LabelArgs,
    #[command(flatten)]
    pub(crate) common: CommonArgs,
}

/// Which items.
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct FilterArgs {
    /// Only this kind: event, visit, report, contact, recommendation, proposal
    #[arg(long, value_name = "K")]
    pub(crate) kind: Option<String>,
    /// Only items concerning this country
    #[arg(long, value_name = "CC")]
    pub(crate) country: Option<String>,
    /// Only items owned or co-owned by this mechanism
    #[arg(long, value_name = "CODE")]
    pub(crate) mechanism: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum ListFormat {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    pub(crate) filter: FilterArgs,
    /// Only items whose dates end on or after this day
    #[arg(long, value_name = "DATE")]
    pub(crate) from: Option<String>,
    /// Only items whose dates start on or before this day
    #[arg(long, value_name = "DATE")]
    pub(crate) to: Option<String>,
    /// Include withdrawn items
    #[arg(long)]
    pub(crate) withdrawn: bool,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub(crate) format: ListFormat,
}

#[derive(Debug, Args)]
pub(crate) struct SearchArgs {
    /// The words: all must match; "a phrase", -excluded, title:word (at most 200 characters)
    pub(crate) text: String,
    #[command(flatten)]
    pub(crate) filter: FilterArgs,
    /// Only items whose dates end on or after this day
    #[arg(long, value_name = "DATE")]
    pub(crate) from: Option<String>,
    /// Only items whose dates start on or before this day
    #[arg(long, value_name = "DATE")]
    pub(crate) to: Option<String>,
    /// Include withdrawn items
    #[arg(long)]
    pub(crate) withdrawn: bool,
    /// Most items shown
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..=500))]
    pub(crate) limit: u16,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub(crate) format: ShowFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum ShowFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// The item's id (or a unique prefix of it)
    pub(crate) id: String,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub(crate) format: ShowFormat,
}

#[derive(Debug, Args)]
pub(crate) struct IdArg {
    /// The item's id (or a unique prefix of it)
    pub(crate) id: String,
}

#[derive(Debug, Args)]
pub(crate) struct ReissueArgs {
    /// The item's id (or a unique prefix of it)
    pub(crate) id: String,
    #[command(flatten)]
    pub(crate) label: ReissueLabel,
}

#[derive(Debug, Args)]
pub(crate) struct ReissueLabel {
    /// The new item's label
    #[arg(long, value_name = "LABEL")]
    pub(crate) label: String,
    /// For amber: the mechanisms that may also receive it
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub(crate) audience: Vec<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum ExportFormat {
    /// iCalendar (RFC 5545): events and day-precision visits
    Ics,
    /// JSON with provenance; 'liaison import' reads it back
    Json,
    /// CSV, one row per item
    Csv,
}

#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// ics, json or csv
    #[arg(value_enum)]
    pub(crate) format: ExportFormat,
    #[command(flatten)]
    pub(crate) filter: FilterArgs,
    /// Only what this mechanism may receive, or 'public' for clear items only
    #[arg(long = "for", value_name = "CODE|public")]
    pub(crate) audience: Option<String>,
    /// Write to FILE instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// For csv: start with the UTF-8 byte order mark, so that Excel reads Arabic and accented
    /// text as UTF-8
    #[arg(long)]
    pub(crate) excel: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// The JSON file
    pub(crate) file: PathBuf,
}

#[derive(Debug, Subcommand)]
pub(crate) enum KeyCommand {
    /// Give this (stopped) node a new key and print its new card, for its authority to
    /// certify; what the old key signed stays valid. The old key is kept in node.key.retired
    Rotate,
}

#[derive(Debug, Subcommand)]
pub(crate) enum CertCommand {
    /// Install certificates ('liaison-cert1:') or revocations ('liaison-revocation1:') signed
    /// by an anchored authority; the node passes them on to its peers
    Add(CertAddArgs),
}

#[derive(Debug, Args)]
pub(crate) struct CertAddArgs {
    /// The lines 'liaison authority certify' or 'liaison authority revoke' printed
    #[arg(required_unless_present = "keyset", value_name = "CERT")]
    pub(crate) lines: Vec<String>,
    /// A keyset file of an anchored authority ('liaison authority keyset'): its certificates
    /// and revocations, and the file itself, which the public site serves at /keysets/CODE.json
    #[arg(long, value_name = "FILE")]
    pub(crate) keyset: Option<std::path::PathBuf>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum RosterCommand {
    /// Add a node by its identity card ('liaison1:'), or anchor a mechanism's authority by its
    /// card ('liaison-authority1:'): then every node key it certifies is a node of that mechanism
    Add(RosterAddArgs),
    /// List the nodes this node knows
    List,
    /// Remove a node by key, or every node of a mechanism and its authority
    Remove(RosterRemoveArgs),
}

#[derive(Debug, Args)]
pub(crate) struct RosterAddArgs {
    /// The node's identity card, as 'liaison id' prints it, or an authority card, as
    /// 'liaison authority init' prints it
    pub(crate) card: String,
    /// Override the card's role
    #[arg(long, value_name = "ROLE")]
    pub(crate) role: Option<String>,
    /// Override the card's addresses (repeatable)
    #[arg(long, value_name = "MULTIADDR")]
    pub(crate) addr: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct RosterRemoveArgs {
    /// A public key (64 hex digits) or a mechanism code
    pub(crate) peer: String,
}

#[derive(Debug, Subcommand)]
pub(crate) enum AuthorityCommand {
    /// Create a mechanism's authority key in FILE (mode 0600; keep it offline, never on a node)
    /// and print its card (one line starting 'liaison-authority1:') for other secretariats
    Init(AuthorityInitArgs),
    /// Print the authority's card again
    Card(AuthorityFileArg),
    /// Certify a node of this mechanism by its identity card; prints the certificate
    Certify(AuthorityCertifyArgs),
    /// Revoke a node key; prints the revocation, which travels to every node and mirror
    Revoke(AuthorityRevokeArgs),
    /// Write the signed, expiring keyset (for /.well-known/liaison-keyset.json)
    Keyset(AuthorityKeysetArgs),
}

#[derive(Debug, Args)]
pub(crate) struct AuthorityInitArgs {
    /// The mechanism whose nodes it certifies
    #[arg(long, value_name = "CODE")]
    pub(crate) mechanism: String,
    /// A human name ("OHCHR authority")
    #[arg(long)]
    pub(crate) name: Option<String>,
    /// The key file to create
    #[arg(long, value_name = "FILE")]
    pub(crate) out: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct AuthorityFileArg {
    /// The authority's key file
    #[arg(long, value_name = "FILE")]
    pub(crate) authority: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct AuthorityCertifyArgs {
    #[command(flatten)]
    pub(crate) file: AuthorityFileArg,
    /// The node's identity card ('liaison id' prints it)
    pub(crate) card: String,
    /// Last day the certificate holds (YYYY-MM-DD, until the end of that day, UTC)
    #[arg(long, value_name = "DATE")]
    pub(crate) until: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct AuthorityRevokeArgs {
    #[command(flatten)]
    pub(crate) file: AuthorityFileArg,
    /// The node key to revoke (64 hex digits)
    pub(crate) key: String,
    /// compromised (nothing it signed is trusted any more) or retired
    #[arg(long, value_name = "REASON")]
    pub(crate) reason: String,
}

#[derive(Debug, Args)]
pub(crate) struct AuthorityKeysetArgs {
    #[command(flatten)]
    pub(crate) file: AuthorityFileArg,
    /// Where to write it
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: PathBuf,
    /// Days readers may trust it before they must fetch a newer one
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub(crate) valid_days: u32,
}
