//! Whole `fig18` runs on a small scenario: the numbers do not depend on the
//! number of threads, and a run stopped after some analyses and resumed
//! from its checkpoint ends with exactly the numbers of an uninterrupted one.

use std::fs;
use std::path::{Path, PathBuf};

use xtask::reproduce::{self, Error, Request};

/// The quick scenario cut to 6 members and 4 analyses (a few seconds).
fn scenario(dir: &Path) -> PathBuf {
    let text = validation::dipole_experiment::QUICK
        .replacen("members = 12", "members = 6", 1)
        .replacen("analyses = 10", "analyses = 4", 1);
    assert!(text.contains("members = 6") && text.contains("analyses = 4"));
    let path = dir.join("small.toml");
    fs::write(&path, text).unwrap();
    path
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-fig18-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn request(out_dir: PathBuf, config: PathBuf) -> Request {
    Request {
        quick: true,
        seed: 11,
        out_dir,
        config: Some(config),
        resume: false,
        stop_after: None,
    }
}

/// The CSV and the summary's key numbers of a finished run.
fn results(out: &Path) -> (String, serde_json::Value) {
    let dir = out.join("fig18");
    let csv = fs::read_to_string(dir.join("fig18.csv")).unwrap();
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    (csv, summary["key_numbers"].clone())
}

fn run_in_pool(threads: usize, request: &Request) {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(|| reproduce::run(&["fig18".into()], request))
        .unwrap();
}

#[test]
fn one_and_two_threads_and_a_resumed_run_give_the_same_numbers() {
    let root = scratch("same");
    let config = scenario(&root);

    let two = request(root.join("two"), config.clone());
    run_in_pool(2, &two);
    let (csv, key) = results(&two.out_dir);
    assert_eq!(key["complete"], true);
    assert_eq!(key["free_run_error"].as_array().unwrap().len(), 4);
    assert_eq!(
        csv.lines().count(),
        1 + 3 + 4 * 5,
        "header, 3 priors, 5 rows per window"
    );
    assert!(
        !two.out_dir.join("fig18/checkpoint").exists(),
        "a finished run removes its checkpoint"
    );

    let one = request(root.join("one"), config.clone());
    run_in_pool(1, &one);
    assert_eq!(
        results(&one.out_dir),
        (csv.clone(), key.clone()),
        "1 vs 2 threads"
    );

    // Stopped after 1, then after 3 analyses, then finished.
    let split = request(root.join("split"), config);
    run_in_pool(
        2,
        &Request {
            stop_after: Some(1),
            ..split.clone()
        },
    );
    let (_, partial) = results(&split.out_dir);
    assert_eq!(partial["complete"], false);
    assert_eq!(partial["completed_analyses"], 1);
    assert!(split.out_dir.join("fig18/checkpoint/latest.json").is_file());
    run_in_pool(
        2,
        &Request {
            resume: true,
            stop_after: Some(3),
            ..split.clone()
        },
    );
    assert_eq!(results(&split.out_dir).1["completed_analyses"], 3);
    run_in_pool(
        2,
        &Request {
            resume: true,
            ..split.clone()
        },
    );
    assert_eq!(
        results(&split.out_dir),
        (csv, key),
        "resumed vs uninterrupted"
    );
    fs::remove_dir_all(&root).unwrap();
}

#[test]
fn resuming_needs_a_checkpoint_of_the_same_scenario() {
    let root = scratch("refused");
    let config = scenario(&root);
    let base = request(root.join("out"), config.clone());

    let err = reproduce::run(
        &["fig18".into()],
        &Request {
            resume: true,
            ..base.clone()
        },
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::Checkpoint { .. }) && err.to_string().contains("no checkpoint"),
        "{err}"
    );

    reproduce::run(
        &["fig18".into()],
        &Request {
            stop_after: Some(1),
            ..base.clone()
        },
    )
    .unwrap();
    let other = Request {
        seed: 12,
        resume: true,
        ..base.clone()
    };
    let err = reproduce::run(&["fig18".into()], &other).unwrap_err();
    assert!(
        err.to_string().contains("another scenario or seed"),
        "{err}"
    );

    let err = reproduce::run(
        &["fig14".into()],
        &Request {
            resume: true,
            ..base.clone()
        },
    )
    .unwrap_err();
    assert!(matches!(err, Error::Usage(_)), "{err}");
    let err = reproduce::run(
        &["fig18".into()],
        &Request {
            stop_after: Some(0),
            ..base
        },
    )
    .unwrap_err();
    assert!(matches!(err, Error::Usage(_)), "{err}");
    fs::remove_dir_all(&root).unwrap();
}
