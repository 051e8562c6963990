//! The `sound` description of a file (schema v1, [`SOUND_SCHEMA_VERSION`]): 126 numbers made for
//! "which tracks sound alike", in seven groups ([`SoundGroup`]), accumulated frame by frame from
//! the stream `notes --summary` already runs, so no second decode is needed.
//!
//! Inputs per frame (the reference's framing: `W = int(0.050 fs)`, `S = int(0.025 fs)`): the 34
//! short-term features and the magnitude spectrum `X_k = |FFT_W(x)_k| / nfft`, `k < nfft = W/2`,
//! bin `k` at `f_k = k fs / W` (pass 2 of `stfeatures`' stream), and the accurate chroma frames
//! (pass 1) for the key-free harmony group. Every statistic is one-pass; the state per file is
//! O(1) except one level per second of audio (loudness). `docs/sound.md` documents each column.
//!
//! - **timbre (44)**: mean and population std of 22 short-term columns (the 34 features without
//!   the 12 pyaa chroma columns; energy and flux as `log10(v + 1e-10)`).
//! - **texture (22)**: std over complete 1-s blocks of the block means of the same 22 columns.
//! - **spectrum (24)**: long-term average spectrum in a band below 88 Hz and 23 third octaves
//!   (100 Hz .. 16 kHz), `10 log10(mean B_b / sum_b mean B_b + 1e-10)`; bands above Nyquist -100.
//! - **flatness (16)**: mean and std of `log10` spectral flatness over the whole spectrum and 7
//!   octave bands.
//! - **loudness (6)**: statistics of gated 1-s block levels, frame-level spread, silent share.
//! - **rhythm (5)**: an onset envelope's mean, std and peak rate, a tempo from its
//!   autocorrelation and that autocorrelation's value (pulse clarity).
//! - **harmony (9)**: key-free interval and triad statistics of the accurate chroma.

use std::sync::LazyLock;

use stfeatures::{Framing, N_FEATURES};

/// The version of the sound schema this crate writes (recorded in a table's metadata).
pub const SOUND_SCHEMA_VERSION: u32 = 1;

/// Columns of the sound description.
pub const N_SOUND_COLUMNS: usize = 126;

/// Principal axes of the similarity space fitted on a table's sound columns (each column
/// z-scored, weighted by `1 / sqrt(columns in its group)`): 32 lose nothing measurable on the
/// research benchmark against all 126 columns and make one exact query over 1,000,000 files
/// fit in 20 ms (docs/similarity.md).
pub const SOUND_AXES: usize = 32;

/// The groups of sound columns, in table order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SoundGroup {
    /// Mean and std of 22 short-term features (44 columns).
    Timbre,
    /// Std of their 1-s block means (22).
    Texture,
    /// Long-term average spectrum in 24 bands (24).
    Spectrum,
    /// Spectral flatness in 8 bands, mean and std (16).
    Flatness,
    /// Block loudness statistics (6).
    Loudness,
    /// Onsets and tempo (5).
    Rhythm,
    /// Key-free chroma intervals and triads (9).
    Harmony,
}

impl SoundGroup {
    /// All groups, in table order.
    pub const ALL: [SoundGroup; 7] = [
        SoundGroup::Timbre,
        SoundGroup::Texture,
        SoundGroup::Spectrum,
        SoundGroup::Flatness,
        SoundGroup::Loudness,
        SoundGroup::Rhythm,
        SoundGroup::Harmony,
    ];

    /// The group's name (`"timbre"`, ...), as the schema and a table's metadata spell it.
    pub fn name(self) -> &'static str {
        match self {
            SoundGroup::Timbre => "timbre",
            SoundGroup::Texture => "texture",
            SoundGroup::Spectrum => "spectrum",
            SoundGroup::Flatness => "flatness",
            SoundGroup::Loudness => "loudness",
            SoundGroup::Rhythm => "rhythm",
            SoundGroup::Harmony => "harmony",
        }
    }
}

/// One column of the sound description: its name and group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoundColumn {
    /// The column's name in a table (`zcr_mean`, `ltas_1000`, ...).
    pub name: String,
    /// Its group.
    pub group: SoundGroup,
}

