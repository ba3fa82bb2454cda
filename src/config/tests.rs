#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn defaults_without_file() {
    let c = Config::from_parts("", "test", &[]).unwrap();
    assert_eq!(c.server.port, 8096);
    assert_eq!(c.server.bind, "0.0.0.0");
    assert_eq!(c.data_dir, PathBuf::from("./kinora-data"));
    assert!(c
        .database_url()
        .starts_with("sqlite://./kinora-data/kinora.db"));
    assert!(c.libraries.is_empty());
}

#[test]
fn file_and_env_overrides() {
    let text = r#"
data_dir = "/var/lib/kinora"
[server]
port = 9000
[[libraries]]
name = "Movies"
path = "/srv/movies"
kind = "movies"
watch = "poll"
"#;
    let c = Config::from_parts(
        text,
        "test",
        &env(&[
            ("KINORA_SERVER__PORT", "0"),
            ("KINORA_DATABASE__URL", "postgres://k:s3cret@db/kinora"),
            ("KINORA_ADMIN_PASSWORD", "1234"),
            ("KINORA_ADMIN_USER", "root"),
            ("KINORA_DATA_DIR", "/data"),
            ("KINORA_CONFIG", "/ignored.toml"),
            ("KINORA_TEST_POSTGRES_URL", "postgres://ignored"),
            ("PATH", "/usr/bin"),
        ]),
    )
    .unwrap();
    assert_eq!(c.server.port, 0);
    assert_eq!(c.data_dir, PathBuf::from("/data"));
    assert_eq!(c.admin.password.as_deref(), Some("1234"));
    assert_eq!(c.admin.user.as_deref(), Some("root"));
    assert_eq!(c.database_url(), "postgres://k:s3cret@db/kinora");
    assert_eq!(c.libraries.len(), 1);
    assert_eq!(c.libraries[0].kind, LibraryKind::Movies);
    assert_eq!(c.libraries[0].watch, WatchMode::Poll);
}

#[test]
fn libraries_from_env_inline_toml() {
    let c = Config::from_parts(
        "",
        "test",
        &env(&[(
            "KINORA_LIBRARIES",
            r#"[{name = "Home", path = "/m", kind = "home"}]"#,
        )]),
    )
    .unwrap();
    assert_eq!(c.libraries[0].name, "Home");
    assert_eq!(c.libraries[0].kind, LibraryKind::Home);
}

#[test]
fn unknown_key_is_named() {
    let err = Config::from_parts("[server]\nprot = 1\n", "kinora.toml", &[]).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("prot"), "{msg}");
    let err = Config::from_parts("", "t", &env(&[("KINORA_SERVER__NOPE", "1")])).unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
    let err = Config::from_parts("colour = 1\n", "kinora.toml", &[]).unwrap_err();
    assert!(err.to_string().contains("colour"), "{err}");
}

#[test]
fn bad_values_are_named() {
    let err = Config::from_parts("", "t", &env(&[("KINORA_SERVER__PORT", "eighty")])).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("port"), "{msg}");
    let err = Config::from_parts("[server]\nport = 70000\n", "t", &[]).unwrap_err();
    assert!(err.to_string().contains("port"), "{err}");
    let err = Config::from_parts(
        "[[libraries]]\nname='A'\npath='/a'\nkind='music'\n",
        "t",
        &[],
    )
    .unwrap_err();
    assert!(err.to_string().contains("kind"), "{err}");
    let err = Config::from_parts("[database]\nurl='mysql://x'\n", "t", &[]).unwrap_err();
    assert!(err.to_string().contains("database.url"), "{err}");
    let err = Config::from_parts("[server]\nbind='nowhere'\n", "t", &[]).unwrap_err();
    assert!(err.to_string().contains("server.bind"), "{err}");
}

#[test]
fn masked_output_hides_secrets() {
    let c = Config::from_parts(
        "[database]\nurl='postgres://kin:hunter2@db:5432/k'\n[admin]\nuser='a'\npassword='pw-secret'\n",
        "t",
        &[],
    )
    .unwrap();
    let out = c.to_masked_toml();
    assert!(!out.contains("hunter2"), "{out}");
    assert!(!out.contains("pw-secret"), "{out}");
    assert!(out.contains("postgres://kin:********@db:5432/k"), "{out}");
}

#[test]
fn example_config_is_valid_and_documents_every_key() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/kinora.example.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let c = Config::from_parts(&text, path, &[]).unwrap();
    assert!(!c.libraries.is_empty());
    // Every key of the effective config appears in the example, set or commented out.
    let rendered: toml::Table =
        toml::from_str(&toml::to_string(&Config::default()).unwrap()).unwrap();
    for (section, value) in rendered {
        match value {
            toml::Value::Table(t) => {
                assert!(
                    text.contains(&format!("[{section}]")),
                    "missing [{section}]"
                );
                for key in t.keys() {
                    assert!(
                        text.contains(&format!("{key} =")),
                        "missing {section}.{key}"
                    );
                }
            }
            toml::Value::Array(_) => {
                assert!(
                    text.contains(&format!("[[{section}]]")),
                    "missing [[{section}]]"
                )
            }
            _ => assert!(text.contains(&format!("{section} =")), "missing {section}"),
        }
    }
    for key in [
        "url =",
        "user =",
        "password =",
        "id =",
        "watch =",
        "kind =",
        "name =",
        "path =",
    ] {
        assert!(text.contains(key), "missing {key}");
    }
}

#[test]
fn a_web_dir_must_hold_a_bundle() {
    let empty = tempfile::tempdir().unwrap();
    let toml = format!(
        "[web]\njellyfin_web_dir = {:?}\n",
        empty.path().display().to_string()
    );
    let err = Config::from_parts(&toml, "kinora.toml", &[]).unwrap_err();
    assert!(err.to_string().contains("web.jellyfin_web_dir"), "{err}");
    std::fs::write(empty.path().join("index.html"), "<html></html>").unwrap();
    let c = Config::from_parts(&toml, "kinora.toml", &[]).unwrap();
    assert_eq!(c.web.jellyfin_web_dir.as_deref(), Some(empty.path()));
    // The environment form, as Docker users set it.
    let dir = empty.path().display().to_string();
    let c = Config::from_parts(
        "",
        "t",
        &env(&[("KINORA_WEB__JELLYFIN_WEB_DIR", dir.as_str())]),
    )
    .unwrap();
    assert_eq!(c.web.jellyfin_web_dir.as_deref(), Some(empty.path()));
}
