//! The Universal Human Rights Index export, as OHCHR publishes it: an XLSX workbook (its first
//! sheet), or the same columns as CSV, one recommendation a row. Multi-value cells hold one
//! value a line, each after "- "; dates are Excel date serials (days since 1899-12-30, in
//! the 1900 date system) or, in a CSV, those numbers as text.
//!
//! [`each`] hands on, row by row, the fields of a `recommendation` item or why the row could not
//! be read, named by row number (as a spreadsheet numbers them, the header being row 1), column
//! and value, so the caller can refuse the file or import the good rows.
//! Reading holds one run of rows at a time (and the annotation ids seen, to refuse a repeated
//! one), so a caller that reads a file twice, once to check it and once to import it, holds
//! no more than a run whatever the file's size.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::Path;

use chrono::{Days, NaiveDate};
use liaison_protocol::country_names::country_by_name;
use liaison_protocol::{
    CountryCode, FieldError, Fields, Kind, Label, LangTag, Recommendation, Text, Upr, UprPosition,
};
use serde::{Deserialize, Serialize};

/// The columns of the export, spelled as OHCHR spells them ("Reccomending").
pub const COLUMNS: [&str; 16] = [
    TEXT,
    COUNTRIES,
    BODY,
    SYMBOL,
    THEMES,
    AFFECTED,
    SDGS,
    TYPE,
    DOC_DATE,
    UHRI_DATE,
    UPR_STATES,
    UPR_POSITION,
    UPR_SESSION,
    ANNOTATION,
    REGIONS,
    RECOMMENDING_REGIONS,
];

const TEXT: &str = "Text";
const COUNTRIES: &str = "Countries Concerned";
const BODY: &str = "Reccomending Body";
const SYMBOL: &str = "Document Symbol";
const THEMES: &str = "Themes";
const AFFECTED: &str = "Affected Persons";
const SDGS: &str = "Sdgs";
const TYPE: &str = "Type";
const DOC_DATE: &str = "Document Publication Date";
const UHRI_DATE: &str = "Date of publication on UHRI";
const UPR_STATES: &str = "UPR Reccomending States";
const UPR_POSITION: &str = "UPR Position";
const UPR_SESSION: &str = "UPR Session";
const ANNOTATION: &str = "OHCHR Annotation Id";
const REGIONS: &str = "Regions Concerned";
const RECOMMENDING_REGIONS: &str = "Recommending Regions";

/// Most rows a file may hold: the whole index is about 270,000.
pub const MAX_ROWS: usize = 1_000_000;

/// A row that could not be read: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BadRow {
    /// The row's number in the sheet (the header is row 1).
    pub row: usize,
    /// The column.
    pub column: String,
    /// The value found.
    pub value: String,
    /// What would be accepted.
    pub problem: String,
}

impl std::fmt::Display for BadRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}, column '{}': '{}': {}", self.row, self.column, self.value, self.problem)
    }
}

/// Why a whole file was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// It could not be opened or read as its kind of file.
    #[error("{0}")]
    Unreadable(String),
    /// A column of the export is missing.
    #[error("column '{0}' is missing from the header row (it has: {1})")]
    MissingColumn(String, String),
    /// More rows than [`MAX_ROWS`].
    #[error("more than {MAX_ROWS} rows")]
    TooManyRows,
}

/// One cell as the file gives it.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Text(String),
    Number(f64),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Text(t) => t.trim().to_owned(),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Cell::Number(n) => n.to_string(),
        }
    }
}

/// One row as [`each`] hands it on: its number and fields, or why it could not be read.
pub type RowRead = Result<(usize, Fields), BadRow>;

