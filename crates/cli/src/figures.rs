//! Pictures drawn with plotters: chromagram, note profiles, clusters (projected by
//! `kmeans::pca_2d`), elbow.
//!
//! Each figure is plain data plus a `draw` onto any plotters backend; [`render`] picks PNG or
//! SVG from the output's extension. Text uses the embedded DejaVu Sans, so no system fonts are
//! needed.

use std::path::Path;
use std::sync::Once;

use anyhow::{anyhow, bail, Context};
use plotters::coord::Shift;
use plotters::prelude::*;

use chroma::NOTE_NAMES;

const FONT: &str = "sans-serif";

static REGISTER_FONT: Once = Once::new();

fn register_font() {
    REGISTER_FONT.call_once(|| {
        let bytes: &'static [u8] = include_bytes!("../assets/DejaVuSans.ttf");
        // The font is embedded and known good; a failure would only lose the labels.
        if plotters::style::register_font(FONT, FontStyle::Normal, bytes).is_err() {
            tracing::warn!("cannot load the embedded font; plot labels may be missing");
        }
    });
}

type DrawResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// Something that can be drawn onto a plotters drawing area.
pub trait Figure {
    /// Size in pixels of the picture.
    fn size(&self) -> (u32, u32) {
        (1000, 600)
    }
    /// Draws the figure.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static;
}

/// Draws `figure` to `path`, as PNG or SVG according to its extension (`format_path` is the
/// path whose extension decides, so a temporary file can be drawn for an atomic write).
pub fn render(figure: &impl Figure, path: &Path, format_path: &Path) -> anyhow::Result<()> {
    register_font();
    let ext = format_path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let size = figure.size();
    match ext.as_str() {
        "png" => {
            let root = BitMapBackend::new(path, size).into_drawing_area();
            figure.draw(&root).map_err(|e| anyhow!("{e}"))?;
            root.present().map_err(|e| anyhow!("{e}"))?;
        }
        "svg" => {
            let root = SVGBackend::new(path, size).into_drawing_area();
            figure.draw(&root).map_err(|e| anyhow!("{e}"))?;
            root.present().map_err(|e| anyhow!("{e}"))?;
        }
        _ => bail!(
            "{}: unknown picture format (use .png or .svg)",
            format_path.display()
        ),
    }
    Ok(())
}

/// Draws `figure` to `path` atomically.
pub fn save(figure: &impl Figure, path: &Path) -> anyhow::Result<()> {
    let file = durable_output::AtomicFile::keeping_extension(path)?;
    render(figure, file.temp_path(), path)
        .with_context(|| format!("cannot draw {}", path.display()))?;
    file.commit()?;
    Ok(())
}

/// Each pitch class's value relative to the row's largest (all 0 for an all-zero row): the
/// heat maps colour every row on its own scale.
fn relative_levels(values: &[f64; 12]) -> [f64; 12] {
    let max = values.iter().cloned().fold(0.0, f64::max);
    values.map(|v| if max > 0.0 { v / max } else { 0.0 })
}

fn heat_color(v: f64) -> RGBColor {
    let c = ViridisRGB::get_color(v.clamp(0.0, 1.0));
    RGBColor(c.0, c.1, c.2)
}

/// Most time columns a chromagram picture draws (about one per pixel of its width); longer
/// chromagrams are averaged down to this.
pub const CHROMAGRAM_MAX_COLUMNS: usize = 1200;

/// A chromagram: pitch class against time.
pub struct ChromagramFigure {
    /// Title (usually the file name).
    pub title: String,
    /// One row per frame, 12 values (A .. G#).
    pub frames: Vec<[f64; 12]>,
    /// Seconds between frames.
    pub hop_s: f64,
}

impl Figure for ChromagramFigure {
    fn size(&self) -> (u32, u32) {
        (1200, 500)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE)?;
        // At most ~1200 columns: average neighbouring frames of long files.
        let per_col = self.frames.len().div_ceil(CHROMAGRAM_MAX_COLUMNS).max(1);
        let cols: Vec<[f64; 12]> = self
            .frames
            .chunks(per_col)
            .map(|chunk| {
                let mut sum = [0.0; 12];
                for f in chunk {
                    for (s, v) in sum.iter_mut().zip(f) {
                        *s += v;
                    }
                }
                sum.map(|s| s / chunk.len() as f64)
            })
            .collect();
        let col_s = self.hop_s * per_col as f64;
        let duration = (cols.len() as f64 * col_s).max(col_s);
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, 24))
            .margin(10)
            .x_label_area_size(45)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..duration, -0.5..11.5)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("time (s)")
            .y_desc("pitch class")
            .y_labels(12)
            .y_label_formatter(&|y: &f64| cell_label(*y, 12, |i| NOTE_NAMES[i].to_string()))
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 16))
            .draw()?;
        chart.draw_series(cols.iter().enumerate().flat_map(|(t, frame)| {
            let x0 = t as f64 * col_s;
            relative_levels(frame)
                .into_iter()
                .enumerate()
                .map(move |(p, level)| {
                    Rectangle::new(
                        [(x0, p as f64 - 0.5), (x0 + col_s, p as f64 + 0.5)],
                        heat_color(level).filled(),
                    )
                })
        }))?;
        Ok(())
    }
}

