//! Changes to an item's fields as a user expresses them (`liaison visit update ...`), applied to
//! the current fields where the item lives, so concurrent edits of other fields are kept.

use serde::{Deserialize, Serialize};

use crate::{
    CallForInput, FieldError, Fields, Planned, ProgrammeEntry, Site, Span, StatusStep,
    Translations, VisitCountry, VisitType,
};

/// A change to a visit. Every field left `None` or empty keeps what the visit has.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitPatch {
    /// A new title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Titles in other languages to set, each replacing the one in its language.
    #[serde(default, skip_serializing_if = "Translations::is_empty")]
    pub title_in: Translations,
    /// A new summary, in the title's language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Summaries in other languages to set, each replacing the one in its language.
    #[serde(default, skip_serializing_if = "Translations::is_empty")]
    pub summary_in: Translations,
    /// A new mandate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mandate: Option<String>,
    /// A new State visited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<VisitCountry>,
    /// A new status, appended to the status history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusStep>,
    /// New planned dates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned: Option<Planned>,
    /// Forget the planned dates: "dates to be agreed".
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dates_to_be_agreed: bool,
    /// The dates it actually took place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<Span>,
    /// A new visit type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visit_type: Option<VisitType>,
    /// A new call for input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_for_input: Option<CallForInput>,
    /// Sites to add.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add_sites: Vec<Site>,
    /// The resulting report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
    /// Programme entries to add.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add_programme: Vec<ProgrammeEntry>,
    /// New working notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

impl VisitPatch {
    /// Applies the patch to a visit's fields.
    ///
    /// # Errors
    /// If the item is not a visit. Validation of the result is the caller's next step.
    pub fn apply(&self, fields: &mut Fields) -> Result<(), FieldError> {
        let Some(v) = fields.visit.as_mut() else {
            return Err(FieldError::new(
                "kind",
                fields.kind().map_or("?", |k| k.as_str()),
                "this change applies to visits only",
            ));
        };
        if let Some(m) = &self.mandate {
            v.mandate.clone_from(m);
        }
        if let Some(c) = self.country {
            v.country = c;
        }
        if let Some(step) = &self.status {
            v.status = step.status;
            v.status_history.push(step.clone());
        }
        if self.dates_to_be_agreed {
            v.planned = None;
        }
        if let Some(p) = self.planned {
            v.planned = Some(p);
        }
        if let Some(a) = self.actual {
            v.actual = Some(a);
        }
        if let Some(t) = self.visit_type {
            v.visit_type = t;
        }
        if let Some(c) = &self.call_for_input {
            v.call_for_input = Some(c.clone());
        }
        v.sites.extend(self.add_sites.iter().cloned());
        if let Some(r) = &self.report {
            v.report = Some(r.clone());
        }
        v.programme.extend(self.add_programme.iter().cloned());
        if let Some(n) = &self.notes {
            v.notes = Some(n.clone());
        }
        if let Some(t) = &self.title {
            fields.title.value.clone_from(t);
        }
        fields.title_in.extend(self.title_in.clone());
        if let Some(s) = &self.summary {
            fields.summary = Some(s.clone());
        }
        fields.summary_in.extend(self.summary_in.clone());
        Ok(())
    }
}
