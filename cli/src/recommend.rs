//! `liaison recommendation`: add, assess, follow, and import the Universal Human Rights Index.

use std::io::IsTerminal as _;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::Instant;

use liaison_node::api::{Request, Response};
use liaison_node::matrix::{Filter, Matrix};
use liaison_node::recommend::{AssessmentInput, Tally};
use liaison_node::uhri::{self, BadRow};
use liaison_protocol::values::parse_date;
use liaison_protocol::{FieldError, Fields, Kind, Recommendation};

use crate::Failure;
use crate::args::*;
use crate::items::{
    Conn, common, countries, draft, label, opt, publish, resolve, translations, unexpected,
};
use crate::output;

/// Rows sent to the store in one write: one transaction and one flush each.
const BATCH: usize = 500;

pub(crate) fn run(command: RecommendationCommand, conn: &mut Conn) -> Result<(), Failure> {
    match command {
        RecommendationCommand::Add(a) => add(*a, conn),
        RecommendationCommand::Assess(a) => {
            let id = resolve(conn, &a.id)?;
            let assessment = AssessmentInput {
                status: a.status.parse()?,
                date: parse_date("date", &a.date)?,
                source: a.source,
                note: a.note,
            };
            let (assessed, revision) = match conn.call(Request::Assess { id, assessment })? {
                Response::Assessed { id, revision } => (id, revision),
                r => return Err(unexpected(r)),
            };
            // The newest version is the one assessed: say so when it is not the id given.
            let version = if assessed == id {
                assessed.to_string()
            } else {
                format!("{assessed}, the newest version of {id}")
            };
            match revision {
                Some(revision) => eprintln!("assessed {version} (revision {revision})"),
                None => eprintln!("{version}: holds this assessment already; nothing changed"),
            }
            Ok(())
        }
        RecommendationCommand::Follow(a) => {
            let id = resolve(conn, &a.id)?;
            match conn.call(Request::ProposeFollow { id, note: a.note })? {
                Response::Id(proposal) => {
                    output::line(&proposal.to_string());
                    eprintln!(
                        "asked to follow {id}; its owner sees the proposal in 'liaison inbox'"
                    );
                    Ok(())
                }
                r => Err(unexpected(r)),
            }
        }
        RecommendationCommand::AcceptFollow(a) => {
            let proposal = resolve(conn, &a.proposal)?;
            let request = Request::AnswerJoint { proposal, accept: true, note: None, label: None };
            match conn.call(request)? {
                Response::Answered(Some(id)) => {
                    output::line(&id.to_string());
                    eprintln!("accepted: the recommendation is reissued as {id}, co-owned");
                    Ok(())
                }
                r => Err(unexpected(r)),
            }
        }
        RecommendationCommand::DeclineFollow(a) => {
            let proposal = resolve(conn, &a.proposal)?;
            let request =
                Request::AnswerJoint { proposal, accept: false, note: a.note, label: None };
            match conn.call(request)? {
                Response::Answered(None) => {
                    eprintln!("declined {proposal}");
                    Ok(())
                }
                r => Err(unexpected(r)),
            }
        }
        RecommendationCommand::Import(a) => import(a, conn),
    }
}

fn add(a: RecommendationAddArgs, conn: &mut Conn) -> Result<(), Failure> {
    let mechanism = match a.mechanism.clone() {
        Some(m) => m,
        None => match conn.call(Request::Identity)? {
            Response::Card(card) => card.mechanism.to_string(),
            r => return Err(unexpected(r)),
        },
    };
    let mut r = Recommendation::new(mechanism, a.body.clone(), a.symbol.clone());
    r.paragraph = a.paragraph.clone();
    r.date = opt(&a.date, |s| parse_date("date", s))?;
    r.affected_persons = a.affected_persons.clone();
    r.sdg_targets = a.sdg_targets.clone();
    r.text_in = translations("text-in", &a.text_in)?;
    r.source = match &a.source {
        Some(s) => Some(resolve(conn, s)?),
        None => None,
    };
    let mut fields = common(a.text.clone(), &a.common)?;
    fields.countries = countries(&a.countries)?;
    fields.recommendation = Some(r);
    publish(conn, draft(Kind::Recommendation, fields, &a.label)?).map(drop)
}