/// Indices in the 34 features of the 22 timbre columns: features 0..=20 and `chroma_std` (33).
const TIMBRE_FEATURES: [usize; 22] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 33,
];
/// Name of timbre column `k` (feature `TIMBRE_FEATURES[k]`): the feature's own name, energy and
/// flux as their `log10`.
fn timbre_name(k: usize) -> &'static str {
    match k {
        1 => "log_energy",
        6 => "log_spectral_flux",
        _ => stfeatures::FEATURE_NAMES[TIMBRE_FEATURES[k]],
    }
}
/// Positions in the 22 timbre columns taken as `log10(v + 1e-10)`: energy and spectral flux.
const LOG_TIMBRE: [usize; 2] = [1, 6];

/// Band names of the spectrum group: below 88 Hz, then the ISO nominal third-octave centres.
pub const SPECTRUM_BANDS: [&str; 24] = [
    "lt88", "100", "125", "160", "200", "250", "315", "400", "500", "630", "800", "1000", "1250",
    "1600", "2000", "2500", "3150", "4000", "5000", "6300", "8000", "10000", "12500", "16000",
];
/// Band names of the flatness group: the whole spectrum, then octaves from 0 Hz to Nyquist.
pub const FLATNESS_BANDS: [&str; 8] = [
    "all",
    "0_200",
    "200_400",
    "400_800",
    "800_1600",
    "1600_3200",
    "3200_6400",
    "6400_nyq",
];
/// Lower edges of the flatness octaves in Hz (the last runs to Nyquist).
const FLATNESS_EDGES: [f64; 7] = [0.0, 200.0, 400.0, 800.0, 1600.0, 3200.0, 6400.0];

const LOUDNESS_NAMES: [&str; 6] = [
    "loudness_mean_db",
    "loudness_std_db",
    "loudness_range_db",
    "loudness_median_db",
    "frame_level_std_db",
    "silent_share",
];
const RHYTHM_NAMES: [&str; 5] = [
    "onset_mean",
    "onset_std",
    "onset_rate",
    "tempo_log2_bpm",
    "pulse_clarity",
];
const HARMONY_NAMES: [&str; 9] = [
    "interval_1",
    "interval_2",
    "interval_3",
    "interval_4",
    "interval_5",
    "interval_6",
    "triad_major_mean",
    "triad_minor_mean",
    "triad_major_share",
];

/// Lags (frames) of the onset envelope's autocorrelation searched for a tempo.
const MAX_LAG: usize = 80;
/// Frames before and after a frame that its onset peak must dominate.
const PEAK_HALF_WIDTH: usize = 3;
/// Frames of the running mean an onset peak must exceed (by [`ONSET_MARGIN`]).
const PEAK_MEAN_FRAMES: usize = 40;
/// How far (dB of mean level rise) an onset peak must exceed the running mean.
const ONSET_MARGIN: f64 = 1.0;
/// Capacity of the ring of recent onset values (a power of two above the look-back needed).
const RING: usize = 128;

static COLUMNS: LazyLock<Vec<SoundColumn>> = LazyLock::new(|| {
    let mut c = Vec::with_capacity(N_SOUND_COLUMNS);
    let mut push = |name: String, group| c.push(SoundColumn { name, group });
    for f in (0..TIMBRE_FEATURES.len()).map(timbre_name) {
        push(format!("{f}_mean"), SoundGroup::Timbre);
        push(format!("{f}_std"), SoundGroup::Timbre);
    }
    for f in (0..TIMBRE_FEATURES.len()).map(timbre_name) {
        push(format!("texture_{f}_std"), SoundGroup::Texture);
    }
    for b in SPECTRUM_BANDS {
        push(format!("ltas_{b}"), SoundGroup::Spectrum);
    }
    for b in FLATNESS_BANDS {
        push(format!("flatness_{b}_mean"), SoundGroup::Flatness);
        push(format!("flatness_{b}_std"), SoundGroup::Flatness);
    }
    for n in LOUDNESS_NAMES {
        push(n.to_string(), SoundGroup::Loudness);
    }
    for n in RHYTHM_NAMES {
        push(n.to_string(), SoundGroup::Rhythm);
    }
    for n in HARMONY_NAMES {
        push(n.to_string(), SoundGroup::Harmony);
    }
    c
});