/// Reads the export at `path`: XLSX (by its `.xlsx` extension or its zip signature) or CSV,
/// checked under `label` as [`Fields::validate`] checks a local write, and hands each row with
/// a cell to `sink`, in file order, until `sink` breaks. A row repeating an earlier row's
/// annotation id is bad.
///
/// # Errors
/// A file that cannot be read, is larger than [`crate::export::MAX_IMPORT_BYTES`], lacks a
/// column or has more than [`MAX_ROWS`] rows; rows handed on before the error were handed on.
pub fn each(
    path: &Path,
    label: Label,
    sink: impl FnMut(RowRead) -> ControlFlow<()>,
) -> Result<(), FileError> {
    let unreadable =
        |e: &dyn std::fmt::Display| FileError::Unreadable(format!("{}: {e}", path.display()));
    let size = std::fs::metadata(path).map_err(|e| unreadable(&e))?.len();
    if size > crate::export::MAX_IMPORT_BYTES {
        return Err(FileError::Unreadable(format!(
            "{}: {size} bytes; at most {} (the whole index is far less)",
            path.display(),
            crate::export::MAX_IMPORT_BYTES
        )));
    }
    let mut head = [0u8; 4];
    let zip = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .map(|()| head == *b"PK\x03\x04")
        .unwrap_or(false);
    let is_xlsx = zip || path.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    if is_xlsx {
        use calamine::{Reader as _, Xlsx, open_workbook};
        let mut book: Xlsx<std::io::BufReader<std::fs::File>> =
            open_workbook(path).map_err(|e: calamine::XlsxError| unreadable(&e))?;
        let first = book
            .sheet_names()
            .into_iter()
            .next()
            .ok_or_else(|| unreadable(&"the workbook has no sheet"))?;
        // The sheet is read a cell at a time: only the run of rows being read is held, not
        // the whole sheet (the workbook's shared strings are, as calamine reads them at open).
        let cells = book.worksheet_cells_reader(&first).map_err(|e| unreadable(&e))?;
        let mut rows = SheetRows { cells, at: 0, next: None, started: false, done: false, path };
        let (first_row, header) = match rows.next() {
            Some(Ok((at, cells))) => (at as usize + 1, cells.iter().map(Cell::text).collect()),
            Some(Err(e)) => return Err(e),
            None => (1, Vec::new()),
        };
        parse(header, first_row, rows.map(|row| row.map(|(_, cells)| cells)), label, sink)
    } else {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_path(path)
            .map_err(|e| unreadable(&e))?;
        let mut records = reader.into_records().map(|record| {
            record
                .map(|r| r.iter().map(|c| Cell::Text(c.to_owned())).collect::<Vec<_>>())
                .map_err(|e| unreadable(&e))
        });
        let header = match records.next() {
            Some(r) => r?
                .iter()
                .map(|h| h.text().trim_start_matches('\u{feff}').trim().to_owned())
                .collect(),
            None => Vec::new(),
        };
        parse(header, 1, records, label, sink)
    }
}

/// Most columns a row of a workbook may have: the export has 16.
const MAX_COLUMNS: u32 = 256;

/// The rows of a worksheet read a cell at a time, each with its index (0 for the sheet's first
/// row), every row from the first one with a cell to the last, so that rows without cells come
/// as empty rows and each row keeps its number.
struct SheetRows<'a> {
    cells: calamine::XlsxCellReader<'a, std::io::BufReader<std::fs::File>>,
    /// The index of the row to give next.
    at: u32,
    /// A cell read past the row being gathered: the first of a later row.
    next: Option<(u32, u32, Cell)>,
    /// Whether a cell was read yet.
    started: bool,
    done: bool,
    path: &'a Path,
}

impl SheetRows<'_> {
    fn cell(&mut self) -> Result<Option<(u32, u32, Cell)>, FileError> {
        if let Some(cell) = self.next.take() {
            return Ok(Some(cell));
        }
        let unreadable = |e: &dyn std::fmt::Display| {
            FileError::Unreadable(format!("{}: {e}", self.path.display()))
        };
        let Some(cell) = self.cells.next_cell().map_err(|e| unreadable(&e))? else {
            return Ok(None);
        };
        let (row, column) = cell.get_position();
        if column >= MAX_COLUMNS {
            return Err(unreadable(&format!(
                "row {}: a cell in column {}; at most {MAX_COLUMNS} columns",
                row + 1,
                column + 1
            )));
        }
        if row < self.at {
            return Err(unreadable(&format!(
                "row {} comes after row {}: the sheet's rows are out of order",
                row + 1,
                self.at
            )));
        }
        Ok(Some((row, column, xlsx_cell(cell.get_value()))))
    }
}

impl Iterator for SheetRows<'_> {
    type Item = Result<(u32, Vec<Cell>), FileError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut cells = Vec::new();
        let row = loop {
            match self.cell() {
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
                Ok(None) => {
                    self.done = true;
                    break None;
                }
                Ok(Some((row, column, cell))) => {
                    // The first row with a cell is the sheet's first: rows before it are not.
                    if !self.started {
                        self.started = true;
                        self.at = row;
                    }
                    if row > self.at {
                        self.next = Some((row, column, cell));
                        break Some(self.at);
                    }
                    let column = column as usize;
                    if cells.len() <= column {
                        cells.resize(column + 1, Cell::Text(String::new()));
                    }
                    cells[column] = cell;
                }
            }
        };
        let at = self.at;
        match row {
            Some(_) => {
                self.at += 1;
                Some(Ok((at, cells)))
            }
            None if cells.is_empty() => None,
            None => Some(Ok((at, cells))),
        }
    }
}