fn import(a: RecommendationImportArgs, conn: &mut Conn) -> Result<(), Failure> {
    let started = Instant::now();
    let (label, audience) = label(&a.label)?;
    let unreadable =
        |e: uhri::FileError| Failure { code: 2, message: format!("{}: {e}", a.file.display()) };
    // The file is read twice, so that only a run of rows is held whatever its size: once to
    // check every row (nothing is written if one is bad, unless --skip-bad), once to import.
    let (mut good, mut bad) = (0, Vec::new());
    uhri::each(&a.file, label, |row| {
        match row {
            Ok(_) => good += 1,
            Err(b) => bad.push(b),
        }
        ControlFlow::Continue(())
    })
    .map_err(unreadable)?;
    let report = a.report.clone().unwrap_or_else(|| rejected_path(&a.file));
    if !bad.is_empty() {
        if !a.skip_bad {
            for bad in bad.iter().take(20) {
                eprintln!("{}: {bad}", a.file.display());
            }
            if bad.len() > 20 {
                eprintln!("... and {} more bad rows", bad.len() - 20);
            }
            return Err(Failure {
                code: 2,
                message: format!(
                    "{}: refused: {} bad rows (of {}); nothing was written. Fix them, or \
                     import the good rows with --skip-bad",
                    a.file.display(),
                    bad.len(),
                    bad.len() + good
                ),
            });
        }
        write_report(&report, &bad)?;
    }
    let terminal = std::io::stderr().is_terminal();
    let mut tally = Tally::default();
    let mut done = 0;
    let mut batch = Vec::with_capacity(BATCH);
    let mut failed = None;
    let mut send = |batch: Vec<Fields>, done: &mut usize| -> Result<(), Failure> {
        let size = batch.len();
        let request =
            Request::ImportRecommendations { rows: batch, label, audience: audience.clone() };
        match conn.call(request)? {
            Response::RecommendationsImported(t) => {
                tally.added += t.added;
                tally.updated += t.updated;
                tally.unchanged += t.unchanged;
            }
            r => return Err(unexpected(r)),
        }
        *done += size;
        if terminal {
            eprint!("\rimporting {}: {done}/{good} rows", a.file.display());
        }
        Ok(())
    };
    uhri::each(&a.file, label, |row| {
        let Ok((_, fields)) = row else { return ControlFlow::Continue(()) };
        batch.push(fields);
        if batch.len() == BATCH
            && let Err(e) = send(std::mem::take(&mut batch), &mut done)
        {
            failed = Some(e);
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    })
    .map_err(unreadable)?;
    if let Some(e) = failed {
        return Err(e);
    }
    if !batch.is_empty() {
        send(batch, &mut done)?;
    }
    if done != good {
        return Err(Failure {
            code: 2,
            message: format!(
                "{}: the file changed while it was imported ({good} good rows when checked, \
                 {done} when imported); import it again",
                a.file.display()
            ),
        });
    }
    if terminal && good > 0 {
        eprintln!();
    }
    let secs = started.elapsed().as_secs_f64();
    let skipped = if bad.is_empty() {
        String::new()
    } else {
        format!("; {} bad rows skipped, listed in {}", bad.len(), report.display())
    };
    eprintln!(
        "imported {}: {good} rows in {secs:.1} s ({:.0} rows/s): {} added, {} updated, {} \
         unchanged{skipped}",
        a.file.display(),
        good as f64 / secs.max(1e-9),
        tally.added,
        tally.updated,
        tally.unchanged,
    );
    Ok(())
}

/// `liaison recommendations`: the matrix, as a table (one block per theme, one per cluster),
/// JSON, or CSV (one row per recommendation, with its theme and cluster number).
pub(crate) fn matrix(a: MatrixArgs, conn: &mut Conn) -> Result<(), Failure> {
    let country = a.country.parse()?;
    let filter = Filter { theme: a.theme, mechanism: a.mechanism };
    let m = match conn.call(Request::Recommendations { country, filter })? {
        Response::Matrix(m) => m,
        r => return Err(unexpected(r)),
    };
    let text = match a.format {
        MatrixFormat::Json => serde_json::to_string_pretty(&m).unwrap_or_default() + "\n",
        MatrixFormat::Csv => {
            let mut out = csv::Writer::from_writer(Vec::new());
            for row in &matrix_rows(&m) {
                out.write_record(row).map_err(|e| Failure::system(e.to_string()))?;
            }
            String::from_utf8(out.into_inner().map_err(|e| Failure::system(e.to_string()))?)
                .unwrap_or_default()
        }
        MatrixFormat::Xlsx => {
            let path = a.output.as_deref().ok_or_else(|| {
                FieldError::new("--format", "xlsx", "needs --output FILE (a workbook is not text)")
            })?;
            return write_xlsx(path, &matrix_rows(&m));
        }
        MatrixFormat::Table => {
            let mut out = format!("Recommendations to {} ({})\n", m.country.name(), m.country);
            for t in &m.themes {
                out.push_str(&format!("\n{}\n", t.theme));
                for (n, c) in t.clusters.iter().enumerate() {
                    let same =
                        if c.recommendations.len() > 1 { " (say the same thing)" } else { "" };
                    out.push_str(&format!("  {}.{same}\n", n + 1));
                    for r in &c.recommendations {
                        let status = r
                            .implementation
                            .as_ref()
                            .map(|s| format!(" [{s}]"))
                            .unwrap_or_default();
                        out.push_str(&format!(
                            "     {} {}, {}{status}: {}\n",
                            &r.id.to_string()[..8],
                            r.body,
                            r.reference,
                            r.text
                        ));
                    }
                }
            }
            if m.themes.is_empty() {
                out.push_str("(no recommendations)\n");
            }
            out
        }
    };
    output::write(a.output.as_deref(), &text)
}

/// The matrix as rows: a header, then one row per recommendation with its theme and cluster.
fn matrix_rows(m: &Matrix) -> Vec<Vec<String>> {
    let header = [
        "theme",
        "cluster",
        "id",
        "owner",
        "mechanism",
        "body",
        "reference",
        "lang",
        "text",
        "implementation",
    ];
    let mut rows = vec![header.map(str::to_owned).to_vec()];
    for t in &m.themes {
        for (n, c) in t.clusters.iter().enumerate() {
            for r in &c.recommendations {
                rows.push(vec![
                    t.theme.clone(),
                    (n + 1).to_string(),
                    r.id.to_string(),
                    r.owner.clone(),
                    r.mechanism.clone(),
                    r.body.clone(),
                    r.reference.clone(),
                    r.lang.to_string(),
                    r.text.clone(),
                    r.implementation.as_ref().map(ToString::to_string).unwrap_or_default(),
                ]);
            }
        }
    }
    rows
}

/// The rows as a workbook of one sheet, the header bold and frozen, clusters as numbers.
fn write_xlsx(path: &Path, rows: &[Vec<String>]) -> Result<(), Failure> {
    use rust_xlsxwriter::{Format, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| Failure::system(format!("{}: {e}", path.display()));
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let bold = Format::new().set_bold();
    for (r, row) in rows.iter().enumerate() {
        let at = u32::try_from(r).map_err(|_| Failure::system("too many rows for a sheet"))?;
        for (c, cell) in row.iter().enumerate() {
            let col = c as u16;
            match (r, c, cell.parse::<u32>()) {
                (0, ..) => sheet.write_string_with_format(at, col, cell, &bold).map_err(fail)?,
                (_, 1, Ok(n)) => sheet.write_number(at, col, n).map_err(fail)?,
                _ => sheet.write_string(at, col, cell).map_err(fail)?,
            };
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(fail)?;
    book.save(path).map_err(fail)
}

/// `FILE.rejected.csv` beside the file.
fn rejected_path(file: &Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(".rejected.csv");
    file.with_file_name(name)
}

/// Writes the skipped rows: row, column, value, problem.
fn write_report(path: &Path, bad: &[BadRow]) -> Result<(), Failure> {
    let fail = |e: &dyn std::fmt::Display| Failure::system(format!("{}: {e}", path.display()));
    let mut out = csv::Writer::from_path(path).map_err(|e| fail(&e))?;
    out.write_record(["row", "column", "value", "problem"]).map_err(|e| fail(&e))?;
    for b in bad {
        out.write_record([&b.row.to_string(), &b.column, &b.value, &b.problem])
            .map_err(|e| fail(&e))?;
    }
    out.flush().map_err(|e| fail(&e))
}