/// The 126 columns of the sound description, in table order.
pub fn sound_columns() -> &'static [SoundColumn] {
    &COLUMNS
}

/// Whether `name` is one of the sound columns.
pub fn is_sound_column(name: &str) -> bool {
    COLUMNS.iter().any(|c| c.name == name)
}

/// Running mean and population variance (Welford) of a fixed number of values.
#[derive(Debug, Clone)]
struct Welford<const N: usize> {
    n: u64,
    mean: [f64; N],
    m2: [f64; N],
}

impl<const N: usize> Welford<N> {
    fn new() -> Self {
        Welford {
            n: 0,
            mean: [0.0; N],
            m2: [0.0; N],
        }
    }

    fn push(&mut self, x: &[f64; N]) {
        self.n += 1;
        let n = self.n as f64;
        for ((m, m2), &x) in self.mean.iter_mut().zip(self.m2.iter_mut()).zip(x) {
            let d = x - *m;
            *m += d / n;
            *m2 += d * (x - *m);
        }
    }

    fn std(&self, j: usize) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            (self.m2[j] / self.n as f64).max(0.0).sqrt()
        }
    }

    fn var(&self, j: usize) -> f64 {
        let s = self.std(j);
        s * s
    }
}

/// The per-frame band analysis of the sound description, planned once per framing: the 24
/// band powers `B_b = sum X_k^2` of the spectrum group and the 8 flatness values
/// `exp(mean ln(P + 1e-20)) / (mean P + 1e-20)`, `P = X_k^2`, of the flatness group.
#[derive(Debug, Clone)]
pub struct SoundBands {
    /// Bin range of each spectrum band; `None` for a band above Nyquist (absent).
    spectrum: [Option<(usize, usize)>; 24],
    /// Bin range of each flatness band.
    flatness: [(usize, usize); 8],
}

impl SoundBands {
    /// The bands of frames of `framing` (bin `k` at `k fs / W`).
    pub fn new(framing: &Framing) -> Self {
        let fs = f64::from(framing.sample_rate());
        let w = framing.window() as f64;
        let nfft = framing.nfft();
        let nyquist = fs / 2.0;
        let freq = |k: usize| (k as f64 * fs) / w;
        // The bins with lo <= f < hi (f increases with k).
        let range = |lo: f64, hi: f64, from: usize| {
            let start = (from..nfft).find(|&k| freq(k) >= lo).unwrap_or(nfft);
            let end = (start..nfft).find(|&k| freq(k) >= hi).unwrap_or(nfft);
            (start, end)
        };
        let sixth = 2f64.powf(1.0 / 6.0);
        let mut spectrum = [None; 24];
        // Band 0: 0 < f < the lower edge of the 100 Hz third octave (DC excluded).
        let low_edge = 1000.0 * 2f64.powf(-10.0 / 3.0) / sixth;
        spectrum[0] = Some(range(f64::MIN_POSITIVE, low_edge, 1));
        for (i, band) in spectrum.iter_mut().enumerate().skip(1) {
            let centre = 1000.0 * 2f64.powf((i as f64 - 11.0) / 3.0);
            let (lo, hi) = (centre / sixth, centre * sixth);
            if hi <= nyquist {
                *band = Some(range(lo, hi, 0));
            }
        }
        let mut flatness = [(0, nfft); 8];
        for (j, &lo) in FLATNESS_EDGES.iter().enumerate() {
            let hi = FLATNESS_EDGES.get(j + 1).copied().unwrap_or(nyquist);
            flatness[j + 1] = range(lo, hi, 0);
        }
        SoundBands { spectrum, flatness }
    }

    /// Whether spectrum band `b` lies below Nyquist.
    pub fn present(&self, b: usize) -> bool {
        self.spectrum[b].is_some()
    }

