//! Validated values the items are made of: countries, language tags, dates, links, addresses.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::FieldError;

/// An ISO 3166-1 alpha-2 country code, checked against the standard's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// The two-letter code.
    pub fn as_str(&self) -> &str {
        // Only ASCII letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    /// The three-letter code (ISO 3166-1 alpha-3), for exports that ask for it.
    pub fn alpha3(&self) -> String {
        rust_iso3166::from_alpha2(self.as_str()).map(|c| c.alpha3.to_owned()).unwrap_or_default()
    }

    /// The English short name (`Tunisia`).
    pub fn name(&self) -> String {
        rust_iso3166::from_alpha2(self.as_str()).map(|c| c.name.to_owned()).unwrap_or_default()
    }
}

impl FromStr for CountryCode {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, FieldError> {
        let upper = s.trim().to_ascii_uppercase();
        match (rust_iso3166::from_alpha2(&upper), upper.as_bytes()) {
            (Some(_), &[a, b]) => Ok(Self([a, b])),
            _ => Err(FieldError::new(
                "country",
                s,
                "expected an ISO 3166-1 alpha-2 country code such as TN, CO or FR",
            )),
        }
    }
}

impl TryFrom<String> for CountryCode {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        s.parse()
    }
}

impl From<CountryCode> for String {
    fn from(c: CountryCode) -> String {
        c.as_str().to_owned()
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The State a visit is to: a country, or undisclosed (the SPT announces some visits without
/// naming the State).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum VisitCountry {
    /// The State visited.
    Code(CountryCode),
    /// Announced without naming the State.
    Undisclosed,
}

impl VisitCountry {
    /// The country code, unless undisclosed.
    pub fn code(&self) -> Option<CountryCode> {
        match self {
            VisitCountry::Code(c) => Some(*c),
            VisitCountry::Undisclosed => None,
        }
    }
}

impl FromStr for VisitCountry {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, FieldError> {
        if s.eq_ignore_ascii_case("undisclosed") {
            return Ok(VisitCountry::Undisclosed);
        }
        s.parse().map(VisitCountry::Code).map_err(|e: FieldError| FieldError {
            allowed: format!("{}, or 'undisclosed'", e.allowed),
            ..e
        })
    }
}

impl TryFrom<String> for VisitCountry {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        s.parse()
    }
}

impl From<VisitCountry> for String {
    fn from(c: VisitCountry) -> String {
        c.to_string()
    }
}

impl fmt::Display for VisitCountry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VisitCountry::Code(c) => c.fmt(f),
            VisitCountry::Undisclosed => f.write_str("undisclosed"),
        }
    }
}

/// A well-formed BCP 47 language tag (`en`, `fr`, `es`, `ar`, `pt-BR`, `zh-Hans`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LangTag(String);

impl LangTag {
    /// The tag as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The primary language subtag (`pt` of `pt-BR`), as written.
    pub fn primary(&self) -> &str {
        self.0.split('-').next().unwrap_or_default()
    }

    /// Whether this tag is of the language `primary` (`fr` matches `fr` and `fr-CA`), in any case.
    pub fn is_of(&self, primary: &str) -> bool {
        self.primary().eq_ignore_ascii_case(primary)
    }
}

impl Default for LangTag {
    fn default() -> Self {
        Self("en".to_owned())
    }
}

impl FromStr for LangTag {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, FieldError> {
        // Well-formed is not enough: "english" parses as a 7-letter primary language subtag, but
        // every real language has a 2- or 3-letter ISO 639 code.
        oxilangtag::LanguageTag::parse(s.to_owned())
            .ok()
            .filter(|t| (2..=3).contains(&t.primary_language().len()))
            .map(|t| Self(t.into_inner()))
            .ok_or_else(|| {
                FieldError::new(
                    "lang",
                    s,
                    "expected a BCP 47 language tag such as en, fr, es or pt-BR",
                )
            })
    }
}

impl TryFrom<String> for LangTag {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        s.parse()
    }
}

impl From<LangTag> for String {
    fn from(t: LangTag) -> String {
        t.0
    }
}

impl fmt::Display for LangTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Text with the language it is written in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    /// The text itself.
    pub value: String,
    /// Its language.
    #[serde(default)]
    pub lang: LangTag,
}

/// An item's text in languages other than its own (`title_in`, `summary_in`): one text per
/// BCP 47 tag. The text in the item's own language stays in its own field (`title`).
pub type Translations = BTreeMap<LangTag, String>;

/// Most languages one field may be translated into: more than the six UN languages and the
/// regional ones, few enough to bound an item.
pub const MAX_TRANSLATIONS: usize = 16;

