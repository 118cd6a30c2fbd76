//! The arguments of `liaison recommendation`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use clap::ValueEnum;

use super::{CommonArgs, DeclineJointArgs, LabelArgs};

#[derive(Debug, Subcommand)]
pub(crate) enum RecommendationCommand {
    /// Add a recommendation (from a regional report, say); prints the new item's id
    Add(Box<RecommendationAddArgs>),
    /// Record an assessment of its implementation by this node's mechanism
    Assess(AssessArgs),
    /// Ask the owner of another mechanism's recommendation to let this mechanism follow it
    /// (co-own it, to record assessments in it); prints the proposal's id
    Follow(FollowArgs),
    /// Accept a proposal to follow one of this mechanism's recommendations: reissues it
    /// co-owned by both (the old item withdrawn); prints the new id
    AcceptFollow(AcceptFollowArgs),
    /// Decline a proposal to follow one of this mechanism's recommendations
    DeclineFollow(DeclineJointArgs),
    /// Import the Universal Human Rights Index export (XLSX, or the same columns as CSV)
    Import(RecommendationImportArgs),
}

#[derive(Debug, Args)]
pub(crate) struct RecommendationAddArgs {
    /// The recommendation's text, in the language of --lang
    #[arg(long, value_name = "TEXT")]
    pub(crate) text: String,
    /// The text in another language (repeatable): LANG=TEXT
    #[arg(long = "text-in", value_name = "LANG=TEXT")]
    pub(crate) text_in: Vec<String>,
    /// A country it is addressed to (repeatable)
    #[arg(long = "country", value_name = "CC", required = true)]
    pub(crate) countries: Vec<String>,
    /// The body that recommends ("African Commission on Human and Peoples' Rights")
    #[arg(long, value_name = "TEXT")]
    pub(crate) body: String,
    /// The sort of mechanism ("Regional", "Treaty bodies") [default: this node's mechanism]
    #[arg(long, value_name = "TEXT")]
    pub(crate) mechanism: Option<String>,
    /// The document's symbol
    #[arg(long, value_name = "S")]
    pub(crate) symbol: String,
    /// The paragraph in the document ("34", "12 (b)")
    #[arg(long, value_name = "N")]
    pub(crate) paragraph: Option<String>,
    /// The day the document was published
    #[arg(long, value_name = "DATE")]
    pub(crate) date: Option<String>,
    /// A group of persons it concerns (repeatable)
    #[arg(long = "affected", value_name = "TEXT")]
    pub(crate) affected_persons: Vec<String>,
    /// A Sustainable Development Goal target (repeatable): 16.3
    #[arg(long = "sdg", value_name = "TARGET")]
    pub(crate) sdg_targets: Vec<String>,
    /// The visit or report it came from
    #[arg(long = "from", value_name = "ID")]
    pub(crate) source: Option<String>,
    #[command(flatten)]
    pub(crate) label: LabelArgs,
    #[command(flatten)]
    pub(crate) common: CommonArgs,
}

#[derive(Debug, Args)]
pub(crate) struct AssessArgs {
    /// The recommendation (or a unique prefix of its id)
    pub(crate) id: String,
    /// not-implemented, partially-implemented, implemented, no-information
    #[arg(long, value_name = "STATUS")]
    pub(crate) status: String,
    /// The day of the assessment
    #[arg(long, value_name = "DATE")]
    pub(crate) date: String,
    /// Where the assessment is published
    #[arg(long, value_name = "URL")]
    pub(crate) source: Option<String>,
    /// What it found
    #[arg(long, value_name = "TEXT")]
    pub(crate) note: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct FollowArgs {
    /// The recommendation (or a unique prefix of its id)
    pub(crate) id: String,
    /// A note for its owner
    #[arg(long, value_name = "TEXT")]
    pub(crate) note: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct AcceptFollowArgs {
    /// The proposal (see 'liaison inbox')
    pub(crate) proposal: String,
}

#[derive(Debug, Args)]
pub(crate) struct RecommendationImportArgs {
    /// The export: .xlsx, or CSV with the same columns
    pub(crate) file: PathBuf,
    /// Import the rows that read well and write the others to --report
    #[arg(long)]
    pub(crate) skip_bad: bool,
    /// Where --skip-bad writes the rows it skipped (CSV: row, column, value, problem)
    /// [default: FILE.rejected.csv]
    #[arg(long, value_name = "FILE")]
    pub(crate) report: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) label: LabelArgs,
}

#[derive(Debug, Args)]
pub(crate) struct MatrixArgs {
    /// The country (ISO 3166-1 alpha-2)
    #[arg(long, value_name = "CC")]
    pub(crate) country: String,
    /// Only themes containing this
    #[arg(long, value_name = "T")]
    pub(crate) theme: Option<String>,
    /// Only recommendations whose mechanism, body or publishing mechanism contains this
    #[arg(long, value_name = "M")]
    pub(crate) mechanism: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub(crate) format: MatrixFormat,
    /// Write to this file (needed for xlsx)
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum MatrixFormat {
    Table,
    Json,
    Csv,
    Xlsx,
}
