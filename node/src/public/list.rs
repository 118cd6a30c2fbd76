//! Paging through lists: the query of the JSON API and the HTML lists (filters, cursor,
//! limit), and the cursor, an item's sort key as `YYYY-MM-DD_<id>`.

use chrono::NaiveDate;
use liaison_protocol::{CountryCode, Kind, Mechanism};
use serde::Deserialize;

use super::{Filter, Refusal, SortKey, parsed, parsed_date, sort_key};
use crate::store::Entry;

/// The cursor of the page after `entry`: its sort key as `YYYY-MM-DD_<id>`.
pub(super) fn cursor(entry: &Entry) -> String {
    let (date, id) = sort_key(entry);
    format!("{date}_{id}")
}

fn parse_cursor(text: &str) -> Result<SortKey, Refusal> {
    let bad = || {
        Refusal::BadRequest(format!(
            "invalid cursor '{text}': pass back next_cursor as it was given"
        ))
    };
    let (date, id) = text.split_once('_').ok_or_else(bad)?;
    Ok((date.parse().map_err(|_| bad())?, id.parse().map_err(|_| bad())?))
}

/// Most items per page of a list, HTML or JSON.
const MAX_LIMIT: usize = 500;

/// The query of a list (`/api/v1/items`, `/visits/` and the other HTML lists): the filters
/// plus paging. (The filters are spelled out rather than flattened from [`Filter`], so errors
/// name the parameter and unknown ones are refused.)
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    #[serde(default, deserialize_with = "parsed")]
    kind: Option<Kind>,
    #[serde(default, deserialize_with = "parsed")]
    country: Option<CountryCode>,
    #[serde(default, deserialize_with = "parsed")]
    mechanism: Option<Mechanism>,
    #[serde(default, deserialize_with = "parsed_date")]
    from: Option<NaiveDate>,
    #[serde(default, deserialize_with = "parsed_date")]
    to: Option<NaiveDate>,
    /// Where the previous page ended (the `next_cursor` of the previous answer).
    cursor: Option<String>,
    /// Items per page, 1 to [`MAX_LIMIT`].
    limit: Option<String>,
    /// The reader's language, read by [`super::i18n::Reader`]; the API and the feeds carry
    /// every language whatever it says.
    #[serde(rename = "lang")]
    _lang: Option<String>,
}

impl ListQuery {
    pub(crate) fn filter(&self) -> Filter {
        Filter {
            kind: self.kind,
            country: self.country,
            mechanism: self.mechanism.clone(),
            from: self.from,
            to: self.to,
        }
    }

    /// Where the page starts.
    pub(crate) fn after(&self) -> Result<Option<SortKey>, Refusal> {
        self.cursor.as_deref().map(parse_cursor).transpose()
    }

    /// Items per page: `limit`, or `default` when it is not given.
    pub(crate) fn limit(&self, default: usize) -> Result<usize, Refusal> {
        let Some(l) = self.limit.as_deref() else { return Ok(default) };
        l.parse().ok().filter(|l| (1..=MAX_LIMIT).contains(l)).ok_or_else(|| {
            Refusal::BadRequest(format!(
                "invalid limit '{l}': expected a number from 1 to {MAX_LIMIT}"
            ))
        })
    }

    /// The query string of the page after this one, ending at `cursor`.
    pub(crate) fn next(&self, cursor: &str) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        pairs.extend(self.country.map(|c| ("country", c.to_string())));
        pairs.extend(self.mechanism.as_ref().map(|m| ("mechanism", m.to_string())));
        pairs.extend(self.from.map(|d| ("from", d.to_string())));
        pairs.extend(self.to.map(|d| ("to", d.to_string())));
        pairs.extend(self.limit.clone().map(|l| ("limit", l)));
        pairs.push(("cursor", cursor.to_owned()));
        let pairs: Vec<String> =
            pairs.iter().map(|(k, v)| format!("{k}={}", query_escape(v))).collect();
        format!("?{}", pairs.join("&"))
    }
}

/// `text` escaped for a query string: letters, digits and `-._~` as they are, the rest as
/// `%XX` bytes.
pub(super) fn query_escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
