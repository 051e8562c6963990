//! End-to-end tests of `chromacluster report` in a real headless Chromium, driven over the
//! Chrome DevTools protocol on a pipe (`--remote-debugging-pipe`: JSON messages separated by
//! NUL bytes on file descriptors 3 and 4), so no driver, port or extra crate is needed.
//!
//! When no Chromium is installed the browser tests say so on stderr and pass without
//! checking the page (`.ci/run` installs Debian's `chromium` package first, so CI runs them).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_chromacluster"));
    c.env_remove("RUST_LOG");
    c
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The Chromium executable: `$CHROMIUM`, else the first of the usual names on `PATH`.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for name in ["chromium", "chromium-browser", "google-chrome", "chrome"] {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// Returns the browser, or prints why the test is skipped.
fn browser_or_skip(test: &str) -> Option<Browser> {
    match chromium() {
        Some(exe) => Some(Browser::launch(&exe)),
        None => {
            eprintln!(
                "SKIPPED {test}: no chromium on PATH (install Debian's `chromium` package, or set CHROMIUM=/path/to/chrome); the page was not checked in a browser"
            );
            None
        }
    }
}

/// A headless Chromium with one page, spoken to over the DevTools pipe.
struct Browser {
    child: Child,
    to_browser: std::io::PipeWriter,
    from_browser: Receiver<Value>,
    next_id: u64,
    session: String,
    /// Every event received so far (method, params).
    events: Vec<(String, Value)>,
    _profile: tempfile::TempDir,
}

impl Browser {
    fn launch(exe: &Path) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let (cmd_read, cmd_write) = std::io::pipe().unwrap();
        let (resp_read, resp_write) = std::io::pipe().unwrap();
        use std::os::fd::AsRawFd;
        use std::os::unix::process::CommandExt;
        // Move both ends above fd 10 so placing them at 3 and 4 cannot clobber one another.
        let high = |fd: i32| unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 10) };
        let (r, w) = (high(cmd_read.as_raw_fd()), high(resp_write.as_raw_fd()));
        assert!(r >= 10 && w >= 10, "cannot duplicate the pipe descriptors");
        let mut cmd = Command::new(exe);
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--mute-audio",
            "--autoplay-policy=no-user-gesture-required",
            "--remote-debugging-pipe",
            "--window-size=1280,900",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        // SAFETY: only async-signal-safe calls (dup2) between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                if libc::dup2(r, 3) < 0 || libc::dup2(w, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("chromium starts");
        unsafe {
            libc::close(r);
            libc::close(w);
        }
        drop(cmd_read);
        drop(resp_write);
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(resp_read);
            let mut buf = Vec::new();
            loop {
                buf.clear();
                match reader.read_until(0, &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if buf.last() == Some(&0) {
                            buf.pop();
                        }
                        if let Ok(v) = serde_json::from_slice::<Value>(&buf) {
                            if tx.send(v).is_err() {
                                break;
                            }
                        }
                    }
                }
            }
        });
        let mut b = Browser {
            child,
            to_browser: cmd_write,
            from_browser: rx,
            next_id: 0,
            session: String::new(),
            events: Vec::new(),
            _profile: profile,
        };
        let target = b.browser_call("Target.createTarget", json!({"url": "about:blank"}));
        let target_id = target["targetId"].as_str().unwrap().to_string();
        let attached = b.browser_call(
            "Target.attachToTarget",
            json!({"targetId": target_id, "flatten": true}),
        );
        b.session = attached["sessionId"].as_str().unwrap().to_string();
        for domain in ["Page", "Runtime", "Network", "Log"] {
            b.call(&format!("{domain}.enable"), json!({}));
        }
        b.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false}),
        );
        b
    }

    fn send(&mut self, method: &str, params: Value, session: Option<String>) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = Value::String(s);
        }
        let mut bytes = serde_json::to_vec(&msg).unwrap();
        bytes.push(0);
        self.to_browser.write_all(&bytes).unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.from_browser.recv_timeout(left) {
                Ok(v) if v["id"].as_u64() == Some(id) => {
                    if let Some(err) = v.get("error") {
                        panic!("{method} failed: {err}");
                    }
                    return v["result"].clone();
                }
                Ok(v) => {
                    if let Some(m) = v["method"].as_str() {
                        self.events.push((m.to_string(), v["params"].clone()));
                    }
                }
                Err(RecvTimeoutError::Timeout) => panic!("no answer to {method} in 60 s"),
                Err(RecvTimeoutError::Disconnected) => panic!("chromium went away during {method}"),
            }
        }
    }

    fn browser_call(&mut self, method: &str, params: Value) -> Value {
        self.send(method, params, None)
    }

    fn call(&mut self, method: &str, params: Value) -> Value {
        let s = self.session.clone();
        self.send(method, params, Some(s))
    }

    /// Evaluates a JS expression in the page and returns its value (JSON).
    fn eval(&mut self, expr: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expr, "returnByValue": true, "awaitPromise": true}),
        );
        if let Some(ex) = r.get("exceptionDetails") {
            panic!("{expr} threw: {ex}");
        }
        r["result"]["value"].clone()
    }

    /// Opens `url` and waits until the page says it is drawn; returns the page's own time from
    /// navigation start to its first frame after building everything (ms) and the wall time.
    fn open(&mut self, url: &str) -> (f64, Duration) {
        let start = Instant::now();
        self.call("Page.navigate", json!({"url": url}));
        loop {
            let v = self.eval("document.body && document.body.dataset.painted || ''");
            if let Some(ms) = v.as_str().and_then(|s| s.parse::<f64>().ok()) {
                return (ms, start.elapsed());
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "the page never finished building"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn click(&mut self, x: f64, y: f64) {
        for kind in ["mouseMoved", "mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}),
            );
        }
    }

    fn key(&mut self, key: &str, code: u32) {
        for kind in ["keyDown", "keyUp"] {
            self.call(
                "Input.dispatchKeyEvent",
                json!({"type": kind, "key": key, "code": key, "windowsVirtualKeyCode": code}),
            );
        }
    }

    /// Console errors, uncaught exceptions and error log entries seen so far.
    fn errors(&mut self) -> Vec<String> {
        self.eval("1"); // flush pending events
        self.events
            .iter()
            .filter_map(|(m, p)| match m.as_str() {
                "Runtime.exceptionThrown" => Some(format!("exception: {}", p["exceptionDetails"])),
                "Runtime.consoleAPICalled"
                    if matches!(p["type"].as_str(), Some("error" | "assert")) =>
                {
                    Some(format!("console.{}: {}", p["type"], p["args"]))
                }
                "Log.entryAdded" if p["entry"]["level"].as_str() == Some("error") => {
                    Some(format!("log: {}", p["entry"]))
                }
                _ => None,
            })
            .collect()
    }

    /// URLs of every request the page made so far, except `data:` URLs (inline data, such as
    /// the icons of Chromium's own media controls, which fetch nothing).
    fn requests(&mut self) -> Vec<String> {
        self.eval("1");
        self.events
            .iter()
            .filter(|(m, _)| m == "Network.requestWillBeSent")
            .filter_map(|(_, p)| p["request"]["url"].as_str().map(str::to_string))
            .filter(|u| !u.starts_with("data:"))
            .collect()
    }

    /// Saves a screenshot of the top of the page, `height` pixels tall, with the pointer over
    /// a point of the map (the file after `near`) to show its tooltip.
    fn screenshot(&mut self, path: &Path, height: u32, near: Option<usize>) {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": 1280, "height": height, "deviceScaleFactor": 1, "mobile": false}),
        );
        self.call("Emulation.setScrollbarsHidden", json!({"hidden": true}));
        self.eval(
            "document.activeElement.blur(); window.scrollTo(0, 0); new Promise(r => setTimeout(r, 300))",
        );
        if let Some(i) = near {
            let files = self
                .eval("window.chromaclusterReport.files")
                .as_u64()
                .unwrap() as usize;
            let p = self.eval(&format!(
                "window.chromaclusterReport.pointOnScreen({})",
                (i + files / 2) % files
            ));
            self.call(
                "Input.dispatchMouseEvent",
                json!({"type": "mouseMoved", "x": p["x"], "y": p["y"]}),
            );
        }
        let shot = self.call("Page.captureScreenshot", json!({"format": "png"}));
        let b64 = shot["data"].as_str().unwrap();
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn file_url(path: &Path) -> String {
    let abs = std::fs::canonicalize(path).unwrap();
    format!("file://{}", abs.display())
}

/// The demo's twelve synthesised tracks plus one broken file, in `dir/audio`.
fn demo_audio(dir: &Path) -> PathBuf {
    let audio = dir.join("audio");
    let out = run(&["demo", "--keep", audio.to_str().unwrap()]);
    assert!(out.status.success(), "demo failed: {}", text(&out.stderr));
    std::fs::write(audio.join("broken.wav"), b"RIFF this is not audio at all").unwrap();
    audio
}

#[test]
fn report_help_has_an_example_and_bad_options_are_refused() {
    let out = run(&["report", "--help"]);
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("Example"));
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("t.csv");
    std::fs::write(&csv, "file,a,b\nx,0,1\ny,1,0\nz,1,1\n").unwrap();
    // Usage errors, found before any work: exit status 2.
    let bad = run(&["report", csv.to_str().unwrap(), "-k", "2", "-o", "out.png"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("HTML"), "{}", text(&bad.stderr));
    let out_html = dir.path().join("r.html");
    let bad = run(&[
        "report",
        csv.to_str().unwrap(),
        "-k",
        "2",
        "--embed-clips",
        "1000",
        "-o",
        out_html.to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("--embed-clips"));
    let bad = run(&["report", csv.to_str().unwrap(), "-k", "0", "-o", "r.html"]);
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad.stderr));
    assert!(!out_html.exists(), "nothing written after a refused option");
}

/// The demo's report: written even though one file fails (exit 1), self-contained, and in
/// the browser: no error, no request, one point per file, one section per cluster, a click
/// on a point selects the file and its player, sorting, filtering and the keyboard work.
#[test]
fn demo_report_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let audio = demo_audio(dir.path());
    assert!(audio.ends_with("audio"));
    let page = dir.path().join("pages/report.html");
    std::fs::create_dir(dir.path().join("pages")).unwrap();
    // Relative paths, from the folder above both: the players must go up one level.
    let out = bin()
        .args([
            "report",
            "audio",
            "-k",
            "auto",
            "--profile",
            "mean",
            "--title",
            "The demo's tracks",
            "-o",
            "pages/report.html",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "a failed file makes exit 1");
    assert!(
        text(&out.stderr).contains("broken.wav"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("report: 12 file(s) in 4 cluster(s), 1 failed"),
        "{}",
        text(&out.stdout)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    // Nothing the browser would fetch (the SVG namespace URI is a name, not a request).
    for external in [
        "src=\"http",
        "href=\"http",
        "url(",
        "@import",
        "<link rel=\"stylesheet\"",
        "<script src",
        "fetch(",
        "XMLHttpRequest",
    ] {
        assert!(!html.contains(external), "the page refers to {external}");
    }
    assert!(
        html.contains("\"src\":[\"../audio/As_major_organ.wav\""),
        "players link to the files relative to the page"
    );

    let Some(mut b) = browser_or_skip("demo_report_in_chromium") else {
        return;
    };
    let url = file_url(&page);
    let (ms, wall) = b.open(&url);
    eprintln!("demo report drawn {ms:.0} ms after navigation start ({wall:?} wall)");
    assert_eq!(b.errors(), Vec::<String>::new(), "errors on load");
    let requests = b.requests();
    assert!(
        requests.iter().all(|r| r == &url),
        "requests besides the page: {requests:?}"
    );

    assert_eq!(
        b.eval("document.getElementById('map').dataset.points"),
        "12"
    );
    assert_eq!(
        b.eval("document.querySelectorAll('section.cluster').length"),
        4
    );
    assert_eq!(
        b.eval("document.querySelectorAll('table.file-table tbody tr').length"),
        12
    );
    assert_eq!(
        b.eval("document.getElementById('title').textContent"),
        "The demo's tracks"
    );
    // k = auto: the scan charts are shown, with the chosen k.
    assert_eq!(b.eval("document.getElementById('scan').hidden"), false);
    assert_eq!(
        b.eval("document.querySelectorAll('#scan-charts svg').length"),
        2
    );
    assert_eq!(
        b.eval("document.querySelectorAll('#scan-table tbody tr').length"),
        9
    );
    // Thumbnails for a small set, and the failed file with its cause.
    assert_eq!(
        b.eval("document.querySelectorAll('canvas.thumb').length"),
        12
    );
    assert_eq!(
        b.eval("document.querySelectorAll('#failed-table tbody tr').length"),
        1
    );
    let failed = b.eval("document.querySelector('#failed-table tbody tr').textContent");
    assert!(
        failed.as_str().unwrap().contains("broken.wav")
            && failed.as_str().unwrap().contains("not an audio file"),
        "{failed}"
    );
    // Every control is labelled.
    assert_eq!(
        b.eval("[...document.querySelectorAll('input')].every(i => i.labels.length > 0)"),
        true
    );
    assert_eq!(
        b.eval("[...document.querySelectorAll('audio')].every(a => a.getAttribute('aria-label'))"),
        true
    );
    assert!(b
        .eval("document.getElementById('map').getAttribute('aria-label')")
        .as_str()
        .unwrap()
        .contains("12 files"));

    // A click on a point that stands apart selects that file and its player.
    let pick = b.eval(
        "(() => { const m = document.getElementById('map'); m.scrollIntoView({block: 'center'});
           const r = window.chromaclusterReport; const D = JSON.parse(document.getElementById('report-data').textContent);
           const pts = D.files.name.map((_, i) => r.pointOnScreen(i));
           for (let i = 0; i < pts.length; i++) {
             const lonely = pts.every((q, j) => j === i || Math.hypot(q.x - pts[i].x, q.y - pts[i].y) > 25);
             if (lonely) return {i, x: pts[i].x, y: pts[i].y, name: D.files.name[i], src: D.files.src[i]};
           }
           return null; })()",
    );
    assert!(pick.is_object(), "no point stands apart on the map");
    let i = pick["i"].as_u64().unwrap();
    b.click(
        pick["x"].as_f64().unwrap() + 2.0,
        pick["y"].as_f64().unwrap() - 1.0,
    );
    assert_eq!(b.eval("window.chromaclusterReport.selected()"), i);
    // The pointer is over the point: its tooltip names the file.
    assert_eq!(b.eval("document.getElementById('tooltip').hidden"), false);
    assert_eq!(
        b.eval("document.querySelector('#tooltip .t-name').textContent"),
        pick["name"]
    );
    assert_eq!(
        b.eval("document.querySelectorAll('#tooltip svg rect').length"),
        12
    );
    assert_eq!(
        b.eval("document.getElementById('sel-name').textContent"),
        pick["name"]
    );
    assert_eq!(
        b.eval("document.getElementById('player').getAttribute('src')"),
        pick["src"]
    );
    assert_eq!(
        b.eval(&format!(
            "document.querySelector('tr[data-file=\"{i}\"]').classList.contains('selected')"
        )),
        true
    );
    // Only the clicked file's audio may be fetched.
    let audio_url = b.eval("document.getElementById('player').src");
    let audio_url = audio_url.as_str().unwrap().to_string();
    assert_eq!(
        audio_url,
        file_url(&audio.join(pick["name"].as_str().unwrap())),
        "the player's relative link resolves to the file"
    );
    let requests = b.requests();
    assert!(
        requests.iter().all(|r| r == &url || r == &audio_url),
        "requests besides the page and the clicked file: {requests:?}"
    );
    // Keyboard: the map takes focus and the arrows move the selection.
    b.eval("document.getElementById('map').focus()");
    b.key("ArrowRight", 39);
    let after = b.eval("window.chromaclusterReport.selected()");
    assert_ne!(after, i, "ArrowRight moves the selection");
    assert_eq!(b.eval("document.activeElement.id"), "map");

    // Sorting: cluster tables sort by distance up, then down, and by name.
    let c = b.eval(
        "[...document.querySelectorAll('section.cluster')].findIndex(s => s.querySelectorAll('tbody tr').length >= 3)",
    );
    let c = c.as_i64().unwrap();
    assert!(c >= 0, "a cluster with three files or more");
    let sel = format!("document.querySelectorAll('section.cluster')[{c}]");
    let distances = |b: &mut Browser| -> Vec<f64> {
        b.eval(&format!(
            "[...{sel}.querySelectorAll('td.distance')].map(t => +t.textContent)"
        ))
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
    };
    b.eval(&format!(
        "{sel}.querySelector('th[data-col=distance] button').click()"
    ));
    let up = distances(&mut b);
    assert!(up.windows(2).all(|w| w[0] <= w[1]), "ascending: {up:?}");
    assert_eq!(
        b.eval(&format!(
            "{sel}.querySelector('th[data-col=distance]').getAttribute('aria-sort')"
        )),
        "ascending"
    );
    b.eval(&format!(
        "{sel}.querySelector('th[data-col=distance] button').click()"
    ));
    let down = distances(&mut b);
    assert!(
        down.windows(2).all(|w| w[0] >= w[1]),
        "descending: {down:?}"
    );
    let mut rev = up.clone();
    rev.reverse();
    assert_eq!(down, rev);
    b.eval(&format!(
        "{sel}.querySelector('th[data-col=name] button').click()"
    ));
    let names: Vec<String> = b
        .eval(&format!(
            "[...{sel}.querySelectorAll('td.name')].map(t => t.textContent)"
        ))
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_by_key(|s| s.to_lowercase());
    assert_eq!(names, sorted);

    // Filtering: typing into the filter keeps the matching rows only.
    let first = names[0].clone();
    let query = first
        .split('_')
        .next_back()
        .unwrap()
        .trim_end_matches(".wav")
        .to_string();
    b.eval(&format!("{sel}.querySelector('input').focus()"));
    b.call("Input.insertText", json!({"text": query}));
    let shown: Vec<String> = b
        .eval(&format!(
            "[...{sel}.querySelectorAll('td.name')].map(t => t.textContent)"
        ))
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let expect: Vec<&String> = names
        .iter()
        .filter(|n| n.to_lowercase().contains(&query))
        .collect();
    assert!(
        !shown.is_empty() && shown.len() < names.len(),
        "{query}: {shown:?} of {names:?}"
    );
    assert_eq!(shown.iter().collect::<Vec<_>>(), expect);
    assert!(b
        .eval(&format!("{sel}.querySelector('.count').textContent"))
        .as_str()
        .unwrap()
        .starts_with(&format!("{} of {}", shown.len(), names.len())));

    assert_eq!(
        b.errors(),
        Vec::<String>::new(),
        "errors while using the page"
    );
    if let Some(shot) = std::env::var_os("CHROMACLUSTER_REPORT_SCREENSHOT") {
        b.eval("document.querySelector('#cluster-list input').value = ''; document.querySelector('#cluster-list input').dispatchEvent(new Event('input'))");
        b.screenshot(
            Path::new(&shot),
            1330,
            Some(after.as_u64().unwrap() as usize),
        );
    }
}

/// A 10,000-row table gives a page that loads in well under 3 seconds with a small DOM: the
/// points on a canvas, the tables paged.
#[test]
fn ten_thousand_rows_load_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("big.csv");
    let keys = ["C major", "E major", "F# major", "A# major"];
    let mut s = String::from("file,key,A,A#,B,C,C#,D,D#,E,F,F#,G,G#\n");
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut rnd = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    for i in 0..10_000 {
        let key = i % 4;
        let tonic = [3usize, 7, 9, 1][key];
        let mut v = [0.0f64; 12];
        for (step, w) in [(0usize, 0.3), (4, 0.2), (7, 0.25), (5, 0.1), (2, 0.08)] {
            v[(tonic + step) % 12] += w;
        }
        for x in v.iter_mut() {
            *x += 0.05 * rnd();
        }
        let total: f64 = v.iter().sum();
        s.push_str(&format!("music/track_{i:05}.wav,{}", keys[key]));
        for x in v {
            s.push_str(&format!(",{:.5}", x / total));
        }
        s.push('\n');
    }
    std::fs::write(&csv, s).unwrap();
    let page = dir.path().join("big.html");
    let out = run(&[
        "report",
        csv.to_str().unwrap(),
        "-k",
        "4",
        "-o",
        page.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let size = std::fs::metadata(&page).unwrap().len();
    eprintln!("10,000-row report: {} KiB", size / 1024);
    assert!(size < 4 << 20, "the page is {size} bytes");

    let Some(mut b) = browser_or_skip("ten_thousand_rows_load_quickly") else {
        return;
    };
    let url = file_url(&page);
    let (ms, wall) = b.open(&url);
    eprintln!("10,000-row report drawn {ms:.0} ms after navigation start ({wall:?} wall)");
    assert!(ms < 3000.0, "drawn {ms} ms after navigation start");
    assert_eq!(b.errors(), Vec::<String>::new());
    let requests = b.requests();
    assert!(requests.iter().all(|r| r == &url), "{requests:?}");
    assert_eq!(
        b.eval("document.getElementById('map').dataset.points"),
        "10000"
    );
    assert_eq!(
        b.eval("document.querySelectorAll('section.cluster').length"),
        4
    );
    let elements = b
        .eval("document.getElementsByTagName('*').length")
        .as_u64()
        .unwrap();
    eprintln!("10,000-row report: {elements} DOM elements");
    assert!(elements < 3000, "{elements} elements in the DOM");
    assert_eq!(
        b.eval("document.querySelectorAll('table.file-table tbody tr').length"),
        100
    );
    // Paging and filtering over thousands of rows.
    b.eval("document.querySelector('#cluster-0 .pager button:last-child').click()");
    assert!(b
        .eval("document.querySelector('#cluster-0 .pager span').textContent")
        .as_str()
        .unwrap()
        .starts_with("26\u{2013}50 of "));
    let expect = b.eval(
        "(() => { const D = JSON.parse(document.getElementById('report-data').textContent);
           return D.files.name.filter((n, i) => D.files.cluster[i] === 0 && n.includes('track_012')).length; })()",
    );
    b.eval("document.querySelector('#cluster-0 input').focus()");
    b.call("Input.insertText", json!({"text": "track_012"}));
    let rows =
        b.eval("[...document.querySelectorAll('#cluster-0 td.name')].map(t => t.textContent)");
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len() as u64, expect.as_u64().unwrap().min(25));
    assert!(rows
        .iter()
        .all(|r| r.as_str().unwrap().contains("track_012")));
    // Hovering a point shows its file and key (from the table's `key` column).
    let p = b.eval(
        "document.getElementById('map').scrollIntoView({block: 'center'}); window.chromaclusterReport.pointOnScreen(0)",
    );
    b.call(
        "Input.dispatchMouseEvent",
        json!({"type": "mouseMoved", "x": p["x"], "y": p["y"]}),
    );
    assert_eq!(b.eval("document.getElementById('tooltip').hidden"), false);
    let tip = b.eval("document.getElementById('tooltip').textContent");
    let tip = tip.as_str().unwrap();
    assert!(
        tip.contains("track_") && keys.iter().any(|k| tip.contains(&format!("key {k}"))),
        "{tip}"
    );
    // Keys come from the table's `key` column.
    assert_eq!(
        b.eval("document.querySelectorAll('#cluster-0 td.key').length"),
        rows.len()
    );
    assert_eq!(b.errors(), Vec::<String>::new());
}

