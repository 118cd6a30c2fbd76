//! The languages of the public site: which one a reader gets (`?lang=`, then
//! `Accept-Language`, then English), the links that keep it, and what CLDR says in it
//! (country and language names, dates and numbers, through ICU4X's compiled data). The
//! interface's own words are the table in `i18n/messages.rs`, one place per string.

mod messages;

use std::cell::RefCell;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use chrono::NaiveDate;
use icu_datetime::DateTimeFormatter;
use icu_datetime::fieldsets::YMD;
use icu_datetime::input::Date;
use icu_decimal::DecimalFormatter;
use icu_decimal::input::Decimal;
use icu_experimental::displaynames::DisplayNamesOptions;
use icu_experimental::displaynames::multi::{LanguageDisplayNames, RegionDisplayNames};
use icu_locale_core::Locale;
use icu_locale_core::subtags::{Language, Region};
use liaison_protocol::{CountryCode, LangTag, Text, Translations};

pub(crate) use messages::Msg;

/// A language of the site's interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Lang {
    /// English, the default.
    #[default]
    En,
    /// French.
    Fr,
    /// Spanish.
    Es,
    /// Portuguese.
    Pt,
    /// Arabic, written right to left.
    Ar,
}

impl Lang {
    /// Every language, in the switcher's order.
    pub(crate) const ALL: [Lang; 5] = [Lang::En, Lang::Fr, Lang::Es, Lang::Pt, Lang::Ar];

    /// The BCP 47 tag (`lang` attribute, `?lang=`).
    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
            Lang::Es => "es",
            Lang::Pt => "pt",
            Lang::Ar => "ar",
        }
    }

    /// The language of the tag `tag` (`fr`, `fr-CA`, `PT-br`), if the site speaks it.
    pub(crate) fn of_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default();
        Lang::ALL.into_iter().find(|l| l.code().eq_ignore_ascii_case(primary))
    }

    /// The text direction: `rtl` for Arabic.
    pub(crate) fn dir(self) -> &'static str {
        if self == Lang::Ar { "rtl" } else { "ltr" }
    }

    /// The language's name in itself, for the switcher.
    pub(crate) fn own_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fr => "Français",
            Lang::Es => "Español",
            Lang::Pt => "Português",
            Lang::Ar => "العربية",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The locale of CLDR's names, dates and numbers: British English for English, as the
    /// United Nations write it (`3 May 2027`).
    fn locale(self) -> Locale {
        let tag = if self == Lang::En { "en-GB" } else { self.code() };
        Locale::try_from_str(tag).unwrap_or(Locale::UNKNOWN)
    }
}

/// Most `Accept-Language` entries read; the rest are ignored.
const MAX_ACCEPT_ENTRIES: usize = 32;

/// The reader's language from an `Accept-Language` header: the supported language with the
/// highest q-value (the first listed on a tie), ignoring `q=0`; `None` when none is supported.
pub(crate) fn from_accept_language(header: &str) -> Option<Lang> {
    let mut best: Option<(u16, Lang)> = None;
    for entry in header.split(',').take(MAX_ACCEPT_ENTRIES) {
        let mut parts = entry.split(';');
        let tag = parts.next().unwrap_or_default().trim();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .next()
            .map_or(Some(1000), quality)
            .unwrap_or(0);
        let Some(lang) = Lang::of_tag(tag) else { continue };
        if q > 0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, lang)| lang)
}

/// A q-value (`0`, `0.8`, `1.000`) in thousandths; `None` when malformed.
fn quality(text: &str) -> Option<u16> {
    let value: f32 = text.trim().parse().ok()?;
    (0.0..=1.0).contains(&value).then(|| (value * 1000.0).round() as u16)
}

/// The reader of a page: the language they get, and whether they chose it with `?lang=` (then
/// links within the site keep it; otherwise their browser says it again each time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Reader {
    /// The page's language.
    pub(crate) lang: Lang,
    /// Chosen with `?lang=`.
    pub(crate) pinned: bool,
}

impl Reader {
    /// The reader of a request with the query `query` and the `Accept-Language` header
    /// `accept`: `?lang=` when it names a language of the site, else the header, else English.
    pub(crate) fn choose(query: Option<&str>, accept: Option<&str>) -> Reader {
        let asked = query
            .into_iter()
            .flat_map(|q| q.split('&'))
            .filter_map(|pair| pair.strip_prefix("lang="))
            .find_map(Lang::of_tag);
        match asked {
            Some(lang) => Reader { lang, pinned: true },
            None => Reader {
                lang: accept.and_then(from_accept_language).unwrap_or_default(),
                pinned: false,
            },
        }
    }

