//! The one list of bundled datasets, `www/datasets.json`, and what reads it natively: the
//! library's table and the command line's `--data NAME`, which accepts each name of the list and
//! refuses any other, naming the list. (The page's menu and URL state are checked against the
//! same file by tests/e2e/datasets.test.mjs; the files `cargo xtask data` writes, by the xtask's
//! own tests.)

mod cli_support;

use cli_support::{recon_align, stderr, stdout};

/// The table, read from the file on its own (not through the library).
fn table() -> Vec<serde_json::Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/www/datasets.json");
    let text = std::fs::read_to_string(path).expect("www/datasets.json is readable");
    let value: serde_json::Value = serde_json::from_str(&text).expect("www/datasets.json is JSON");
    value.as_array().expect("a list of datasets").clone()
}

#[test]
fn the_library_reads_the_same_table() {
    let rows = table();
    let sets = recon_align::dataset::bundled();
    assert_eq!(sets.len(), rows.len());
    for (set, row) in sets.iter().zip(&rows) {
        assert_eq!(set.name, row["name"].as_str().unwrap());
        assert_eq!(set.file, row["file"].as_str().unwrap());
        assert_eq!(set.label, row["label"].as_str().unwrap());
        assert_eq!(set.source, row["source"].as_str().unwrap());
        assert_eq!(set.images as u64, row["images"].as_u64().unwrap());
    }
    // Names are distinct, and so are files.
    for key in ["name", "file"] {
        let mut seen: Vec<&str> = rows.iter().map(|r| r[key].as_str().unwrap()).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), rows.len(), "each {key} once");
    }
    // The default file (the first row's) is where the native tests look for the digits.
    let first = recon_align::dataset::bundled_candidates();
    assert!(first
        .iter()
        .any(|p| p.ends_with(format!("www/data/{}", rows[0]["file"].as_str().unwrap()))));
}

#[test]
fn the_cli_accepts_each_bundled_name_and_refuses_others() {
    let rows = table();
    for row in &rows {
        let name = row["name"].as_str().unwrap();
        let out = recon_align(&["dae", "--data", name, "--k", "1", "--json"]);
        assert!(out.status.success(), "--data {name}: {}", stderr(&out));
        let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(json["n"], row["images"], "--data {name}");
        assert_eq!(json["d"], 784, "--data {name}");
    }
    for other in ["nosuch", "MNIST", "fashion-mnist"] {
        let out = recon_align(&["dae", "--data", other, "--k", "1", "--json"]);
        assert!(!out.status.success(), "--data {other} is refused");
        let err = stderr(&out);
        let listed: Vec<String> = rows
            .iter()
            .map(|r| format!("`{}`", r["name"].as_str().unwrap()))
            .collect();
        assert!(
            err.contains(&format!(
                "neither a bundled dataset ({})",
                listed.join(", ")
            )),
            "{other}: {err}"
        );
    }
}
