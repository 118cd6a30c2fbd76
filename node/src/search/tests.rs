//! The query checks and the cutting of highlighted fragments.

use super::*;

#[test]
fn a_query_is_checked_for_length_before_it_is_parsed() {
    assert_eq!(check_query("  torture "), Ok("torture"));
    assert_eq!(check_query("   "), Err(QueryError::Empty));
    let long = "a".repeat(MAX_QUERY_CHARS + 1);
    assert_eq!(check_query(&long), Err(QueryError::TooLong(MAX_QUERY_CHARS + 1)));
    // Characters, not bytes: 200 Arabic letters are allowed.
    assert!(check_query(&"ب".repeat(MAX_QUERY_CHARS)).is_ok());
}

#[test]
fn a_malformed_query_is_refused_with_what_the_parser_said() {
    let index = Index::new(None).expect("index");
    for bad in ["nosuchfield:word", "title:(", "\"unclosed"] {
        match index.search(bad, None, 0, 10).expect("search") {
            Err(QueryError::Invalid { query, why }) => {
                assert_eq!(query, bad);
                assert!(!why.is_empty(), "{bad}");
            }
            Err(other) => panic!("{bad}: {other}"),
            Ok(found) => panic!("{bad}: parsed, found {}", found.total),
        }
    }
    assert!(index.search("torture AND detention", None, 0, 10).expect("search").is_ok());
}

#[test]
fn a_fragment_is_cut_at_the_words_found() {
    let text = "Visit to Genève: détention";
    assert_eq!(
        pieces(text, &[9..16, 18..28]),
        vec![
            ("Visit to ".to_owned(), false),
            ("Genève".to_owned(), true),
            (": ".to_owned(), false),
            ("détention".to_owned(), true),
        ]
    );
    // A range off a character boundary is skipped rather than cutting a character.
    let inside_a_character = [0..1, 5..6];
    assert_eq!(pieces("è", &inside_a_character), vec![("è".to_owned(), false)]);
}

#[test]
fn an_index_in_files_empties_its_directory_and_keeps_it_private() {
    let dir = tempfile::tempdir().expect("tempdir");
    let at = dir.path().join("search");
    std::fs::create_dir(&at).expect("mkdir");
    std::fs::write(at.join("meta.json"), b"left by an earlier run").expect("write");
    let index = Index::new(Some(&at)).expect("index");
    let meta = std::fs::read_to_string(at.join("meta.json")).expect("tantivy's meta.json");
    assert!(!meta.contains("earlier run"), "the earlier run's file was read or kept");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&at).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }
    let found = index.search("torture", None, 0, 10).expect("search").expect("query");
    assert_eq!(found.total, 0);
}
