//! The report page's data model and its rendering: the data goes into the page as one JSON
//! blob (`<script type="application/json">`), which the page's own small script turns into the
//! map, charts and tables. The HTML, CSS and JS are asset files (`crates/report/assets/report/`)
//! included at compile time, so the page needs no network and no server.

use std::path::Path;

use serde::Serialize;

const TEMPLATE: &str = include_str!("../assets/report/report.html");
const STYLE: &str = include_str!("../assets/report/report.css");
const SCRIPT: &str = include_str!("../assets/report/report.js");

/// Everything the page shows.
#[derive(Debug, Clone, Serialize)]
pub struct ReportData {
    /// Page title.
    pub title: String,
    /// The program and version that wrote the page.
    pub generator: String,
    /// Number of clusters.
    pub k: usize,
    /// How k was chosen, in words.
    pub chosen: String,
    /// Inertia and silhouette of every k tried (`-k auto` only).
    pub scan: Option<Vec<KScoreRow>>,
    /// (name, value) pairs of the settings.
    pub settings: Vec<(String, String)>,
    /// Names of the two map axes.
    pub axes: [String; 2],
    /// Names of the profile values (the 12 notes, or the clustered columns).
    pub profile_names: Vec<String>,
    /// One entry per cluster.
    pub clusters: Vec<ClusterSummary>,
    /// The files, column by column.
    pub files: FileRows,
    /// Files that could not be analysed.
    pub failures: Vec<FailedFile>,
}

/// One k of a `-k auto` scan.
#[derive(Debug, Clone, Serialize)]
pub struct KScoreRow {
    /// Number of clusters.
    pub k: usize,
    /// Inertia of the best restart.
    pub inertia: f64,
    /// Mean silhouette (undefined for k = 1).
    pub silhouette: Option<f64>,
}

/// A cluster: its size and mean profile.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterSummary {
    /// Cluster number (from 0).
    pub id: usize,
    /// Number of files.
    pub size: usize,
    /// Mean profile of its files (one value per profile name).
    pub mean: Vec<f64>,
}

/// The files as columns (one entry per file in each), which keeps the JSON of 10,000 files
/// small.
#[derive(Debug, Clone, Serialize)]
pub struct FileRows {
    /// File names.
    pub name: Vec<String>,
    /// Paths as given or as stored in the table.
    pub path: Vec<String>,
    /// The players' source: a URL relative to the page.
    pub src: Vec<String>,
    /// Cluster of each file.
    pub cluster: Vec<usize>,
    /// Distance to its cluster's centre (in the clustered space).
    pub distance: Vec<f64>,
    /// Map coordinates (first principal component).
    pub x: Vec<f64>,
    /// Map coordinates (second principal component).
    pub y: Vec<f64>,
    /// Keys, when the table has a `key` column.
    pub key: Option<Vec<String>>,
    /// "Title - Artist" from the files' own tags (empty for a file without a title), when the
    /// table has a `title` column; the page shows it with the file name beneath.
    pub label: Option<Vec<String>>,
    /// Profiles, row-major (`profile_names.len()` values per file).
    pub profile: Vec<f64>,
    /// Chromagram thumbnails: base64 of `columns x 12` bytes (0..=255, A first in each column).
    pub thumb: Option<Vec<Option<String>>>,
    /// Embedded clips as `data:` URIs (`--embed-clips`); `None` entries stay linked.
    pub clip: Option<Vec<Option<String>>>,
    /// With `--by sound`: each file's nearest files by sound, closest first (indices into
    /// these rows), shown as links that select the neighbour.
    pub near: Option<Vec<Vec<usize>>>,
}

/// A file that failed, and why.
#[derive(Debug, Clone, Serialize)]
pub struct FailedFile {
    /// The file.
    pub file: String,
    /// The cause.
    pub cause: String,
}

