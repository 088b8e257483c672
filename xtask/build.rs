//! Names the revision this binary is built from, for `summary.json` and the
//! run store: `git rev-parse HEAD` of the workspace when it is compiled, with
//! `+changes.HASH` when the tracked files differ from it (`HASH`: the first
//! 16 hex digits of `git hash-object` of `git diff HEAD --binary`, so two
//! builds with the same uncommitted changes name the same revision).
//!
//! Read when the binary is built, not when it runs: a binary kept across a
//! `git pull` or a commit still names the code it was compiled from. The
//! script reruns when HEAD, a branch or any tracked file changes, so xtask
//! recompiles after every commit (about 1.5 minutes in release). Not when
//! only the index changes: `git status` may rewrite it, and a file merely
//! staged, not yet used by any tracked file, changes no code.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest)
        .parent()
        .expect("xtask lives inside the workspace");
    println!("cargo:rerun-if-changed=build.rs");

    let commit = text(git(root, &["rev-parse", "HEAD"], None));
    let (revision, dirty) = match &commit {
        Some(commit) => {
            watch(root);
            let status = git(
                root,
                &["status", "--porcelain", "--untracked-files=no"],
                None,
            );
            match status.map(|s| !s.is_empty()) {
                Some(true) => {
                    // Where git cannot give the diff or its hash, say so
                    // rather than hash nothing into a label that looks real.
                    let hash = git(root, &["diff", "HEAD", "--binary"], None)
                        .and_then(|diff| text(git(root, &["hash-object", "--stdin"], Some(&diff))))
                        .filter(|hash| hash.len() >= 16)
                        .map_or_else(|| "unknown".to_string(), |hash| hash[..16].to_string());
                    (format!("{commit}+changes.{hash}"), "true")
                }
                Some(false) => (commit.clone(), "false"),
                None => (commit.clone(), "unknown"),
            }
        }
        None => ("unknown".to_string(), "unknown"),
    };
    println!(
        "cargo:rustc-env=XTASK_GIT_COMMIT={}",
        commit.as_deref().unwrap_or("unknown")
    );
    println!("cargo:rustc-env=XTASK_GIT_DIRTY={dirty}");
    println!("cargo:rustc-env=XTASK_CODE_REVISION={revision}");
}

/// Asks cargo to rerun this script when the revision or the tree may have
/// changed: HEAD, the branches, and every tracked file (not the directories,
/// whose untracked build products would rerun it for nothing).
fn watch(root: &Path) {
    for (flag, names) in [
        ("--git-dir", &["HEAD"][..]),
        ("--git-common-dir", &["refs/heads", "packed-refs"][..]),
    ] {
        let Some(dir) = text(git(root, &["rev-parse", flag], None)) else {
            continue;
        };
        let dir = root.join(dir);
        for name in names {
            // A path that does not exist would rerun the script every time.
            if dir.join(name).exists() {
                println!("cargo:rerun-if-changed={}", dir.join(name).display());
            }
        }
    }
    let files = git(root, &["ls-files", "-z"], None).unwrap_or_default();
    for file in files.split(|&b| b == 0).filter(|f| !f.is_empty()) {
        let file = String::from_utf8_lossy(file);
        println!("cargo:rerun-if-changed={}", root.join(&*file).display());
    }
}

/// The output of `git ARGS` in the workspace (fed `input`), if git ran and
/// succeeded. `--no-optional-locks` keeps `git status` from rewriting the
/// index, which would rerun this script at every build.
fn git(root: &Path, args: &[&str], input: Option<&[u8]>) -> Option<Vec<u8>> {
    let mut child = Command::new("git")
        .arg("--no-optional-locks")
        .arg("-C")
        .arg(root)
        .args(args)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    if let Some(bytes) = input {
        child.stdin.take()?.write_all(bytes).ok()?;
    }
    let out = child.wait_with_output().ok()?;
    out.status.success().then_some(out.stdout)
}

/// Git's one-line answer, trimmed.
fn text(out: Option<Vec<u8>>) -> Option<String> {
    out.map(|o| String::from_utf8_lossy(&o).trim().to_string())
}
