//! Titles cut for lists, and which URLs become links.

use super::*;

#[test]
fn short_titles_stay_whole_and_long_ones_are_cut_at_a_word_with_an_ellipsis() {
    assert_eq!(short_title("Visit to Tunisia"), "Visit to Tunisia");
    let exact = "x".repeat(TITLE_CAP);
    assert_eq!(short_title(&exact), exact);
    let long = "زيارة إلى تونس ".repeat(20);
    let cut = short_title(&long);
    assert!(cut.ends_with('…') && cut.chars().count() <= TITLE_CAP + 1, "{cut}");
    assert!(long.starts_with(cut.trim_end_matches('…')), "a prefix, cut at a character: {cut}");
    assert!(!cut.trim_end_matches('…').ends_with(' '), "no space before the ellipsis: {cut:?}");
    let one_word = "y".repeat(TITLE_CAP * 2);
    assert_eq!(short_title(&one_word), format!("{}…", "y".repeat(TITLE_CAP)));
}

#[test]
fn only_http_and_https_urls_become_links() {
    for url in ["https://www.ohchr.org/cfi", "HTTP://example.org", "http://x"] {
        assert!(web_link(url, "call").into_string().starts_with("<a href="), "{url}");
    }
    for url in ["javascript:alert(1)", "data:text/html,hi", "ftp://example.org/f", "/local", "ht"] {
        let html = web_link(url, "call").into_string();
        assert!(!html.contains("<a"), "{url} became a link: {html}");
        assert!(html.contains("call") && html.contains(&maud::html! { (url) }.into_string()));
    }
}

#[test]
fn words_of_the_data_model_read_as_words() {
    assert_eq!(words("dates_proposed"), "Dates proposed");
    assert_eq!(words("official"), "Official");
    assert_eq!(words(""), "");
}