/// The page for `data`: the template with its style, script, title and data filled in.
pub fn render(data: &ReportData) -> Result<String, crate::ReportError> {
    let json = serde_json::to_string(&Compact(data))?;
    // Inside <script>, "</script" or "<!--" would end or confuse the element: escape every "<"
    // (it can only occur inside JSON strings, where \u003c means the same).
    let json = json.replace('<', "\\u003c");
    Ok(TEMPLATE
        .replace("{{TITLE}}", &html_escape(&data.title))
        .replace("{{STYLE}}", STYLE)
        .replace("{{SCRIPT}}", SCRIPT)
        .replace("{{DATA}}", &json))
}

/// Serialises floats with at most 5 significant digits (enough for a picture and a table, and
/// 10,000 files stay well under a few megabytes).
struct Compact<'a>(&'a ReportData);

impl Serialize for Compact<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut value = serde_json::to_value(self.0).map_err(serde::ser::Error::custom)?;
        shorten(&mut value);
        value.serialize(s)
    }
}

fn shorten(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64() {
                let short: f64 = format!("{f:.4e}").parse().unwrap_or(f);
                if let Some(num) = serde_json::Number::from_f64(short) {
                    *n = num;
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(shorten),
        Value::Object(map) => map.values_mut().for_each(shorten),
        _ => {}
    }
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `file` as a URL relative to the folder `page_dir` (absolute), percent-encoded; a path that
/// cannot be made relative (another drive) becomes a `file:` URL.
pub fn relative_url(file: &Path, page_dir: &Path) -> String {
    use percent_encoding::{percent_encode, AsciiSet, CONTROLS};
    // Everything but unreserved characters and "/" is encoded in each path segment.
    const SEGMENT: &AsciiSet = &CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'%')
        .add(b'?')
        .add(b'<')
        .add(b'>')
        .add(b'`')
        .add(b'{')
        .add(b'}')
        .add(b'[')
        .add(b']')
        .add(b'^')
        .add(b'|')
        .add(b'\\')
        .add(b'\'')
        .add(b';')
        .add(b':')
        .add(b'&')
        .add(b'+')
        .add(b'=');
    let absolute = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    // Each segment's own bytes are encoded (a name that is not UTF-8 keeps its bytes as
    // %XX), so the link opens the file itself, never a file with a lossy look-alike name.
    let encode = |p: &Path| -> String {
        p.components()
            .filter_map(|c| match c {
                std::path::Component::Normal(s) => {
                    Some(percent_encode(s.as_encoded_bytes(), SEGMENT).to_string())
                }
                std::path::Component::ParentDir => Some("..".to_string()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("/")
    };
    match pathdiff::diff_paths(&absolute, page_dir) {
        Some(rel) => encode(&rel),
        None => format!("file:///{}", encode(&absolute)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_relative_and_encoded() {
        let dir = Path::new("/music/report");
        assert_eq!(
            relative_url(Path::new("/music/a b/c#1.wav"), dir),
            "../a%20b/c%231.wav"
        );
        assert_eq!(relative_url(Path::new("/music/report/x.wav"), dir), "x.wav");
        assert_eq!(
            relative_url(Path::new("/music/report/é.wav"), dir),
            "%C3%A9.wav"
        );
    }

    #[test]
    fn the_data_cannot_close_its_script_element() {
        let data = ReportData {
            title: "<b>&".into(),
            generator: String::new(),
            k: 1,
            chosen: String::new(),
            scan: None,
            settings: vec![],
            axes: [String::new(), String::new()],
            profile_names: vec![],
            clusters: vec![],
            files: FileRows {
                name: vec!["</script><script>alert(1)</script>".into()],
                path: vec![],
                src: vec![],
                cluster: vec![0],
                distance: vec![0.123456789],
                x: vec![],
                y: vec![],
                key: None,
                label: None,
                profile: vec![],
                thumb: None,
                clip: None,
                near: None,
            },
            failures: vec![],
        };
        let html = render(&data).unwrap();
        assert!(!html.contains("</script><script>alert"));
        assert!(html.contains("\\u003c/script>"));
        assert!(html.contains("<title>&lt;b&gt;&amp;</title>"));
        assert!(html.contains("0.12346"), "floats shortened");
    }
}
