//! Embeds the files of queries/ and dashboards/ in the binary, so `yanhuo` runs from any
//! folder with no set-up; a `--queries` folder given at run time still takes precedence.

use std::fs;
use std::path::Path;

/// The clone being built, read when the script runs: `env!` would bake in the folder the
/// script was first compiled in, and a second clone sharing the target folder would then
/// embed the first clone's queries.
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(Into::into)
        .unwrap_or_default()
}

fn embed(dir: &str, ext: &str, out: &mut String, name: &str) {
    let root = manifest_dir().join(dir);
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files: Vec<_> = fs::read_dir(&root)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p: &std::path::PathBuf| p.extension().is_some_and(|e| e == ext));
    files.sort();
    out.push_str(&format!("pub const {name}: &[(&str, &str)] = &[\n"));
    for path in files {
        println!("cargo:rerun-if-changed={}", path.display());
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        out.push_str(&format!(
            "    ({stem:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    out.push_str("];\n");
}

/// A short FNV-1a digest of files, for the content-hashed addresses of assets: a browser
/// keeps them for good, and a changed file gets a new address.
fn digest(env: &str, files: &[&str]) {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for file in files {
        let path = manifest_dir().join(file);
        println!("cargo:rerun-if-changed={}", path.display());
        for byte in fs::read(&path).unwrap_or_default() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    println!("cargo:rustc-env={env}={:012x}", hash >> 16);
}

fn main() {
    digest(
        "YANHUO_STYLE_HASH",
        &["assets/fonts/slices.css", "assets/style.css"],
    );
    digest("YANHUO_EDITOR_HASH", &["assets/vendor/sql-editor.min.js"]);
    digest("YANHUO_CONSOLE_HASH", &["assets/sql-console.js"]);
    let mut out = String::new();
    embed("queries", "sql", &mut out, "QUERIES");
    embed("dashboards", "toml", &mut out, "DASHBOARDS");
    let dest =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded.rs");
    fs::write(dest, out).expect("OUT_DIR is writable");
}
