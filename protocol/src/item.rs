//! The item kinds and their fields (see data-model.md), and their validation.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::values::{
    Translations, check_email, check_phone, check_text, check_translations, check_url,
};
use crate::words::words;
use crate::{CountryCode, FieldError, ItemId, Label, LangTag, Planned, Text, VisitCountry, When};

mod recommendation;
pub use recommendation::{Assessment, Implementation, Recommendation, Upr, UprPosition};

/// Longest text accepted in any one field, in bytes. Items are calendar entries, not documents.
pub const MAX_TEXT: usize = 8 * 1024;
/// Most entries accepted in any one list field.
pub const MAX_LIST: usize = 256;
/// The years a date may fall in: those RFC 3339 and iCalendar can write, so date arithmetic
/// (a day after an all-day event's end, a window around a visit) never leaves chrono's range.
pub const YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

words! {
    /// What an item is.
    Kind, "kind" {
        /// A calendar event: session, meeting, hearing, deadline, launch.
        Event = "event",
        /// A country visit, from forecast to report.
        Visit = "visit",
        /// A published report or statement.
        Report = "report",
        /// An entry in the directory of secretariats.
        Contact = "contact",
        /// A proposal of a joint visit from one mechanism to another, or to follow another
        /// mechanism's recommendation.
        Proposal = "proposal",
        /// A recommendation of a mechanism to a State, with the follow-up of its implementation.
        Recommendation = "recommendation",
    }
}

words! {
    /// Where a joint-visit proposal stands.
    ProposalStatus, "status" {
        /// Waiting for an answer.
        Open = "open",
        /// Accepted: the joint visit exists.
        Accepted = "accepted",
        /// Declined.
        Declined = "declined",
    }
}

words! {
    /// What a proposal proposes.
    #[derive(Default)]
    ProposalSubject, "subject" {
        /// A joint visit: the two visits become one, co-owned.
        #[default]
        JointVisit = "joint_visit",
        /// To follow a recommendation: its owner reissues it co-owned with the proposer, who may
        /// then record assessments of its implementation in it.
        Follow = "follow",
    }
}

impl ProposalSubject {
    fn is_joint_visit(&self) -> bool {
        *self == ProposalSubject::JointVisit
    }
}

words! {
    /// The kind of a calendar event (iCalendar CATEGORIES).
    EventCategory, "category" {
        /// A session of a body.
        Session = "session",
        /// A meeting.
        Meeting = "meeting",
        /// A hearing.
        Hearing = "hearing",
        /// A deadline.
        Deadline = "deadline",
        /// A launch.
        Launch = "launch",
        /// Anything else.
        Other = "other",
    }
}

words! {
    /// An event's status (iCalendar STATUS).
    EventStatus, "status" {
        /// Not yet confirmed.
        Tentative = "tentative",
        /// Confirmed.
        Confirmed = "confirmed",
        /// Cancelled.
        Cancelled = "cancelled",
    }
}

words! {
    /// The kind of a country visit.
    VisitType, "type" {
        /// An official country visit.
        Official = "official",
        /// A follow-up visit.
        FollowUp = "follow_up",
        /// A promotional visit.
        Promotional = "promotional",
        /// An on-site (in loco) visit.
        InLoco = "in_loco",
        /// A working visit.
        Working = "working",
        /// A periodic visit (CPT, SPT).
        Periodic = "periodic",
        /// An ad hoc visit.
        AdHoc = "ad_hoc",
        /// A joint visit of several mechanisms.
        Joint = "joint",
        /// Anything else.
        Other = "other",
    }
}

words! {
    /// Where a visit stands, from request to completion.
    VisitStatus, "status" {
        /// Requested from the State.
        Requested = "requested",
        /// A reminder was sent.
        ReminderSent = "reminder_sent",
        /// The State invited the mechanism.
        Invited = "invited",
        /// The State acknowledged the request.
        Acknowledged = "acknowledged",
        /// Accepted; dates may still be to be agreed.
        Accepted = "accepted",
        /// Dates were proposed.
        DatesProposed = "dates_proposed",
        /// Dates are fixed.
        Scheduled = "scheduled",
        /// Under way.
        Underway = "underway",
        /// Completed.
        Completed = "completed",
        /// Postponed.
        Postponed = "postponed",
        /// Declined by the State.
        Declined = "declined",
        /// Cancelled.
        Cancelled = "cancelled",
    }
}

