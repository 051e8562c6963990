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
    /// Worker threads, 1 to 256 (default: all cores). Output order does not depend on it.
    #[arg(short, long, global = true, value_name = "N", value_parser = parse_jobs)]
    pub jobs: Option<usize>,
    /// Stop at the first file that fails instead of skipping it.
    #[arg(long, global = true)]
    pub strict: bool,
}

/// The most worker threads `--jobs` accepts: more threads than this only cost time (thousands
/// of threads took minutes to start for a 2-second file).
pub const MAX_JOBS: usize = 256;

fn parse_jobs(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if (1..=MAX_JOBS).contains(&n) => Ok(n),
        _ => Err(format!("expected a whole number from 1 to {MAX_JOBS}")),
    }
}

pub use report::KChoice;

/// Parses `-k`: a positive whole number or `auto` (a usage error otherwise, exit status 2).
pub fn parse_k(text: &str) -> Result<KChoice, String> {
    text.parse()
}

/// Parses `--n-init`: 1 to [`kmeans::MAX_N_INIT`].
fn n_init(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if (1..=kmeans::MAX_N_INIT).contains(&n) => Ok(n),
        _ => Err(format!(
            "expected a whole number from 1 to {}",
            kmeans::MAX_N_INIT
        )),
    }
}

/// Parses a count that must be at least 1 (`--max-iter`, `--max-k`).
fn positive(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("expected a whole number of at least 1".to_string()),
    }
}

/// A duration in seconds: finite and above zero.
fn positive_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 => Ok(s),
        _ => Err("expected a number of seconds above 0".to_string()),
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Synthesise a few tracks in four keys, run the whole pipeline on them and show the result.
    #[command(
        after_help = "Example:\n  chromacluster demo\n  chromacluster demo --keep demo-audio"
    )]
    Demo(DemoArgs),
    /// Show each audio file's container, codec, sample rate, channels and decoded length (a
    /// header stating another length is shown as a claim).
    #[command(after_help = "Example:\n  chromacluster info song.flac take1.wav")]
    Info(InfoArgs),
    /// The files x 12 note-profile table (share of frames where each pitch class wins).
    #[command(
        after_help = "Examples:\n  chromacluster notes ~/Music\n  chromacluster notes a.wav b.mp3 -o notes.parquet --summary\n  chromacluster notes ~/Music -o library.parquet --sound\n  chromacluster notes ~/Music -o notes.parquet --update\n  chromacluster notes ~/Music --shard 2/8 -o parts/"
    )]
    Notes(NotesArgs),
    /// Each file's key (tonic and mode), its strength and the file's tuning.
    #[command(
        after_help = "Examples:\n  chromacluster key ~/Music\n  chromacluster key song.wav --key-profile krumhansl -o keys.csv\n  chromacluster key song.flac --segments -o segments.csv"
    )]
    Key(KeyArgs),
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
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    #[command(
        after_help = "Examples:\n  chromacluster completions bash > ~/.local/share/bash-completion/completions/chromacluster\n  chromacluster completions zsh > ~/.zfunc/_chromacluster\n  chromacluster completions fish > ~/.config/fish/completions/chromacluster.fish"
    )]
    Completions(CompletionsArgs),
    /// Print the manual page (roff) to stdout.
    #[command(
        after_help = "Example:\n  chromacluster manpage > ~/.local/share/man/man1/chromacluster.1"
    )]
    Manpage,
    /// Cluster files (or a saved table) and write one self-contained HTML page to look at and
    /// listen to the clusters: map, per-cluster profiles, sortable file tables with players.
    #[command(
        after_help = "Examples:\n  chromacluster report ~/Music -k auto -o report.html\n  chromacluster report notes.csv -k 6 -o report.html\n  chromacluster report ~/Music -k 4 --profile mean --embed-clips 10 -o share.html"
    )]
    Report(ReportArgs),
    /// Each file's nearest files by how they sound (or by their notes): `file, rank, neighbour,
    /// distance`. Default: every file of the table; `--to` asks for the files nearest to one
    /// file, or to several at once (in the table or not).
    #[command(
        after_help = "Examples:\n  chromacluster notes ~/Music --sound -o library.parquet\n  chromacluster similar library.parquet -n 5 -o neighbours.csv\n  chromacluster similar library.parquet --to new_song.mp3\n  chromacluster similar library.parquet --to a.flac --to b.mp3 -n 20\n  chromacluster similar ~/Music --by notes"
    )]
    Similar(SimilarArgs),
}

/// Which description of a file `similar`, `cluster` and `report` compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ByArg {
    /// The 12-note profile (and any other feature columns of the table): groups by key.
    #[default]
    Notes,
    /// The sound description (timbre, texture, spectrum, flatness, loudness, rhythm, harmony),
    /// z-scored and weighted per group, on 32 principal axes: groups by how files sound.
    Sound,
}

