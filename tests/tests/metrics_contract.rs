//! The deploy configs against the telemetry contract: every `borderflow_*`
//! metric that an alert rule or a Grafana dashboard queries must be one the
//! services export. The contract is the set of metric-name constants in the
//! services' `metrics.rs` files, read as text so that this test needs no
//! running service, no broker and no network.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Files whose constants define the exported metrics.
const CONTRACT_SOURCES: &[&str] = &[
    "services/ingest/src/metrics.rs",
    "services/aggregator/src/metrics.rs",
    "services/aggregator/src/metrics/triage.rs",
];

/// The series a Prometheus histogram `name` is exported as; there is no
/// series under the bare name.
const HISTOGRAM_SUFFIXES: &[&str] = &["_bucket", "_sum", "_count"];

const PREFIX: &str = "borderflow_";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("benches sits inside the workspace")
        .to_path_buf()
}

/// The exported metrics: name → whether it is a histogram.
#[derive(Debug, Default)]
struct Contract {
    metrics: BTreeMap<String, bool>,
}

impl Contract {
    fn load(root: &Path) -> Self {
        let mut contract = Self::default();
        for source in CONTRACT_SOURCES {
            let path = root.join(source);
            let text = fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
            contract.add_source(&text);
        }
        contract
    }

    /// Takes every `const NAME: &str = "borderflow_…";` and marks those
    /// registered with `describe_histogram!(NAME, …)` as histograms.
    fn add_source(&mut self, text: &str) {
        let mut constants = BTreeMap::new();
        for line in text.lines() {
            let line = line.trim();
            let Some(rest) = line
                .strip_prefix("pub const ")
                .or_else(|| line.strip_prefix("const "))
            else {
                continue;
            };
            let Some((ident, value)) = rest.split_once(": &str = \"") else {
                continue;
            };
            let Some(value) = value.strip_suffix("\";") else {
                continue;
            };
            if value.starts_with(PREFIX) {
                constants.insert(ident.trim().to_owned(), value.to_owned());
            }
        }
        let histograms: BTreeSet<&str> = text
            .split("describe_histogram!(")
            .skip(1)
            .filter_map(|call| {
                let arg = call.trim_start();
                let end = arg.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
                Some(&arg[..end])
            })
            .collect();
        for (ident, name) in constants {
            let histogram = histograms.contains(ident.as_str());
            self.metrics.insert(name, histogram);
        }
    }

    /// Whether a series name found in a query is exported: a counter or
    /// gauge by its name, a histogram by its `_bucket`/`_sum`/`_count`
    /// series (a query on the bare histogram name finds nothing).
    fn exports(&self, series: &str) -> bool {
        if let Some(&histogram) = self.metrics.get(series) {
            return !histogram;
        }
        HISTOGRAM_SUFFIXES.iter().any(|suffix| {
            series
                .strip_suffix(suffix)
                .and_then(|base| self.metrics.get(base))
                .copied()
                .unwrap_or(false)
        })
    }
}

/// Every `borderflow_[a-z0-9_]+` identifier in `text` that stands on its
/// own: not part of a longer identifier, and not a component of a
/// `level:metric:op` recording-rule name (those are checked via their
/// expressions, not their names).
fn referenced_series(text: &str) -> BTreeSet<String> {
    let bytes = text.as_bytes();
    let ident = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_';
    let mut found = BTreeSet::new();
    let mut from = 0;
    while let Some(offset) = text[from..].find(PREFIX) {
        let start = from + offset;
        let mut end = start + PREFIX.len();
        while end < bytes.len() && ident(bytes[end]) {
            end += 1;
        }
        from = end;
        let before = start.checked_sub(1).map(|i| bytes[i]);
        let glued_before = before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
        let recording_rule = before == Some(b':') || bytes.get(end) == Some(&b':');
        if glued_before || recording_rule || end == start + PREFIX.len() {
            continue;
        }
        found.insert(text[start..end].to_owned());
    }
    found
}

/// Files in `dir` whose name satisfies `keep`, sorted.
fn files(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("listing {}: {e}", dir.display()))
        .map(|entry| entry.expect("reading a directory entry").path())
        .filter(|path| {
            path.is_file() && path.file_name().and_then(|n| n.to_str()).is_some_and(&keep)
        })
        .collect();
    files.sort();
    files
}

fn deploy_files(root: &Path) -> Vec<PathBuf> {
    let prometheus = root.join("deploy/prometheus");
    let dashboards = root.join("deploy/grafana/dashboards");
    let mut all = files(&prometheus, |n| {
        n.contains("rules") && (n.ends_with(".yml") || n.ends_with(".yaml"))
    });
    all.extend(files(&dashboards, |n| n.ends_with(".json")));
    all
}

#[test]
fn contract_parses_both_services() {
    let contract = Contract::load(&workspace_root());
    for (name, histogram) in [
        ("borderflow_ingest_kafka_up", false),
        ("borderflow_ingest_ack_latency_seconds", true),
        ("borderflow_anomalies_total", false),
        ("borderflow_crossing_queue_wait_seconds", true),
        ("borderflow_aggregator_consumer_lag_records", false),
    ] {
        assert_eq!(
            contract.metrics.get(name),
            Some(&histogram),
            "{name} in the contract (histogram = {histogram})"
        );
    }
    assert!(contract.exports("borderflow_crossing_queue_wait_seconds_bucket"));
    assert!(contract.exports("borderflow_ingest_ack_latency_seconds_count"));
    assert!(!contract.exports("borderflow_crossing_queue_wait_seconds"));
    assert!(!contract.exports("borderflow_ingest_kafka_up_bucket"));
    assert!(!contract.exports("borderflow_anomalies"));
}

#[test]
fn extraction_skips_recording_rule_parts_and_longer_identifiers() {
    let text = r#"expr: sum(rate(borderflow_anomalies_total{kind="x"}[5m]))
      record: crossing:borderflow_anomalies_total:rate5m
      uid: not_borderflow_a, "borderflow_crossing_queue_wait_seconds_bucket""#;
    let found: Vec<String> = referenced_series(text).into_iter().collect();
    assert_eq!(
        found,
        [
            "borderflow_anomalies_total",
            "borderflow_crossing_queue_wait_seconds_bucket"
        ]
    );
}

#[test]
fn deploy_configs_reference_only_exported_metrics() {
    let root = workspace_root();
    let contract = Contract::load(&root);
    let files = deploy_files(&root);
    let names: Vec<String> = files
        .iter()
        .map(|f| f.strip_prefix(&root).unwrap_or(f).display().to_string())
        .collect();
    assert!(
        names.iter().any(|n| n.starts_with("deploy/prometheus/")),
        "no alerting rules found in deploy/prometheus: {names:?}"
    );
    assert!(
        names.iter().any(|n| n.starts_with("deploy/grafana/")),
        "no dashboards found in deploy/grafana/dashboards: {names:?}"
    );

    let mut unknown = Vec::new();
    for (file, name) in files.iter().zip(&names) {
        let text = fs::read_to_string(file).unwrap_or_else(|e| panic!("reading {name}: {e}"));
        let series = referenced_series(&text);
        assert!(!series.is_empty(), "{name} references no borderflow metric");
        unknown.extend(
            series
                .into_iter()
                .filter(|s| !contract.exports(s))
                .map(|s| format!("{name}: {s}")),
        );
    }
    assert!(
        unknown.is_empty(),
        "metrics referenced in deploy/ but not exported by any service:\n  {}\nexported: {:?}",
        unknown.join("\n  "),
        contract.metrics.keys().collect::<Vec<_>>()
    );
}
