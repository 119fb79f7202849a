//! What the browser tests share: Debian's Chromium (a test without it is
//! skipped with a message, or fails when `CI` is set), and the node driver
//! scripts' directory with its one dependency (playwright-core), installed
//! there on first use.

use std::path::{Path, PathBuf};
use std::process::Command;

pub const CHROMIUM: &str = "/usr/bin/chromium";

/// `tests/tests/dashboard`: the driver scripts and their `node_modules`.
pub fn driver_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/dashboard")
}

/// Whether `test` can run: Chromium is there, or CI insists (then its
/// absence is a failure).
pub fn available(test: &str) -> bool {
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    let present = Path::new(CHROMIUM).exists();
    if !present && !ci {
        eprintln!(
            "SKIPPED {test}: {CHROMIUM} is not installed \
             (apt-get install -y chromium); with CI=true this is a failure"
        );
        return false;
    }
    assert!(present, "CI is set but {CHROMIUM} is missing");
    true
}

/// Installs the drivers' dependencies from their lock file unless present.
pub fn npm_ci_if_needed(dir: &Path) {
    if dir.join("node_modules/playwright-core").exists() {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .status()
        .expect("running npm ci (node and npm installed?)");
    assert!(status.success(), "npm ci in {} failed", dir.display());
}