/// `--embed-clips`: short WAV clips inside the page that Chromium can play, no file needed.
#[test]
fn embedded_clips_play_without_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let audio = demo_audio(dir.path());
    let page = dir.path().join("share.html");
    let out = run(&[
        "report",
        audio.to_str().unwrap(),
        "-k",
        "4",
        "--profile",
        "mean",
        "--embed-clips",
        "1.5",
        "-o",
        page.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(html.matches("data:audio/wav;base64,").count(), 12);
    // The files are gone: the page still plays.
    std::fs::remove_dir_all(&audio).unwrap();

    let Some(mut b) = browser_or_skip("embedded_clips_play_without_the_files") else {
        return;
    };
    let url = file_url(&page);
    b.open(&url);
    let durations = b.eval(
        "Promise.all([...document.querySelectorAll('table.file-table audio')].map(a => new Promise(res => {
           a.preload = 'metadata';
           a.addEventListener('loadedmetadata', () => res(a.duration));
           a.addEventListener('error', () => res(-1));
           a.load(); })))",
    );
    let durations: Vec<f64> = durations
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(durations.len(), 12);
    for d in &durations {
        assert!((d - 1.5).abs() < 0.01, "clip durations {durations:?}");
    }
    let requests = b.requests();
    assert!(requests.iter().all(|r| r == &url), "{requests:?}");
    assert_eq!(b.errors(), Vec::<String>::new());
}

