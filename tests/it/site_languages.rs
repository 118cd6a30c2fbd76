//! The public site in five languages: a reader gets the interface, country names and dates in
//! the language of `?lang=` or else of their browser's `Accept-Language`, an item's title and
//! summary in that language where the item has it (and is told which language it falls back
//! to otherwise), Arabic right to left, and the JSON carries every language.

use liaison_protocol::{Kind, Label};

use crate::mirror_support::*;
use crate::site_support::*;

const FRENCH_TITLE: &str = "Visite zzlangue au Sénégal";
const FRENCH_SUMMARY: &str = "Résumé zzlangue de la visite";

/// `GET path` with `Accept-Language: accept`, which must answer 200.
async fn page(addr: std::net::SocketAddr, path: &str, accept: &str) -> Answer {
    let extra = format!("Accept-Language: {accept}\r\n");
    let answer = request(addr, "GET", path, &extra, b"").await.expect("an answer");
    assert_eq!(answer.status, 200, "{path} ({accept}): {answer:?}");
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn french_and_arabic_readers_get_the_site_in_their_language() {
    let fed = Fed::start().await;
    let mirror = fed.mirror();
    let mut drafts = marked_drafts_with("zzlang", Label::Clear, &[]);
    let mut report = drafts.remove(2);
    assert_eq!(report.kind, Kind::Report);
    report.fields.title_in.insert("fr".parse().expect("tag"), "Rapport zzlangue".to_owned());
    report.fields.summary_in.insert("ar".parse().expect("tag"), "ملخص التقرير".to_owned());
    let report = fed.net[OHCHR].create(report).await;
    let mut draft = drafts.remove(0);
    assert_eq!(draft.kind, Kind::Visit);
    let fields = &mut draft.fields;
    fields.title_in.insert("fr".parse().expect("tag"), FRENCH_TITLE.to_owned());
    fields.summary = Some("An English summary of the visit".to_owned());
    fields.summary_in.insert("fr".parse().expect("tag"), FRENCH_SUMMARY.to_owned());
    let id = fed.net[OHCHR].create(draft).await;
    until_status(mirror, &format!("/items/{id}/"), 200).await;
    let item = format!("/items/{id}/");

    // A French browser: the interface, the country, the dates and the item in French.
    let french = page(mirror, &item, "de-DE, fr-CA;q=0.9, en;q=0.8").await;
    assert_eq!(french.header("vary"), Some("Accept-Language"), "{:?}", french.headers);
    let body = &french.body;
    for shown in [
        "<html lang=\"fr\" dir=\"ltr\">",
        "Visites de pays",
        &format!("<h1 lang=\"fr\" dir=\"auto\">{FRENCH_TITLE}</h1>"),
        FRENCH_SUMMARY,
        "Sénégal",
        "du 2 août 2027 au 6 août 2027",
        "<dt>Mandat</dt>",
        // Links keep no language: the browser says it again.
        "href=\"/visits/\"",
    ] {
        assert!(body.contains(shown), "the French page lacks {shown}:\n{body}");
    }
    assert!(!body.contains("not available") && !body.contains("non disponible"), "{body}");

    // An Arabic reader by `?lang=`, which beats the browser's French: right to left, Arabic
    // words, names and dates; the title and summary fall back to English, saying so; links
    // within the site keep the language.
    let arabic = page(mirror, &format!("{item}?lang=ar"), "fr").await.body;
    for shown in [
        "<html lang=\"ar\" dir=\"rtl\">",
        "الزيارات القطرية",
        "السنغال",
        "أغسطس",
        "العنوان معروض باللغة الإنجليزية؛ غير متاح باللغة العربية.",
        "الملخص معروض باللغة الإنجليزية",
        "<h1 lang=\"en\" dir=\"auto\">zzlangclearvisit title</h1>",
        "href=\"/visits/?lang=ar\"",
        "href=\"/countries/SN/?lang=ar\"",
    ] {
        assert!(arabic.contains(shown), "the Arabic page lacks {shown}:\n{arabic}");
    }
    assert!(!arabic.contains(FRENCH_TITLE), "an Arabic reader gets the original, not French");

    // Lists and the home page too; the switcher links every language.
    let list = page(mirror, "/visits/?country=SN", "fr").await.body;
    assert!(list.contains(FRENCH_TITLE) && list.contains("<th scope=\"col\">Pays</th>"), "{list}");
    // The switcher keeps the filters, and the search it is on.
    assert!(list.contains("href=\"/visits/?country=SN&amp;lang=es\""), "{list}");
    let search = page(mirror, "/search?q=zzlangue&lang=pt", "fr").await.body;
    assert!(search.contains("href=\"/search?q=zzlangue&amp;lang=ar\""), "{search}");
    assert!(search.contains("<html lang=\"pt\""), "{search}");
    let home = page(mirror, "/?lang=ar", "fr").await.body;
    assert!(home.contains("حسب البلد") && home.contains("السنغال"), "{home}");
    for lang in ["en", "fr", "es", "pt", "ar"] {
        assert!(home.contains(&format!("href=\"/?lang={lang}\"")), "switcher to {lang}: {home}");
    }
    // No language the site speaks: English.
    let english = page(mirror, &item, "de, ja;q=0.5").await.body;
    assert!(english.contains("<html lang=\"en\" dir=\"ltr\">"), "{english}");
    assert!(english.contains("2 August 2027 to 6 August 2027"), "{english}");
    assert!(english.contains("Senegal"), "{english}");

    // Search finds a country by its name in any language of the site, and a title by a word
    // of its French version.
    for q in ["%D8%A7%D9%84%D8%B3%D9%86%D8%BA%D8%A7%D9%84", "zzlangue"] {
        let found = get_json(mirror, &format!("/api/v1/search?q={q}&kind=visit")).await;
        let ids: Vec<&str> = found["results"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["item"]["id"].as_str())
            .collect();
        assert!(ids.contains(&id.to_string().as_str()), "q={q}: {found}");
    }

    // The JSON carries every language.
    let json = get_json(mirror, &format!("/api/v1/items/{id}")).await;
    assert_eq!(json["fields"]["title_in"]["fr"], FRENCH_TITLE, "{json}");
    assert_eq!(json["fields"]["summary_in"]["fr"], FRENCH_SUMMARY, "{json}");

    // So does the Atom feed: the title and summary with their language, the others in the
    // entry's content, each in a block with its own.
    until_status(mirror, &format!("/items/{report}/"), 200).await;
    let atom = get_ok(mirror, "/reports.atom").await;
    let feed = feed_rs::parser::parse(atom.as_bytes()).expect("an Atom feed");
    let entry = feed
        .entries
        .iter()
        .find(|e| e.id == format!("urn:uuid:{report}"))
        .unwrap_or_else(|| panic!("no entry for the report: {atom}"));
    let content = entry.content.as_ref().and_then(|c| c.body.clone()).unwrap_or_default();
    assert!(
        content.contains("<div lang=\"fr\" dir=\"auto\"><h2>Rapport zzlangue</h2></div>"),
        "{content}"
    );
    assert!(
        content.contains("<div lang=\"ar\" dir=\"auto\"><p>ملخص التقرير</p></div>"),
        "{content}"
    );
    assert!(atom.contains("<title xml:lang=\"en\">zzlangclearreport title</title>"), "{atom}");
}
