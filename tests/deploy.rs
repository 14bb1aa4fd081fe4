//! The deployment examples in `deploy/` stay usable: every shell script parses (`bash -n`), every
//! Kubernetes manifest is valid YAML with the fields the README relies on, and the sharding parameters of the
//! Indexed Job agree with each other (a shard count that differs from `completions` would leave shards out).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;
use serde_norway::Value;

fn files(dir: &str, ext: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy")
        .join(dir);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    out.sort();
    out
}

fn documents(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    serde_norway::Deserializer::from_str(&text)
        .map(|doc| {
            Value::deserialize(doc).unwrap_or_else(|e| panic!("{}: not YAML: {e}", path.display()))
        })
        .collect()
}

#[test]
fn slurm_scripts_parse_and_use_cofleet() {
    let scripts = files("slurm", "sbatch");
    assert!(scripts.len() >= 2, "{scripts:?}");
    for script in scripts {
        let status = Command::new("bash")
            .arg("-n")
            .arg(&script)
            .status()
            .unwrap();
        assert!(status.success(), "bash -n {}", script.display());
        let text = std::fs::read_to_string(&script).unwrap();
        assert!(
            text.starts_with("#!/usr/bin/env bash\n"),
            "{}",
            script.display()
        );
        assert!(text.contains("#SBATCH"), "{}", script.display());
        assert!(text.contains("cofleet "), "{}", script.display());
    }
}

#[test]
fn kubernetes_manifests_are_valid_and_consistent() {
    let manifests = files("kubernetes", "yaml");
    assert!(manifests.len() >= 2, "{manifests:?}");
    let mut indexed = 0;
    for path in &manifests {
        let docs = documents(path);
        assert!(!docs.is_empty(), "{}", path.display());
        for doc in docs {
            let name = path.display();
            assert!(doc["apiVersion"].as_str().is_some(), "{name}: apiVersion");
            assert!(doc["kind"].as_str().is_some(), "{name}: kind");
            assert!(
                doc["metadata"]["name"].as_str().is_some(),
                "{name}: metadata.name"
            );
            if doc["spec"]["completionMode"].as_str() == Some("Indexed") {
                indexed += 1;
                let completions = doc["spec"]["completions"].as_u64().expect("completions");
                let container = &doc["spec"]["template"]["spec"]["containers"][0];
                let count = container["env"]
                    .as_sequence()
                    .expect("env")
                    .iter()
                    .find(|e| e["name"].as_str() == Some("COFLEET_SHARD_COUNT"))
                    .and_then(|e| e["value"].as_str())
                    .expect("COFLEET_SHARD_COUNT is set");
                assert_eq!(
                    count,
                    completions.to_string(),
                    "{name}: shard count vs completions"
                );
                let command = format!("{:?}{:?}", container["command"], container["args"]);
                assert!(command.contains("--shard auto"), "{name}: {command}");
            }
        }
    }
    assert_eq!(indexed, 1, "one Indexed Job for sharded sweeps");
}
