//! Whole `fig18` runs on a small scenario: the numbers do not depend on the
//! number of threads, and a run stopped after some analyses and resumed
//! from its checkpoint ends with exactly the numbers of an uninterrupted one.
//! The same for a parameter sweep (`fig19`), stopped inside a value's run
//! and between runs.

use std::fs;
use std::path::{Path, PathBuf};

use xtask::reproduce::{self, Error, Request};

mod common;

/// The quick scenario cut to 6 members and 4 analyses (a few seconds).
fn scenario(dir: &Path) -> PathBuf {
    small_scenario(dir, 6, 4)
}

/// The quick scenario cut to `members` and `analyses`.
fn small_scenario(dir: &Path, members: usize, analyses: usize) -> PathBuf {
    let text = experiments::dipole::QUICK
        .replacen("members = 12", &format!("members = {members}"), 1)
        .replacen("analyses = 10", &format!("analyses = {analyses}"), 1);
    assert!(
        text.contains(&format!("members = {members}"))
            && text.contains(&format!("analyses = {analyses}"))
    );
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
        seeds: 1,
        out_dir,
        config: Some(config),
        resume: false,
        stop_after: None,
    }
}

/// The CSV and the summary's key numbers of a finished `fig18` run.
fn results(out: &Path) -> (String, serde_json::Value) {
    figure_results(out, "fig18")
}

/// The CSV and the summary's key numbers of figure `id`.
fn figure_results(out: &Path, id: &str) -> (String, serde_json::Value) {
    let dir = out.join(id);
    let csv = fs::read_to_string(dir.join(format!("{id}.csv"))).unwrap();
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    (csv, summary["key_numbers"].clone())
}

fn run_in_pool(threads: usize, request: &Request) {
    run_figure(threads, "fig18", request);
}

fn run_figure(threads: usize, id: &str, request: &Request) {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(|| reproduce::run(&[id.into()], request))
        .unwrap();
}

/// `id` run on 2 threads as `request` says, with `resume` and `stop_after`.
fn run_stage(id: &str, request: &Request, resume: bool, stop_after: Option<usize>) {
    let stage = Request {
        resume,
        stop_after,
        ..request.clone()
    };
    run_figure(2, id, &stage);
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
        1 + 3 + 4 * (5 + 3 * 4),
        "header, 3 priors, per window 5 rows at the analysis and 4 within it per ensemble \
         (output_interval = 0.2)"
    );
    // Each window after the first opens at the analysis before it and
    // closes at the forecast after it; the peak includes the measurements
    // within it.
    for filter in ["remesh_enkf", "part_enkf"] {
        let windows = key["error_through_windows"][filter].as_array().unwrap();
        let forecast = key[filter]["forecast_error"].as_array().unwrap();
        let analysis = key[filter]["analysis_error"].as_array().unwrap();
        assert_eq!(windows.len(), 3);
        for (k, w) in windows.iter().enumerate() {
            assert_eq!(w["opening"], analysis[k]);
            assert_eq!(w["closing"], forecast[k + 1]);
            let (open, close) = (
                w["opening"].as_f64().unwrap(),
                w["closing"].as_f64().unwrap(),
            );
            assert_eq!(w["closing_over_opening"].as_f64().unwrap(), close / open);
            assert!(w["peak_over_opening"].as_f64().unwrap() >= close.max(open) / open);
        }
    }
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
        matches!(
            err,
            Error::Experiment(experiments::Error::Checkpoint { .. })
        ) && err.to_string().contains("no checkpoint"),
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

