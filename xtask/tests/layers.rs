//! The layer rule of SPEC ("Workspace and layers"): `kinetic-enkf` <
//! `particle-core` < `vic-solver` < `assim` < `validation` < `xtask`. A crate's
//! `[dependencies]` may name only crates of lower layers (dev-dependencies may
//! look upward, for tests).

use std::path::Path;

const LAYERS: [&str; 6] = [
    "kinetic-enkf",
    "particle-core",
    "vic-solver",
    "assim",
    "validation",
    "xtask",
];

fn manifest(name: &str) -> toml::Table {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let path = if name == "xtask" {
        root.join("xtask/Cargo.toml")
    } else {
        root.join("crates").join(name).join("Cargo.toml")
    };
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .parse()
        .unwrap()
}

#[test]
fn internal_dependencies_point_down_the_layers() {
    for (layer, name) in LAYERS.iter().enumerate() {
        let deps = manifest(name)
            .get("dependencies")
            .and_then(|d| d.as_table())
            .cloned()
            .unwrap_or_default();
        for dep in deps.keys() {
            if let Some(dep_layer) = LAYERS.iter().position(|l| l == dep) {
                assert!(
                    dep_layer < layer,
                    "{name} (layer {layer}) depends on {dep} (layer {dep_layer})"
                );
            }
        }
    }
}

#[test]
fn library_crates_carry_publishing_metadata() {
    for name in &LAYERS[..5] {
        let m = manifest(name);
        let package = m["package"].as_table().unwrap();
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
