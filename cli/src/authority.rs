//! `liaison authority`: a mechanism's offline authority key, which certifies its node keys,
//! revokes them and signs its public keyset. It needs no data directory: it runs on the
//! offline machine that holds the key.

use chrono::{Duration, NaiveDate, Utc};
use liaison_node::authority::Authority;
use liaison_protocol::trust::{CERT_PREFIX, REVOCATION_PREFIX, Reason};
use liaison_protocol::{Card, FieldError, PublicKey};

use crate::args::AuthorityCommand;
use crate::{Failure, output};

pub(crate) fn run(command: AuthorityCommand) -> Result<(), Failure> {
    let now = Utc::now();
    match command {
        AuthorityCommand::Init(a) => {
            let authority = Authority::init(&a.out, a.mechanism.parse()?, a.name)?;
            eprintln!("authority key written to {} (mode 0600): keep it offline", a.out.display());
            output::line(&authority.card().encode());
        }
        AuthorityCommand::Card(a) => output::line(&Authority::open(&a.authority)?.card().encode()),
        AuthorityCommand::Certify(a) => {
            let card = Card::decode(&a.card)?;
            let until = a.until.as_deref().map(end_of_day).transpose()?;
            let mut authority = Authority::open(&a.file.authority)?;
            let cert = authority.certify(&card, until, now)?;
            authority.save(&a.file.authority)?;
            eprintln!("certified {} as a {} of {}", card.key, card.role, card.mechanism);
            output::line(&cert.encode(CERT_PREFIX));
        }
        AuthorityCommand::Revoke(a) => {
            let key: PublicKey = a.key.parse()?;
            let reason: Reason = a.reason.parse()?;
            let mut authority = Authority::open(&a.file.authority)?;
            let revocation = authority.revoke(key, reason, now)?;
            authority.save(&a.file.authority)?;
            eprintln!("revoked {key} ({reason})");
            output::line(&revocation.encode(REVOCATION_PREFIX));
        }
        AuthorityCommand::Keyset(a) => {
            let authority = Authority::open(&a.file.authority)?;
            let keyset = authority.keyset(now, Duration::days(i64::from(a.valid_days.max(1))));
            let json = serde_json::to_string_pretty(&keyset).map_err(Failure::system)?;
            output::write(Some(&a.output), &format!("{json}\n"))?;
            eprintln!(
                "keyset written to {}, valid {} days",
                a.output.display(),
                a.valid_days.max(1)
            );
        }
    }
    Ok(())
}

/// The first moment after day `text` (YYYY-MM-DD), UTC: a certificate "until" that day holds
/// through it.
fn end_of_day(text: &str) -> Result<chrono::DateTime<Utc>, FieldError> {
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| FieldError::new("until", text, "expected a day as YYYY-MM-DD"))?;
    day.succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| FieldError::new("until", text, "a day before the year 262143"))
}