    /// The 24 band powers of `spectrum` (0 for an absent band).
    pub fn band_powers(&self, spectrum: &[f64], out: &mut [f64; 24]) {
        for (o, band) in out.iter_mut().zip(&self.spectrum) {
            *o = band.map_or(0.0, |(a, b)| {
                spectrum[a.min(spectrum.len())..b.min(spectrum.len())]
                    .iter()
                    .map(|x| x * x)
                    .sum()
            });
        }
    }

    /// The 8 flatness values of `spectrum` (1 for a band of fewer than 2 bins).
    pub fn flatness(&self, spectrum: &[f64], out: &mut [f64; 8]) {
        for (o, &(a, b)) in out.iter_mut().zip(&self.flatness) {
            let bins = &spectrum[a.min(spectrum.len())..b.min(spectrum.len())];
            *o = if bins.len() < 2 {
                1.0
            } else {
                let n = bins.len() as f64;
                let (mut log_sum, mut sum) = (0.0, 0.0);
                for x in bins {
                    let p = x * x;
                    log_sum += (p + 1e-20).ln();
                    sum += p;
                }
                (log_sum / n).exp() / (sum / n + 1e-20)
            };
        }
    }
}

/// Accumulates one file's sound description as its frames stream: pass 2's frames with
/// [`push_frame`](Self::push_frame), the accurate chroma frames with
/// [`push_chroma`](Self::push_chroma) (any order between the two), then
/// [`finish`](Self::finish). Nothing per frame is kept but one level per second.
#[derive(Debug, Clone)]
pub struct SoundBuilder {
    bands: SoundBands,
    /// Seconds between frames, `S / fs`.
    hop_s: f64,
    /// Frames per 1-s block, `round(1 / hop_s)`.
    block: usize,
    frames: u64,
    timbre: Welford<22>,
    block_sums: [f64; 22],
    block_energy: f64,
    in_block: usize,
    texture: Welford<22>,
    band_sums: [f64; 24],
    flatness: Welford<8>,
    /// Level of each complete block, dB.
    block_levels: Vec<f64>,
    energy_sum: f64,
    frame_levels: Welford<1>,
    silent_frames: u64,
    previous_levels: Option<[f64; 24]>,
    onset: Welford<1>,
    /// The last [`RING`] onset values, frame `t` at `t % RING`.
    ring: [f64; RING],
    /// The first [`MAX_LAG`] onset values.
    head: [f64; MAX_LAG],
    /// `sum_{t >= L} o_t o_{t-L}` for L = 1..=MAX_LAG.
    lag_products: [f64; MAX_LAG],
    onset_sum: f64,
    peaks: u64,
    harmony_sums: [f64; 9],
    harmony_frames: u64,
    /// Scratch: the current frame's band powers and flatness.
    powers: [f64; 24],
    flat: [f64; 8],
}

impl SoundBuilder {
    /// A builder for frames of `framing`.
    pub fn new(framing: &Framing) -> Self {
        let hop_s = framing.step() as f64 / f64::from(framing.sample_rate());
        SoundBuilder {
            bands: SoundBands::new(framing),
            hop_s,
            block: ((1.0 / hop_s).round() as usize).max(1),
            frames: 0,
            timbre: Welford::new(),
            block_sums: [0.0; 22],
            block_energy: 0.0,
            in_block: 0,
            texture: Welford::new(),
            band_sums: [0.0; 24],
            flatness: Welford::new(),
            block_levels: Vec::new(),
            energy_sum: 0.0,
            frame_levels: Welford::new(),
            silent_frames: 0,
            previous_levels: None,
            onset: Welford::new(),
            ring: [0.0; RING],
            head: [0.0; MAX_LAG],
            lag_products: [0.0; MAX_LAG],
            onset_sum: 0.0,
            peaks: 0,
            harmony_sums: [0.0; 9],
            harmony_frames: 0,
            powers: [0.0; 24],
            flat: [0.0; 8],
        }
    }

