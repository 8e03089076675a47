//! The `chinwag` subcommands, as an operator runs them.

use std::process::Command;

use crate::support::{BIN, cli, secret_from};

#[test]
fn one_on_one_id_matches_talkjs() {
    let out = Command::new(BIN).args(["one-on-one-id", "1234", "abcd"]).output().expect("run");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "35ec37e6e0ca43ac8ccc");
    let out = Command::new(BIN).args(["one-on-one-id", "abcd", "1234"]).output().expect("run");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "35ec37e6e0ca43ac8ccc");
}

#[test]
fn apps_are_managed_offline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let migrated = cli(dir.path(), &["migrate"]);
    assert!(migrated.contains("schema version"), "{migrated}");
    let created = cli(dir.path(), &["app", "create", "--app-id", "shop", "--secret-key", "sk_test_0123456789abcdef"]);
    assert_eq!(secret_from(&created), "sk_test_0123456789abcdef");
    let generated = secret_from(&cli(dir.path(), &["app", "create", "--app-id", "blog"]));
    assert!(generated.starts_with("sk_") && generated.len() > 20, "{generated}");
    assert_eq!(cli(dir.path(), &["app", "list"]).lines().collect::<Vec<_>>(), ["blog", "shop"]);
    let set =
        cli(dir.path(), &["app", "set", "shop", "--identity-verification", "required", "--browser-sync-users", "off"]);
    assert!(set.contains("identity verification:       required"), "{set}");
    let shown = cli(dir.path(), &["app", "show", "shop"]);
    assert!(shown.contains("browser sync users:          off"), "{shown}");
    assert!(shown.contains("browser sync conversations:  on"), "{shown}");
    let dup = crate::support::chinwag(dir.path(), &["app", "create", "--app-id", "shop"]).output().expect("run");
    assert!(!dup.status.success(), "a second app with the same id is refused");
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));
}

#[test]
fn tokens_are_jwts_for_the_app() {
    let dir = tempfile::tempdir().expect("tempdir");
    cli(dir.path(), &["app", "create", "--app-id", "shop"]);
    let token = cli(dir.path(), &["token", "user", "--app-id", "shop", "--user-id", "alice", "--ttl", "2h"]);
    let parts: Vec<_> = token.trim().split('.').collect();
    assert_eq!(parts.len(), 3, "{token}");
    use base64::Engine;
    let claims: serde_json::Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(parts[1]).expect("b64"))
            .expect("json");
    assert_eq!(claims["tokenType"], "user");
    assert_eq!(claims["iss"], "shop");
    assert_eq!(claims["sub"], "alice");
    let ttl = claims["exp"].as_i64().expect("exp") - claims["iat"].as_i64().expect("iat");
    assert_eq!(ttl, 7200);
}

#[test]
fn bad_configuration_fails_at_startup_with_a_precise_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(BIN)
        .args(["serve", "--listen", "not-an-address", "--data-dir"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not-an-address"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config = dir.path().join("chinwag.toml");
    std::fs::write(&config, "listen = \"127.0.0.1:0\"\nlog_fromat = \"json\"\n").expect("write");
    let out = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&config)
        .arg("--data-dir")
        .arg(dir.path())
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("log_fromat"),
        "unknown keys are named: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