#[test]
fn a_sweep_stopped_inside_and_between_runs_resumes_to_the_same_numbers() {
    let root = scratch("sweep");
    // fig19 --quick sweeps two values: two runs of 3 windows each.
    let config = small_scenario(&root, 4, 3);
    let whole = request(root.join("whole"), config.clone());
    run_figure(2, "fig19", &whole);
    let (csv, key) = figure_results(&whole.out_dir, "fig19");
    assert_eq!(key["complete"], true);
    assert_eq!(
        csv.lines().count(),
        1 + 2 * 2 * 4,
        "values x filters x members"
    );
    assert!(whole.out_dir.join("fig19/runs/run-01.json").is_file());
    assert!(!whole.out_dir.join("fig19/checkpoint").exists());

    let split = request(root.join("split"), config);
    let err = reproduce::run(
        &["fig19".into()],
        &Request {
            resume: true,
            ..split.clone()
        },
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("nothing") || err.to_string().contains("no finished run"),
        "{err}"
    );

    // Inside the first run, then inside the second, then to the end.
    for (resume, stop_after, finished) in [(false, Some(2), 0), (true, Some(4), 1), (true, None, 2)]
    {
        run_stage("fig19", &split, resume, stop_after);
        let (partial_csv, partial) = figure_results(&split.out_dir, "fig19");
        assert_eq!(partial["complete"], finished == 2);
        assert_eq!(partial_csv.lines().count(), 1 + finished * 2 * 4);
        let dir = split.out_dir.join("fig19");
        for run in 0..2 {
            let kept = dir.join(format!("runs/run-{run:02}.json")).is_file();
            let checkpoint = dir.join(format!("checkpoint/run-{run:02}/latest.json"));
            assert_eq!(kept, run < finished, "run {run} after {stop_after:?}");
            assert_eq!(checkpoint.is_file(), run == finished && finished < 2);
        }
    }
    assert_eq!(
        figure_results(&split.out_dir, "fig19"),
        (csv.clone(), key.clone()),
        "resumed vs uninterrupted sweep"
    );
    // Every run names the code that computed it: here one revision, the
    // summary's own (the tree may carry uncommitted changes).
    let summary: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(split.out_dir.join("fig19/summary.json")).unwrap(),
    )
    .unwrap();
    let revision = summary["git_revision"].as_str().unwrap();
    for run in summary["parameters"]["runs"].as_array().unwrap() {
        let revisions = run["revisions"].as_array().unwrap();
        assert_eq!(revisions.len(), 1, "{run}");
        assert!(revisions[0].as_str().unwrap().starts_with(revision));
    }

    // fig18 keeps its finished runs per filter; the sweep finds those of
    // its paper value (sigma_obs = 0.05, the scenario's own) and reuses
    // them, with the numbers of the sweep computed from scratch above.
    let reuse = request(root.join("reuse"), whole.config.clone().unwrap());
    run_figure(2, "fig18", &reuse);
    let stored = fs::read_dir(reuse.out_dir.join("dipole-runs")).unwrap();
    assert_eq!(stored.count(), 3, "one file per filter of fig18");
    let reused_filters = |out: &Path| -> Vec<Vec<String>> {
        let summary: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(out.join("fig19/summary.json")).unwrap())
                .unwrap();
        summary["parameters"]["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|run| {
                let names = run["reused_from_run_store"].as_array().unwrap();
                names
                    .iter()
                    .map(|n| n.as_str().unwrap().to_string())
                    .collect()
            })
            .collect()
    };
    let both = vec!["remesh_enkf".to_string(), "part_enkf".to_string()];
    run_figure(2, "fig19", &reuse);
    assert_eq!(reused_filters(&reuse.out_dir), vec![vec![], both.clone()]);
    assert_eq!(
        figure_results(&reuse.out_dir, "fig19"),
        (csv.clone(), key.clone()),
        "reused vs computed"
    );
    // Run again, every value is in the store now: nothing is recomputed.
    run_figure(2, "fig19", &reuse);
    assert_eq!(reused_filters(&reuse.out_dir), vec![both.clone(), both]);
    assert_eq!(figure_results(&reuse.out_dir, "fig19"), (csv, key));
    fs::remove_dir_all(&root).unwrap();
}