impl VisitStatus {
    /// The iCalendar STATUS this maps to (data-model.md).
    pub fn ical_status(self) -> EventStatus {
        use VisitStatus::*;
        match self {
            Scheduled | Underway | Completed => EventStatus::Confirmed,
            Declined | Cancelled => EventStatus::Cancelled,
            Requested | ReminderSent | Invited | Acknowledged | Accepted | DatesProposed
            | Postponed => EventStatus::Tentative,
        }
    }
}

words! {
    /// What a report is.
    DocType, "type" {
        /// A report on a country visit.
        MissionReport = "mission_report",
        /// A statement at the end of a visit.
        EndOfVisitStatement = "end_of_visit_statement",
        /// A press release.
        PressRelease = "press_release",
        /// Concluding observations of a treaty body.
        ConcludingObservations = "concluding_observations",
        /// An annual report.
        AnnualReport = "annual_report",
        /// A thematic report.
        ThematicReport = "thematic_report",
        /// A decision.
        Decision = "decision",
        /// Anything else.
        Other = "other",
    }
}

words! {
    /// What a contact does in the secretariat.
    ContactRole, "role" {
        /// The mechanism's focal point for cooperation.
        FocalPoint = "focal_point",
        /// The secretary of a body.
        Secretary = "secretary",
        /// A country or thematic desk officer.
        DeskOfficer = "desk_officer",
        /// Press and media.
        Press = "press",
        /// Anything else.
        Other = "other",
    }
}

/// A link from an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// What the link is (`related`, `alternate`, `via`, ...).
    pub rel: String,
    /// Where it points: an absolute http(s) URL.
    pub href: String,
    /// The language of the target, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<LangTag>,
}

/// The fields of an item: those every kind has, and the ones of its kind.
///
/// Exactly one of `event`, `visit`, `report`, `contact` is set: the one of the header's kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fields {
    /// The title, with its language.
    pub title: Text,
    /// The title in other languages than `title.lang`, by language.
    #[serde(default, skip_serializing_if = "Translations::is_empty")]
    pub title_in: Translations,
    /// A short summary in the title's language, for every kind. A report's own
    /// `report.summary` predates it and still counts ([`Fields::summary_text`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The summary in other languages than `title.lang`, by language.
    #[serde(default, skip_serializing_if = "Translations::is_empty")]
    pub summary_in: Translations,
    /// Countries the item is about (a visit's State and sites are in `visit`).
    #[serde(default)]
    pub countries: Vec<CountryCode>,
    /// Free themes (`torture`, `detention`, `defenders`).
    #[serde(default)]
    pub themes: Vec<String>,
    /// Links to other pages.
    #[serde(default)]
    pub links: Vec<Link>,
    /// When the owner will reissue the item as `clear`, if it is embargoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embargo_until: Option<DateTime<Utc>>,
    /// Set on `event` items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<Event>,
    /// Set on `visit` items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visit: Option<Visit>,
    /// Set on `report` items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<Report>,
    /// Set on `contact` items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    /// Set on `proposal` items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposal: Option<Proposal>,
    /// Set on `recommendation` items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommendation: Option<Recommendation>,
}

/// A proposal of a joint visit: the proposer's visit, the other mechanism's visit, the answer.
/// Or a proposal to follow another mechanism's recommendation (`subject` is `follow`; `visit`
/// and `with` are then both the recommendation).
///
/// A proposal is `amber-strict`, owned by the proposer with the other mechanism as co-owner, so
/// it goes to the two mechanisms only and either may write it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proposal {
    /// What is proposed; a joint visit unless said otherwise (and then not written, so the
    /// proposals made before followers existed keep their bytes).
    #[serde(default, skip_serializing_if = "ProposalSubject::is_joint_visit")]
    pub subject: ProposalSubject,
    /// The proposer's visit (the recommendation to follow).
    pub visit: ItemId,
    /// The other mechanism's visit (the recommendation to follow).
    pub with: ItemId,
    /// The mechanism asked.
    pub to: crate::Mechanism,
    /// Open, accepted or declined.
    pub status: ProposalStatus,
    /// Why, from either side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The joint visit (the recommendation reissued with the proposer as co-owner), once
    /// accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub joint: Option<ItemId>,
    /// The proposer's consent to co-own the joint visit, for the id it will have if accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<JointConsent>,
    /// To follow a recommendation: the proposer's consents to co-own the versions that come
    /// after the one `consent` is for, each reissued to admit one more follower, so the owner
    /// admits others without asking the followers again. Empty (and not written) for a joint
    /// visit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub later: Vec<JointConsent>,
}