    /// Adds one frame of pass 2: its 34 features and its magnitude spectrum.
    pub fn push_frame(&mut self, features: &[f64; N_FEATURES], spectrum: &[f64]) {
        // Timbre and texture.
        let mut row = [0.0; 22];
        for (r, &j) in row.iter_mut().zip(&TIMBRE_FEATURES) {
            *r = features[j];
        }
        for j in LOG_TIMBRE {
            row[j] = (row[j] + 1e-10).log10();
        }
        self.timbre.push(&row);
        for (s, r) in self.block_sums.iter_mut().zip(&row) {
            *s += r;
        }
        // Loudness.
        let energy = features[1];
        self.block_energy += energy;
        self.energy_sum += energy;
        let level = 10.0 * (energy + 1e-10).log10();
        self.frame_levels.push(&[level]);
        if level < -60.0 {
            self.silent_frames += 1;
        }
        self.in_block += 1;
        if self.in_block == self.block {
            let n = self.block as f64;
            self.texture.push(&self.block_sums.map(|s| s / n));
            self.block_levels
                .push(10.0 * (self.block_energy / n + 1e-10).log10());
            self.block_sums = [0.0; 22];
            self.block_energy = 0.0;
            self.in_block = 0;
        }
        // Spectrum and flatness.
        self.bands.band_powers(spectrum, &mut self.powers);
        for (s, p) in self.band_sums.iter_mut().zip(&self.powers) {
            *s += p;
        }
        self.bands.flatness(spectrum, &mut self.flat);
        self.flatness.push(&self.flat.map(|f| (f + 1e-10).log10()));
        // Rhythm: the onset envelope.
        let mut levels = [0.0; 24];
        for (l, p) in levels.iter_mut().zip(&self.powers) {
            *l = (10.0 * (p + 1e-12).log10()).max(-100.0);
        }
        let onset = match &self.previous_levels {
            None => 0.0,
            Some(previous) => {
                let (mut sum, mut n) = (0.0, 0usize);
                for b in (0..24).filter(|&b| self.bands.present(b)) {
                    sum += (levels[b] - previous[b]).max(0.0);
                    n += 1;
                }
                if n == 0 {
                    0.0
                } else {
                    sum / n as f64
                }
            }
        };
        self.previous_levels = Some(levels);
        self.push_onset(onset);
    }

    fn push_onset(&mut self, o: f64) {
        let t = self.frames as usize;
        self.onset.push(&[o]);
        self.onset_sum += o;
        for lag in 1..=MAX_LAG.min(t) {
            self.lag_products[lag - 1] += o * self.ring[(t - lag) % RING];
        }
        if t < MAX_LAG {
            self.head[t] = o;
        }
        self.ring[t % RING] = o;
        self.frames += 1;
        // Frame t - 3 now has its whole peak window.
        if t >= PEAK_HALF_WIDTH {
            self.count_peak(t - PEAK_HALF_WIDTH, t + 1);
        }
    }

    /// Counts frame `t` as an onset when it is the maximum of frames `t-3 .. t+3` (clipped to
    /// the `n` frames seen) and exceeds the sum of frames `t-39 ..= t` over 40 by the margin.
    fn count_peak(&mut self, t: usize, n: usize) {
        let o = self.ring[t % RING];
        let lo = t.saturating_sub(PEAK_HALF_WIDTH);
        let hi = (t + PEAK_HALF_WIDTH + 1).min(n);
        let is_max = (lo..hi).all(|s| self.ring[s % RING] <= o);
        if !is_max {
            return;
        }
        let from = t.saturating_sub(PEAK_MEAN_FRAMES - 1);
        let sum: f64 = (from..=t).map(|s| self.ring[s % RING]).sum();
        if o > sum / PEAK_MEAN_FRAMES as f64 + ONSET_MARGIN {
            self.peaks += 1;
        }
    }

    /// Adds one accurate chroma frame (its 12 values, taken as shares of their sum; a frame
    /// without pitch, all zero, is skipped).
    pub fn push_chroma(&mut self, chroma: &[f64; 12]) {
        let total: f64 = chroma.iter().sum();
        if !(total > 0.0 && total.is_finite()) {
            return;
        }
        self.add_harmony(&chroma.map(|c| c / total));
    }

