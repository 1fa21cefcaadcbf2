//! A real browser for the UI tests: Debian's Chromium, headless, driven over
//! the W3C WebDriver protocol by `chromedriver` — a handful of plain JSON
//! requests, so no client library is needed. Screenshots are saved as PNG
//! files under `target/screenshots/`.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// `chromedriver` and one browser session; both end when this is dropped.
pub struct Browser {
    driver: Child,
    base: String,
    http: reqwest::Client,
    profile: PathBuf,
    pub shots: PathBuf,
}

impl Drop for Browser {
    /// End the session first: killing chromedriver alone leaves Chromium
    /// running (it was, a handful per test run, until the machine ended).
    /// Drop cannot await, so the WebDriver `DELETE` goes by hand over a
    /// blocking socket; then the driver, any straggler of this profile, and
    /// the profile folder go.
    fn drop(&mut self) {
        let _ = delete_session(&self.base);
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        // `--` first: the pattern starts with dashes, and pkill took it for
        // an option (printing its usage and killing nothing).
        let _ = Command::new("pkill")
            .arg("-f")
            .arg("--")
            .arg(format!("--user-data-dir={}", self.profile.display()))
            .status();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// `DELETE <session url>` over a plain socket (`http://127.0.0.1:<port>/session/<id>`).
fn delete_session(session_url: &str) -> std::io::Result<()> {
    use std::io::{Read, Write};
    let rest = session_url.trim_start_matches("http://");
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut s = std::net::TcpStream::connect(host)?;
    s.set_read_timeout(Some(Duration::from_secs(15)))?;
    write!(
        s,
        "DELETE {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = Vec::new();
    s.read_to_end(&mut answer)?;
    Ok(())
}

#[derive(Clone, Debug)]
pub struct El(String);

fn find_exe(names: &[&str]) -> String {
    for n in names {
        for dir in ["/usr/bin", "/usr/local/bin", "/usr/lib/chromium"] {
            let p = format!("{dir}/{n}");
            if std::path::Path::new(&p).exists() {
                return p;
            }
        }
    }
    panic!(
        "{} not found: the UI tests need Debian's chromium and chromium-driver (scripts/system-packages installs them)",
        names.join(" or ")
    )
}

impl Browser {
    /// Start chromedriver and a headless Chromium session with an empty profile.
    pub async fn start() -> Browser {
        let driver_bin = find_exe(&["chromedriver"]);
        let chrome = find_exe(&["chromium", "chromium-browser"]);
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
            l.local_addr().expect("addr").port()
        };
        let driver = Command::new(driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let t0 = Instant::now();
        while http.get(format!("{base}/status")).send().await.is_err() {
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "chromedriver did not start"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = std::env::temp_dir().join(format!("ui-test-profile-{port}"));
        // The machine's network is closed: Chromium's own background traffic
        // would only fail, loudly, so it is switched off.
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1400,1000",
            &format!("--user-data-dir={}", profile.display()),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chrome, "args": args}
        }}});
        let r: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .expect("new session")
            .json()
            .await
            .expect("session json");
        let id = r["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {r}"))
            .to_string();
        let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
        std::fs::create_dir_all(&shots).expect("screenshot folder");
        Browser {
            driver,
            base: format!("{base}/session/{id}"),
            http,
            profile,
            shots,
        }
    }

    /// The browser's own profile folder (its processes carry it in their
    /// command line).
    pub fn profile(&self) -> &std::path::Path {
        &self.profile
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r: Value = req
            .send()
            .await
            .expect("webdriver request")
            .json()
            .await
            .expect("webdriver json");
        r["value"].clone()
    }

    async fn try_cmd(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> Result<Value, String> {
        let v = self.cmd(method, path, Some(body)).await;
        match v.get("error") {
            Some(e) => Err(format!("{e}: {}", v["message"])),
            None => Ok(v),
        }
    }

    pub async fn goto(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    /// Run `script` (a function body; `arguments[i]` are `args`) and return its value.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/execute/sync",
                Some(json!({"script": script, "args": args})),
            )
            .await;
        if let Some(e) = v.get("error") {
            panic!("script failed: {e}: {}", v["message"]);
        }
        v
    }

    /// Run an async `script`: it calls `arguments[arguments.length - 1](value)` when done.
    pub async fn js_async(&self, script: &str, args: Vec<Value>) -> Value {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/execute/async",
                Some(json!({"script": script, "args": args})),
            )
            .await;
        if let Some(e) = v.get("error") {
            panic!("async script failed: {e}: {}", v["message"]);
        }
        v
    }

    /// Wait (up to `secs`) for an element matching `css` to be present.
    pub async fn wait_for(&self, css: &str, secs: u64) -> El {
        let t0 = Instant::now();
        loop {
            if let Ok(v) = self
                .try_cmd(
                    reqwest::Method::POST,
                    "/element",
                    json!({"using": "css selector", "value": css}),
                )
                .await
            {
                return El(v[ELEMENT].as_str().expect("element id").to_string());
            }
            if t0.elapsed() > Duration::from_secs(secs) {
                let screen = self.js("return document.getElementById('main')?.innerText ?? document.body.innerText", vec![]).await;
                panic!(
                    "no element {css:?} after {secs} s; the page shows:\n{}",
                    screen.as_str().unwrap_or_default()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn el(&self, css: &str) -> El {
        self.wait_for(css, 10).await
    }

    /// Wait until the text of `css` contains `want`; returns the text.
    pub async fn wait_text(&self, css: &str, want: &str, secs: u64) -> String {
        let t0 = Instant::now();
        loop {
            let t = self
                .js(
                    "const e = document.querySelector(arguments[0]); return e ? e.innerText : null;",
                    vec![json!(css)],
                )
                .await;
            if let Some(s) = t.as_str()
                && s.contains(want)
            {
                return s.to_string();
            }
            if t0.elapsed() > Duration::from_secs(secs) {
                panic!("{css:?} never contained {want:?}; it shows {t}");
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    pub async fn click(&self, css: &str) {
        let e = self.el(css).await;
        let r = self
            .try_cmd(
                reqwest::Method::POST,
                &format!("/element/{}/click", e.0),
                json!({}),
            )
            .await;
        if r.is_err() {
            // Covered by a sticky header or off screen: scroll it in and click by script.
            self.js(
                "const e = document.querySelector(arguments[0]); e.scrollIntoView({block: 'center'}); e.click();",
                vec![json!(css)],
            )
            .await;
        }
    }

    /// Replace the value of the field matching `css` by typing `text`.
    pub async fn fill(&self, css: &str, text: &str) {
        let e = self.el(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{}/clear", e.0),
            Some(json!({})),
        )
        .await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{}/value", e.0),
            Some(json!({"text": text})),
        )
        .await;
    }

    /// Choose an `<option>` by its visible text (a substring).
    pub async fn choose(&self, css: &str, text: &str) {
        let ok = self
            .js(
                "const s = document.querySelector(arguments[0]); if (!s) return false;
                 const o = [...s.options].find(o => o.text.includes(arguments[1]));
                 if (!o) return false; s.value = o.value; s.dispatchEvent(new Event('change', {bubbles: true})); return true;",
                vec![json!(css), json!(text)],
            )
            .await;
        assert_eq!(ok, json!(true), "no option {text:?} in {css:?}");
    }

    pub async fn text(&self, css: &str) -> String {
        self.el(css).await;
        self.js(
            "return document.querySelector(arguments[0]).innerText",
            vec![json!(css)],
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    /// Lay pages out at `width` × `height` CSS pixels, as a phone (`mobile`)
    /// or a desktop screen of that size shows them (Chrome's device
    /// emulation, through ChromeDriver's DevTools pass-through).
    pub async fn viewport(&self, width: u32, height: u32, mobile: bool) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile }),
        )
        .await;
    }

    /// Lay pages out for print (`@media print`, `@page`), or back to screen.
    pub async fn print_media(&self, print: bool) {
        self.cdp(
            "Emulation.setEmulatedMedia",
            json!({ "media": if print { "print" } else { "" } }),
        )
        .await;
    }

    async fn cdp(&self, cmd: &str, params: Value) {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/goog/cdp/execute",
                Some(json!({ "cmd": cmd, "params": params })),
            )
            .await;
        assert!(v.get("error").is_none(), "{cmd}: {v}");
    }

    /// Save a PNG of the viewport as `target/screenshots/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        use base64::Engine as _;
        let v = self.cmd(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().expect("screenshot data"))
            .expect("base64 screenshot");
        assert!(png.starts_with(b"\x89PNG"), "a screenshot is a PNG");
        let p = self.shots.join(format!("{name}.png"));
        std::fs::write(&p, png).expect("write screenshot");
        p
    }
}

/// The processes whose command line mentions `needle` (read from `/proc`).
pub fn processes_mentioning(needle: &str) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return vec![];
    };
    dir.filter_map(|e| {
        let e = e.ok()?;
        let pid: u32 = e.file_name().to_str()?.parse().ok()?;
        let cmd = std::fs::read(e.path().join("cmdline")).ok()?;
        String::from_utf8_lossy(&cmd)
            .contains(needle)
            .then_some(pid)
    })
    .collect()
}