/// The proposer's consent to co-own a joint visit (a followed recommendation), given with the
/// proposal: the acceptor creates that item with this id and puts the consent in its header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JointConsent {
    /// The id the joint visit will have.
    pub id: ItemId,
    /// The proposer's consent, for a visit with that id owned by the mechanism asked.
    pub consent: crate::Consent,
}

/// A calendar event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// What sort of event.
    pub category: EventCategory,
    /// First day, or start time.
    pub start: When,
    /// Last day (inclusive), or end time; absent for a one-day event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<When>,
    /// Tentative, confirmed or cancelled.
    pub status: EventStatus,
    /// Where it takes place, which may differ from the countries it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// The session it belongs to ("HRC 61", "ACHPR 80th Ordinary Session").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// Visits or reports it belongs to.
    #[serde(default)]
    pub related: Vec<ItemId>,
}

/// A place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// The place in words ("Palais des Nations, Geneva").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Its country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<CountryCode>,
}

/// A country visit, from forecast to report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Visit {
    /// The mandate visiting ("SR on torture", "CPT").
    pub mandate: String,
    /// The State visited, or undisclosed.
    pub country: VisitCountry,
    /// Places visited, which may lie in other countries (Nauru on a visit to Australia).
    #[serde(default)]
    pub sites: Vec<Site>,
    /// Official, follow-up, in loco, ...
    pub visit_type: VisitType,
    /// Where the visit stands.
    pub status: VisitStatus,
    /// Every status it went through: requests outlive mandate holders.
    #[serde(default)]
    pub status_history: Vec<StatusStep>,
    /// Planned dates; absent means "dates to be agreed".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned: Option<Planned>,
    /// The dates it actually took place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<Span>,
    /// Visits of other mechanisms this one is joint with.
    #[serde(default)]
    pub joint_with: Vec<ItemId>,
    /// The call for input to NGOs, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_for_input: Option<CallForInput>,
    /// The resulting report: an item id or a document symbol (`A/HRC/35/25/Add.3`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
    /// Itinerary and interlocutors: only on amber, amber-strict and red items.
    #[serde(default)]
    pub programme: Vec<ProgrammeEntry>,
    /// Internal working notes: only on amber, amber-strict and red items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// A place a visit goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    /// The country the place is in.
    pub country: CountryCode,
    /// The place ("Cucuta").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
}

/// One step in a visit's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusStep {
    /// The status reached.
    pub status: VisitStatus,
    /// When.
    pub date: NaiveDate,
    /// Why, or what happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Days, first to last inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Span {
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
}

/// A call for written input from NGOs before a visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallForInput {
    /// Last day to submit.
    pub deadline: NaiveDate,
    /// Where the call is published.
    pub url: String,
}

/// One entry of a visit's programme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeEntry {
    /// The day.
    pub date: NaiveDate,
    /// The place.
    pub place: String,
    /// Who is met.
    pub meeting: String,
}

/// A report or statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// Its document symbol (`A/HRC/23/18`, `CPT/Inf (2024) 12`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    /// What sort of document.
    pub doc_type: DocType,
    /// The day it was issued.
    pub issued: NaiveDate,
    /// One file per language version.
    #[serde(default)]
    pub files: Vec<ReportFile>,
    /// A summary (the Atom summary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The visit it reports on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related_visit: Option<ItemId>,
}