/// Note profiles: bars for one file, a heat map for several.
pub struct NotesFigure {
    /// Title.
    pub title: String,
    /// (label, 12 shares A .. G#, or scale degrees for relative profiles) per file.
    pub rows: Vec<(String, [f64; 12])>,
    /// Names of the 12 columns (`NOTE_NAMES`, or `DEGREE_NAMES` for relative profiles).
    pub columns: [&'static str; 12],
    /// Index of each row's estimated tonic among the columns (`None`: no key), marked in red:
    /// the bar of a single file, an outlined cell in the heat map.
    pub tonics: Vec<Option<usize>>,
    /// What the values are (the bar chart's y axis), e.g. "share of voiced frames".
    pub value_desc: String,
}

impl NotesFigure {
    /// The x axis: pitch classes, or scale degrees for relative profiles.
    fn column_desc(&self) -> &'static str {
        if self.columns == chroma::DEGREE_NAMES {
            "scale degree (semitones above the tonic)"
        } else {
            "pitch class"
        }
    }
}

impl Figure for NotesFigure {
    fn size(&self) -> (u32, u32) {
        if self.rows.len() <= 1 {
            (900, 500)
        } else {
            (1000, (160 + 26 * self.rows.len() as u32).clamp(400, 4000))
        }
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE)?;
        if self.rows.len() <= 1 {
            let values = self.rows.first().map(|r| r.1).unwrap_or([0.0; 12]);
            let top = values.iter().cloned().fold(0.0, f64::max).max(1e-9) * 1.1;
            let mut chart = ChartBuilder::on(root)
                .caption(&self.title, (FONT, 24))
                .margin(15)
                .x_label_area_size(40)
                .y_label_area_size(60)
                .build_cartesian_2d((0..11).into_segmented(), 0.0..top)?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_desc(self.column_desc())
                .y_desc(self.value_desc.as_str())
                .x_label_formatter(&|s: &SegmentValue<i32>| match s {
                    SegmentValue::CenterOf(i) => {
                        let i = (*i).clamp(0, 11) as usize;
                        if self.tonics.first().copied().flatten() == Some(i) {
                            format!("{} (tonic)", self.columns[i])
                        } else {
                            self.columns[i].into()
                        }
                    }
                    _ => String::new(),
                })
                .label_style((FONT, 15))
                .axis_desc_style((FONT, 16))
                .draw()?;
            let tonic = self.tonics.first().copied().flatten();
            chart.draw_series(
                Histogram::vertical(&chart)
                    .style_func(move |x, _| {
                        if matches!(x, SegmentValue::Exact(i) if Some(*i as usize) == tonic) {
                            RED.mix(0.8).filled()
                        } else {
                            BLUE.mix(0.7).filled()
                        }
                    })
                    .margin(6)
                    .data(values.iter().enumerate().map(|(i, v)| (i as i32, *v))),
            )?;
            return Ok(());
        }
        let n = self.rows.len();
        let label_width = self
            .rows
            .iter()
            .map(|r| r.0.chars().count())
            .max()
            .unwrap_or(4)
            .clamp(4, 40) as u32
            * 8
            + 10;
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, 24))
            .margin(15)
            .x_label_area_size(40)
            .y_label_area_size(label_width)
            .build_cartesian_2d(-0.5..11.5, -0.5..n as f64 - 0.5)?;
        let labels: Vec<String> = self.rows.iter().map(|r| r.0.clone()).collect();
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(12)
            .y_labels(n)
            .x_label_formatter(&|x: &f64| cell_label(*x, 12, |i| self.columns[i].to_string()))
            .y_label_formatter(&|y: &f64| cell_label(n as f64 - 1.0 - y, n, |i| labels[i].clone()))
            .x_desc(self.column_desc())
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 14))
            .draw()?;
        chart.draw_series(self.rows.iter().enumerate().flat_map(|(r, (_, values))| {
            let y = (n - 1 - r) as f64;
            relative_levels(values)
                .into_iter()
                .enumerate()
                .map(move |(p, level)| {
                    Rectangle::new(
                        [(p as f64 - 0.5, y - 0.5), (p as f64 + 0.5, y + 0.5)],
                        heat_color(level).filled(),
                    )
                })
        }))?;
        // Each row's tonic: a red outline around its cell.
        chart.draw_series(self.tonics.iter().enumerate().filter_map(|(r, t)| {
            let p = (*t)? as f64;
            let y = (n - 1 - r) as f64;
            Some(Rectangle::new(
                [(p - 0.46, y - 0.42), (p + 0.46, y + 0.42)],
                RED.stroke_width(3),
            ))
        }))?;
        Ok(())
    }
}

