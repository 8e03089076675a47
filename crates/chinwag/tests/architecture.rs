//! Keeps the crate graph as ARCHITECTURE.md describes it.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

/// Every package the given workspace crate depends on, transitively (normal deps only).
fn closure(metadata: &Value, root: &str) -> BTreeSet<String> {
    let packages: BTreeMap<&str, &str> = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| (p["id"].as_str().expect("id"), p["name"].as_str().expect("name")))
        .collect();
    let nodes: BTreeMap<&str, Vec<&str>> = metadata["resolve"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| {
            let deps = n["deps"]
                .as_array()
                .expect("deps")
                .iter()
                .filter(|d| d["dep_kinds"].as_array().expect("kinds").iter().any(|k| k["kind"].is_null()))
                .map(|d| d["pkg"].as_str().expect("pkg"))
                .collect();
            (n["id"].as_str().expect("id"), deps)
        })
        .collect();
    let start = packages.iter().find(|(_, name)| **name == root).map(|(id, _)| *id).expect("root crate");
    let mut seen = BTreeSet::new();
    let mut stack = vec![start];
    while let Some(id) = stack.pop() {
        for dep in nodes.get(id).into_iter().flatten() {
            if seen.insert(packages[dep].to_owned()) {
                stack.push(dep);
            }
        }
    }
    seen
}

#[test]
fn crate_graph_keeps_its_boundaries() {
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let metadata: Value = serde_json::from_slice(&out.stdout).expect("metadata json");

    let forbidden = |krate: &str, banned: &[&str]| {
        let deps = closure(&metadata, krate);
        for b in banned {
            assert!(!deps.contains(*b), "{krate} must not depend on {b} (see ARCHITECTURE.md)");
        }
    };
    forbidden(
        "chinwag-core",
        &[
            "axum",
            "hyper",
            "rusqlite",
            "sqlx",
            "tokio",
            "tokio-postgres",
            "object_store",
            "chinwag-store-sqlite",
            "chinwag-store-postgres",
            "chinwag-files",
            "chinwag-server",
            "chinwag-realtime",
        ],
    );
    forbidden("chinwag-store-sqlite", &["axum", "hyper", "chinwag-server", "chinwag-realtime"]);
    forbidden(
        "chinwag-store-postgres",
        &["axum", "hyper", "rusqlite", "chinwag-server", "chinwag-realtime", "chinwag-store-sqlite"],
    );
    forbidden(
        "chinwag-realtime",
        &[
            "axum",
            "hyper",
            "rusqlite",
            "tokio-postgres",
            "chinwag-store-sqlite",
            "chinwag-store-postgres",
            "chinwag-server",
        ],
    );
    forbidden(
        "chinwag-server",
        &[
            "rusqlite",
            "sqlx",
            "tokio-postgres",
            "object_store",
            "chinwag-store-sqlite",
            "chinwag-store-postgres",
            "chinwag-files",
        ],
    );
    // The copy reads one store's tables and writes the other's: no web
    // framework, nor the server's crates (hyper comes with the S3 client).
    forbidden("chinwag-copy", &["axum", "chinwag-server", "chinwag-realtime"]);
    forbidden(
        "chinwag-files",
        &[
            "axum",
            "rusqlite",
            "sqlx",
            "tokio-postgres",
            "chinwag-store-sqlite",
            "chinwag-store-postgres",
            "chinwag-server",
            "chinwag-realtime",
        ],
    );
}