/// A cell of a workbook as [`Cell`].
fn xlsx_cell(cell: &calamine::DataRef<'_>) -> Cell {
    use calamine::DataRef;
    match cell {
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::DateTime(d) => Cell::Number(d.as_f64()),
        DataRef::Bool(b) => Cell::Text(b.to_string()),
        DataRef::SharedString(s) => Cell::Text((*s).to_owned()),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            Cell::Text(s.clone())
        }
        DataRef::Error(e) => Cell::Text(format!("#{e}")),
        DataRef::Empty => Cell::Text(String::new()),
    }
}

/// The values of a multi-value cell: one a line, "- " before each.
pub fn values(cell: &str) -> Vec<String> {
    cell.lines()
        .map(|l| l.trim())
        .map(|l| l.strip_prefix("- ").or_else(|| l.strip_prefix('-')).unwrap_or(l).trim())
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The day an Excel date serial (1900 date system) names; the time of day is dropped.
pub fn excel_day(serial: f64) -> Option<NaiveDate> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as u64;
    // Excel counts 1900-02-29, which never was: serials from 61 on are one day late.
    let (base, days) = if days >= 61 {
        (NaiveDate::from_ymd_opt(1899, 12, 30)?, days)
    } else {
        (NaiveDate::from_ymd_opt(1899, 12, 31)?, days)
    };
    base.checked_add_days(Days::new(days))
}

/// The Excel date serial of `day` (the inverse of [`excel_day`] from 1900-03-01 on).
pub fn excel_serial(day: NaiveDate) -> f64 {
    let base = NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or_default();
    (day - base).num_days() as f64
}

struct Row<'a> {
    number: usize,
    cells: &'a [Cell],
    at: &'a HashMap<&'static str, usize>,
}

impl Row<'_> {
    fn cell(&self, column: &'static str) -> Option<&Cell> {
        self.at.get(column).and_then(|i| self.cells.get(*i))
    }

    fn text(&self, column: &'static str) -> String {
        self.cell(column).map(Cell::text).unwrap_or_default()
    }

    fn bad(&self, column: &str, value: impl ToString, problem: impl Into<String>) -> BadRow {
        BadRow {
            row: self.number,
            column: column.to_owned(),
            value: value.to_string(),
            problem: problem.into(),
        }
    }

    fn required(&self, column: &'static str) -> Result<String, BadRow> {
        let text = self.text(column);
        if text.is_empty() { Err(self.bad(column, "", "must not be empty")) } else { Ok(text) }
    }

    fn optional(&self, column: &'static str) -> Option<String> {
        Some(self.text(column)).filter(|t| !t.is_empty())
    }

    fn date(&self, column: &'static str) -> Result<Option<NaiveDate>, BadRow> {
        let problem = "expected an Excel date serial (such as 45061 for 2023-05-15)";
        match self.cell(column) {
            None => Ok(None),
            Some(Cell::Number(n)) => {
                excel_day(*n).map(Some).ok_or_else(|| self.bad(column, n, problem))
            }
            Some(Cell::Text(t)) if t.trim().is_empty() => Ok(None),
            Some(Cell::Text(t)) => {
                let t = t.trim();
                match t.parse::<f64>() {
                    Ok(n) => excel_day(n).map(Some).ok_or_else(|| self.bad(column, t, problem)),
                    Err(_) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
                        .map(Some)
                        .map_err(|_| self.bad(column, t, problem)),
                }
            }
        }
    }

    fn countries(&self, column: &'static str) -> Result<Vec<CountryCode>, BadRow> {
        let mut codes = Vec::new();
        for name in values(&self.text(column)) {
            let code = country_by_name(&name).map_err(|e| self.bad(column, &name, e.allowed))?;
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
        Ok(codes)
    }

    fn fields(&self, label: Label) -> Result<Fields, BadRow> {
        let text = self.required(TEXT)?;
        let countries = self.countries(COUNTRIES)?;
        if countries.is_empty() {
            return Err(self.bad(COUNTRIES, "", "must name at least one country"));
        }
        let mut r =
            Recommendation::new(self.required(TYPE)?, self.required(BODY)?, self.required(SYMBOL)?);
        r.annotation_id = Some(self.required(ANNOTATION)?);
        r.affected_persons = values(&self.text(AFFECTED));
        r.sdg_targets = values(&self.text(SDGS));
        r.date = self.date(DOC_DATE)?;
        r.uhri_published = self.date(UHRI_DATE)?;
        r.regions = values(&self.text(REGIONS));
        r.recommending_regions = values(&self.text(RECOMMENDING_REGIONS));
        let states = self.countries(UPR_STATES)?;
        let session = self.optional(UPR_SESSION);
        let position = match self.optional(UPR_POSITION) {
            None => None,
            Some(p) => Some(
                p.to_ascii_lowercase()
                    .parse::<UprPosition>()
                    .map_err(|_| self.bad(UPR_POSITION, &p, "expected Supported or Noted"))?,
            ),
        };
        if !states.is_empty() || session.is_some() || position.is_some() {
            r.upr = Some(Upr { states, session, position });
        }
        let mut fields = Fields::new(Text { value: text, lang: LangTag::default() });
        fields.countries = countries;
        fields.themes = values(&self.text(THEMES));
        fields.recommendation = Some(r);
        fields
            .validate(Kind::Recommendation, label)
            .map_err(|e| self.bad(column_of(&e), &e.value, e.allowed))?;
        Ok(fields)
    }
}