    /// The word `msg` in the reader's language.
    pub(crate) fn t(self, msg: Msg) -> &'static str {
        msg.text(self.lang)
    }

    /// A word of the data model (a status, type, category or role such as `dates_proposed`) in
    /// the reader's language; a word the table lacks (a link's `rel`) in English words.
    pub(crate) fn word(self, word: &str) -> String {
        messages::word(word, self.lang).map_or_else(|| super::view::words(word), str::to_owned)
    }

    /// `msg` with `{0}`, `{1}`, ... replaced by `args`.
    pub(crate) fn fill(self, msg: Msg, args: &[&str]) -> String {
        args.iter()
            .enumerate()
            .fold(self.t(msg).to_owned(), |text, (i, arg)| text.replace(&format!("{{{i}}}"), arg))
    }

    /// A link to `path` (which may hold a query) within the site, with `lang=` added when the
    /// reader chose the language that way.
    pub(crate) fn href(self, path: &str) -> String {
        if !self.pinned {
            return path.to_owned();
        }
        let joint = if path.contains('?') { '&' } else { '?' };
        format!("{path}{joint}lang={}", self.lang.code())
    }

    /// A country's name in the reader's language (CLDR), or its English name.
    pub(crate) fn country(self, c: CountryCode) -> String {
        cached(
            &REGIONS,
            self.lang,
            |l| RegionDisplayNames::try_new(l.locale().into(), DisplayNamesOptions::default()).ok(),
            |names| {
                let region = Region::try_from_str(c.as_str()).ok()?;
                names.of(region).map(str::to_owned)
            },
        )
        .unwrap_or_else(|| c.name())
    }

    /// A language's name in the reader's language (CLDR): `anglais` for `en` to a French
    /// reader; the tag itself when CLDR has no name for it.
    pub(crate) fn language(self, tag: &LangTag) -> String {
        let name = cached(
            &LANGUAGES,
            self.lang,
            |l| {
                LanguageDisplayNames::try_new(l.locale().into(), DisplayNamesOptions::default())
                    .ok()
            },
            |names| {
                let language = Language::try_from_str(&tag.primary().to_ascii_lowercase()).ok()?;
                names.of(language).map(str::to_owned)
            },
        );
        match name {
            Some(name) if tag.as_str().eq_ignore_ascii_case(tag.primary()) => name,
            Some(name) => format!("{name} ({tag})"),
            None => tag.to_string(),
        }
    }

    /// A day in the reader's language (CLDR, long form): `3 May 2027`, `3 mai 2027`.
    pub(crate) fn day(self, d: NaiveDate) -> String {
        use chrono::Datelike;
        let formatted = cached(
            &DATES,
            self.lang,
            |l| DateTimeFormatter::try_new(l.locale().into(), YMD::long()).ok(),
            |f| {
                let month = u8::try_from(d.month()).ok()?;
                let day = u8::try_from(d.day()).ok()?;
                let date = Date::try_new_iso(d.year(), month, day).ok()?;
                Some(f.format(&date).to_string())
            },
        );
        formatted.unwrap_or_else(|| d.format("%Y-%m-%d").to_string())
    }

    /// A whole number in the reader's language (CLDR digits and grouping).
    pub(crate) fn number(self, n: u64) -> String {
        cached(
            &NUMBERS,
            self.lang,
            |l| DecimalFormatter::try_new(l.locale().into(), Default::default()).ok(),
            |f| Some(f.format(&Decimal::from(n)).to_string()),
        )
        .unwrap_or_else(|| n.to_string())
    }

    /// The text of `own` and `others` in the reader's language when there is one: the text,
    /// its language, and the language it falls back to otherwise (`own`'s).
    pub(crate) fn pick<'a>(self, own: &'a Text, others: &'a Translations) -> Picked<'a> {
        match liaison_protocol::text_for(own, others, self.lang.code()) {
            Some((lang, text)) => Picked { text, lang, fallback: false },
            None => Picked { text: &own.value, lang: &own.lang, fallback: true },
        }
    }
}

/// `c`'s names in every language of the site, without repeats, for the search index.
pub(crate) fn country_names(c: CountryCode) -> Vec<String> {
    let mut names: Vec<String> =
        Lang::ALL.into_iter().map(|lang| Reader { lang, pinned: false }.country(c)).collect();
    names.dedup();
    names
}

/// An item's text as a reader gets it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Picked<'a> {
    /// The text.
    pub(crate) text: &'a str,
    /// Its language.
    pub(crate) lang: &'a LangTag,
    /// Not in the reader's language: the item has none in it.
    pub(crate) fallback: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for Reader {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let accept = parts.headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
        Ok(Reader::choose(parts.uri.query(), accept))
    }
}

/// ICU4X formatters of one kind, one per language, made on first use in each thread (they
/// hold their data by reference counting, which is not shared between threads).
type PerLang<T> = RefCell<[Option<T>; 5]>;

thread_local! {
    static REGIONS: PerLang<RegionDisplayNames> = RefCell::default();
    static LANGUAGES: PerLang<LanguageDisplayNames> = RefCell::default();
    static DATES: PerLang<DateTimeFormatter<YMD>> = RefCell::default();
    static NUMBERS: PerLang<DecimalFormatter> = RefCell::default();
}

/// Runs `use_it` with this thread's formatter of `lang` from `cache`, made by `make` if there
/// is none yet; `None` when it cannot be made or has no answer.
fn cached<T: 'static>(
    cache: &'static std::thread::LocalKey<PerLang<T>>,
    lang: Lang,
    make: impl FnOnce(Lang) -> Option<T>,
    use_it: impl FnOnce(&T) -> Option<String>,
) -> Option<String> {
    cache.with(|cell| {
        let mut all = cell.borrow_mut();
        let slot = &mut all[lang.index()];
        if slot.is_none() {
            *slot = make(lang);
        }
        slot.as_ref().and_then(use_it)
    })
}

#[cfg(test)]
mod tests;