/// `--seeds 2`: the second seed's rows are those of a run with that seed
/// alone, the summary's means and order are those of the pooled members
/// (fitted here by hand), the interval holds the order, a run stopped in
/// the second seed resumes to the same numbers, and `--seeds` is refused
/// for a figure that is not a sweep.
#[test]
fn a_sweep_over_two_seeds_pools_their_members_and_resumes() {
    let root = scratch("seeds");
    let config = small_scenario(&root, 4, 3);
    let two = Request {
        seeds: 2,
        ..request(root.join("two"), config.clone())
    };
    run_figure(2, "fig19", &two);
    let (csv, key) = figure_results(&two.out_dir, "fig19");
    assert_eq!(key["complete"], true);
    assert_eq!(key["seeds"], serde_json::json!([11, 12]));
    assert_eq!(
        csv.lines().count(),
        1 + 2 * 2 * 2 * 4,
        "seeds x values x filters x members"
    );

    let twelve = Request {
        seed: 12,
        ..request(root.join("twelve"), config.clone())
    };
    run_figure(2, "fig19", &twelve);
    let (alone, _) = figure_results(&twelve.out_dir, "fig19");
    let seed_rows = |csv: &str, seed: &str| -> Vec<String> {
        csv.lines()
            .skip(1)
            .filter(|l| l.split(',').next() == Some(seed))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(seed_rows(&csv, "12"), seed_rows(&alone, "12"));
    assert_eq!(seed_rows(&alone, "12").len(), 2 * 2 * 4);

    // Means over both seeds' members and the least-squares order, from the
    // CSV (seed, sigma_obs, filter, member, final_analysis_error, …).
    for filter in ["remesh_enkf", "part_enkf"] {
        let mut by_value: Vec<(f64, Vec<f64>)> = Vec::new();
        for line in csv.lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            if cells[2] != filter {
                continue;
            }
            let (value, error): (f64, f64) = (cells[1].parse().unwrap(), cells[4].parse().unwrap());
            match by_value.iter_mut().find(|(v, _)| *v == value) {
                Some((_, errors)) => errors.push(error),
                None => by_value.push((value, vec![error])),
            }
        }
        let means: Vec<f64> = by_value
            .iter()
            .map(|(_, e)| e.iter().sum::<f64>() / e.len() as f64)
            .collect();
        let entry = &key[filter];
        for (m, got) in means.iter().zip(entry["e_omega"].as_array().unwrap()) {
            assert!(
                (m - got.as_f64().unwrap()).abs() <= 1e-12 * m,
                "{filter}: {m} vs {got}"
            );
        }
        // Two values: the order is minus the slope through the two points.
        let (x0, x1) = (by_value[0].0.powi(-2), by_value[1].0.powi(-2));
        let slope = (means[1].ln() - means[0].ln()) / (x1.ln() - x0.ln());
        let order = entry["fitted_order"].as_f64().unwrap();
        assert!(
            (order + slope).abs() < 1e-9,
            "{filter}: {order} vs {}",
            -slope
        );
        let interval = entry["order_interval_90"].as_array().unwrap();
        let (lo, hi) = (interval[0].as_f64().unwrap(), interval[1].as_f64().unwrap());
        assert!(
            lo <= order && order <= hi,
            "{filter}: {order} outside [{lo}, {hi}]"
        );
        assert_eq!(entry["orders_by_seed"].as_array().unwrap().len(), 2);
    }

    // Stopped inside the second seed's first run (each run is 3 windows).
    let split = Request {
        seeds: 2,
        ..request(root.join("split"), config)
    };
    for (resume, stop_after) in [(false, Some(7)), (true, None)] {
        run_stage("fig19", &split, resume, stop_after);
    }
    assert_eq!(figure_results(&split.out_dir, "fig19"), (csv, key));

    for (id, seed, seeds) in [("fig18", 11, 2), ("fig19", 11, 0), ("fig19", u64::MAX, 2)] {
        let err = reproduce::run(
            &[id.into()],
            &Request {
                seed,
                seeds,
                ..two.clone()
            },
        )
        .unwrap_err();
        assert!(
            matches!(err, Error::Usage(_)),
            "{id} --seeds {seeds}: {err}"
        );
    }
    fs::remove_dir_all(&root).unwrap();
}

