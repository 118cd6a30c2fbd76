//! Countries by their English names, as the UN writes them (the Universal Human Rights Index
//! says "Bolivia (Plurinational State of)", "United Kingdom of Great Britain and Northern
//! Ireland", "Türkiye"): ISO 3166-1's names from `rust_iso3166`, and the UN's where they differ.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::{CountryCode, FieldError};

/// UN names (and common short forms) that ISO 3166-1's English names do not spell the same,
/// with their alpha-2 code. Compared without case, accents or punctuation.
const UN_NAMES: &[(&str, &str)] = &[
    ("Bolivia", "BO"),
    ("Democratic People's Republic of Korea", "KP"),
    ("Republic of Korea", "KR"),
    ("Democratic Republic of the Congo", "CD"),
    ("Iran", "IR"),
    ("Micronesia", "FM"),
    ("Republic of Moldova", "MD"),
    ("Moldova", "MD"),
    ("Netherlands", "NL"),
    ("State of Palestine", "PS"),
    ("Palestine", "PS"),
    ("United Republic of Tanzania", "TZ"),
    ("Tanzania", "TZ"),
    ("United Kingdom", "GB"),
    ("United States", "US"),
    ("Venezuela", "VE"),
    ("Türkiye", "TR"),
    ("Turkey", "TR"),
    ("Czech Republic", "CZ"),
    ("Swaziland", "SZ"),
    ("The former Yugoslav Republic of Macedonia", "MK"),
    ("North Macedonia", "MK"),
    ("Cabo Verde", "CV"),
    ("Cape Verde", "CV"),
    ("Ivory Coast", "CI"),
    ("Côte d'Ivoire", "CI"),
    ("Syria", "SY"),
    ("Russia", "RU"),
    ("Laos", "LA"),
    ("Vietnam", "VN"),
    ("Holy See", "VA"),
    ("Brunei", "BN"),
    ("Gambia", "GM"),
    ("Bahamas", "BS"),
    ("Congo", "CG"),
    ("Republic of the Congo", "CG"),
    ("Saint Kitts and Nevis", "KN"),
    ("Sao Tome and Principe", "ST"),
    ("Timor-Leste", "TL"),
    ("United Kingdom of Great Britain and Northern Ireland", "GB"),
];

/// The name folded for comparison: lower case, accents and punctuation dropped, spaces single.
fn fold(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        let c = match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' | 'À' | 'Á' | 'Â' | 'Ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'É' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'Ö' => 'o',
            'ú' | 'ù' | 'û' | 'ü' | 'Ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            c if c.is_alphanumeric() => c,
            _ => ' ',
        };
        out.extend(c.to_lowercase());
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The country named `name` in English: an ISO 3166-1 name, a UN name, or an alpha-2 code.
///
/// # Errors
/// A name neither list knows, naming it.
pub fn country_by_name(name: &str) -> Result<CountryCode, FieldError> {
    let folded = fold(name);
    let unknown = || {
        FieldError::new(
            "country",
            name,
            "expected a country's English name as the UN or ISO 3166-1 writes it (Tunisia, \
             Bolivia (Plurinational State of)) or its alpha-2 code",
        )
    };
    if folded.is_empty() {
        return Err(unknown());
    }
    if name.trim().len() == 2
        && let Ok(code) = name.parse()
    {
        return Ok(code);
    }
    by_folded_name().get(&folded).and_then(|code| code.parse().ok()).ok_or_else(unknown)
}

/// Every name of both lists, folded, with its alpha-2 code (ISO 3166-1's names first), made
/// once: an import looks up a country name or more in each of its rows.
fn by_folded_name() -> &'static HashMap<String, &'static str> {
    static NAMES: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names = HashMap::new();
        let iso = rust_iso3166::ALL.iter().map(|c| (c.name, c.alpha2));
        for (name, code) in iso.chain(UN_NAMES.iter().copied()) {
            names.entry(fold(name)).or_insert(code);
        }
        names
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uhri_names_map_to_their_codes() {
        for (name, code) in [
            ("Tunisia", "TN"),
            ("Bolivia (Plurinational State of)", "BO"),
            ("United Kingdom of Great Britain and Northern Ireland", "GB"),
            ("Democratic Republic of the Congo", "CD"),
            ("Congo", "CG"),
            ("Türkiye", "TR"),
            ("Côte d'Ivoire", "CI"),
            ("Iran (Islamic Republic of)", "IR"),
            ("Republic of Korea", "KR"),
            ("Democratic People's Republic of Korea", "KP"),
            ("Viet Nam", "VN"),
            ("  tunisia ", "TN"),
            ("FR", "FR"),
        ] {
            assert_eq!(
                country_by_name(name).ok().map(|c| c.to_string()),
                Some(code.to_owned()),
                "{name}"
            );
        }
    }

    #[test]
    fn an_unknown_name_is_refused_naming_it() {
        let err = country_by_name("Atlantis").unwrap_err();
        assert_eq!(err.value, "Atlantis");
        assert!(country_by_name("").is_err());
    }
}
