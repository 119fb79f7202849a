//! The aggregator's storeys (see the crate docs): a module imports only from
//! its own storey and those below, so an inspection's path from the topic to
//! the query API never turns back. This reads the sources and fails on any
//! `crate::` path that climbs.

use std::path::{Path, PathBuf};

/// Top-level modules, lowest storey first; equal numbers share a storey.
const STOREYS: &[(&str, u32)] = &[
    ("reflist", 0),
    ("ids", 1),
    ("windows", 2),
    ("detect", 3),
    ("protection", 3),
    ("triage", 3),
    ("partition", 4),
    ("store", 5),
    ("statistics", 5),
    ("liaison", 5),
    ("metrics", 6),
    ("error", 6),
    ("stream", 7),
    ("access", 8),
    ("grpc", 9),
    ("http_api", 10),
    ("dashboard", 11),
    ("config", 12),
];

fn storey(module: &str) -> Option<u32> {
    STOREYS.iter().find(|(m, _)| *m == module).map(|(_, s)| *s)
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_module_imports_from_a_storey_above_its_own() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut checked = 0;
    let mut climbs = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        let top = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        if matches!(top.as_str(), "lib" | "main" | "bin") {
            continue;
        }
        let own = storey(&top).unwrap_or_else(|| {
            panic!(
                "{top} (in {}) has no storey: add it to STOREYS",
                relative.display()
            )
        });
        checked += 1;
        let text = std::fs::read_to_string(file).unwrap();
        for (at, _) in text.match_indices("crate::") {
            let used: String = text[at + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if let Some(theirs) = storey(&used)
                && theirs > own
            {
                climbs.push(format!("{} uses crate::{used}", relative.display()));
            }
        }
    }
    assert!(
        checked > 50,
        "only {checked} files read from {}",
        src.display()
    );
    assert!(
        climbs.is_empty(),
        "imports that climb a storey: {climbs:#?}"
    );
}
