//! The layers of docs/ARCHITECTURE.md, read from the source: every `crate::` and `super::`
//! path a module names, checked against what its layer may import, and no module reachable
//! from itself. A new import that breaks the layering fails here with the file and the path.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first, and the top-level modules in each. A module may import from
/// its own layer and the ones listed before it, except that `engine` and `charts` share a
/// level without knowing each other.
fn layer(top: &str) -> Option<(u8, &'static str)> {
    Some(match top {
        "error" | "labels" => (0, "base"),
        "engine" => (1, "engine"),
        "charts" => (1, "charts"),
        "figures" => (2, "figures"),
        "serve" => (3, "serve"),
        "bench" => (4, "bench"),
        "lib" => (5, "lib"),
        _ => return None,
    })
}

fn may_import(from: &str, to: &str) -> bool {
    let (Some((a, a_name)), Some((b, b_name))) = (layer(from), layer(to)) else {
        return false;
    };
    b < a || a_name == b_name || (a_name == "base" && b_name == "base")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/engine/import/mod.rs` → `engine::import`; `src/lib.rs` → `lib`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The code of a file without its comments, so a doc link is not an import.
fn code_of(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path after `prefix::` in `code`, with one level of `{a, b::c}` groups spread out.
fn paths_after(code: &str, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().last();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let head: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        let after = &rest[head.len()..];
        if head.ends_with("::") && after.starts_with('{') {
            let group = &after[1..after.find('}').unwrap_or(after.len())];
            for item in group.split(',') {
                let item = item.trim();
                if !item.is_empty() && !item.contains('{') {
                    out.push(format!("{head}{item}"));
                }
            }
        } else {
            out.push(head);
        }
    }
    out
}

struct Source {
    modules: BTreeSet<String>,
    /// Module → (module it names, the file that names it).
    edges: BTreeMap<String, BTreeSet<(String, String)>>,
}

fn read_source() -> Source {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let modules: BTreeSet<String> = files
        .iter()
        .map(|f| module_of(&src, f).join("::"))
        .collect();
    // The longest module a path starts with: `engine::queries::Library` → `engine::queries`.
    let resolve = |segments: &[String]| -> Option<String> {
        (1..=segments.len())
            .rev()
            .map(|k| segments[..k].join("::"))
            .find(|m| modules.contains(m))
    };
    let mut edges: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    for file in &files {
        let me = module_of(&src, file);
        if me == ["main"] || me == ["cli"] {
            continue; // the binary, above every layer
        }
        let code = code_of(&std::fs::read_to_string(file).unwrap());
        let name = file.strip_prefix(&src).unwrap().display().to_string();
        let mut named = Vec::new();
        for path in paths_after(&code, "crate::") {
            named.push(path.split("::").map(String::from).collect::<Vec<_>>());
        }
        // `super::` from a file is its parent module (a `mod.rs` is the module itself).
        let parent = &me[..me.len().saturating_sub(1)];
        for path in paths_after(&code, "super::") {
            let mut full: Vec<String> = parent.to_vec();
            full.extend(path.split("::").map(String::from));
            named.push(full);
        }
        for segments in named {
            if let Some(target) = resolve(&segments) {
                edges
                    .entry(me.join("::"))
                    .or_default()
                    .insert((target, name.clone()));
            }
        }
    }
    Source { modules, edges }
}

#[test]
fn every_import_goes_down_the_layers() {
    let source = read_source();
    let mut wrong = Vec::new();
    for (from, targets) in &source.edges {
        let top = from.split("::").next().unwrap_or_default();
        for (to, file) in targets {
            let target_top = to.split("::").next().unwrap_or_default();
            if top != target_top && !may_import(top, target_top) {
                wrong.push(format!("{file}: {from} imports {to}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against docs/ARCHITECTURE.md's layers:\n{}",
        wrong.join("\n")
    );
    // The test reads what it thinks it reads.
    assert!(source.modules.contains("engine::catalog"));
    assert!(source.modules.contains("serve::web::pages"));
    assert!(
        source.edges["figures::export"]
            .iter()
            .any(|(to, _)| to == "figures::render")
    );
}

#[test]
fn no_module_reaches_itself_through_its_imports() {
    let source = read_source();
    // A module and its own children are one room: `engine::import` declares
    // `engine::import::read`, and each may use the other.
    let related = |a: &str, b: &str| {
        a == b || a.starts_with(&format!("{b}::")) || b.starts_with(&format!("{a}::"))
    };
    let graph: BTreeMap<&str, Vec<&str>> = source
        .edges
        .iter()
        .map(|(from, targets)| {
            let to = targets
                .iter()
                .map(|(to, _)| to.as_str())
                .filter(|to| !related(from, to))
                .collect();
            (from.as_str(), to)
        })
        .collect();
    let mut cycles = Vec::new();
    for start in graph.keys() {
        // Depth-first from `start`, looking for a way back to it.
        let mut stack = vec![(*start, vec![*start])];
        let mut seen = BTreeSet::new();
        while let Some((at, trail)) = stack.pop() {
            for next in graph.get(at).into_iter().flatten() {
                if next == start {
                    cycles.push(format!("{} -> {start}", trail.join(" -> ")));
                } else if seen.insert(*next) {
                    let mut longer = trail.clone();
                    longer.push(next);
                    stack.push((next, longer));
                }
            }
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn every_module_says_what_it_owns() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let silent: Vec<String> = files
        .iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            // `charts/tests.rs` and generated tables open with their own kind of header.
            !text.trim_start().starts_with("//!")
        })
        .map(|f| f.strip_prefix(&src).unwrap().display().to_string())
        .collect();
    assert!(silent.is_empty(), "modules without a //! line: {silent:?}");
}

#[test]
fn the_layer_rule_itself() {
    assert!(may_import("figures", "engine"));
    assert!(may_import("figures", "charts"));
    assert!(may_import("charts", "labels"));
    assert!(!may_import("engine", "charts"));
    assert!(!may_import("charts", "engine"));
    assert!(!may_import("engine", "figures"));
    assert!(!may_import("figures", "serve"));
    assert!(!may_import("labels", "engine"));
    assert!(may_import("serve", "figures"));
    assert!(!may_import("nowhere", "engine"));
    let found = paths_after(
        "use crate::engine::{self, Engine};\nx = acrate::no; crate::labels::escape(s)",
        "crate::",
    );
    assert_eq!(found, ["engine::self", "engine::Engine", "labels::escape"]);
}