    fn add_harmony(&mut self, c: &[f64; 12]) {
        for i in 1..=6 {
            self.harmony_sums[i - 1] += (0..12).map(|j| c[j] * c[(j + i) % 12]).sum::<f64>();
        }
        let triad = |third: usize| {
            (0..12)
                .map(|r| c[r] + c[(r + third) % 12] + c[(r + 7) % 12])
                .fold(f64::NEG_INFINITY, f64::max)
        };
        let (major, minor) = (triad(4), triad(3));
        self.harmony_sums[6] += major;
        self.harmony_sums[7] += minor;
        if major > minor {
            self.harmony_sums[8] += 1.0;
        }
        self.harmony_frames += 1;
    }

    /// The 126 values, in [`sound_columns`] order.
    pub fn finish(mut self) -> Vec<f64> {
        let n = self.frames as usize;
        for t in n.saturating_sub(PEAK_HALF_WIDTH)..n {
            self.count_peak(t, n);
        }
        if self.harmony_frames == 0 {
            self.add_harmony(&[1.0 / 12.0; 12]);
        }
        let mut out = Vec::with_capacity(N_SOUND_COLUMNS);
        // Timbre.
        for j in 0..22 {
            out.push(self.timbre.mean[j]);
            out.push(self.timbre.std(j));
        }
        // Texture: 0 with fewer than two complete blocks.
        for j in 0..22 {
            out.push(if self.texture.n >= 2 {
                self.texture.std(j)
            } else {
                0.0
            });
        }
        // Spectrum.
        let frames = n.max(1) as f64;
        let means = self.band_sums.map(|s| s / frames);
        let total: f64 = means.iter().sum::<f64>() + 1e-30;
        for m in means {
            out.push(10.0 * (m / total + 1e-10).log10());
        }
        // Flatness.
        for j in 0..8 {
            out.push(self.flatness.mean[j]);
            out.push(self.flatness.std(j));
        }
        // Loudness.
        if self.block_levels.is_empty() {
            self.block_levels
                .push(10.0 * (self.energy_sum / frames + 1e-10).log10());
        }
        let mut gated: Vec<f64> = self
            .block_levels
            .iter()
            .copied()
            .filter(|&l| l > -70.0)
            .collect();
        if gated.is_empty() {
            gated = self.block_levels.clone();
        }
        gated.sort_by(f64::total_cmp);
        let g = gated.len() as f64;
        let mean = gated.iter().sum::<f64>() / g;
        let var = gated.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / g;
        out.push(mean);
        out.push(var.sqrt());
        out.push(percentile(&gated, 0.95) - percentile(&gated, 0.10));
        out.push(percentile(&gated, 0.50));
        out.push(self.frame_levels.std(0));
        out.push(self.silent_frames as f64 / frames);
        // Rhythm.
        out.push(self.onset.mean[0]);
        out.push(self.onset.std(0));
        out.push(if n == 0 {
            0.0
        } else {
            self.peaks as f64 / (n as f64 * self.hop_s)
        });
        let (tempo, clarity) = self.tempo();
        out.push(tempo);
        out.push(clarity);
        // Harmony.
        let h = self.harmony_frames as f64;
        out.extend(self.harmony_sums.iter().map(|s| s / h));
        debug_assert_eq!(out.len(), N_SOUND_COLUMNS);
        out
    }

    /// `(log2 BPM, autocorrelation)` of the onset envelope's best lag (`log2 120, 0` for 100
    /// frames or fewer, or a constant envelope).
    fn tempo(&self) -> (f64, f64) {
        let n = self.frames as usize;
        let var = self.onset.var(0);
        if n <= 100 || var <= 0.0 {
            return (120f64.log2(), 0.0);
        }
        let mean = self.onset_sum / n as f64;
        let mut best = (f64::NEG_INFINITY, 120f64.log2(), 0.0);
        let (mut head, mut tail) = (0.0, 0.0);
        for lag in 1..=MAX_LAG {
            head += self.head[lag - 1];
            tail += self.ring[(n - lag) % RING];
            // sum_{t>=L} (o_t - m)(o_{t-L} - m), expanded over the streamed sums.
            let centred = self.lag_products[lag - 1]
                - mean * (self.onset_sum - head)
                - mean * (self.onset_sum - tail)
                + (n - lag) as f64 * mean * mean;
            let a = centred / (n - lag) as f64 / var;
            let bpm = 60.0 / (lag as f64 * self.hop_s);
            if (30.0..=240.0).contains(&bpm) {
                let score = a * (-0.5 * (bpm / 120.0).log2().powi(2)).exp();
                if score > best.0 {
                    best = (score, bpm.log2(), a);
                }
            }
        }
        (best.1, best.2)
    }
}

