//! `liaison overlaps`: clusters of visits by different mechanisms to one country.

use liaison_node::api::{Request, Response};
use liaison_protocol::values::parse_date;

use crate::args::{OverlapsArgs, TableFormat};
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
