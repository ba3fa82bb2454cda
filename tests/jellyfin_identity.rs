//! Jellyfin wire rules and identity: discovery info, login with every header form, tokens in
//! every place clients put them, casing, CORS, rate limiting.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{lib, Instance, ADMIN_PASSWORD};
use serde_json::Value;

async fn login(server: &common::Server, auth_header: &str) -> Value {
    let res = server
        .client
        .post(server.url("/Users/AuthenticateByName"))
        .header("Authorization", auth_header)
        .header("Content-Type", "application/json")
        .body(format!(r#"{{"username":"admin","Pw":"{ADMIN_PASSWORD}"}}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{auth_header}");
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    res.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_login_and_tokens() {
    let media = tempfile::tempdir().unwrap();
    let inst = Instance::new(&[lib("Movies", media.path(), "movies")], "");
    let server = inst.start();
    let c = &server.client;

    // Public info in any casing; a stable 32-hex ServerId; a version clients accept.
    let info: Value = c
        .get(server.url("/system/info/public"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let server_id = info["Id"].as_str().unwrap().to_string();
    assert_eq!(server_id.len(), 32);
    assert!(server_id
        .chars()
        .all(|ch| ch.is_ascii_hexdigit() && !ch.is_ascii_uppercase()));
    assert_eq!(info["Version"], "10.11.11");
    assert_eq!(info["ProductName"], "Jellyfin Server");
    let again: Value = c
        .get(server.url("/System/Info/Public"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["Id"], info["Id"]);
    assert_eq!(
        c.get(server.url("/System/Ping"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "\"Jellyfin Server\""
    );
    assert_eq!(
        c.get(server.url("/QuickConnect/Enabled"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "false"
    );
    let branding: Value = c
        .get(server.url("/Branding/Configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(branding.get("LoginDisclaimer").is_some());

    // Every header form clients send logs in, and the answer echoes the ServerId.
    let forms = [
        r#"MediaBrowser Client="Jellyfin Web", Device="Firefox", DeviceId="web1", Version="10.11.11""#,
        "MediaBrowser Client=Swiftfin iOS, Version=1.3.1, DeviceId=ios1, Device=iPhone",
        r#"MediaBrowser Client="Jellyfin%20SDK", Device="Node", DeviceId="sdk1", Version="0.13.0", Token="""#,
        r#"Emby Client="Kodi", Device="Living Room", DeviceId="kodi1", Version="1.0""#,
    ];
    let mut tokens = Vec::new();
    for form in forms {
        let auth = login(&server, form).await;
        assert_eq!(auth["ServerId"], info["Id"]);
        assert_eq!(auth["User"]["ServerId"], info["Id"]);
        assert_eq!(auth["User"]["Name"], "admin");
        assert_eq!(auth["User"]["Policy"]["IsAdministrator"], true);
        assert_eq!(auth["User"]["Id"].as_str().unwrap().len(), 32);
        tokens.push(auth["AccessToken"].as_str().unwrap().to_string());
    }
    assert_eq!(
        tokens
            .iter()
            .collect::<std::collections::HashSet<_>>()
            .len(),
        4,
        "one token per device"
    );
    // X-Emby-Authorization (legacy) is read when Authorization is absent.
    let res = c
        .post(server.url("/Users/authenticatebyname"))
        .header(
            "X-Emby-Authorization",
            r#"MediaBrowser Client="Old", Device="d", DeviceId="old1", Version="1""#,
        )
        .json(&serde_json::json!({"Username": "admin", "Pw": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let sessions_device: Value = res.json().await.unwrap();
    assert_eq!(sessions_device["SessionInfo"]["DeviceId"], "old1");

    // The token works from every place clients put it.
    let t = &tokens[0];
    let checks = [
        c.get(server.url("/Users/Me")).header(
            "Authorization",
            format!(
                r#"MediaBrowser Client="W", Device="F", DeviceId="web1", Version="1", Token="{t}""#
            ),
        ),
        c.get(server.url("/Users/Me"))
            .header("X-Emby-Token", t.as_str()),
        c.get(server.url("/Users/Me"))
            .header("X-MediaBrowser-Token", t.as_str()),
        c.get(server.url(&format!("/Users/Me?ApiKey={t}"))),
        c.get(server.url(&format!("/users/me?api_key={t}"))),
    ];
    for req in checks {
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 200);
        let me: Value = res.json().await.unwrap();
        assert_eq!(me["Name"], "admin");
    }
    // camelCase on request.
    let camel: Value = c
        .get(server.url("/System/Info"))
        .header("X-Emby-Token", t.as_str())
        .header("Accept", r#"application/json; profile="CamelCase""#)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(camel["id"], info["Id"]);
    assert!(camel.get("Id").is_none());

    // Unknown tokens: 401 where a token is needed, ignored where none is.
    assert_eq!(
        c.get(server.url("/Users/Me"))
            .header("X-Emby-Token", "nope")
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        c.get(server.url("/Users/Me"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        c.get(server.url("/System/Info/Public?api_key=nope"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // CORS preflight from anywhere.
    let pre = c
        .request(
            reqwest::Method::OPTIONS,
            server.url("/Users/AuthenticateByName"),
        )
        .header("Origin", "http://elsewhere.example")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert!(pre.status().is_success());
    assert_eq!(
        pre.headers()["access-control-allow-origin"],
        "http://elsewhere.example"
    );

    // Sessions list the caller's device; logout revokes the token.
    let sessions: Value = c
        .get(server.url("/Sessions"))
        .header("X-Emby-Token", t.as_str())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(sessions
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["DeviceId"] == "web1"));
    let caps = c
        .post(server.url("/Sessions/Capabilities/Full"))
        .header("X-Emby-Token", t.as_str())
        .json(&serde_json::json!({"PlayableMediaTypes": "Audio,Video", "SupportedCommands": ["Play", "playstate", "NotACommand"], "SupportsMediaControl": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(caps.status(), 204);
    let sessions: Value = c
        .get(server.url("/Sessions?DeviceId=web1"))
        .header("X-Emby-Token", t.as_str())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        sessions[0]["PlayableMediaTypes"],
        serde_json::json!(["Audio", "Video"])
    );
    assert_eq!(sessions[0]["SupportsMediaControl"], true);
    // Enum values in the spec's spelling; unknown ones dropped.
    assert_eq!(
        sessions[0]["SupportedCommands"],
        serde_json::json!(["Play", "PlayState"])
    );
    assert_eq!(
        c.post(server.url("/Sessions/Logout"))
            .header("X-Emby-Token", t.as_str())
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(
        c.get(server.url("/Users/Me"))
            .header("X-Emby-Token", t.as_str())
            .send()
            .await
            .unwrap()
            .status(),
        401
    );

    // Unknown routes answer 404, never 500; tokens never reach the log.
    assert_eq!(
        c.get(server.url("/Some/Unknown/Route"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let log = server.log_text();
    for t in &tokens {
        assert!(!log.contains(t.as_str()), "a token leaked into the log");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_are_rate_limited() {
    let media = tempfile::tempdir().unwrap();
    let inst = Instance::new(&[lib("Movies", media.path(), "movies")], "");
    let server = inst.start();
    let attempt = |pw: &'static str| {
        server
            .client
            .post(server.url("/Users/AuthenticateByName"))
            .json(&serde_json::json!({"Username": "admin", "Pw": pw}))
            .send()
    };
    for _ in 0..5 {
        assert_eq!(attempt("wrong").await.unwrap().status(), 401);
    }
    assert_eq!(attempt("wrong").await.unwrap().status(), 429);
    assert_eq!(
        attempt(ADMIN_PASSWORD).await.unwrap().status(),
        429,
        "locked out for a while even with the right password"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn startup_wizard_creates_the_first_admin_then_closes() {
    let media = tempfile::tempdir().unwrap();
    let inst = Instance::new(&[lib("Movies", media.path(), "movies")], "");
    // No configured administrator: the wizard is open.
    let server = inst.start_with(|cmd| {
        cmd.env_remove("KINORA_ADMIN_USER")
            .env_remove("KINORA_ADMIN_PASSWORD");
    });
    let c = &server.client;
    let info: Value = c
        .get(server.url("/System/Info/Public"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["StartupWizardCompleted"], false);
    let conf: Value = c
        .get(server.url("/Startup/Configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(conf["ServerName"], "Kinora");
    assert_eq!(
        c.get(server.url("/Startup/User"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let made = c
        .post(server.url("/Startup/User"))
        .json(&serde_json::json!({"Name": "owner", "Password": "s3cret-pw"}))
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 204);
    assert_eq!(
        c.post(server.url("/Startup/Complete"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let info: Value = c
        .get(server.url("/System/Info/Public"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["StartupWizardCompleted"], true);
    // The new administrator logs in; the wizard is closed to everyone else.
    let login = c
        .post(server.url("/Users/AuthenticateByName"))
        .json(&serde_json::json!({"Username": "owner", "Pw": "s3cret-pw"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let auth: Value = login.json().await.unwrap();
    assert_eq!(auth["User"]["Policy"]["IsAdministrator"], true);
    let again = c
        .post(server.url("/Startup/User"))
        .json(&serde_json::json!({"Name": "intruder", "Password": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 401);
}