/// `similar` arguments.
#[derive(Debug, Args)]
pub struct SimilarArgs {
    /// Audio files or folders, or one saved table (for `--by sound` made with `notes --sound`).
    #[arg(required = true, value_name = "PATH|TABLE")]
    pub paths: Vec<PathBuf>,
    /// A file to find neighbours of (in the table or not: a file outside it is analysed now).
    /// Given several times: the files nearest to all of them together. Default: every file of
    /// the table, each with its own neighbours.
    #[arg(long, value_name = "FILE")]
    pub to: Vec<PathBuf>,
    /// Neighbours per query.
    #[arg(short = 'n', long = "neighbours", default_value_t = 10, value_name = "N", value_parser = positive)]
    pub n: usize,
    /// What to compare: how files sound, or their note profiles (harmonic neighbours).
    #[arg(long, value_enum, default_value_t = ByArg::Sound)]
    pub by: ByArg,
    /// Write `file, rank, neighbour, distance` to this file (.csv, .parquet, .json).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub extract: ExtractArgs,
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

/// `completions` arguments.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
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
    /// Add the sound description (126 columns, schema v1: timbre, texture, spectrum, flatness,
    /// loudness, rhythm, harmony; docs/sound.md), computed in the same decode; what `similar`
    /// and `cluster --by sound` use.
    #[arg(long)]
    pub sound: bool,
    #[command(flatten)]
    pub tonal: TonalArgs,
    /// Key-free profiles: rotate each file's note columns so its estimated tonic comes first,
    /// columns named by scale degree (1, b2, 2, b3, 3, 4, #4, 5, b6, 6, b7, 7).
    #[arg(long)]
    pub relative: bool,
}

/// Tuning and key options (accurate chroma).
#[derive(Debug, Args, Clone)]
pub struct TonalArgs {
    /// Tuning of the accurate chroma: `auto` estimates each file's deviation from A4 = 440 Hz
    /// from its spectral peaks; a number fixes it in cents (`0`: A4 = 440 Hz exactly; negative
    /// values as `--tuning -50`).
    #[arg(long, default_value = "auto", value_name = "auto|CENTS", value_parser = parse_tuning,
          allow_negative_numbers = true)]
    pub tuning: chroma::Tuning,
    /// Fix the tuning by the frequency of A4 in Hz instead (e.g. 415 or 442).
    #[arg(long, value_name = "HZ", conflicts_with = "tuning", value_parser = parse_a4)]
    pub a4: Option<chroma::Tuning>,
    /// Key profile for the key estimate: temperley2005 (Kostka-Payne, the default: the best on
    /// the real compositions of docs/keys.md), krumhansl, temperley, albrecht, aarden, bellman,
    /// bgate, edma or triads.
    #[arg(long, default_value = "temperley2005", value_name = "NAME", value_parser = parse_key_profile)]
    pub key_profile: chroma::KeyProfile,
}

fn parse_tuning(s: &str) -> Result<chroma::Tuning, chroma::TuningError> {
    s.parse()
}

fn parse_a4(s: &str) -> Result<chroma::Tuning, chroma::TuningError> {
    chroma::Tuning::parse_a4(s)
}

fn parse_key_profile(s: &str) -> Result<chroma::KeyProfile, String> {
    s.parse()
}

/// `key` arguments.
#[derive(Debug, Args)]
pub struct KeyArgs {
    /// Audio files or folders (walked recursively; non-audio files are skipped).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Write `file, key, key_strength, tuning_cents` to this file (.csv, .parquet or .json)
    /// instead of printing it (with --segments: `file, start_s, end_s, key, strength`).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The key of each section instead of one per file, for music that modulates: a path
    /// through the 24 keys over 0.5 s blocks, each judged on the 8 s around it, with a cost
    /// per change of key (one row per section: start, end, key, strength).
    #[arg(long)]
    pub segments: bool,
    #[command(flatten)]
    pub tonal: TonalArgs,
}

