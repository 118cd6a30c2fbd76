//! The reader's language, the interface table and CLDR's names and dates.

use chrono::NaiveDate;

use super::{Lang, Msg, Reader, from_accept_language};

#[test]
fn every_language_has_every_string() {
    for msg in Msg::ALL {
        for lang in Lang::ALL {
            let text = msg.text(lang);
            assert!(!text.trim().is_empty(), "{msg:?} is empty in {lang:?}");
            let holes = |t: &str| (0..4).filter(|i| t.contains(&format!("{{{i}}}"))).count();
            assert_eq!(
                holes(text),
                holes(msg.text(Lang::En)),
                "{msg:?} in {lang:?} fills the same"
            );
        }
        // Arabic is in Arabic script: not an English string left untranslated.
        assert!(
            msg.text(Lang::Ar).chars().any(|c| ('\u{600}'..='\u{6ff}').contains(&c)),
            "{msg:?}"
        );
    }
}

#[test]
fn the_query_beats_accept_language_which_beats_english() {
    let choose = |q: Option<&str>, a: Option<&str>| Reader::choose(q, a);
    assert_eq!(choose(Some("lang=ar"), Some("fr")), Reader { lang: Lang::Ar, pinned: true });
    assert_eq!(choose(Some("x=1&lang=pt-BR"), None).lang, Lang::Pt);
    assert_eq!(choose(Some("lang=de"), Some("es")), Reader { lang: Lang::Es, pinned: false });
    assert_eq!(choose(None, None), Reader { lang: Lang::En, pinned: false });
    assert_eq!(from_accept_language("de-DE, fr;q=0.5, ar;q=0.9"), Some(Lang::Ar));
    assert_eq!(from_accept_language("fr-CA,fr;q=0.9,en;q=0.8"), Some(Lang::Fr));
    assert_eq!(from_accept_language("es;q=0, pt;q=0.1"), Some(Lang::Pt), "q=0 means not this");
    assert_eq!(from_accept_language("de, ja"), None);
    assert_eq!(from_accept_language("ar;q=bad, en;q=0.2"), Some(Lang::En));
}

#[test]
fn links_keep_a_language_chosen_in_the_query_only() {
    let pinned = Reader { lang: Lang::Fr, pinned: true };
    assert_eq!(pinned.href("/visits/"), "/visits/?lang=fr");
    assert_eq!(pinned.href("/visits/?from=2027-01-01"), "/visits/?from=2027-01-01&lang=fr");
    assert_eq!(Reader { lang: Lang::Fr, pinned: false }.href("/visits/"), "/visits/");
}

#[test]
fn names_dates_and_numbers_come_from_cldr() {
    let r = |lang| Reader { lang, pinned: false };
    let tn = "TN".parse().unwrap();
    assert_eq!(r(Lang::Fr).country(tn), "Tunisie");
    assert_eq!(r(Lang::Es).country(tn), "Túnez");
    assert_eq!(r(Lang::Ar).country(tn), "تونس");
    assert_eq!(r(Lang::En).country(tn), "Tunisia");
    let day = NaiveDate::from_ymd_opt(2027, 5, 3).unwrap();
    assert_eq!(r(Lang::En).day(day), "3 May 2027");
    assert_eq!(r(Lang::Fr).day(day), "3 mai 2027");
    assert!(r(Lang::Ar).day(day).contains("مايو"), "{}", r(Lang::Ar).day(day));
    assert_eq!(r(Lang::En).number(12345), "12,345");
    assert_eq!(r(Lang::Fr).number(12345), "12\u{202f}345");
    assert_eq!(r(Lang::Fr).language(&"en".parse().unwrap()), "anglais");
    assert_eq!(r(Lang::Fr).fill(Msg::Span, &["a", "b"]), "du a au b");
}

#[test]
fn every_word_of_the_data_model_reads_in_every_language() {
    use liaison_protocol::{
        ContactRole, DocType, EventCategory, EventStatus, Implementation, UprPosition, VisitStatus,
        VisitType,
    };
    let mut all: Vec<&str> = Vec::new();
    all.extend(VisitStatus::ALL.iter().map(|w| w.as_str()));
    all.extend(VisitType::ALL.iter().map(|w| w.as_str()));
    all.extend(EventCategory::ALL.iter().map(|w| w.as_str()));
    all.extend(EventStatus::ALL.iter().map(|w| w.as_str()));
    all.extend(DocType::ALL.iter().map(|w| w.as_str()));
    all.extend(ContactRole::ALL.iter().map(|w| w.as_str()));
    all.extend(UprPosition::ALL.iter().map(|w| w.as_str()));
    // The recommendation view reads an implementation status with `_` for `-`.
    let statuses: Vec<String> =
        Implementation::ALL.iter().map(|w| w.as_str().replace('-', "_")).collect();
    all.extend(statuses.iter().map(String::as_str));
    for word in all {
        for lang in Lang::ALL {
            let text = super::messages::word(word, lang).unwrap_or_default();
            assert!(!text.trim().is_empty(), "{word} lacks {lang:?}");
        }
        let arabic = super::messages::word(word, Lang::Ar).unwrap_or_default();
        assert!(arabic.chars().any(|c| ('\u{600}'..='\u{6ff}').contains(&c)), "{word}: {arabic}");
    }
    let r = Reader { lang: Lang::Fr, pinned: false };
    assert_eq!(r.word("dates_proposed"), "Dates proposées");
    assert_eq!(r.word("related_item"), "Related item", "a word the table lacks");
}
