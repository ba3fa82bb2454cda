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
    let c = Config::from_parts(
        "[[llm.providers]]\nname='p'\nkind='openai'\nbase_url='https://u:llm-pw@proxy.example/v1'\nmodel='m'\napi_key_env='OPENAI_API_KEY'\n",
        "t",
        &[],
    )
    .unwrap();
    let out = c.to_masked_toml();
    assert!(!out.contains("llm-pw"), "{out}");
    assert!(out.contains("api_key_env = \"OPENAI_API_KEY\""), "{out}");
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
                for (key, v) in &t {
                    let documented = match v {
                        toml::Value::Table(_) => text.contains(&format!("[{section}.{key}]")),
                        toml::Value::Array(_) => text.contains(&format!("[[{section}.{key}]]")),
                        _ => text.contains(&format!("{key} =")),
                    };
                    assert!(documented, "missing {section}.{key}");
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
        "sidecars =",
        "kind =",
        "name =",
        "path =",
        "local_only =",
        "daily_cloud_budget_usd =",
        "base_url =",
        "model =",
        "embed_model =",
        "api_key_env =",
        "cloud =",
        "enabled =",
        "timeout_secs =",
        "max_concurrent =",
        "input_price_per_mtok =",
        "output_price_per_mtok =",
        "vision =",
        "classify =",
        "describe =",
        "fill_metadata =",
        "search_query =",
        "embed =",
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

const LLM_TOML: &str = r#"
[privacy]
local_only = false

[llm]
daily_cloud_budget_usd = 0.5

[[llm.providers]]
name = "local"
kind = "openai"
base_url = "http://127.0.0.1:8080/v1"
model = "smollm2"
api_key_env = "OPENAI_API_KEY"

[[llm.providers]]
name = "cloud-claude"
kind = "anthropic"
base_url = "https://api.anthropic.com"
model = "claude-haiku-4-5"
api_key_env = "ANTHROPIC_API_KEY"
enabled = true
input_price_per_mtok = 1.0
output_price_per_mtok = 5.0

[[llm.providers]]
name = "ollama"
kind = "ollama"
base_url = "http://ollama:11434"
model = "qwen2.5:3b"
embed_model = "nomic-embed-text"

[llm.tasks]
classify = ["cloud-claude", "local"]
embed = ["ollama"]
"#;

#[test]
fn llm_providers_and_tasks_in_the_issue_shape() {
    let c = Config::from_parts(LLM_TOML, "t", &[]).unwrap();
    assert_eq!(c.llm.providers.len(), 3);
    let local = c.llm.provider("local").unwrap();
    assert_eq!(local.kind, ProviderKind::Openai);
    assert!(!local.is_cloud() && local.is_enabled());
    assert_eq!(local.timeout_secs, 120);
    assert_eq!(local.max_concurrent, 2);
    let claude = c.llm.provider("cloud-claude").unwrap();
    assert!(claude.is_cloud() && claude.is_enabled());
    // A compose service name is local; its embeddings use their own model.
    let ollama = c.llm.provider("ollama").unwrap();
    assert!(!ollama.is_cloud());
    assert_eq!(ollama.embedding_model(), "nomic-embed-text");
    assert_eq!(c.llm.route("classify"), ["cloud-claude", "local"]);
    assert_eq!(c.llm.route("embed"), ["ollama"]);
    // Unset tasks use the enabled local providers only.
    assert_eq!(c.llm.route("describe"), ["local", "ollama"]);
    assert_eq!(c.llm.daily_cloud_budget_usd, Some(0.5));
    // Overrides reach into the section like any other key.
    let c = Config::from_parts(
        LLM_TOML,
        "t",
        &env(&[
            ("KINORA_PRIVACY__LOCAL_ONLY", "true"),
            ("KINORA_LLM__TASKS__DESCRIBE", r#"["local"]"#),
        ]),
    )
    .unwrap();
    assert!(c.privacy.local_only);
    assert_eq!(c.llm.route("describe"), ["local"]);
}

#[test]
fn cloud_is_decided_from_the_url_and_is_off_until_enabled() {
    for (url, local) in [
        ("http://127.0.0.1:8080/v1", true),
        ("http://localhost:11434", true),
        ("http://[::1]:8080/v1", true),
        ("http://192.168.1.20:11434", true),
        ("http://10.0.0.5", true),
        ("http://ollama:11434", true),
        ("http://gpu-box.lan:8000/v1", true),
        ("https://api.openai.com/v1", false),
        ("https://openrouter.ai/api/v1", false),
        ("https://api.anthropic.com", false),
        ("http://8.8.8.8/v1", false),
        ("https://user:pw@api.example.com/v1", false),
    ] {
        assert_eq!(url_is_local(url), local, "{url}");
    }
    let c = Config::from_parts(
        "[[llm.providers]]\nname='o'\nkind='openai'\nbase_url='https://api.openai.com/v1'\nmodel='m'\n",
        "t",
        &[],
    )
    .unwrap();
    assert!(c.llm.providers[0].is_cloud());
    assert!(!c.llm.providers[0].is_enabled());
    assert!(c.llm.route("classify").is_empty());
}

#[test]
fn llm_mistakes_are_named() {
    let provider =
        "[[llm.providers]]\nname='a'\nkind='openai'\nbase_url='http://127.0.0.1:1/v1'\nmodel='m'\n";
    let err = Config::from_parts(
        &format!("{provider}[llm.tasks]\nclassify=['b']\n"),
        "t",
        &[],
    )
    .unwrap_err();
    assert!(err.to_string().contains("llm.tasks.classify"), "{err}");
    let err = Config::from_parts(&format!("{provider}[llm.tasks]\nclasify=['a']\n"), "t", &[])
        .unwrap_err();
    assert!(err.to_string().contains("clasify"), "{err}");
    let err = Config::from_parts(
        &format!("{provider}api_key_env='sk-ant-api03-SECRET'\n"),
        "t",
        &[],
    )
    .unwrap_err();
    assert!(err.to_string().contains("api_key_env"), "{err}");
    assert!(!err.to_string().contains("SECRET"), "{err}");
    let err = Config::from_parts(&format!("{provider}kind='gemini'\n"), "t", &[]).unwrap_err();
    assert!(err.to_string().contains("kind"), "{err}");
    let err = Config::from_parts(&format!("{provider}{provider}"), "t", &[]).unwrap_err();
    assert!(err.to_string().contains("duplicate provider"), "{err}");
    let err = Config::from_parts(
        "[[llm.providers]]\nname='c'\nkind='anthropic'\nbase_url='https://api.anthropic.com'\nmodel='m'\n[llm.tasks]\nembed=['c']\n",
        "t",
        &[],
    )
    .unwrap_err();
    assert!(err.to_string().contains("llm.tasks.embed"), "{err}");
    let err = Config::from_parts("[llm]\ndaily_cloud_budget_usd = -1.0\n", "t", &[]).unwrap_err();
    assert!(err.to_string().contains("daily_cloud_budget_usd"), "{err}");
}

#[test]
fn llm_providers_from_the_environment_as_docker_compose_sets_them() {
    let c = Config::from_parts(
        LLM_TOML,
        "t",
        &env(&[
            (
                "KINORA_LLM__PROVIDERS",
                r#"[{name = "ollama", kind = "ollama", base_url = "http://ollama:11434", model = "qwen2.5:3b", embed_model = "nomic-embed-text"}]"#,
            ),
            ("KINORA_LLM__TASKS", "{}"),
            ("KINORA_PRIVACY__LOCAL_ONLY", "true"),
        ]),
    )
    .unwrap();
    // The variable replaces the file's providers.
    assert_eq!(c.llm.providers.len(), 1);
    assert_eq!(c.llm.providers[0].kind, ProviderKind::Ollama);
    assert!(!c.llm.providers[0].is_cloud());
    assert_eq!(c.llm.route("classify"), ["ollama"]);
    assert!(c.privacy.local_only);
}

#[test]
fn tmdb_defaults_env_overrides_and_validation() {
    let c = Config::from_parts("", "t", &[]).unwrap();
    assert!(!c.tmdb.is_configured());
    assert_eq!(c.tmdb.base_url, "https://api.themoviedb.org");
    assert_eq!(c.tmdb.image_base_url, "https://image.tmdb.org/t/p/");
    assert_eq!(c.tmdb.language, "en-US");
    assert_eq!(c.tmdb.cache_ttl_hours, 168);
    assert_eq!(c.tmdb.max_concurrent, 4);
    assert_eq!(c.tmdb.certification_country(), "US");

    // A key of digits stays text; an empty override counts as "not configured".
    let c = Config::from_parts(
        "",
        "t",
        &env(&[
            ("KINORA_TMDB__API_KEY", "12345678901234567890123456789012"),
            ("KINORA_TMDB__LANGUAGE", "de-DE"),
        ]),
    )
    .unwrap();
    assert_eq!(
        c.tmdb.api_key.as_ref().unwrap().expose(),
        "12345678901234567890123456789012"
    );
    assert!(c.tmdb.is_configured());
    assert_eq!(c.tmdb.certification_country(), "DE");
    let c = Config::from_parts("", "t", &env(&[("KINORA_TMDB__READ_TOKEN", "")])).unwrap();
    assert!(!c.tmdb.is_configured());

    for (toml, key) in [
        ("[tmdb]\nbase_url='ftp://x'\n", "tmdb.base_url"),
        (
            "[tmdb]\nimage_base_url='image.tmdb.org'\n",
            "tmdb.image_base_url",
        ),
        ("[tmdb]\nlanguage='english'\n", "tmdb.language"),
        ("[tmdb]\ncache_ttl_hours=0\n", "tmdb.cache_ttl_hours"),
        ("[tmdb]\nmax_concurrent=0\n", "tmdb.max_concurrent"),
        ("[tmdb]\ntimeout_secs=0\n", "tmdb.timeout_secs"),
        ("[tmdb]\napi_key='abc def-secret'\n", "tmdb.api_key"),
    ] {
        let err = Config::from_parts(toml, "t", &[]).unwrap_err().to_string();
        assert!(err.contains(key), "{toml}: {err}");
        assert!(!err.contains("def-secret"), "{err}");
    }
    let err = Config::from_parts("[tmdb]\nkey='x'\n", "t", &[]).unwrap_err();
    assert!(err.to_string().contains("key"), "{err}");
}

#[test]
fn tmdb_credentials_are_masked_and_never_in_debug_output() {
    let c = Config::from_parts(
        "[tmdb]\napi_key='tmdb-key-secret'\nread_token='tmdb-token-secret'\n",
        "t",
        &[],
    )
    .unwrap();
    let out = c.to_masked_toml();
    assert!(!out.contains("tmdb-key-secret"), "{out}");
    assert!(!out.contains("tmdb-token-secret"), "{out}");
    assert!(out.contains("api_key = \"********\""), "{out}");
    let debug = format!("{c:?}");
    assert!(!debug.contains("tmdb-key-secret"), "{debug}");
    assert!(!debug.contains("tmdb-token-secret"), "{debug}");
    // The masked output is itself a valid config (masking does not break it).
    Config::from_parts(&out, "masked", &[]).unwrap();
}