/// One language version of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportFile {
    /// Its language.
    pub lang: LangTag,
    /// Where to fetch it.
    pub url: String,
    /// Its media type (`application/pdf`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Its SHA-256, as 64 hex digits, so a reader can check the copy they fetched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// An entry in the directory of secretariats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// What the person or mailbox does.
    pub role: ContactRole,
    /// The function ("Focal point for cooperation with regional mechanisms").
    pub function_title: String,
    /// The unit ("Special Procedures Branch").
    pub org_unit: String,
    /// A person's name: personal data, never on a clear item without consent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_name: Option<String>,
    /// Whether the person agreed to their name being public.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub public_name_consent: bool,
    /// E-mail addresses; prefer functional mailboxes.
    #[serde(default)]
    pub emails: Vec<String>,
    /// Telephone numbers in E.164 form.
    #[serde(default)]
    pub phones: Vec<String>,
    /// Countries the desk covers.
    #[serde(default)]
    pub coverage_countries: Vec<CountryCode>,
    /// Themes the desk covers.
    #[serde(default)]
    pub coverage_themes: Vec<String>,
    /// First day this entry holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<NaiveDate>,
    /// Last day this entry holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<NaiveDate>,
}

impl Fields {
    /// Fields with a title and the details of one kind, the rest empty.
    pub fn new(title: Text) -> Self {
        Self {
            title,
            title_in: Translations::new(),
            summary: None,
            summary_in: Translations::new(),
            countries: Vec::new(),
            themes: Vec::new(),
            links: Vec::new(),
            embargo_until: None,
            event: None,
            visit: None,
            report: None,
            contact: None,
            proposal: None,
            recommendation: None,
        }
    }

    /// The summary in the title's language: the item's own, or else a report's.
    pub fn summary_text(&self) -> Option<&str> {
        self.summary.as_deref().or_else(|| self.report.as_ref()?.summary.as_deref())
    }

    /// The title in other languages than its own: `title_in`, or a recommendation's
    /// `text_in` (its text is its title). What pages, exports and search read the title's
    /// other languages from.
    pub fn title_translations(&self) -> &Translations {
        match &self.recommendation {
            Some(r) => &r.text_in,
            None => &self.title_in,
        }
    }

    /// The summary as a [`Text`] in the title's language, if the item has one.
    pub fn summary_own(&self) -> Option<Text> {
        self.summary_text().map(|s| Text { value: s.to_owned(), lang: self.title.lang.clone() })
    }

    /// The kind whose details are set, if exactly one is.
    pub fn kind(&self) -> Option<Kind> {
        let set = [
            (self.event.is_some(), Kind::Event),
            (self.visit.is_some(), Kind::Visit),
            (self.report.is_some(), Kind::Report),
            (self.contact.is_some(), Kind::Contact),
            (self.proposal.is_some(), Kind::Proposal),
            (self.recommendation.is_some(), Kind::Recommendation),
        ];
        let mut kinds = set.iter().filter(|(is, _)| *is).map(|(_, k)| *k);
        match (kinds.next(), kinds.next()) {
            (Some(k), None) => Some(k),
            _ => None,
        }
    }

    /// Every country the item concerns: its own list, a visit's State and sites, an event's
    /// location, a contact's coverage. Sorted, without repeats.
    pub fn all_countries(&self) -> Vec<CountryCode> {
        let mut all = self.countries.clone();
        if let Some(v) = &self.visit {
            all.extend(v.country.code());
            all.extend(v.sites.iter().map(|s| s.country));
        }
        if let Some(e) = &self.event {
            all.extend(e.location.as_ref().and_then(|l| l.country));
        }
        if let Some(c) = &self.contact {
            all.extend(c.coverage_countries.iter().copied());
        }
        all.sort();
        all.dedup();
        all
    }

    /// The days the item spans, for date queries: an event's days, a visit's actual or planned
    /// days (its whole month, quarter or year when that is all that is known), a report's day of
    /// issue, a recommendation's document's day, a contact's validity. `None` when it has no dates ("dates to be agreed").
    pub fn span(&self) -> Option<(NaiveDate, NaiveDate)> {
        if let Some(e) = &self.event {
            let start = e.start.date();
            return Some((start, e.end.map_or(start, |end| end.date())));
        }
        if let Some(v) = &self.visit {
            return v.actual.map(|a| (a.start, a.end)).or(v.planned.map(|p| (p.start, p.end)));
        }
        if let Some(r) = &self.report {
            return Some((r.issued, r.issued));
        }
        if let Some(r) = &self.recommendation {
            return r.date.map(|d| (d, d));
        }
        let c = self.contact.as_ref()?;
        match (c.valid_from, c.valid_until) {
            (None, None) => None,
            (from, until) => {
                Some((from.unwrap_or(NaiveDate::MIN), until.unwrap_or(NaiveDate::MAX)))
            }
        }
    }

