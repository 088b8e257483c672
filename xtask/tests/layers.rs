//! The crate graph of the workspace, as a table of its edges: each crate
//! and the workspace crates its `[dependencies]` name. The table *is* the
//! graph: a manifest that adds or drops an edge fails here until the table
//! (and `docs/ARCHITECTURE.md`, and the commit message) say why.
//! Dev-dependencies may point anywhere (tests use analytic references).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Every workspace crate and the workspace crates it depends on.
const EDGES: &[(&str, &[&str])] = &[
    ("kinetic-enkf", &[]),
    ("particle-core", &[]),
    ("vic-solver", &["particle-core"]),
    ("assim", &["kinetic-enkf", "particle-core"]),
    (
        "validation",
        &["kinetic-enkf", "particle-core", "vic-solver"],
    ),
    (
        "experiments",
        &["assim", "particle-core", "validation", "vic-solver"],
    ),
    (
        "xtask",
        &[
            "assim",
            "experiments",
            "kinetic-enkf",
            "particle-core",
            "validation",
            "vic-solver",
        ],
    ),
    ("benches", &[]),
    // The Python package (top, beside xtask): it binds the libraries and
    // runs `xtask`'s reproductions by id, so that Python writes the CLI's
    // files with the CLI's code.
    (
        "ensemble-kalman-particles",
        &[
            "assim",
            "experiments",
            "kinetic-enkf",
            "particle-core",
            "validation",
            "vic-solver",
            "xtask",
        ],
    ),
];

/// The crates users depend on: published, with full metadata.
const LIBRARIES: [&str; 6] = [
    "kinetic-enkf",
    "particle-core",
    "vic-solver",
    "assim",
    "validation",
    "experiments",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

fn read(path: &Path) -> toml::Table {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .parse()
        .unwrap()
}

/// The workspace members' manifests, by package name.
fn manifests() -> Vec<(String, toml::Table)> {
    let workspace = read(&root().join("Cargo.toml"));
    workspace["workspace"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let path: PathBuf = root().join(m.as_str().unwrap()).join("Cargo.toml");
            let manifest = read(&path);
            let name = manifest["package"]["name"].as_str().unwrap().to_string();
            (name, manifest)
        })
        .collect()
}

#[test]
fn the_table_of_edges_is_the_crate_graph() {
    let manifests = manifests();
    let names: BTreeSet<&str> = manifests.iter().map(|(n, _)| n.as_str()).collect();
    let listed: BTreeSet<&str> = EDGES.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, listed, "workspace members against the table");
    for (name, manifest) in &manifests {
        let used: BTreeSet<&str> = manifest
            .get("dependencies")
            .and_then(|d| d.as_table())
            .map(|deps| {
                deps.keys()
                    .map(String::as_str)
                    .filter(|d| names.contains(d))
                    .collect()
            })
            .unwrap_or_default();
        let allowed: BTreeSet<&str> = EDGES
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, deps)| deps.iter().copied().collect())
            .unwrap_or_default();
        assert_eq!(used, allowed, "{name}: [dependencies] against the table");
    }
}

#[test]
fn the_crate_graph_has_no_cycle() {
    // Peel crates whose dependencies are all peeled; a cycle leaves some.
    let mut peeled: BTreeSet<&str> = BTreeSet::new();
    while peeled.len() < EDGES.len() {
        let next: Vec<&str> = EDGES
            .iter()
            .filter(|(n, deps)| !peeled.contains(n) && deps.iter().all(|d| peeled.contains(d)))
            .map(|(n, _)| *n)
            .collect();
        assert!(!next.is_empty(), "a cycle among {:?}", EDGES);
        peeled.extend(next);
    }
}

#[test]
fn library_crates_carry_publishing_metadata() {
    for (name, manifest) in manifests() {
        let package = manifest["package"].as_table().unwrap();
        if !LIBRARIES.contains(&name.as_str()) {
            assert_eq!(
                package.get("publish").and_then(|p| p.as_bool()),
                Some(false),
                "{name} is not a library: publish = false"
            );
            continue;
        }
        for key in ["description", "keywords", "categories", "readme"] {
            assert!(package.contains_key(key), "{name} lacks package.{key}");
        }
        let license = &package["license"];
        assert!(
            license.get("workspace").is_some() || license.as_str() == Some("MIT OR Apache-2.0"),
            "{name}: license"
        );
    }
}

/// Inside xtask, the harness's types live in leaf modules (`context`,
/// `error`, `table`, `revision` of `reproduce`), and every figure module
/// and the plotting code import them from there, never from `reproduce`
/// itself, which reaches every figure through the registry: a figure is a
/// leaf of the module graph, not part of a loop through `reproduce`.
#[test]
fn figure_modules_import_the_harness_from_its_leaves() {
    let harness = [
        "Error",
        "Context",
        "Outcome",
        "Table",
        "Cell",
        "write_text",
        "code_revision",
    ];
    let dir = root().join("xtask/src");
    let mut files = vec![dir.join("plot.rs")];
    let mut pending = vec![dir.join("reproduce")];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs")
                && path != dir.join("reproduce/mod.rs")
            {
                files.push(path);
            }
        }
    }
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        // `super` is `reproduce` for the files directly in it.
        let in_reproduce = file.parent() == Some(dir.join("reproduce").as_path());
        for line in text.lines().filter(|l| l.starts_with("use ")) {
            let from_root = line
                .strip_prefix("use crate::reproduce::")
                .or_else(|| line.strip_prefix("use super::").filter(|_| in_reproduce));
            // A path into a submodule (`context::Context`) is a leaf's.
            let Some(rest) = from_root.filter(|r| !r.contains("::")) else {
                continue;
            };
            let names = rest.trim_start_matches('{').trim_end_matches(['}', ';']);
            for name in names.split(',').map(str::trim) {
                assert!(
                    !harness.contains(&name),
                    "{}: `{line}` imports {name} from reproduce's root; import it from its leaf module",
                    file.display()
                );
            }
        }
    }
}
