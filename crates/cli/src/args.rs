//! Command-line arguments (clap derive). Every command's help ends with an example.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Turn a folder of music into 12-note profiles and group it with k-means.
#[derive(Debug, Parser)]
#[command(name = "chromacluster", version, about, propagate_version = true)]
#[command(
    after_help = "Examples:\n  chromacluster demo\n  chromacluster notes ~/Music -o notes.csv\n  chromacluster cluster ~/Music -k auto -o clusters.csv"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts.
#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// More log output on stderr (-v info, -vv debug). RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only errors on stderr, no progress bar.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Worker threads (default: all cores). Output order does not depend on it.
    #[arg(short, long, global = true, value_name = "N", value_parser = clap::value_parser!(usize))]
    pub jobs: Option<usize>,
    /// Stop at the first file that fails instead of skipping it.
    #[arg(long, global = true)]
    pub strict: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Synthesise a few tracks in four keys, run the whole pipeline on them and show the result.
    #[command(
        after_help = "Example:\n  chromacluster demo\n  chromacluster demo --keep demo-audio"
    )]
    Demo(DemoArgs),
    /// Show each audio file's container, codec, sample rate, channels and duration.
    #[command(after_help = "Example:\n  chromacluster info song.flac take1.wav")]
    Info(InfoArgs),
    /// The files x 12 note-profile table (share of frames where each pitch class wins).
    #[command(
        after_help = "Examples:\n  chromacluster notes ~/Music\n  chromacluster notes a.wav b.mp3 -o notes.parquet --summary"
    )]
    Notes(NotesArgs),
    /// The frames x 34 short-term feature matrix of one file (pyAudioAnalysis's names).
    #[command(after_help = "Example:\n  chromacluster features song.wav --deltas -o frames.csv")]
    Features(FeaturesArgs),
    /// Cluster audio files (extracting note profiles first) or a saved table with k-means.
    #[command(
        after_help = "Examples:\n  chromacluster cluster ~/Music -k 4 -o clusters.csv --save-model model.json\n  chromacluster cluster notes.csv -k auto --standardize"
    )]
    Cluster(ClusterArgs),
    /// Assign new files to the clusters of a saved model.
    #[command(after_help = "Example:\n  chromacluster predict --model model.json new_song.mp3")]
    Predict(PredictArgs),
    /// Draw a chromagram, a note profile, the clusters or an elbow plot to PNG or SVG.
    #[command(subcommand)]
    Plot(PlotCommand),
}

/// Which chroma to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ChromaArg {
    /// True bin frequencies, summed energies, long window: names the right note (default).
    #[default]
    Accurate,
    /// pyAudioAnalysis 0.3.14's chroma, quirks included, every frame voting (silence as A): the
    /// original pipeline's table, for reproducing old results.
    Pyaa,
}

/// `demo` arguments.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the synthesised audio in this folder instead of a temporary one.
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
    /// Seed for k-means.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

/// `info` arguments.
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Audio files (or folders, walked recursively).
    #[arg(required = true, value_name = "FILE")]
    pub paths: Vec<PathBuf>,
}

/// Which profile fills the 12 note columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ProfileArg {
    /// Share of voiced frames in which each pitch class is the most prominent (default).
    #[default]
    Dominant,
    /// Mean normalised chroma over voiced frames: softer, keeps every chord tone (better for
    /// keys and modes, where a chord's root wins nearly every frame).
    Mean,
}

/// Options shared by the commands that extract note profiles.
#[derive(Debug, Args, Clone)]
pub struct ExtractArgs {
    /// Chroma mode.
    #[arg(long, value_enum, default_value_t = ChromaArg::Accurate)]
    pub chroma: ChromaArg,
    /// Note profile: dominant-note shares or mean chroma.
    #[arg(long, value_enum, default_value_t = ProfileArg::Dominant)]
    pub profile: ProfileArg,
    /// Add the mean and standard deviation of the 34 short-term features (68 columns).
    #[arg(long)]
    pub summary: bool,
}

/// `notes` arguments.
#[derive(Debug, Args)]
pub struct NotesArgs {
    /// Audio files or folders (walked recursively; non-audio files are skipped).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Write the table to this file (.csv, .parquet or .json) instead of printing it.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub extract: ExtractArgs,
}

/// `features` arguments.
#[derive(Debug, Args)]
pub struct FeaturesArgs {
    /// One audio file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Write the matrix to this file (.csv, .parquet or .json) instead of printing it.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Add the 34 deltas (each feature minus its previous frame's value).
    #[arg(long)]
    pub deltas: bool,
    /// Chroma columns: pyAudioAnalysis's (pyaa, default here, so the matrix matches the
    /// reference), or accurate: pitch-class shares of the accurate chroma frame nearest in time.
    #[arg(long, value_enum, default_value_t = ChromaArg::Pyaa)]
    pub chroma: ChromaArg,
    /// Mid-term statistics instead of frames: one row per window of S seconds, the mean and std
    /// of the 68 features and deltas (pyAudioAnalysis's mid_feature_extraction over 50 ms / 25 ms
    /// frames, windows converted as round(S * rate)); needs --mid-step.
    #[arg(
        long,
        value_name = "S",
        requires = "mid_step",
        conflicts_with = "chroma"
    )]
    pub mid_window: Option<f64>,
    /// Hop between mid-term windows in seconds; needs --mid-window.
    #[arg(long, value_name = "S", requires = "mid_window")]
    pub mid_step: Option<f64>,
}