    /// Checks every field of an item of `kind` under `label`.
    ///
    /// # Errors
    /// The first field that is not allowed, with its value and what is allowed.
    pub fn validate(&self, kind: Kind, label: Label) -> Result<(), FieldError> {
        if self.kind() != Some(kind) {
            return Err(FieldError::new(
                "fields",
                self.kind().map_or("none or several", Kind::as_str),
                format!("a {kind} item holds exactly the '{kind}' details"),
            ));
        }
        text("title", &self.title.value, true)?;
        check_translations("title_in", &self.title_in, &self.title.lang)?;
        if self.recommendation.is_some() && !self.title_in.is_empty() {
            return Err(FieldError::new(
                "title_in",
                format!("{} languages", self.title_in.len()),
                "a recommendation's text in other languages is its text_in (--text-in)",
            ));
        }
        opt_text("summary", &self.summary)?;
        check_translations("summary_in", &self.summary_in, &self.title.lang)?;
        if !self.summary_in.is_empty() && self.summary_text().is_none() {
            return Err(FieldError::new(
                "summary_in",
                format!("{} languages", self.summary_in.len()),
                "a summary in the title's language first (--summary)",
            ));
        }
        list("countries", &self.countries)?;
        list("themes", &self.themes)?;
        self.themes.iter().try_for_each(|t| text("themes", t, true))?;
        if let Some(until) = self.embargo_until {
            day("embargo_until", until.date_naive())?;
        }
        list("links", &self.links)?;
        for link in &self.links {
            text("links.rel", &link.rel, true)?;
            check_url("links.href", &link.href)?;
        }
        if let Some(e) = &self.event {
            e.validate()?;
        }
        if let Some(v) = &self.visit {
            v.validate(label)?;
        }
        if let Some(r) = &self.report {
            r.validate()?;
        }
        if let Some(c) = &self.contact {
            c.validate(label)?;
        }
        if let Some(r) = &self.recommendation {
            r.validate(&self.title)?;
        }
        if let Some(p) = &self.proposal {
            opt_text("note", &p.note)?;
            list("later", &p.later)?;
            if label != Label::AmberStrict {
                return Err(FieldError::new(
                    "label",
                    label,
                    "a joint-visit proposal is amber-strict: only the two mechanisms see it",
                ));
            }
        }
        Ok(())
    }
}

impl Event {
    fn validate(&self) -> Result<(), FieldError> {
        day("start", self.start.date())?;
        if let Some(end) = self.end {
            day("end", end.date())?;
            let same_sort = matches!(
                (self.start, end),
                (When::Date(_), When::Date(_)) | (When::DateTime(_), When::DateTime(_))
            );
            if !same_sort {
                return Err(FieldError::new(
                    "end",
                    end,
                    "must be a date when the start is a date, a date-time when it is a date-time",
                ));
            }
            let before = match (self.start, end) {
                (When::DateTime(s), When::DateTime(e)) => e < s,
                (s, e) => e.date() < s.date(),
            };
            if before {
                return Err(FieldError::new(
                    "end",
                    end,
                    format!("must not be before the start ({})", self.start),
                ));
            }
        }
        if let Some(l) = &self.location {
            opt_text("location", &l.text)?;
        }
        opt_text("session", &self.session)?;
        list("related", &self.related)
    }
}

impl Visit {
    /// A visit of `mandate` to `country` with `status`: official, no dates yet ("dates to be
    /// agreed"), everything else empty.
    pub fn new(mandate: impl Into<String>, country: VisitCountry, status: VisitStatus) -> Self {
        Self {
            mandate: mandate.into(),
            country,
            sites: Vec::new(),
            visit_type: VisitType::Official,
            status,
            status_history: Vec::new(),
            planned: None,
            actual: None,
            joint_with: Vec::new(),
            call_for_input: None,
            report: None,
            programme: Vec::new(),
            notes: None,
        }
    }
}

