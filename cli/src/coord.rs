//! `liaison overlaps` and `liaison digest`: coordination between mechanisms.

use chrono::{DateTime, Duration, Utc};
use liaison_node::api::{Request, Response};
use liaison_node::digest::Audience;
use liaison_protocol::FieldError;
use liaison_protocol::values::parse_date;

use crate::args::{DigestArgs, DigestFormat, OverlapsArgs, TableFormat};
use crate::items::Conn;
use crate::{Failure, output};

pub(crate) fn overlaps(conn: &mut Conn, a: OverlapsArgs) -> Result<(), Failure> {
    let request = Request::Overlaps {
        country: a.country.as_deref().map(str::parse).transpose()?,
        from: a.from.as_deref().map(|d| parse_date("from", d)).transpose()?,
        to: a.to.as_deref().map(|d| parse_date("to", d)).transpose()?,
        window: a.window,
        of: None,
    };
    let Response::Overlaps(clusters) = conn.call(request)? else {
        return Err(Failure::system("unexpected answer from the node"));
    };
    if let TableFormat::Json = a.format {
        return output::write(
            None,
            &(serde_json::to_string_pretty(&clusters).unwrap_or_default() + "\n"),
        );
    }
    let mut out = String::new();
    for c in &clusters {
        out.push_str(&format!("{} ({}): {} visits\n", c.country.name(), c.country, c.visits.len()));
        for v in &c.visits {
            let joint = if v.joint { "joint" } else { "" };
            out.push_str(&format!(
                "  {:<8} {:<8} {:<22} {:<14} {:<5} {}\n",
                &v.id.to_string()[..8],
                v.mechanism.as_str(),
                v.dates,
                v.status.as_str(),
                joint,
                v.mandate.chars().take(36).collect::<String>()
            ));
        }
    }
    if clusters.is_empty() {
        out.push_str("no overlapping visits\n");
    }
    output::write(None, &out)
}

/// `7d`, `2w`, `24h` before now, the start of a day, or an RFC 3339 time.
fn since(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, FieldError> {
    let err = || {
        FieldError::new(
            "since",
            text,
            "expected a period such as 7d, 2w or 24h, a date YYYY-MM-DD or an RFC 3339 time",
        )
    };
    if let Ok(time) = DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(time.with_timezone(&Utc));
    }
    if let Ok(day) = parse_date("since", text) {
        return day.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).ok_or_else(err);
    }
    let (n, unit) = text.trim().split_at(text.trim().len().saturating_sub(1));
    let n: i64 = n.parse().ok().filter(|n| (1..=3650).contains(n)).ok_or_else(err)?;
    let period = match unit {
        "h" => Duration::hours(n),
        "d" => Duration::days(n),
        "w" => Duration::weeks(n),
        _ => return Err(err()),
    };
    Ok(now - period)
}

/// Who `--for` names: nobody (this node's own people), `public`, or a mechanism's code.
pub(crate) fn audience(code: Option<&str>) -> Result<Audience, Failure> {
    Ok(match code {
        None => Audience::Own,
        Some("public") => Audience::Public,
        Some(code) => Audience::Mechanism(code.parse()?),
    })
}

pub(crate) fn digest(conn: &mut Conn, a: DigestArgs) -> Result<(), Failure> {
    let since = since(&a.since, Utc::now())?;
    let audience = audience(a.audience.as_deref())?;
    let Response::Digest(digest) = conn.call(Request::Digest { since, audience })? else {
        return Err(Failure::system("unexpected answer from the node"));
    };
    let text = match a.format {
        DigestFormat::Text => digest.text(),
        DigestFormat::Markdown => digest.markdown(),
        DigestFormat::Html => digest.html(),
    };
    output::write(None, &text)
}
