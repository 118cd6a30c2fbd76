//! Values: countries, language tags, dates, forecasts, addresses.

use std::str::FromStr;

use crate::test_support::*;
use crate::values::{check_email, check_phone, check_url};
use crate::{CountryCode, FieldError, LangTag, Planned, Precision, VisitCountry, When};

/// Parses `input`, expecting a refusal naming `field`.
#[track_caller]
fn refused<T: FromStr<Err = FieldError> + std::fmt::Debug>(input: &str, field: &str) -> FieldError {
    let err = input.parse::<T>().expect_err(input);
    assert_eq!(err.field, field, "{input:?}: {err}");
    assert_eq!(err.value, input, "the error shows the value as given");
    err
}

#[test]
fn country_codes_are_checked_against_iso_3166() {
    let tn: CountryCode = "TN".parse().unwrap();
    assert_eq!(tn.as_str(), "TN");
    assert_eq!(tn.alpha3(), "TUN");
    assert_eq!(tn.name(), "Tunisia");
    for bad in ["XX", "ZZ", "TUN", "", "T", "1N", "T N"] {
        refused::<CountryCode>(bad, "country");
    }
}

#[test]
fn lowercase_country_codes_are_accepted_and_normalised() {
    let tn: CountryCode = "tn".parse().unwrap();
    assert_eq!(tn, "TN".parse().unwrap());
    assert_eq!(tn.to_string(), "TN");
    assert_eq!(serde_json::from_str::<CountryCode>("\"co\"").unwrap().as_str(), "CO");
    assert_eq!(serde_json::to_string(&tn).unwrap(), "\"TN\"");
}

#[test]
fn country_codes_from_json_are_checked_too() {
    assert!(serde_json::from_str::<CountryCode>("\"XX\"").is_err());
}

#[test]
fn visit_country_may_be_undisclosed() {
    for s in ["undisclosed", "Undisclosed"] {
        let c: VisitCountry = s.parse().unwrap();
        assert_eq!(c, VisitCountry::Undisclosed);
        assert_eq!(c.code(), None);
        assert_eq!(c.to_string(), "undisclosed");
    }
    let tn: VisitCountry = "tn".parse().unwrap();
    assert_eq!(tn.code(), Some("TN".parse().unwrap()));
    let err = refused::<VisitCountry>("XX", "country");
    assert!(err.allowed.contains("undisclosed"), "{err}");
    let json = serde_json::to_string(&VisitCountry::Undisclosed).unwrap();
    assert_eq!(serde_json::from_str::<VisitCountry>(&json).unwrap(), VisitCountry::Undisclosed);
}

#[test]
fn bcp47_tags_are_accepted() {
    for tag in ["en", "fr", "ar", "pt-BR", "zh-Hans", "es-419"] {
        assert_eq!(tag.parse::<LangTag>().unwrap().as_str(), tag);
    }
    assert_eq!(LangTag::default().as_str(), "en");
}

#[test]
fn words_and_fragments_are_not_language_tags() {
    for bad in ["english", "e", "", "en_US", "en-", "123"] {
        refused::<LangTag>(bad, "lang");
    }
}

#[test]
fn when_parses_a_date_or_an_rfc3339_date_time() {
    assert_eq!(When::parse("start", "2027-03-03").unwrap(), When::Date(date(2027, 3, 3)));
    let t = When::parse("start", "2027-03-03T10:00:00+01:00").unwrap();
    assert!(matches!(t, When::DateTime(dt) if dt.to_rfc3339() == "2027-03-03T10:00:00+01:00"));
    assert_eq!(t.date(), date(2027, 3, 3));
    // The day is the day where the event is, not in UTC.
    let late = When::parse("end", "2027-03-03T23:30:00-05:00").unwrap();
    assert_eq!(late.date(), date(2027, 3, 3));
}

#[test]
fn when_refuses_impossible_dates_and_times_without_offset() {
    for bad in ["2027-02-30", "2027-03-03T10:00:00", "03/03/2027", "tomorrow", ""] {
        let err = When::parse("start", bad).expect_err(bad);
        assert_eq!(err.field, "start", "{bad:?}");
    }
}