/// Checks the translations of `field`, whose own text is in `own`: at most
/// [`MAX_TRANSLATIONS`], each a non-empty text of at most [`crate::item::MAX_TEXT`] bytes without
/// control characters, none in `own`'s language or in a language given twice (tags differ in
/// case only: `fr`, `FR`).
///
/// # Errors
/// The first entry that breaks a rule, named `field.TAG`.
pub fn check_translations(
    field: &str,
    texts: &Translations,
    own: &LangTag,
) -> Result<(), FieldError> {
    if texts.len() > MAX_TRANSLATIONS {
        return Err(FieldError::new(
            field,
            format!("{} languages", texts.len()),
            format!("at most {MAX_TRANSLATIONS} languages"),
        ));
    }
    let mut seen: Vec<String> = Vec::with_capacity(texts.len());
    for (tag, text) in texts {
        let name = format!("{field}.{tag}");
        let lower = tag.as_str().to_ascii_lowercase();
        if lower == own.as_str().to_ascii_lowercase() {
            return Err(FieldError::new(
                name,
                tag,
                "a language other than the item's own: its own text is the main field",
            ));
        }
        if seen.contains(&lower) {
            return Err(FieldError::new(name, tag, "each language once"));
        }
        seen.push(lower);
        check_text(&name, text, true)?;
    }
    Ok(())
}

/// The text of `own` and `others` for a reader of the language `primary` (`fr`): `own` when
/// it is in that language, else a translation in it (an exact tag first, then a regional
/// one), else `None`.
pub fn text_for<'a>(
    own: &'a Text,
    others: &'a Translations,
    primary: &str,
) -> Option<(&'a LangTag, &'a str)> {
    if own.lang.is_of(primary) {
        return Some((&own.lang, &own.value));
    }
    let exact = others.iter().find(|(tag, _)| tag.as_str().eq_ignore_ascii_case(primary));
    exact
        .or_else(|| others.iter().find(|(tag, _)| tag.is_of(primary)))
        .map(|(tag, text)| (tag, text.as_str()))
}

/// Checks one text: not empty when `required`, at most [`crate::item::MAX_TEXT`] bytes, no control
/// characters but newlines and tabs.
pub(crate) fn check_text(field: &str, value: &str, required: bool) -> Result<(), FieldError> {
    let max = crate::item::MAX_TEXT;
    if required && value.trim().is_empty() {
        return Err(FieldError::new(field, value, "must not be empty"));
    }
    if value.len() > max {
        return Err(FieldError::new(
            field,
            format!("{}...", value.chars().take(40).collect::<String>()),
            format!("at most {max} bytes"),
        ));
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(FieldError::new(field, value.escape_debug(), "no control characters"));
    }
    Ok(())
}

/// Parses a calendar date `YYYY-MM-DD`.
pub fn parse_date(field: &str, s: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| FieldError::new(field, s, "expected a date as YYYY-MM-DD, such as 2027-05-14"))
}

/// When an event starts or ends: a whole day, or a moment with its UTC offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum When {
    /// An all-day date.
    Date(NaiveDate),
    /// A date and time with its offset (RFC 3339).
    DateTime(DateTime<FixedOffset>),
}

impl When {
    /// Parses `YYYY-MM-DD` or an RFC 3339 date-time with offset.
    pub fn parse(field: &str, s: &str) -> Result<Self, FieldError> {
        if let Ok(d) = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
            return Ok(When::Date(d));
        }
        DateTime::parse_from_rfc3339(s.trim()).map(When::DateTime).map_err(|_| {
            FieldError::new(
                field,
                s,
                "expected a date YYYY-MM-DD or a date-time with offset such as 2027-03-03T10:00:00+01:00",
            )
        })
    }

    /// The calendar day this falls on (in its own offset).
    pub fn date(&self) -> NaiveDate {
        match self {
            When::Date(d) => *d,
            When::DateTime(t) => t.date_naive(),
        }
    }
}

impl fmt::Display for When {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            When::Date(d) => d.fmt(f),
            When::DateTime(t) => f.write_str(&t.to_rfc3339()),
        }
    }
}

/// How precisely a planned visit's dates are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// Exact days.
    Day,
    /// A calendar month (`2027-05`).
    Month,
    /// A quarter (`2027-Q2`).
    Quarter,
    /// A year (`2027`).
    Year,
}

/// The planned dates of a visit. Absent planned dates mean "dates to be agreed".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Planned {
    /// First day (for month, quarter and year precision: the first day of the span).
    pub start: NaiveDate,
    /// Last day, inclusive (for month, quarter and year precision: the last day of the span).
    pub end: NaiveDate,
    /// How precisely the dates are known.
    pub precision: Precision,
}

