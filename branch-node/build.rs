//! Builds the web UI (`../ui`, TypeScript) into this crate, so that the
//! binary serves exactly the UI it was built with and a fresh checkout needs
//! no separate front-end step: `npm ci` (first time only) and `tsc`, then
//! every file of `ui/static` and the compiled `ui/src` is embedded.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let ui = manifest.parent().unwrap().join("ui");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("ui");
    for p in [
        "src",
        "static",
        "package.json",
        "package-lock.json",
        "tsconfig.json",
    ] {
        println!("cargo:rerun-if-changed={}", ui.join(p).display());
    }
    let tsc = ui.join("node_modules/typescript/bin/tsc");
    if !tsc.exists() {
        run(
            Command::new(npm())
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&ui),
            "npm ci (the web UI's build tools)",
        );
    }
    let _ = std::fs::remove_dir_all(&out);
    run(
        Command::new("node")
            .arg(&tsc)
            .args(["-p", "tsconfig.json", "--outDir"])
            .arg(&out)
            .current_dir(&ui),
        "tsc (the web UI)",
    );
    copy_dir(&ui.join("static"), &out);

    let mut files = vec![];
    collect(&out, &mut files);
    files.sort();
    let mut src = String::from(
        "/// (path under /ui/, content type, bytes)\npub static ASSETS: &[(&str, &str, &[u8])] = &[\n",
    );
    for f in &files {
        let rel = f
            .strip_prefix(&out)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let ty = match f.extension().and_then(|e| e.to_str()) {
            Some("js") => "text/javascript; charset=utf-8",
            Some("css") => "text/css; charset=utf-8",
            Some("html") => "text/html; charset=utf-8",
            Some("svg") => "image/svg+xml",
            Some("png") => "image/png",
            _ => "application/octet-stream",
        };
        src.push_str(&format!(
            "    ({rel:?}, {ty:?}, include_bytes!({:?})),\n",
            f.display().to_string()
        ));
    }
    src.push_str("];\n");
    std::fs::write(
        PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("ui_assets.rs"),
        src,
    )
    .unwrap();
}

fn npm() -> &'static str {
    if cfg!(windows) { "npm.cmd" } else { "npm" }
}

fn run(cmd: &mut Command, what: &str) {
    match cmd.status() {
        Ok(s) if s.success() => {}
        Ok(s) => panic!("{what} failed ({s}); see the output above"),
        Err(e) => panic!(
            "{what} could not start: {e}. The web UI needs Node.js and npm: run scripts/system-packages (Debian) or install Node.js 20+"
        ),
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            collect(&p, files);
        } else {
            files.push(p);
        }
    }
}
