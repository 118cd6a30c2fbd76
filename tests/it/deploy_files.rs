//! The `deploy/` folder stays true: every example config is one the node accepts, for the
//! mechanism and role it claims, and each unit runs the node as its own sandboxed user.

use std::path::{Path, PathBuf};

use liaison_node::identity::Config;
use liaison_protocol::Role;

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy")
}

fn config(name: &str) -> Config {
    let path = deploy_dir().join("config").join(format!("{name}.toml"));
    let text = std::fs::read_to_string(&path).expect("read an example config");
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn example_configs_are_accepted_for_their_mechanism_and_role() {
    for mechanism in ["ohchr", "achpr", "coe", "iachr"] {
        let config = config(mechanism);
        assert_eq!(config.mechanism.to_string(), mechanism);
        assert_eq!(config.role, Role::Member, "{mechanism}");
        assert_eq!(config.api, "127.0.0.1:7878", "{mechanism}");
    }
    let mirror = config("ngo-mirror");
    assert_eq!(mirror.role, Role::Mirror);
    // Behind the reverse proxy, the public site listens on loopback, as the Caddyfile expects.
    assert_eq!(mirror.http.as_deref(), Some("127.0.0.1:8080"));
    let caddy = std::fs::read_to_string(deploy_dir().join("Caddyfile")).expect("Caddyfile");
    assert!(caddy.contains("reverse_proxy 127.0.0.1:8080"), "{caddy}");
}

#[test]
fn units_run_the_node_sandboxed_as_its_own_user() {
    for (unit, user) in [("liaison-member", "liaison"), ("liaison-mirror", "liaison-mirror")] {
        let path = deploy_dir().join(format!("{unit}.service"));
        let text = std::fs::read_to_string(&path).expect("read a unit");
        let lines: Vec<&str> = text.lines().collect();
        for wanted in [
            format!("User={user}"),
            format!("StateDirectory={user}"),
            format!("Environment=LIAISON_DIR=/var/lib/{user}"),
            "StateDirectoryMode=0700".to_owned(),
            "ProtectSystem=strict".to_owned(),
            "NoNewPrivileges=yes".to_owned(),
            "CapabilityBoundingSet=".to_owned(),
            "KillSignal=SIGTERM".to_owned(),
            "Restart=on-failure".to_owned(),
            "ExecStart=/usr/local/bin/liaison node --log-format json".to_owned(),
        ] {
            assert!(lines.contains(&wanted.as_str()), "{unit}: no line {wanted:?}");
        }
    }
}