impl Planned {
    /// Exact days, `start` to `end` inclusive.
    pub fn days(start: NaiveDate, end: NaiveDate) -> Result<Self, FieldError> {
        let planned = Self { start, end, precision: Precision::Day };
        planned.validate()?;
        Ok(planned)
    }

    /// Parses a coarse forecast: `2027-Q2`, `2027-05` or `2027`.
    pub fn parse_coarse(s: &str) -> Result<Self, FieldError> {
        let err = || {
            FieldError::new(
                "planned",
                s,
                "expected a quarter (2027-Q2), a month (2027-05) or a year (2027)",
            )
        };
        let t = s.trim();
        let year = |y: &str| -> Result<i32, FieldError> {
            match y.parse::<i32>() {
                Ok(n) if y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()) && n >= 1900 => {
                    Ok(n)
                }
                _ => Err(err()),
            }
        };
        let (start, end, precision) = match t.split_once('-') {
            None if t.len() == 4 => {
                let y = year(t)?;
                (ymd(y, 1)?, last_day(y, 12)?, Precision::Year)
            }
            Some((y, q)) if q.len() == 2 && (q.starts_with('Q') || q.starts_with('q')) => {
                let y = year(y)?;
                let q: u32 = q[1..].parse().ok().filter(|q| (1..=4).contains(q)).ok_or_else(err)?;
                (ymd(y, q * 3 - 2)?, last_day(y, q * 3)?, Precision::Quarter)
            }
            Some((y, m)) if m.len() == 2 && y.len() == 4 => {
                let y = year(y)?;
                let m: u32 = m.parse().ok().filter(|m| (1..=12).contains(m)).ok_or_else(err)?;
                (ymd(y, m)?, last_day(y, m)?, Precision::Month)
            }
            _ => return Err(err()),
        };
        Ok(Self { start, end, precision })
    }

    /// Checks that the span is ordered and matches its precision.
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.end < self.start {
            return Err(FieldError::new(
                "planned.end",
                self.end,
                format!("the end must not be before the start ({})", self.start),
            ));
        }
        let (y, m) = (self.start.year(), self.start.month());
        let expected = match self.precision {
            Precision::Day => return Ok(()),
            Precision::Month => (ymd(y, m)?, last_day(y, m)?),
            Precision::Quarter => {
                let q = (m - 1) / 3 + 1;
                (ymd(y, q * 3 - 2)?, last_day(y, q * 3)?)
            }
            Precision::Year => (ymd(y, 1)?, last_day(y, 12)?),
        };
        if (self.start, self.end) == expected {
            Ok(())
        } else {
            Err(FieldError::new(
                "planned",
                format!("{}..{}", self.start, self.end),
                format!("a {:?} forecast must span the whole period", self.precision)
                    .to_lowercase(),
            ))
        }
    }
}

impl fmt::Display for Planned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m) = (self.start.year(), self.start.month());
        match self.precision {
            Precision::Day if self.start == self.end => write!(f, "{}", self.start),
            Precision::Day => write!(f, "{}..{}", self.start, self.end),
            Precision::Month => write!(f, "{y}-{m:02}"),
            Precision::Quarter => write!(f, "{y}-Q{}", (m - 1) / 3 + 1),
            Precision::Year => write!(f, "{y}"),
        }
    }
}

fn ymd(y: i32, m: u32) -> Result<NaiveDate, FieldError> {
    NaiveDate::from_ymd_opt(y, m, 1)
        .ok_or_else(|| FieldError::new("planned", y, "a year from 1900 to 9999"))
}

fn last_day(y: i32, m: u32) -> Result<NaiveDate, FieldError> {
    let next = if m == 12 { ymd(y + 1, 1)? } else { ymd(y, m + 1)? };
    next.pred_opt().ok_or_else(|| FieldError::new("planned", y, "a year from 1900 to 9999"))
}

/// Checks that `s` is an absolute http(s) URL.
pub fn check_url(field: &str, s: &str) -> Result<(), FieldError> {
    match url::Url::parse(s) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        _ => Err(FieldError::new(field, s, "expected an absolute http or https URL")),
    }
}

/// Checks an e-mail address (RFC 5322 addr-spec).
pub fn check_email(field: &str, s: &str) -> Result<(), FieldError> {
    if email_address::EmailAddress::is_valid(s) {
        Ok(())
    } else {
        Err(FieldError::new(field, s, "expected an e-mail address such as cpt.secretariat@coe.int"))
    }
}

/// Checks a telephone number in E.164 form: `+`, then 8 to 15 digits, the first not 0.
pub fn check_phone(field: &str, s: &str) -> Result<(), FieldError> {
    let digits = s.strip_prefix('+').unwrap_or("");
    let ok = (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(field, s, "expected an E.164 number such as +41229179000"))
    }
}

#[cfg(test)]
mod tests;