/// The column a field of a recommendation comes from, to name it in an error.
fn column_of(e: &FieldError) -> &'static str {
    match e.field.split('.').next().unwrap_or_default() {
        "title" => TEXT,
        "countries" => COUNTRIES,
        "themes" => THEMES,
        "body" => BODY,
        "symbol" => SYMBOL,
        "mechanism" => TYPE,
        "affected_persons" => AFFECTED,
        "sdg_targets" => SDGS,
        "date" => DOC_DATE,
        "uhri_published" => UHRI_DATE,
        "upr" => UPR_STATES,
        "annotation_id" => ANNOTATION,
        "regions" => REGIONS,
        "recommending_regions" => RECOMMENDING_REGIONS,
        _ => TEXT,
    }
}

/// Rows read at a time: each run is read on every core, and only one run's cells are held.
const RUN: usize = 4096;

/// Reads the data rows after `header`, the first of them being row `first_row + 1`, into
/// `sink` (see [`each`]).
fn parse(
    header: Vec<String>,
    first_row: usize,
    mut rows: impl Iterator<Item = Result<Vec<Cell>, FileError>>,
    label: Label,
    mut sink: impl FnMut(RowRead) -> ControlFlow<()>,
) -> Result<(), FileError> {
    let mut at = HashMap::new();
    for column in COLUMNS {
        let i = header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(column))
            .ok_or_else(|| FileError::MissingColumn(column.to_owned(), header.join(", ")))?;
        at.insert(column, i);
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut run: Vec<(usize, Vec<Cell>)> = Vec::with_capacity(RUN);
    let mut number = first_row;
    loop {
        run.clear();
        for cells in rows.by_ref().take(RUN) {
            number += 1;
            if number - first_row > MAX_ROWS {
                return Err(FileError::TooManyRows);
            }
            run.push((number, cells?));
        }
        if run.is_empty() {
            return Ok(());
        }
        let read = crate::cores::on_every_core(&run, |(number, cells)| {
            if cells.iter().all(|c| c.text().is_empty()) {
                return None;
            }
            let row = Row { number: *number, cells, at: &at };
            Some(row.fields(label).map(|fields| (row.text(ANNOTATION), fields)))
        });
        for (read, (number, cells)) in read.into_iter().zip(&run) {
            let handed = match read {
                None => continue,
                Some(Ok((annotation, fields))) => match seen.get(&annotation) {
                    Some(first) => {
                        let row = Row { number: *number, cells, at: &at };
                        let problem = format!("the same annotation id as row {first}");
                        Err(row.bad(ANNOTATION, annotation, problem))
                    }
                    None => {
                        seen.insert(annotation, *number);
                        Ok((*number, fields))
                    }
                },
                Some(Err(bad)) => Err(bad),
            };
            if sink(handed).is_break() {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_serials_are_days_of_the_1900_system() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(excel_day(1.0), day(1900, 1, 1));
        assert_eq!(excel_day(59.0), day(1900, 2, 28));
        assert_eq!(excel_day(61.0), day(1900, 3, 1));
        assert_eq!(excel_day(45061.0), day(2023, 5, 15));
        assert_eq!(excel_day(45061.75), day(2023, 5, 15), "a time of day is dropped");
        assert_eq!(excel_serial(NaiveDate::from_ymd_opt(2023, 5, 15).unwrap()), 45061.0);
        for bad in [0.0, -3.0, f64::NAN, 3e6] {
            assert_eq!(excel_day(bad), None, "{bad}");
        }
    }

    #[test]
    fn multi_value_cells_are_lines_after_dashes() {
        assert_eq!(
            values("- Tunisia\n- Bolivia (Plurinational State of)\r\n"),
            ["Tunisia", "Bolivia (Plurinational State of)"]
        );
        assert_eq!(values("Tunisia"), ["Tunisia"]);
        assert!(values(" \n- \n").is_empty());
    }
}
