//! Recommendations of human-rights mechanisms (UN treaty bodies, special procedures, the UPR,
//! regional commissions and courts), and the follow-up of their implementation.
//!
//! A recommendation's text is its item's title (in the title's language), with other language
//! versions in [`Recommendation::text_in`], by language tag as every kind's `title_in`. Its
//! assessments are kept in the item itself, so the mechanisms that follow the same
//! recommendation (its owner and co-owners) share one record of its implementation, each
//! assessment a signed change by the mechanism that made it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{day, list, opt_text, text};
use crate::values::{Translations, check_translations, check_url};
use crate::words::words;
use crate::{CountryCode, FieldError, ItemId, Mechanism, Text};

words! {
    /// What a State did with a UPR recommendation.
    UprPosition, "position" {
        /// The State supported it.
        Supported = "supported",
        /// The State noted it.
        Noted = "noted",
    }
}

words! {
    /// How far a recommendation was implemented, as a mechanism assessed it.
    Implementation, "status" {
        /// Not implemented.
        NotImplemented = "not-implemented",
        /// Partially implemented.
        PartiallyImplemented = "partially-implemented",
        /// Implemented.
        Implemented = "implemented",
        /// Nothing is known of its implementation.
        NoInformation = "no-information",
    }
}

/// A recommendation made to one or more States.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recommendation {
    /// The text in other languages than the title's, by language: its item's title
    /// translations ([`crate::Fields::title_translations`]), checked as every kind's `title_in`.
    #[serde(default, skip_serializing_if = "Translations::is_empty")]
    pub text_in: Translations,
    /// The sort of mechanism that recommends ("Treaty bodies", "Special Procedures",
    /// "Universal Periodic Review", "ACHPR"): UHRI's `Type`, or the focal point's word.
    pub mechanism: String,
    /// The body that recommends ("Committee against Torture", "Special Rapporteur on torture").
    pub body: String,
    /// The document's symbol (`CAT/C/TUN/CO/3`, `A/HRC/36/5`).
    pub symbol: String,
    /// The paragraph in the document ("34", "12 (b)").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paragraph: Option<String>,
    /// The groups of persons it concerns ("Persons deprived of their liberty").
    #[serde(default)]
    pub affected_persons: Vec<String>,
    /// Sustainable Development Goal targets ("16.3").
    #[serde(default)]
    pub sdg_targets: Vec<String>,
    /// When the document was published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// When it was published on the Universal Human Rights Index, for imported ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uhri_published: Option<NaiveDate>,
    /// For a UPR recommendation: who recommended, the session, the State's position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upr: Option<Upr>,
    /// Regions concerned (UHRI's `Regions Concerned`).
    #[serde(default)]
    pub regions: Vec<String>,
    /// Regions of the recommending States (UHRI's `Recommending Regions`).
    #[serde(default)]
    pub recommending_regions: Vec<String>,
    /// OHCHR's annotation id in the Universal Human Rights Index, for imported ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotation_id: Option<String>,
    /// The visit or report it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ItemId>,
    /// Every assessment of its implementation, oldest first: the follow-up history.
    #[serde(default)]
    pub assessments: Vec<Assessment>,
}

/// The UPR's particulars of a recommendation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Upr {
    /// The States that recommended it.
    #[serde(default)]
    pub states: Vec<CountryCode>,
    /// The UPR session ("41").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// Supported or noted by the State under review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<UprPosition>,
}

/// One mechanism's assessment of how far a recommendation was implemented.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assessment {
    /// The mechanism that assessed it (the owner or a co-owner of the item).
    pub by: Mechanism,
    /// How far it was implemented.
    pub status: Implementation,
    /// The day of the assessment.
    pub date: NaiveDate,
    /// Where the assessment is published: an http(s) URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// What the assessment found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Recommendation {
    /// A recommendation of `body` (a `mechanism`) in document `symbol`, the rest empty.
    pub fn new(
        mechanism: impl Into<String>,
        body: impl Into<String>,
        symbol: impl Into<String>,
    ) -> Self {
        Self {
            text_in: Translations::new(),
            mechanism: mechanism.into(),
            body: body.into(),
            symbol: symbol.into(),
            paragraph: None,
            affected_persons: Vec::new(),
            sdg_targets: Vec::new(),
            date: None,
            uhri_published: None,
            upr: None,
            regions: Vec::new(),
            recommending_regions: Vec::new(),
            annotation_id: None,
            source: None,
            assessments: Vec::new(),
        }
    }

    /// The latest assessment (by date, the later-recorded one on a tie), if any.
    pub fn latest(&self) -> Option<&Assessment> {
        self.assessments.iter().enumerate().max_by_key(|(i, a)| (a.date, *i)).map(|(_, a)| a)
    }

    /// Checks the fields; `title` is the text in its own language, which `text_in` must not
    /// repeat.
    pub(super) fn validate(&self, title: &Text) -> Result<(), FieldError> {
        check_translations("text_in", &self.text_in, &title.lang)?;
        text("mechanism", &self.mechanism, true)?;
        text("body", &self.body, true)?;
        text("symbol", &self.symbol, true)?;
        opt_text("paragraph", &self.paragraph)?;
        for (field, words) in [
            ("affected_persons", &self.affected_persons),
            ("sdg_targets", &self.sdg_targets),
            ("regions", &self.regions),
            ("recommending_regions", &self.recommending_regions),
        ] {
            list(field, words)?;
            words.iter().try_for_each(|w| text(field, w, true))?;
        }
        for (field, date) in [("date", self.date), ("uhri_published", self.uhri_published)] {
            date.map_or(Ok(()), |d| day(field, d))?;
        }
        if let Some(upr) = &self.upr {
            list("upr.states", &upr.states)?;
            opt_text("upr.session", &upr.session)?;
        }
        opt_text("annotation_id", &self.annotation_id)?;
        list("assessments", &self.assessments)?;
        for a in &self.assessments {
            day("assessments.date", a.date)?;
            if let Some(source) = &a.source {
                check_url("assessments.source", source)?;
            }
            opt_text("assessments.note", &a.note)?;
        }
        Ok(())
    }
}