/// Label of cell `i` (centred on the integer `i`) on an axis of `n` cells; empty between cells.
fn cell_label(pos: f64, n: usize, name: impl Fn(usize) -> String) -> String {
    let i = pos.round();
    if (pos - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n {
        name(i as usize)
    } else {
        String::new()
    }
}

/// Files projected to 2-D, coloured by cluster.
pub struct ClustersFigure {
    /// Title.
    pub title: String,
    /// (label, x, y, cluster) per file.
    pub points: Vec<(String, f64, f64, usize)>,
    /// Axis names (e.g. "PC1 (41%)").
    pub axes: (String, String),
}

impl Figure for ClustersFigure {
    fn size(&self) -> (u32, u32) {
        (1000, 800)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE)?;
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for (_, x, y, _) in &self.points {
            x0 = x0.min(*x);
            x1 = x1.max(*x);
            y0 = y0.min(*y);
            y1 = y1.max(*y);
        }
        if self.points.is_empty() {
            (x0, x1, y0, y1) = (-1.0, 1.0, -1.0, 1.0);
        }
        let pad_x = ((x1 - x0) * 0.12).max(1e-3);
        let pad_y = ((y1 - y0) * 0.08).max(1e-3);
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, 24))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(x0 - pad_x..x1 + pad_x, y0 - pad_y..y1 + pad_y)?;
        chart
            .configure_mesh()
            .x_desc(self.axes.0.as_str())
            .y_desc(self.axes.1.as_str())
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .draw()?;
        let clusters = self.points.iter().map(|p| p.3).max().map_or(0, |m| m + 1);
        for c in 0..clusters {
            let color = Palette99::pick(c).to_rgba();
            chart
                .draw_series(
                    self.points
                        .iter()
                        .filter(|p| p.3 == c)
                        .map(|(_, x, y, _)| Circle::new((*x, *y), 6, color.filled())),
                )?
                .label(format!("cluster {c}"))
                .legend(move |(x, y)| Circle::new((x, y), 6, color.filled()));
        }
        chart.draw_series(self.points.iter().map(|(label, x, y, _)| {
            Text::new(
                label.clone(),
                (*x, *y),
                (FONT, 12).into_font().color(&BLACK),
            )
        }))?;
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font((FONT, 14))
            .draw()?;
        Ok(())
    }
}

/// Inertia and silhouette against k.
pub struct ElbowFigure {
    /// Title.
    pub title: String,
    /// (k, inertia, mean silhouette or None for k = 1) per k.
    pub points: Vec<(usize, f64, Option<f64>)>,
    /// The k with the best silhouette, marked.
    pub best_k: Option<usize>,
}

impl Figure for ElbowFigure {
    fn size(&self) -> (u32, u32) {
        (1200, 500)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE)?;
        let root = root.titled(&self.title, (FONT, 24))?;
        let (left, right) = root.split_horizontally(600);
        let kmax = self.points.iter().map(|p| p.0).max().unwrap_or(1) as f64 + 0.5;
        let imax = self
            .points
            .iter()
            .map(|p| p.1)
            .fold(0.0, f64::max)
            .max(1e-12)
            * 1.05;
        let mut chart = ChartBuilder::on(&left)
            .margin(15)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(0.5..kmax, 0.0..imax)?;
        let k_labels = self.points.len().max(1);
        chart
            .configure_mesh()
            .x_labels(k_labels)
            .x_label_formatter(&|k: &f64| format!("{k:.0}"))
            .x_desc("k")
            .y_desc("inertia")
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .draw()?;
        let inertia: Vec<(f64, f64)> = self.points.iter().map(|p| (p.0 as f64, p.1)).collect();
        chart.draw_series(LineSeries::new(inertia.clone(), BLUE.stroke_width(2)))?;
        chart.draw_series(inertia.iter().map(|p| Circle::new(*p, 4, BLUE.filled())))?;

        let sil: Vec<(f64, f64)> = self
            .points
            .iter()
            .filter_map(|p| p.2.map(|s| (p.0 as f64, s)))
            .collect();
        let smin = sil.iter().map(|p| p.1).fold(0.0, f64::min);
        let smax = sil.iter().map(|p| p.1).fold(0.0, f64::max).max(1e-9) * 1.1;
        let mut chart = ChartBuilder::on(&right)
            .margin(15)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(0.5..kmax, smin..smax)?;
        chart
            .configure_mesh()
            .x_labels(k_labels)
            .x_label_formatter(&|k: &f64| format!("{k:.0}"))
            .x_desc("k")
            .y_desc("mean silhouette")
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .draw()?;
        chart.draw_series(LineSeries::new(sil.clone(), RED.stroke_width(2)))?;
        chart.draw_series(sil.iter().map(|p| Circle::new(*p, 4, RED.filled())))?;
        if let Some(best) = self.best_k {
            if let Some(p) = sil.iter().find(|p| p.0 as usize == best) {
                chart.draw_series(std::iter::once(Circle::new(*p, 9, RED.stroke_width(2))))?;
                chart.draw_series(std::iter::once(Text::new(
                    format!("best k = {best}"),
                    (p.0 + 0.3, p.1 + (smax - smin) * 0.04),
                    (FONT, 15).into_font(),
                )))?;
            }
        }
        Ok(())
    }
}
