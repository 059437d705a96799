//! The outside programs some tests drive (chromium, psql, Python clients): under CI a
//! missing one fails the test; elsewhere the test passes and says so where cargo shows it.

use std::io::Write;

/// Whether this run is CI's. `CI=false` or `CI=0` (as some shells leave it) is not.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "false" | "0"))
}

/// Fails under CI; elsewhere writes a SKIPPED line for `test` that names the missing tool
/// and how to install it. Written to the process's stderr itself, not through `eprintln!`,
/// because libtest hides what a passing test prints.
pub fn skip(test: &str, missing: &str, install: &str) {
    assert!(
        !in_ci(),
        "CI needs {missing} for {test} (.ci/run installs it: {install})"
    );
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: {missing} is not installed ({install})"
    );
}
