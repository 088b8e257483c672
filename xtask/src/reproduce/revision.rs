//! The workspace and the revision of the code running, for `summary.json`
//! and the run store.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace's root directory.
pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The revision of the code running, as `summary.json` names it: `git
/// rev-parse HEAD`, with `+changes.HASH` when the tracked files differ from
/// it, `HASH` being a hash of that difference (so two runs with the same
/// uncommitted changes name the same revision, and others do not).
pub(crate) fn code_revision() -> String {
    match git_revision() {
        (revision, Some(true)) => {
            let diff = git(&["diff", "HEAD", "--binary"]).unwrap_or_default();
            format!(
                "{revision}+changes.{:016x}",
                experiments::hash::fnv1a(&diff)
            )
        }
        (revision, _) => revision,
    }
}

/// `git rev-parse HEAD` of the workspace and whether the tree has changes.
pub(crate) fn git_revision() -> (String, Option<bool>) {
    let revision = git(&["rev-parse", "HEAD"])
        .map(|out| String::from_utf8_lossy(&out).trim().to_string())
        .unwrap_or_else(|| "unknown".to_string());
    let dirty = git(&["status", "--porcelain", "--untracked-files=no"]).map(|out| !out.is_empty());
    (revision, dirty)
}

/// The output of `git ARGS` in the workspace, if it ran and succeeded.
fn git(args: &[&str]) -> Option<Vec<u8>> {
    Command::new("git")
        .arg("-C")
        .arg(workspace_root())
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| o.stdout)
}
