//! The real app binary in a real window under Xvfb: with a standalone
//! device database it must show the shared web UI's login screen (the UI
//! reports it through `screen_shown`, which also proves the loopback origin
//! may call the app); without one, the bundled enrollment page. Each run
//! saves a screenshot to `target/screenshots/`. Needs `xvfb-run`, `xwd` and
//! `xwininfo` (scripts/system-packages installs them): missing ones fail the
//! test rather than skip it.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// `xvfb-run -a` can hand two simultaneous starts the same display: one
/// app at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// WebKitGTK's first start on a cold machine can be slow.
const TIMEOUT: Duration = Duration::from_secs(90);

fn require(tool: &str) {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
        .unwrap_or(false);
    assert!(
        found,
        "{tool} is missing: run scripts/system-packages (the smoke test needs a real X server)"
    );
}

/// The app under `xvfb-run`, killed (with its X server) when dropped.
struct Running {
    xvfb_run: Child,
    /// The app's pid (the shell `exec`s it), and the X display and its cookie.
    pid: u32,
    display: String,
    xauthority: String,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn start(db: &Path) -> Running {
        for t in ["xvfb-run", "xwd", "xwininfo"] {
            require(t);
        }
        // The shell tells the display, the cookie and its pid, then becomes the app.
        let mut xvfb_run = Command::new("xvfb-run")
            .args([
                "-a",
                "-s",
                "-screen 0 1280x800x24 -nolisten tcp",
                "sh",
                "-c",
            ])
            .arg(r#"echo "smoke: $$ $DISPLAY $XAUTHORITY"; exec "$0" --db "$1""#)
            .arg(env!("CARGO_BIN_EXE_tauri-app"))
            .arg(db)
            // The app must not pick up a database from the environment.
            .env_remove("REPAIR_DESK_DB")
            // Software rendering: Xvfb has no GPU.
            .env("LIBGL_ALWAYS_SOFTWARE", "1")
            .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start xvfb-run");
        let out = xvfb_run.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut r = Running {
            xvfb_run,
            pid: 0,
            display: String::new(),
            xauthority: String::new(),
            lines,
            seen: vec![],
        };
        let hello = r.wait_for(|l| l.starts_with("smoke: "));
        let mut parts = hello["smoke: ".len()..].split(' ');
        r.pid = parts.next().unwrap().parse().expect("pid");
        r.display = parts.next().unwrap_or_default().to_string();
        r.xauthority = parts.next().unwrap_or_default().to_string();
        assert!(r.display.starts_with(':'), "no display: {hello}");
        r
    }

    /// Wait for a stdout line matching `want`; panic with what was seen.
    fn wait_for(&mut self, want: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    println!("app: {line}");
                    self.seen.push(line.clone());
                    if want(&line) {
                        return line;
                    }
                }
                Err(e) => panic!(
                    "no such line within {TIMEOUT:?} ({e:?}); the app printed: {:#?}",
                    self.seen
                ),
            }
        }
    }

    fn x(&self, tool: &str) -> Command {
        let mut c = Command::new(tool);
        c.env("DISPLAY", &self.display)
            .env("XAUTHORITY", &self.xauthority);
        c
    }

    /// The titles of the X windows on the display.
    fn window_titles(&self) -> String {
        let out = self
            .x("xwininfo")
            .args(["-root", "-tree"])
            .output()
            .expect("xwininfo");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Wait until a window titled `title` is on the display.
    fn wait_for_title(&self, title: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let tree = self.window_titles();
            if tree.contains(title) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "no window titled {title:?}; windows: {tree}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Save the whole screen as a PNG (after a moment for the paint).
    fn screenshot(&self, name: &str) -> PathBuf {
        std::thread::sleep(Duration::from_millis(500));
        let out = self
            .x("xwd")
            .args(["-root", "-silent"])
            .output()
            .expect("xwd");
        assert!(out.status.success(), "xwd failed");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        xwd_to_png(&out.stdout, &path);
        path
    }
}

impl Running {
    /// Ask the app to stop as the system does at shutdown (SIGTERM): it must
    /// close the device and exit 0, not die of the signal.
    fn stop_cleanly(&mut self) -> std::process::ExitStatus {
        let ok = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        self.wait_for(|l| l == "exit: clean");
        self.pid = 0;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(st) = self.xvfb_run.try_wait().unwrap() {
                return st;
            }
            assert!(
                Instant::now() < deadline,
                "the app did not end after exit: clean"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.pid != 0 {
            // The app ends; xvfb-run then stops its X server and exits.
            let _ = Command::new("kill").arg(self.pid.to_string()).status();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.xvfb_run.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.xvfb_run.kill();
        let _ = self.xvfb_run.wait();
    }
}

#[test]
fn a_standalone_device_shows_the_login_screen() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let (db, _device) = common::standalone_db(dir.path());
    let mut app = Running::start(&db);
    app.wait_for(|l| l == "screen: login");
    app.wait_for_title("Repair Desk · login");
    let shot = app.screenshot("tauri-login.png");
    println!("screenshot: {}", shot.display());
    // Asked to stop, it closes the device and exits 0 (xvfb-run passes the
    // app's status on); the database opens again afterwards.
    let status = app.stop_cleanly();
    assert!(status.success(), "the app ended with {status}");
    drop(app);
    branch_node::Node::open(&db).expect("the database opens after the app stopped");
}

#[test]
fn a_new_device_shows_enrollment() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("device.sqlite");
    let mut app = Running::start(&db);
    app.wait_for(|l| l == "screen: enroll");
    app.wait_for_title("Repair Desk · enroll");
    let shot = app.screenshot("tauri-enroll.png");
    println!("screenshot: {}", shot.display());
    assert!(!db.exists(), "showing the page created a database");
}

/// An X window dump (`xwd`, ZPixmap, 24/32 bits per pixel as Xvfb makes it)
/// to an RGB PNG.
fn xwd_to_png(xwd: &[u8], path: &Path) {
    let word = |i: usize| u32::from_be_bytes(xwd[i * 4..i * 4 + 4].try_into().unwrap());
    let header_size = word(0) as usize;
    assert_eq!(word(1), 7, "not an XWD version 7 dump");
    let (width, height) = (word(4) as usize, word(5) as usize);
    let lsb_first = word(7) == 0;
    let bits_per_pixel = word(11) as usize;
    let bytes_per_line = word(12) as usize;
    let masks = [word(14), word(15), word(16)];
    let ncolors = word(19) as usize;
    assert!(
        bits_per_pixel == 32 || bits_per_pixel == 24,
        "unexpected {bits_per_pixel} bits per pixel"
    );
    let data = &xwd[header_size + ncolors * 12..];
    let bpp = bits_per_pixel / 8;
    let mut rgb = Vec::with_capacity(width * height * 3);
    for y in 0..height {
        let row = &data[y * bytes_per_line..];
        for x in 0..width {
            let px = &row[x * bpp..x * bpp + bpp];
            let mut b = [0u8; 4];
            b[..bpp].copy_from_slice(px);
            let v = if lsb_first {
                u32::from_le_bytes(b)
            } else {
                u32::from_be_bytes(b) >> (8 * (4 - bpp))
            };
            for m in masks {
                rgb.push(((v & m) >> m.trailing_zeros()) as u8);
            }
        }
    }
    let file = std::fs::File::create(path).expect("create screenshot");
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), width as u32, height as u32);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header()
        .and_then(|mut w| w.write_image_data(&rgb))
        .expect("write screenshot");
}
