//! The dependency direction of DESIGN.md, checked on `use` lines and paths: a forbidden arrow
//! fails the build's tests instead of creeping in.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

/// (module folder or file under src/, forbidden path prefixes)
const RULES: &[(&str, &[&str])] = &[
    ("config", &["crate::", "sea_orm", "actix_web", "reqwest"]),
    (
        "domain",
        &["sea_orm", "actix_web", "reqwest", "crate::db", "crate::api"],
    ),
    (
        "naming",
        &["std::fs", "tokio", "sea_orm", "crate::db", "crate::api"],
    ),
    (
        "db",
        &[
            "crate::api",
            "crate::workers",
            "crate::scanner",
            "actix_web",
        ],
    ),
    ("jobs", &["crate::api", "crate::workers", "actix_web"]),
    ("scanner", &["crate::api", "crate::workers", "actix_web"]),
    (
        "probe",
        &["crate::api", "crate::db", "sea_orm", "actix_web"],
    ),
    ("process.rs", &["crate::api", "crate::db", "sea_orm"]),
    // Signals are pure: a file name and a probe result in, evidence out.
    (
        "classify/signals.rs",
        &[
            "std::fs",
            "tokio",
            "sea_orm",
            "crate::db",
            "crate::api",
            "crate::probe",
            "crate::process",
        ],
    ),
    ("media", &["crate::db", "crate::api", "sea_orm"]),
    ("workers", &["crate::api", "actix_web"]),
    // Decisions only: the classify job in `workers` gathers the inputs and stores the outcome.
    (
        "classify",
        &[
            "crate::api",
            "crate::db",
            "crate::workers",
            "sea_orm",
            "actix_web",
        ],
    ),
    // The LLM layer reaches the catalog only through `db::llm_ledger`, never entities.
    (
        "llm",
        &[
            "crate::api",
            "crate::db::entities",
            "sea_orm",
            "actix_web",
            "crate::workers",
            "crate::scanner",
        ],
    ),
    // Providers reach the catalog through `db` repositories (the TMDB cache), never the API.
    ("metadata", &["crate::api", "actix_web"]),
    // The NFO reader is pure: text in, metadata out; the caller reads the file.
    (
        "metadata/nfo.rs",
        &["std::fs", "tokio", "sea_orm", "crate::db", "crate::api"],
    ),
    ("sidecar", &["crate::api", "actix_web"]),
    ("api", &["sea_orm", "crate::db::entities", "crate::app"]),
];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    if dir.is_file() {
        out.push(dir.to_path_buf());
        return;
    }
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn modules_respect_the_dependency_direction() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut violations = Vec::new();
    for (module, forbidden) in RULES {
        let mut files = Vec::new();
        rust_files(&src.join(module), &mut files);
        assert!(!files.is_empty(), "no files for module {module}");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            // Test code may reach anywhere.
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            for (n, line) in code.lines().enumerate() {
                let line = line.trim();
                if line.starts_with("//") {
                    continue;
                }
                for f in *forbidden {
                    if line.contains(f) {
                        violations.push(format!(
                            "{}:{}: {module} must not use {f}: {line}",
                            file.display(),
                            n + 1
                        ));
                    }
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "forbidden dependencies:\n{}",
        violations.join("\n")
    );
}