/// The `q` quantile of sorted values, interpolated linearly at position `(m - 1) q` (numpy's
/// default).
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let pos = (sorted.len() - 1) as f64 * q;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use stfeatures::FrameSpec;

    fn framing(fs: u32) -> Framing {
        FrameSpec::default().resolve(fs).unwrap()
    }

    #[test]
    fn the_schema_has_126_columns_in_seven_groups() {
        let columns = sound_columns();
        assert_eq!(columns.len(), N_SOUND_COLUMNS);
        let count = |g| columns.iter().filter(|c| c.group == g).count();
        let counts: Vec<usize> = SoundGroup::ALL.iter().map(|&g| count(g)).collect();
        assert_eq!(counts, [44, 22, 24, 16, 6, 5, 9]);
        let mut names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), N_SOUND_COLUMNS, "names are unique");
    }

    #[test]
    fn bands_above_nyquist_are_absent_and_bands_cover_their_bins() {
        let bands = SoundBands::new(&framing(8000));
        // 4 kHz Nyquist: the 3150 Hz band (upper edge 3.53 kHz) is present, 4000 Hz is not.
        assert!(bands.present(16) && !bands.present(17));
        let full = SoundBands::new(&framing(44_100));
        assert!((0..24).all(|b| full.present(b)));
        // Band lt88 holds the bins at 20, 40, 60, 80 Hz.
        assert_eq!(full.spectrum[0], Some((1, 5)));
    }

    #[test]
    fn flatness_is_one_for_white_and_small_for_a_peak() {
        let bands = SoundBands::new(&framing(16_000));
        let nfft = framing(16_000).nfft();
        let mut out = [0.0; 8];
        bands.flatness(&vec![0.3; nfft], &mut out);
        assert!(out.iter().all(|&f| (f - 1.0).abs() < 1e-12), "{out:?}");
        let mut peak = vec![0.0; nfft];
        peak[50] = 1.0;
        bands.flatness(&peak, &mut out);
        assert!(out[0] < 1e-10, "{out:?}");
    }

    #[test]
    fn percentiles_interpolate_as_numpy() {
        let v = [1.0, 2.0, 4.0, 8.0];
        assert_eq!(percentile(&v, 0.5), 3.0);
        assert!((percentile(&v, 0.95) - 7.4).abs() < 1e-12);
        assert_eq!(percentile(&[5.0], 0.1), 5.0);
    }

    /// The streamed tempo equals the direct autocorrelation of the envelope.
    #[test]
    fn the_streamed_autocorrelation_matches_the_direct_one() {
        let f = framing(16_000);
        let mut b = SoundBuilder::new(&f);
        let mut o = Vec::new();
        let mut rng = audio_io::synth::SplitMix64::new(7);
        for t in 0..500 {
            // Pulses every 20 frames (120 BPM at 25 ms hops) over noise.
            let v = if t % 20 == 0 { 6.0 } else { 0.0 } + rng.next_f64();
            o.push(v);
            b.push_onset(v);
        }
        let n = o.len();
        let m = o.iter().sum::<f64>() / n as f64;
        let var = o.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n as f64;
        let a20: f64 =
            (20..n).map(|t| (o[t] - m) * (o[t - 20] - m)).sum::<f64>() / (n - 20) as f64 / var;
        let (tempo, clarity) = b.tempo();
        assert!((tempo - 120f64.log2()).abs() < 1e-12, "{tempo}");
        assert!((clarity - a20).abs() < 1e-10, "{clarity} {a20}");
    }
}
