//! The workspace and the revision of the code running, for `summary.json`
//! and the run store. The revision is the one this binary was built from
//! (`build.rs` reads it when compiling), not the checkout's at run time.

use std::path::{Path, PathBuf};

/// The workspace's root directory.
pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The revision of the code running, as `summary.json` names it: `git
/// rev-parse HEAD` when this binary was built, with `+changes.HASH` when the
/// tracked files differed from it, `HASH` being a hash of that difference (so
/// two builds with the same uncommitted changes name the same revision, and
/// others do not).
pub(crate) fn code_revision() -> String {
    env!("XTASK_CODE_REVISION").to_string()
}

/// The commit this binary was built from and whether the tracked files
/// differed from it (`None` where git could not tell).
pub(crate) fn git_revision() -> (String, Option<bool>) {
    let dirty = match env!("XTASK_GIT_DIRTY") {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    };
    (env!("XTASK_GIT_COMMIT").to_string(), dirty)
}

#[cfg(test)]
mod tests {
    use super::{code_revision, git_revision, workspace_root};
    use std::io::Write;
    use std::process::{Command, Stdio};

    /// `git ARGS` fed `input`; like build.rs, without rewriting the index
    /// (which would rerun build.rs at the next build).
    fn git(args: &[&str], input: &[u8]) -> Vec<u8> {
        let mut child = Command::new("git")
            .arg("--no-optional-locks")
            .arg("-C")
            .arg(workspace_root())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "git {args:?}");
        out.stdout
    }

    /// This test binary was built from the tree it runs in, so the revision
    /// `build.rs` baked in is the one git gives now, by a separate route:
    /// the commit, and the hash of the uncommitted changes if any.
    #[test]
    fn the_built_in_revision_is_the_trees_as_git_names_it() {
        let in_git = Command::new("git")
            .arg("-C")
            .arg(workspace_root())
            .args(["rev-parse", "HEAD"])
            .output()
            .is_ok_and(|o| o.status.success());
        if !in_git {
            assert_eq!(code_revision(), "unknown");
            return;
        }
        let head = String::from_utf8(git(&["rev-parse", "HEAD"], b"")).unwrap();
        let head = head.trim();
        let status = git(&["status", "--porcelain", "--untracked-files=no"], b"");
        let (commit, dirty) = git_revision();
        assert_eq!(commit, head);
        assert_eq!(dirty, Some(!status.is_empty()));
        let expected = if status.is_empty() {
            head.to_string()
        } else {
            let diff = git(&["diff", "HEAD", "--binary"], b"");
            let hash = String::from_utf8(git(&["hash-object", "--stdin"], &diff)).unwrap();
            format!("{head}+changes.{}", &hash.trim()[..16])
        };
        assert_eq!(code_revision(), expected);
    }
}