/// `report --by sound`: each row's "Sounds like" links are the file's 3 nearest, and clicking
/// one selects that file (the details panel names it, its row is marked and shown).
#[test]
fn sound_alike_links_select_the_neighbour_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let corpus = root.join("testdata/corpus");
    let page = dir.path().join("sound.html");
    let mut args: Vec<String> = ["report", "--by", "sound", "-k", "3", "-o"]
        .map(String::from)
        .into();
    args.push(page.to_str().unwrap().to_string());
    for p in [
        "real/3_class/music",
        "real/beat",
        "real/speechEmotion",
        "formats/flac_s16_44100_2ch.flac",
        "formats/mp3_cbr192k_44100_2ch.mp3",
    ] {
        args.push(corpus.join(p).to_str().unwrap().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));

    let Some(mut b) = browser_or_skip("sound_alike_links_select_the_neighbour_in_chromium") else {
        return;
    };
    b.open(&file_url(&page));
    assert_eq!(b.errors(), Vec::<String>::new(), "errors on load");
    let links = b.eval("document.querySelectorAll('a.near-link').length");
    assert!(
        links.as_u64().unwrap_or(0) >= 3,
        "no neighbour links: {links}"
    );
    // The FLAC's row: its first neighbour is its own MP3 re-encoding.
    let target = b.eval(
        "(() => { const rows = [...document.querySelectorAll('tr[data-file]')]; \
         const row = rows.find(r => r.querySelector('.name button').title.endsWith('flac_s16_44100_2ch.flac')); \
         const a = row.querySelector('a.near-link'); a.scrollIntoView({block: 'center'}); \
         const r = a.getBoundingClientRect(); \
         return {file: a.dataset.file, title: a.title, x: r.left + r.width / 2, y: r.top + r.height / 2}; })()",
    );
    assert!(
        target["title"]
            .as_str()
            .unwrap()
            .ends_with("mp3_cbr192k_44100_2ch.mp3"),
        "the FLAC's nearest: {target}"
    );
    b.click(target["x"].as_f64().unwrap(), target["y"].as_f64().unwrap());
    let selected = b.eval(
        "(() => { const tr = document.querySelector('tr.selected'); \
         const r = tr.getBoundingClientRect(); \
         return {file: tr.dataset.file, path: document.getElementById('sel-path').textContent, \
         visible: r.bottom > 0 && r.top < window.innerHeight}; })()",
    );
    assert_eq!(selected["file"], target["file"], "{selected}");
    assert_eq!(selected["path"], target["title"], "{selected}");
    assert_eq!(selected["visible"], json!(true), "{selected}");
    assert_eq!(b.errors(), Vec::<String>::new(), "errors after the click");
}
