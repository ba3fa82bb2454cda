//! Jellyfin user administration, passwords, user settings and API keys, end to end: the real
//! binary over HTTP, on SQLite and (when CI provides one) PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{lib, Instance, Server, ADMIN_PASSWORD};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// A logged-in device: its token and user id.
struct Login {
    token: String,
    user_id: String,
}

async fn try_login(server: &Server, name: &str, pw: &str, device: &str) -> reqwest::Response {
    server
        .client
        .post(server.url("/Users/AuthenticateByName"))
        .header(
            "Authorization",
            format!(
                r#"MediaBrowser Client="Test", Device="{device}", DeviceId="{device}", Version="1""#
            ),
        )
        .json(&json!({"Username": name, "Pw": pw}))
        .send()
        .await
        .unwrap()
}

async fn login(server: &Server, name: &str, pw: &str, device: &str) -> Login {
    let res = try_login(server, name, pw, device).await;
    assert_eq!(res.status(), 200, "login {name} on {device}");
    let v: Value = res.json().await.unwrap();
    Login {
        token: v["AccessToken"].as_str().unwrap().to_string(),
        user_id: v["User"]["Id"].as_str().unwrap().to_string(),
    }
}

/// A request with the token in `X-Emby-Token`; the body, if any, as JSON.
async fn call(
    server: &Server,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = server
        .client
        .request(method, server.url(path))
        .header("X-Emby-Token", token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap()
}

async fn status(
    server: &Server,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> StatusCode {
    call(server, method, path, token, body).await.status()
}

async fn get_json(server: &Server, path: &str, token: &str) -> Value {
    let res = call(server, Method::GET, path, token, None).await;
    assert_eq!(res.status(), 200, "GET {path}");
    res.json().await.unwrap()
}

async fn me_status(server: &Server, token: &str) -> StatusCode {
    status(server, Method::GET, "/Users/Me", token, None).await
}

async fn scenario(server: &Server, cli_key: &str) {
    let admin = login(server, "admin", ADMIN_PASSWORD, "adm1").await;
    let a = admin.token.as_str();

    // --- Creating users (administrators only), names unique ignoring case, passwords required.
    let res = call(
        server,
        Method::POST,
        "/Users/New",
        a,
        Some(json!({"Name": "alice", "Password": "alice-pw-1"})),
    )
    .await;
    assert_eq!(res.status(), 200);
    let alice_dto: Value = res.json().await.unwrap();
    assert_eq!(alice_dto["Name"], "alice");
    assert_eq!(alice_dto["Policy"]["IsAdministrator"], false);
    assert_eq!(alice_dto["Policy"]["IsDisabled"], false);
    let alice_id = alice_dto["Id"].as_str().unwrap().to_string();
    assert_eq!(alice_id.len(), 32);
    for bad in [
        json!({"Name": "ALICE", "Password": "x-pw-12345"}),
        json!({"Name": "", "Password": "x-pw-12345"}),
        json!({"Name": " padded", "Password": "x-pw-12345"}),
        json!({"Name": "nopassword"}),
    ] {
        assert_eq!(
            status(server, Method::POST, "/Users/New", a, Some(bad.clone())).await,
            400,
            "{bad}"
        );
    }
    let listed = get_json(server, "/Users", a).await;
    assert_eq!(listed.as_array().unwrap().len(), 2);

    let al1 = login(server, "alice", "alice-pw-1", "al1").await;
    let al2 = login(server, "alice", "alice-pw-1", "al2").await;
    assert_eq!(al1.user_id, alice_id);

    // --- A non-administrator is refused everything about others.
    let admin_id = admin.user_id.as_str();
    let forbidden: Vec<(Method, String, Option<Value>)> = vec![
        (
            Method::POST,
            "/Users/New".into(),
            Some(json!({"Name": "eve", "Password": "eve-pw-123"})),
        ),
        (Method::DELETE, format!("/Users/{admin_id}"), None),
        (
            Method::POST,
            format!("/Users/{admin_id}/Policy"),
            Some(json!({"IsAdministrator": false})),
        ),
        (
            Method::POST,
            format!("/Users/{alice_id}/Policy"),
            Some(json!({"IsAdministrator": true})),
        ),
        (
            Method::POST,
            format!("/Users?userId={admin_id}"),
            Some(json!({"Name": "pwned"})),
        ),
        (
            Method::POST,
            format!("/Users/{admin_id}"),
            Some(json!({"Name": "pwned"})),
        ),
        (
            Method::POST,
            format!("/Users/Password?userId={admin_id}"),
            Some(json!({"NewPw": "pwned-pw-1"})),
        ),
        (
            Method::POST,
            format!("/Users/{admin_id}/Password"),
            Some(json!({"NewPw": "pwned-pw-1"})),
        ),
        (
            Method::POST,
            format!("/Users/Configuration?userId={admin_id}"),
            Some(json!({"SubtitleMode": "None"})),
        ),
        (Method::GET, "/Auth/Keys".into(), None),
        (Method::POST, "/Auth/Keys?app=evil".into(), None),
        (Method::DELETE, format!("/Auth/Keys/{cli_key}"), None),
    ];
    for (method, path, body) in forbidden {
        assert_eq!(
            status(server, method.clone(), &path, &al1.token, body).await,
            403,
            "{method} {path}"
        );
    }
    // Nothing changed: the admin is still an admin under its name, the CLI key still works.
    let me = get_json(server, "/Users/Me", a).await;
    assert_eq!(me["Name"], "admin");
    assert_eq!(me["Policy"]["IsAdministrator"], true);
    assert_eq!(me_status(server, cli_key).await, 200);

    // --- User configuration: own (current route, camelCase keys), then the legacy route.
    assert_eq!(
        status(
            server,
            Method::POST,
            "/Users/Configuration",
            &al1.token,
            Some(json!({
                "subtitleLanguagePreference": "fre",
                "subtitleMode": "always",
                "AudioLanguagePreference": "jpn",
                "PlayDefaultAudioTrack": false,
                "EnableNextEpisodeAutoPlay": false,
                "OrderedViews": ["5F0C1A3E-7B7E-4A5E-9A65-0D7C1F0E2B11"],
            })),
        )
        .await,
        204
    );
    let me = get_json(server, "/Users/Me", &al1.token).await;
    let conf = &me["Configuration"];
    assert_eq!(conf["SubtitleLanguagePreference"], "fre");
    assert_eq!(conf["SubtitleMode"], "Always");
    assert_eq!(conf["AudioLanguagePreference"], "jpn");
    assert_eq!(conf["PlayDefaultAudioTrack"], false);
    assert_eq!(conf["EnableNextEpisodeAutoPlay"], false);
    assert_eq!(
        conf["OrderedViews"],
        json!(["5f0c1a3e7b7e4a5e9a650d7c1f0e2b11"])
    );
    assert_eq!(conf["HidePlayedInLatest"], true, "defaults fill the rest");
    let by_admin = get_json(server, &format!("/Users/{alice_id}"), a).await;
    assert_eq!(by_admin["Configuration"], *conf);
    assert_eq!(
        status(
            server,
            Method::POST,
            &format!("/Users/{alice_id}/Configuration"),
            a,
            Some(json!({"SubtitleMode": "OnlyForced", "AudioLanguagePreference": "eng"})),
        )
        .await,
        204
    );
    let conf = get_json(server, "/Users/Me", &al1.token).await["Configuration"].clone();
    assert_eq!(conf["SubtitleMode"], "OnlyForced");
    assert_eq!(conf["AudioLanguagePreference"], "eng");
    assert_eq!(
        conf["SubtitleLanguagePreference"], "",
        "a post replaces the whole configuration, as in Jellyfin"
    );
    assert_eq!(
        status(
            server,
            Method::POST,
            "/Users/Configuration",
            &al1.token,
            Some(json!({"SubtitleMode": "Sometimes"})),
        )
        .await,
        400
    );

    // --- Renaming (current and legacy routes); names stay unique ignoring case.
    assert_eq!(
        status(
            server,
            Method::POST,
            &format!("/Users?userId={alice_id}"),
            a,
            Some(json!({"Name": "alicia"})),
        )
        .await,
        204
    );
    assert_eq!(
        get_json(server, &format!("/Users/{alice_id}"), a).await["Name"],
        "alicia"
    );
    assert_eq!(
        get_json(server, "/Users/Me", &al1.token).await["Name"],
        "alicia"
    );
    assert_eq!(
        try_login(server, "alice", "alice-pw-1", "x").await.status(),
        401
    );
    assert_eq!(
        status(
            server,
            Method::POST,
            &format!("/Users/{alice_id}"),
            &al1.token,
            Some(json!({"Name": "ADMIN"})),
        )
        .await,
        400
    );
    assert_eq!(
        status(
            server,
            Method::POST,
            &format!("/Users/{alice_id}"),
            &al1.token,
            Some(json!({"Name": "alice"})),
        )
        .await,
        204,
        "users rename themselves"
    );

    // --- Passwords: own change needs the right current one; other devices are signed out.
    for body in [
        json!({"CurrentPw": "wrong", "NewPw": "alice-pw-2"}),
        json!({"NewPw": "alice-pw-2"}),
    ] {
        assert_eq!(
            status(
                server,
                Method::POST,
                "/Users/Password",
                &al1.token,
                Some(body)
            )
            .await,
            403
        );
    }
    assert_eq!(
        me_status(server, &al2.token).await,
        200,
        "refusals revoke nothing"
    );
    assert_eq!(
        status(
            server,
            Method::POST,
            &format!("/Users/Password?userId={alice_id}"),
            &al1.token,
            Some(json!({"currentPw": "alice-pw-1", "newPw": "alice-pw-2"})),
        )
        .await,
        204
    );
    assert_eq!(
        me_status(server, &al1.token).await,
        200,
        "the caller's token stays"
    );
    assert_eq!(
        me_status(server, &al2.token).await,
        401,
        "other devices are signed out"
    );
    assert_eq!(
        try_login(server, "alice", "alice-pw-1", "al3")
            .await
            .status(),
        401
    );
    let al3 = login(server, "alice", "alice-pw-2", "al3").await;
    // Resetting to no password is not supported.
    assert_eq!(
        status(
            server,
            Method::POST,
            &format!("/Users/{alice_id}/Password"),
            a,
            Some(json!({"ResetPassword": true})),
        )
        .await,
        400
    );
    // An administrator sets another user's password without the current one (legacy route);
    // all of that user's tokens go, the administrator's stays.
    assert_eq!(
        status(
            server,
            Method::POST,
            &format!("/Users/{alice_id}/Password"),
            a,
            Some(json!({"NewPw": "alice-pw-3"})),
        )
        .await,
        204
    );
    assert_eq!(me_status(server, &al1.token).await, 401);
    assert_eq!(me_status(server, &al3.token).await, 401);
    assert_eq!(me_status(server, a).await, 200);
    let al4 = login(server, "alice", "alice-pw-3", "al4").await;
    // Administrators changing their own password give the current one too.
    assert_eq!(
        status(
            server,
            Method::POST,
            "/Users/Password",
            a,
            Some(json!({"NewPw": "admin-pw-new"})),
        )
        .await,
        403
    );

    // --- A wrong current password counts as a failed login.
    let bob = call(
        server,
        Method::POST,
        "/Users/New",
        a,
        Some(json!({"Name": "bob", "Password": "bob-pw-1"})),
    )
    .await;
    assert_eq!(bob.status(), 200);
    let bob = login(server, "bob", "bob-pw-1", "bob1").await;
    for _ in 0..5 {
        assert_eq!(
            status(
                server,
                Method::POST,
                "/Users/Password",
                &bob.token,
                Some(json!({"CurrentPw": "guess", "NewPw": "bob-pw-2"})),
            )
            .await,
            403
        );
    }
    assert_eq!(
        status(
            server,
            Method::POST,
            "/Users/Password",
            &bob.token,
            Some(json!({"CurrentPw": "bob-pw-1", "NewPw": "bob-pw-2"})),
        )
        .await,
        429
    );
    assert_eq!(
        try_login(server, "bob", "bob-pw-1", "bob2").await.status(),
        429
    );

    // --- Policy: a disabled user cannot log in and its tokens stop working.
    let policy = |id: &str| format!("/Users/{id}/Policy");
    assert_eq!(
        status(
            server,
            Method::POST,
            &policy(&alice_id),
            a,
            Some(json!({"IsAdministrator": false, "IsDisabled": true})),
        )
        .await,
        204
    );
    assert_eq!(me_status(server, &al4.token).await, 401);
    assert_eq!(
        try_login(server, "alice", "alice-pw-3", "al5")
            .await
            .status(),
        401
    );
    let dto = get_json(server, &format!("/Users/{alice_id}"), a).await;
    assert_eq!(dto["Policy"]["IsDisabled"], true);
    assert_eq!(
        get_json(server, "/Users", a)
            .await
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        status(
            server,
            Method::POST,
            &policy(&alice_id),
            a,
            Some(json!({"IsDisabled": false})),
        )
        .await,
        204
    );
    let al5 = login(server, "alice", "alice-pw-3", "al5").await;
    assert_eq!(
        me_status(server, &al4.token).await,
        401,
        "revoked stays revoked"
    );
    // The last enabled administrator can be neither demoted nor disabled.
    for body in [
        json!({"IsAdministrator": false}),
        json!({"IsDisabled": true}),
    ] {
        assert_eq!(
            status(server, Method::POST, &policy(admin_id), a, Some(body)).await,
            403
        );
    }
    // Promotion shows at once in the user's own view (no stale cached rights).
    assert_eq!(
        status(
            server,
            Method::POST,
            &policy(&alice_id),
            a,
            Some(json!({"IsAdministrator": true})),
        )
        .await,
        204
    );
    let me = get_json(server, "/Users/Me", &al5.token).await;
    assert_eq!(me["Policy"]["IsAdministrator"], true);
    assert_eq!(
        get_json(server, "/Auth/Keys", &al5.token).await["TotalRecordCount"],
        1
    );
    assert_eq!(
        status(
            server,
            Method::POST,
            &policy(&alice_id),
            a,
            Some(json!({"IsDisabled": true})),
        )
        .await,
        403,
        "administrators cannot be disabled"
    );
    assert_eq!(
        status(
            server,
            Method::POST,
            &policy(&alice_id),
            a,
            Some(json!({"IsAdministrator": false})),
        )
        .await,
        204
    );
    assert_eq!(
        status(server, Method::GET, "/Auth/Keys", &al5.token, None).await,
        403,
        "demotion shows at once"
    );

    // --- Deleting: never the last administrator; a deleted user's tokens die with it.
    assert_eq!(
        status(
            server,
            Method::DELETE,
            &format!("/Users/{admin_id}"),
            a,
            None
        )
        .await,
        400
    );
    assert_eq!(
        status(
            server,
            Method::DELETE,
            &format!("/Users/{alice_id}"),
            a,
            None
        )
        .await,
        204
    );
    assert_eq!(me_status(server, &al5.token).await, 401);
    assert_eq!(
        status(server, Method::GET, &format!("/Users/{alice_id}"), a, None).await,
        404
    );
    assert_eq!(
        status(
            server,
            Method::DELETE,
            &format!("/Users/{alice_id}"),
            a,
            None
        )
        .await,
        404
    );
    assert_eq!(
        try_login(server, "alice", "alice-pw-3", "al6")
            .await
            .status(),
        401
    );
    assert_eq!(me_status(server, a).await, 200);

    // --- API keys: created, listed without the secret, usable everywhere, revoked at once.
    let res = call(server, Method::POST, "/Auth/Keys?app=Sonarr", a, None).await;
    assert_eq!(res.status(), 200);
    let created: Value = res.json().await.unwrap();
    let key = created["AccessToken"].as_str().unwrap().to_string();
    assert_eq!(key.len(), 64);
    assert_eq!(created["AppName"], "Sonarr");
    assert_eq!(
        status(server, Method::POST, "/Auth/Keys", a, None).await,
        400,
        "app is required"
    );
    let keys = get_json(server, "/Auth/Keys", a).await;
    assert_eq!(keys["TotalRecordCount"], 2, "the CLI key and the new one");
    assert_eq!(keys["StartIndex"], 0);
    let listed = keys["Items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["AppName"] == "Sonarr")
        .unwrap()
        .clone();
    assert_eq!(
        listed["AccessToken"].as_str().unwrap(),
        format!("{}…", &key[..6]),
        "only a marker is listed"
    );
    assert!(listed["DateCreated"].as_str().unwrap().ends_with('Z'));
    assert!(!keys.to_string().contains(&key));
    assert!(!keys.to_string().contains(cli_key));

    let carriers = [
        server
            .client
            .get(server.url("/System/Info"))
            .header("X-Emby-Token", &key),
        server
            .client
            .get(server.url("/System/Info"))
            .header("X-MediaBrowser-Token", &key),
        server.client.get(server.url("/System/Info")).header(
            "Authorization",
            format!(r#"MediaBrowser Client="Sonarr", Device="srv", DeviceId="srv", Version="4", Token="{key}""#),
        ),
        server
            .client
            .get(server.url(&format!("/System/Info?api_key={key}"))),
        server
            .client
            .get(server.url(&format!("/System/Info?ApiKey={key}"))),
    ];
    for req in carriers {
        assert_eq!(req.send().await.unwrap().status(), 200);
    }
    let me = get_json(server, &format!("/Users/Me?api_key={key}"), "").await;
    assert_eq!(me["Name"], "admin", "a key acts as the first administrator");
    assert_eq!(
        get_json(server, "/Auth/Keys", &key).await["TotalRecordCount"],
        2,
        "with administrator rights"
    );
    // The native API takes the same keys.
    let native = server
        .client
        .get(server.url("/api/v1/libraries"))
        .header("X-Api-Key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(native.status(), 200);

    assert_eq!(
        status(
            server,
            Method::DELETE,
            &format!("/Auth/Keys/{key}"),
            a,
            None
        )
        .await,
        204
    );
    assert_eq!(
        status(server, Method::GET, "/System/Info", &key, None).await,
        401,
        "revoked at once, despite the warm cache"
    );
    assert_eq!(me_status(server, &key).await, 401);
    assert_eq!(
        get_json(server, "/Auth/Keys", a).await["TotalRecordCount"],
        1
    );

    // A key revoked by its id (listed as DeviceId), and the CLI's key by its listed marker.
    let other: Value = call(server, Method::POST, "/Auth/Keys?app=Radarr", a, None)
        .await
        .json()
        .await
        .unwrap();
    let other_key = other["AccessToken"].as_str().unwrap().to_string();
    assert_eq!(me_status(server, &other_key).await, 200);
    let other_id = other["DeviceId"].as_str().unwrap().to_string();
    assert_eq!(
        status(
            server,
            Method::DELETE,
            &format!("/Auth/Keys/{other_id}"),
            a,
            None
        )
        .await,
        204
    );
    assert_eq!(me_status(server, &other_key).await, 401);

    assert_eq!(
        get_json(server, &format!("/Users/Me?ApiKey={cli_key}"), "").await["Name"],
        "admin"
    );
    let marker = format!("{}…", &cli_key[..6]);
    let res = server
        .client
        .delete(server.url(&format!("/Auth/Keys/{marker}")))
        .header("X-Emby-Token", a)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(me_status(server, cli_key).await, 401);
    assert_eq!(
        get_json(server, "/Auth/Keys", a).await["TotalRecordCount"],
        0
    );

    // Neither passwords nor keys reach the log.
    let log = server.log_text();
    for secret in [
        "alice-pw-1",
        "alice-pw-2",
        "alice-pw-3",
        "bob-pw-1",
        ADMIN_PASSWORD,
        key.as_str(),
        other_key.as_str(),
        cli_key,
    ] {
        assert!(!log.contains(secret), "a secret reached the log");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_passwords_settings_and_keys_on_sqlite() {
    let media = tempfile::tempdir().unwrap();
    let inst = Instance::new(&[lib("Movies", media.path(), "movies")], "");
    let server = inst.start();
    scenario(&server, &inst.api_key).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_passwords_settings_and_keys_on_postgres() {
    let Some(base) = common::postgres_url() else {
        return;
    };
    let url = common::fresh_postgres_db(&base).await;
    let media = tempfile::tempdir().unwrap();
    let inst = Instance::with_database(&[lib("Movies", media.path(), "movies")], "", Some(url));
    let server = inst.start();
    scenario(&server, &inst.api_key).await;
}