impl Visit {
    fn validate(&self, label: Label) -> Result<(), FieldError> {
        text("mandate", &self.mandate, true)?;
        list("sites", &self.sites)?;
        for site in &self.sites {
            opt_text("sites.place", &site.place)?;
        }
        list("status_history", &self.status_history)?;
        for step in &self.status_history {
            day("status_history.date", step.date)?;
            opt_text("status_history.note", &step.note)?;
        }
        if let Some(p) = &self.planned {
            day("planned.start", p.start)?;
            day("planned.end", p.end)?;
            p.validate()?;
        }
        if let Some(a) = &self.actual {
            day("actual.start", a.start)?;
            day("actual.end", a.end)?;
        }
        if let Some(a) = &self.actual
            && a.end < a.start
        {
            return Err(FieldError::new(
                "actual.end",
                a.end,
                format!("must not be before the start ({})", a.start),
            ));
        }
        list("joint_with", &self.joint_with)?;
        if let Some(c) = &self.call_for_input {
            day("call_for_input.deadline", c.deadline)?;
            check_url("call_for_input.url", &c.url)?;
        }
        opt_text("report", &self.report)?;
        list("programme", &self.programme)?;
        for entry in &self.programme {
            day("programme.date", entry.date)?;
            text("programme.place", &entry.place, true)?;
            text("programme.meeting", &entry.meeting, true)?;
        }
        opt_text("notes", &self.notes)?;
        if !label.is_restricted() && !self.programme.is_empty() {
            return Err(reprisal_guard(
                "programme",
                &format!("{} entries", self.programme.len()),
                label,
            ));
        }
        if let (false, Some(notes)) = (label.is_restricted(), &self.notes) {
            return Err(reprisal_guard("notes", notes, label));
        }
        Ok(())
    }
}

fn reprisal_guard(field: &str, value: &str, label: Label) -> FieldError {
    FieldError::new(
        field,
        value,
        format!(
            "a visit's programme and notes may name people at risk of reprisal, so they are only \
             allowed on amber, amber-strict and red items, not on {label}"
        ),
    )
}

impl Report {
    fn validate(&self) -> Result<(), FieldError> {
        opt_text("symbol", &self.symbol)?;
        day("issued", self.issued)?;
        list("files", &self.files)?;
        for file in &self.files {
            check_url("files.url", &file.url)?;
            opt_text("files.media_type", &file.media_type)?;
            if let Some(sha) = &file.sha256
                && (sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()))
            {
                return Err(FieldError::new("files.sha256", sha, "expected 64 hex digits"));
            }
        }
        opt_text("summary", &self.summary)
    }
}

impl Contact {
    fn validate(&self, label: Label) -> Result<(), FieldError> {
        text("function", &self.function_title, true)?;
        text("unit", &self.org_unit, true)?;
        opt_text("name", &self.person_name)?;
        list("emails", &self.emails)?;
        self.emails.iter().try_for_each(|e| check_email("email", e))?;
        list("phones", &self.phones)?;
        self.phones.iter().try_for_each(|p| check_phone("phone", p))?;
        list("coverage_countries", &self.coverage_countries)?;
        list("coverage_themes", &self.coverage_themes)?;
        for (field, date) in [("valid_from", self.valid_from), ("valid_until", self.valid_until)] {
            date.map_or(Ok(()), |d| day(field, d))?;
        }
        if let (Some(from), Some(until)) = (self.valid_from, self.valid_until)
            && until < from
        {
            return Err(FieldError::new(
                "valid_until",
                until,
                format!("must not be before valid_from ({from})"),
            ));
        }
        if let (Label::Clear, Some(name), false) =
            (label, &self.person_name, self.public_name_consent)
        {
            return Err(FieldError::new(
                "name",
                name,
                "a person's name is personal data: on a clear item it needs the person's consent \
                 (--public-name-consent); otherwise use a functional title and mailbox",
            ));
        }
        Ok(())
    }
}

fn text(field: &str, value: &str, required: bool) -> Result<(), FieldError> {
    check_text(field, value, required)
}

/// Checks that a date's year is in [`YEARS`].
fn day(field: &str, date: NaiveDate) -> Result<(), FieldError> {
    if YEARS.contains(&date.year()) {
        Ok(())
    } else {
        Err(FieldError::new(field, date, "a date from 0001-01-01 to 9999-12-31"))
    }
}

fn opt_text(field: &str, value: &Option<String>) -> Result<(), FieldError> {
    value.as_deref().map_or(Ok(()), |v| text(field, v, true))
}

fn list<T>(field: &str, items: &[T]) -> Result<(), FieldError> {
    if items.len() > MAX_LIST {
        return Err(FieldError::new(
            field,
            format!("{} entries", items.len()),
            format!("at most {MAX_LIST} entries"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