#[test]
fn coarse_forecasts_span_their_whole_period() {
    #[track_caller]
    fn check(input: &str, start: (i32, u32, u32), end: (i32, u32, u32), precision: Precision) {
        let p = Planned::parse_coarse(input).unwrap();
        assert_eq!(
            (p.start, p.end, p.precision),
            (date(start.0, start.1, start.2), date(end.0, end.1, end.2), precision)
        );
        assert_eq!(p.validate(), Ok(()));
        assert_eq!(
            Planned::parse_coarse(&p.to_string()).unwrap(),
            p,
            "display round trip of {input}"
        );
    }
    check("2027-Q2", (2027, 4, 1), (2027, 6, 30), Precision::Quarter);
    check("2027-q4", (2027, 10, 1), (2027, 12, 31), Precision::Quarter);
    check("2027-Q1", (2027, 1, 1), (2027, 3, 31), Precision::Quarter);
    check("2027-05", (2027, 5, 1), (2027, 5, 31), Precision::Month);
    check("2027-02", (2027, 2, 1), (2027, 2, 28), Precision::Month);
    check("2028-02", (2028, 2, 1), (2028, 2, 29), Precision::Month);
    check("2027-12", (2027, 12, 1), (2027, 12, 31), Precision::Month);
    check("2027", (2027, 1, 1), (2027, 12, 31), Precision::Year);
}

#[test]
fn malformed_forecasts_are_refused() {
    for bad in [
        "2027-Q5", "2027-Q0", "2027-13", "2027-00", "27", "soon", "", "2027-5", "2027-W20",
        "Q2-2027", "10000",
    ] {
        let err = Planned::parse_coarse(bad).expect_err(bad);
        assert_eq!(err.field, "planned", "{bad:?}");
    }
}

#[test]
fn planned_days_refuse_an_end_before_the_start() {
    let p = Planned::days(date(2027, 5, 10), date(2027, 5, 14)).unwrap();
    assert_eq!(p.precision, Precision::Day);
    assert_eq!(p.to_string(), "2027-05-10..2027-05-14");
    assert!(Planned::days(date(2027, 5, 10), date(2027, 5, 10)).is_ok());
    let err = Planned::days(date(2027, 5, 14), date(2027, 5, 10)).unwrap_err();
    assert_eq!(err.field, "planned.end");
}

#[test]
fn coarse_forecasts_that_do_not_cover_their_period_are_refused() {
    let p =
        Planned { start: date(2027, 5, 2), end: date(2027, 5, 31), precision: Precision::Month };
    assert_eq!(p.validate().unwrap_err().field, "planned");
    let q =
        Planned { start: date(2027, 4, 1), end: date(2027, 5, 31), precision: Precision::Quarter };
    assert_eq!(q.validate().unwrap_err().field, "planned");
}

#[test]
fn phone_numbers_must_be_e164() {
    for good in ["+41229179000", "+12345678", "+123456789012345"] {
        assert_eq!(check_phone("phone", good), Ok(()), "{good}");
    }
    for bad in [
        "0041229179000",
        "+0412291790",
        "+41 22 917 9000",
        "+1234567",
        "+1234567890123456",
        "41229179000",
        "+",
    ] {
        assert_eq!(check_phone("phone", bad).unwrap_err().field, "phone", "{bad}");
    }
}

#[test]
fn email_addresses_must_be_addresses() {
    assert_eq!(check_email("email", "cpt.secretariat@coe.int"), Ok(()));
    for bad in ["cpt.secretariat", "a@", "@coe.int", "two words@coe.int", ""] {
        assert_eq!(check_email("email", bad).unwrap_err().field, "email", "{bad}");
    }
}

#[test]
fn urls_must_be_absolute_http_or_https() {
    for good in ["https://www.ohchr.org/en/countries/tunisia", "http://192.0.2.1:8080/x"] {
        assert_eq!(check_url("url", good), Ok(()), "{good}");
    }
    for bad in [
        "ftp://ohchr.org/x",
        "javascript:alert(1)",
        "/en/countries",
        "ohchr.org",
        "https://",
        "mailto:a@b.org",
        "",
    ] {
        assert_eq!(check_url("url", bad).unwrap_err().field, "url", "{bad}");
    }
}

#[test]
fn a_reader_gets_the_text_in_their_language_or_none() {
    let own = crate::Text { value: "Visit to Chile".into(), lang: "en".parse().unwrap() };
    let mut others = crate::Translations::new();
    others.insert("pt-BR".parse().unwrap(), "Visita ao Chile (BR)".into());
    others.insert("pt".parse().unwrap(), "Visita ao Chile".into());
    others.insert("es-419".parse().unwrap(), "Visita a Chile".into());
    let text =
        |primary| crate::text_for(&own, &others, primary).map(|(tag, t)| (tag.to_string(), t));
    assert_eq!(text("en"), Some(("en".into(), "Visit to Chile")));
    assert_eq!(text("pt"), Some(("pt".into(), "Visita ao Chile")), "the exact tag first");
    assert_eq!(text("es"), Some(("es-419".into(), "Visita a Chile")), "then a regional one");
    assert_eq!(text("ar"), None);
}