/// One run at a time writes into an output directory: a second run into a
/// held one is refused at once, naming it; after a `kill -9` of the holder
/// a new run starts without any clean-up.
#[test]
fn a_second_run_into_a_held_directory_is_refused_and_a_killed_holder_leaves_no_lock() {
    let dir = scratch("lock");
    let config = small_scenario(&dir, 6, 10);
    let out = dir.join("out");
    let mut holder = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["reproduce", "fig18", "--quick", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the holder has begun writing (its first checkpoint).
    let started = std::time::Instant::now();
    while !out.join("fig18/checkpoint").exists() {
        assert!(
            started.elapsed().as_secs() < 120,
            "the holder never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        holder.try_wait().unwrap().is_none(),
        "the holder ended too soon"
    );
    let err = reproduce::run(&["fig18".into()], &request(out.clone(), config.clone())).unwrap_err();
    assert!(
        matches!(&err, Error::Experiment(experiments::Error::Busy { dir }) if *dir == out),
        "{err}"
    );
    assert!(
        err.to_string().contains("another run is writing into"),
        "{err}"
    );

    holder.kill().unwrap();
    holder.wait().unwrap();
    assert!(out.join(experiments::OutputLock::FILE).is_file());
    reproduce::run(&["fig18".into()], &request(out.clone(), config)).unwrap();
}

/// A pseudo-random pick in `0..n`, replayable (`KILL_AT=k`).
fn pick(n: usize) -> usize {
    common::replayable_pick("KILL_AT", n as u64) as usize
}

/// Run `id` in a child process (the binary) and `kill -9` it as soon as
/// `marker` exists (a checkpoint written at the analysis picked).
fn kill_when(id: &str, request: &Request, marker: &Path) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args([
            "reproduce",
            id,
            "--quick",
            "--seed",
            &request.seed.to_string(),
        ])
        .arg("--config")
        .arg(request.config.as_ref().unwrap())
        .arg("--out")
        .arg(&request.out_dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !marker.exists() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "{id} ended before {}",
            marker.display()
        );
        assert!(started.elapsed().as_secs() < 300, "{id} too slow");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

/// `kill -9` at an analysis picked at random, inside `fig18` and inside
/// one of a sweep's runs: `--resume` ends with the uninterrupted run's
/// numbers.
#[test]
fn a_run_and_a_sweep_killed_at_a_random_analysis_resume_to_the_same_numbers() {
    let root = scratch("kill");
    let config = small_scenario(&root, 4, 3);
    let windows = [1, 2]; // not the last: its checkpoint lives briefly
    for (id, runs) in [("fig18", 1), ("fig19", 2)] {
        let whole = request(root.join(format!("{id}-whole")), config.clone());
        run_figure(2, id, &whole);
        let expected = figure_results(&whole.out_dir, id);

        let killed = request(root.join(format!("{id}-killed")), config.clone());
        let at = pick(runs * windows.len());
        let checkpoint = killed.out_dir.join(id).join("checkpoint");
        let checkpoint = match id {
            "fig18" => checkpoint,
            _ => checkpoint.join(format!("run-{:02}", at / windows.len())),
        };
        let marker = checkpoint.join(format!("after-{:03}", windows[at % windows.len()]));
        kill_when(id, &killed, &marker);
        run_figure(
            2,
            id,
            &Request {
                resume: true,
                ..killed.clone()
            },
        );
        assert_eq!(
            figure_results(&killed.out_dir, id),
            expected,
            "{id} killed after {}",
            marker.display()
        );
    }
    fs::remove_dir_all(&root).unwrap();
}