/// How to start k-means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InitArg {
    /// k-means++ (greedy, as scikit-learn).
    #[value(name = "kmeans++")]
    KMeansPlusPlus,
    /// The first k rows (reproduces the original pipeline).
    First,
    /// k random rows.
    Random,
}

/// `cluster` arguments.
#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// Audio files or folders, or one saved table (.csv, .parquet, .json).
    #[arg(required = true, value_name = "PATH|TABLE")]
    pub paths: Vec<PathBuf>,
    /// Number of clusters, or `auto` to pick the best silhouette in 2..=10.
    #[arg(short, long, value_name = "K|auto")]
    pub k: String,
    /// Initialisation.
    #[arg(long, value_enum, default_value_t = InitArg::KMeansPlusPlus)]
    pub init: InitArg,
    /// Restarts; the best inertia is kept.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub n_init: usize,
    /// Lloyd iterations at most.
    #[arg(long, default_value_t = 300, value_name = "N")]
    pub max_iter: usize,
    /// Seed: the same seed gives the same clusters on every machine and thread count.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Scale every column to zero mean and unit variance first.
    #[arg(long)]
    pub standardize: bool,
    /// Feature columns of a table (comma-separated; default: every numeric column).
    #[arg(long, value_delimiter = ',', value_name = "COLS")]
    pub columns: Option<Vec<String>>,
    /// Save the model (centroids, columns, scaling) as JSON for `predict`.
    #[arg(long, value_name = "FILE")]
    pub save_model: Option<PathBuf>,
    /// Write `file, cluster, distance` to this file (.csv, .parquet, .json).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub extract: ExtractArgs,
}

/// `predict` arguments.
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// A model saved by `cluster --save-model`.
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
    /// Audio files or folders, or one saved table.
    #[arg(required = true, value_name = "PATH|TABLE")]
    pub paths: Vec<PathBuf>,
    /// Write `file, cluster, distance` to this file.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub extract: ExtractArgs,
}

/// `plot` subcommands.
#[derive(Debug, Subcommand)]
pub enum PlotCommand {
    /// Chromagram of one file: pitch class against time.
    #[command(after_help = "Example:\n  chromacluster plot chromagram song.wav -o chroma.png")]
    Chromagram(PlotFileArgs),
    /// Note profile(s) as bars: one audio file, or every row of a table.
    #[command(after_help = "Example:\n  chromacluster plot notes song.wav -o notes.png")]
    Notes(PlotNotesArgs),
    /// Files projected to 2-D by PCA, coloured by cluster, labelled.
    #[command(
        after_help = "Example:\n  chromacluster plot clusters notes.csv -k 4 -o clusters.png"
    )]
    Clusters(PlotClustersArgs),
    /// Inertia and silhouette against k.
    #[command(after_help = "Example:\n  chromacluster plot elbow ~/Music -o elbow.svg")]
    Elbow(PlotElbowArgs),
}

/// `plot chromagram` arguments.
#[derive(Debug, Args)]
pub struct PlotFileArgs {
    /// One audio file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Output picture (.png or .svg).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Chroma mode.
    #[arg(long, value_enum, default_value_t = ChromaArg::Accurate)]
    pub chroma: ChromaArg,
}

/// `plot notes` arguments.
#[derive(Debug, Args)]
pub struct PlotNotesArgs {
    /// Audio files or folders, or one saved table.
    #[arg(required = true, value_name = "PATH|TABLE")]
    pub paths: Vec<PathBuf>,
    /// Output picture (.png or .svg).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    #[command(flatten)]
    pub extract: ExtractArgs,
}

/// `plot clusters` arguments.
#[derive(Debug, Args)]
pub struct PlotClustersArgs {
    /// Audio files or folders, or one saved table.
    #[arg(required = true, value_name = "PATH|TABLE")]
    pub paths: Vec<PathBuf>,
    /// Output picture (.png or .svg).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Number of clusters, or `auto`.
    #[arg(short, long, default_value = "auto", value_name = "K|auto")]
    pub k: String,
    /// Seed for k-means.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Scale every column to zero mean and unit variance first.
    #[arg(long)]
    pub standardize: bool,
    #[command(flatten)]
    pub extract: ExtractArgs,
}

/// `plot elbow` arguments.
#[derive(Debug, Args)]
pub struct PlotElbowArgs {
    /// Audio files or folders, or one saved table.
    #[arg(required = true, value_name = "PATH|TABLE")]
    pub paths: Vec<PathBuf>,
    /// Output picture (.png or .svg).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Largest k tried (from 1).
    #[arg(long, default_value_t = 10)]
    pub max_k: usize,
    /// Seed for k-means.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[command(flatten)]
    pub extract: ExtractArgs,
}