/// `notes` arguments.
#[derive(Debug, Args)]
pub struct NotesArgs {
    /// Audio files or folders (walked recursively; non-audio files are skipped).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Write the table to this file (.csv, .parquet or .json) instead of printing it. Finished
    /// rows are kept in a journal beside it as the run goes: if the run is killed, the same
    /// command continues where it stopped.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Update the table named by -o: reuse the rows of files whose size and modification time
    /// are unchanged, analyse new and changed files, drop the rows of vanished ones.
    #[arg(long, requires = "output")]
    pub update: bool,
    /// Analyse only shard I of N (1 <= I <= N; files are split by a hash of their path
    /// relative to the input folder) and write -o DIR/part-I-of-N.parquet.
    #[arg(long, value_name = "I/N", requires = "output")]
    pub shard: Option<chroma_table::ShardSpec>,
    /// With -o: write the journal of finished rows to disk (fsync) every N files, and at least
    /// every second as files finish.
    #[arg(long, value_name = "N", default_value_t = 256,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub checkpoint_every: u32,
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
        value_parser = positive_seconds,
        requires = "mid_step",
        conflicts_with = "chroma"
    )]
    pub mid_window: Option<f64>,
    /// Hop between mid-term windows in seconds; needs --mid-window.
    #[arg(long, value_name = "S", value_parser = positive_seconds, requires = "mid_window")]
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
    #[arg(short, long, value_name = "K|auto", value_parser = parse_k, allow_hyphen_values = true)]
    pub k: KChoice,
    /// Initialisation.
    #[arg(long, value_enum, default_value_t = InitArg::KMeansPlusPlus)]
    pub init: InitArg,
    /// Restarts, 1 to 1000; the best inertia is kept. Ctrl-C stops a long run (exit 130).
    #[arg(long, default_value_t = 10, value_name = "N", value_parser = n_init)]
    pub n_init: usize,
    /// Lloyd iterations at most.
    #[arg(long, default_value_t = 300, value_name = "N", value_parser = positive)]
    pub max_iter: usize,
    /// Seed: the same seed gives the same clusters on every machine and thread count.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Scale every column to zero mean and unit variance first.
    #[arg(long)]
    pub standardize: bool,
    /// What to cluster: the note profiles (groups by key), or how files sound (the sound
    /// description, scaled and projected as `similar` does; the scaling is saved in the model).
    #[arg(long, value_enum, default_value_t = ByArg::Notes)]
    pub by: ByArg,
    /// Feature columns of a table (comma-separated; default: every numeric column).
    #[arg(long, value_delimiter = ',', value_name = "COLS")]
    pub columns: Option<Vec<String>>,
    /// Save the model (centroids, columns, scaling) as JSON for `predict`.
    #[arg(long, value_name = "FILE")]
    pub save_model: Option<PathBuf>,
    /// Write `file, cluster, distance` to this file (.csv, .parquet, .json).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// When analysing audio with -o or --save-model: write the journal of finished rows beside
    /// that output (fsync) every N files, and at least every second, so that the same command
    /// continues a killed run.
    #[arg(long, value_name = "N", default_value_t = 256,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub checkpoint_every: u32,
    /// Mini-batch k-means (k-means++ on a uniform sample, then shuffled batches over every
    /// row, epoch by epoch), streamed over a Parquet table's row groups in bounded memory.
    /// Automatic for a Parquet table (file or dataset folder) of more than 1,000,000 rows;
    /// -k auto is not available with it, --init is k-means++, and labels come in part order.
    #[arg(long)]
    pub mini_batch: bool,
    /// Mini-batch k-means: rows per batch.
    #[arg(long, default_value_t = 1024, value_name = "N", value_parser = positive)]
    pub batch_size: usize,
    /// Mini-batch k-means: passes over the table at most (it stops earlier when the centres
    /// stop moving).
    #[arg(long, default_value_t = 10, value_name = "N", value_parser = positive)]
    pub max_epochs: usize,
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
    #[command(flatten)]
    pub tonal: TonalArgs,
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
    #[arg(short, long, default_value = "auto", value_name = "K|auto", value_parser = parse_k, allow_hyphen_values = true)]
    pub k: KChoice,
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
    #[arg(long, default_value_t = 10, value_parser = positive)]
    pub max_k: usize,
    /// Seed for k-means.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[command(flatten)]
    pub extract: ExtractArgs,
}

/// `report` arguments.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Audio files or folders, or one saved table (.csv, .parquet, .json).
    #[arg(required = true, value_name = "PATH|TABLE")]
    pub paths: Vec<PathBuf>,
    /// The HTML page to write.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Number of clusters, or `auto` to pick the best silhouette in 2..=10 (the page then shows
    /// the inertia and silhouette of every k).
    #[arg(short, long, default_value = "auto", value_name = "K|auto", value_parser = parse_k, allow_hyphen_values = true)]
    pub k: KChoice,
    /// Restarts of k-means, 1 to 1000; the best inertia is kept. Ctrl-C stops a long run
    /// (exit 130).
    #[arg(long, default_value_t = 10, value_name = "N", value_parser = n_init)]
    pub n_init: usize,
    /// Seed for k-means.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Scale every column to zero mean and unit variance first.
    #[arg(long)]
    pub standardize: bool,
    /// What to cluster: the note profiles (groups by key), or how files sound (the sound
    /// description, scaled and projected as `similar` does); with `sound` each file's table row
    /// lists its 3 nearest files as links.
    #[arg(long, value_enum, default_value_t = ByArg::Notes)]
    pub by: ByArg,
    /// Feature columns of a table (comma-separated; default: every numeric column).
    #[arg(long, value_delimiter = ',', value_name = "COLS")]
    pub columns: Option<Vec<String>>,
    /// Embed the first SECONDS of each file as a small 16-bit mono WAV in the page (to share it
    /// without the audio files) instead of linking the files; at most 60 s, and at most 64 MiB
    /// of clips in all (the files beyond stay linked).
    #[arg(long, value_name = "SECONDS")]
    pub embed_clips: Option<f64>,
    /// Title of the page (default: "chromacluster report").
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
    #[command(flatten)]
    pub extract: ExtractArgs,
}
