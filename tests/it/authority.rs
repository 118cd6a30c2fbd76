//! A mechanism's offline authority: `liaison authority` creates its key file, certifies the
//! mechanism's node keys, revokes them and writes the keyset; the keyset is read back by an
//! independent reader (Python with PyNaCl and cbor2, following the README's formats); bad input
//! is refused with a message naming it.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{Node, liaison_bin};

/// Runs `liaison authority ARGS`; returns exit code, stdout and stderr.
fn authority(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(liaison_bin()).arg("authority").args(args).output().expect("run");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

fn ok(args: &[&str]) -> String {
    let (code, out, err) = authority(args);
    assert_eq!(code, 0, "liaison authority {args:?}: {err}");
    out.trim().to_owned()
}

/// Whether Python's PyNaCl and cbor2 are installed; `.ci/run` installs them and requires them.
fn python_trust_readers() -> bool {
    let skipped = "the independent keyset check with PyNaCl and cbor2; the Rust checks ran";
    crate::support::python_has("nacl.signing, cbor2", "LIAISON_REQUIRE_PYTHON_TRUST", skipped)
}

fn checker() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("py/check_keyset.py")
}

/// Runs the independent reader on `keyset`; returns whether it accepted it, and what it printed.
fn python_reads(keyset: &Path) -> (bool, String) {
    let out = Command::new("python3").arg(checker()).arg(keyset).output().expect("python3");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn an_authority_certifies_and_revokes_and_its_keyset_reads_independently() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key_file = dir.path().join("ohchr-authority.key");
    let file = key_file.to_str().expect("utf-8");
    let card = ok(&["init", "--mechanism", "ohchr", "--name", "OHCHR authority", "--out", file]);
    assert!(card.starts_with("liaison-authority1:"), "{card}");
    assert_eq!(ok(&["card", "--authority", file]), card);
    let meta = std::fs::metadata(&key_file).expect("meta");
    let mode = std::os::unix::fs::PermissionsExt::mode(&meta.permissions());
    assert_eq!(mode & 0o777, 0o600);

    let geneva = Node::init("ohchr");
    let new_york = Node::init("ohchr");
    let cert = ok(&["certify", "--authority", file, &geneva.card(), "--until", "2031-12-31"]);
    assert!(cert.starts_with("liaison-cert1:"), "{cert}");
    ok(&["certify", "--authority", file, &new_york.card()]);
    let revoked = ok(&["revoke", "--authority", file, &geneva.card_key(), "--reason", "retired"]);
    assert!(revoked.starts_with("liaison-revocation1:"), "{revoked}");
    let keyset = dir.path().join("keyset.json");
    ok(&[
        "keyset",
        "--authority",
        file,
        "-o",
        keyset.to_str().expect("utf-8"),
        "--valid-days",
        "7",
    ]);

    let text = std::fs::read_to_string(&keyset).expect("keyset");
    let parsed: liaison_protocol::trust::KeysetFile = serde_json::from_str(&text).expect("json");
    let opened = parsed.open(chrono::Utc::now()).expect("the keyset opens");
    let keys: Vec<String> = opened.certificates.iter().map(|c| c.key.to_string()).collect();
    assert_eq!(keys, [new_york.card_key()], "the revoked key is no longer certified");
    assert_eq!(opened.revocations[0].key.to_string(), geneva.card_key());

    if python_trust_readers() {
        let (accepted, printed) = python_reads(&keyset);
        assert!(accepted, "the independent reader refused the keyset: {printed}");
        assert!(
            printed.contains(&format!("certified {} ohchr member", new_york.card_key())),
            "{printed}"
        );
        assert!(printed.contains(&format!("revoked {} retired", geneva.card_key())), "{printed}");
        // One changed byte anywhere in the signed keyset: the independent reader refuses it.
        let mut file: serde_json::Value = serde_json::from_str(&text).expect("json");
        let body = file["keyset"].as_str().expect("keyset").to_owned();
        for at in [10, body.len() / 2, body.len() - 8] {
            let mut damaged = body.clone().into_bytes();
            damaged[at] = if damaged[at] == b'A' { b'B' } else { b'A' };
            file["keyset"] = String::from_utf8(damaged).expect("ascii").into();
            let copy = dir.path().join("damaged.json");
            std::fs::write(&copy, file.to_string()).expect("write");
            assert!(!python_reads(&copy).0, "a keyset changed at {at} was accepted");
        }
    }
}

#[test]
fn bad_authority_input_is_refused_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key_file = dir.path().join("a.key");
    let file = key_file.to_str().expect("utf-8");
    ok(&["init", "--mechanism", "ohchr", "--out", file]);
    let before = std::fs::read(&key_file).expect("read");

    let (code, _, err) = authority(&["init", "--mechanism", "ohchr", "--out", file]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("never overwritten"), "{err}");
    assert_eq!(std::fs::read(&key_file).expect("read"), before, "the key file is untouched");

    let achpr = Node::init("achpr");
    let (code, _, err) = authority(&["certify", "--authority", file, &achpr.card()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("certifies nodes of ohchr only"), "{err}");

    let (code, _, err) = authority(&["revoke", "--authority", file, "00ff", "--reason", "retired"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("invalid key '00ff'"), "{err}");
    let ohchr = Node::init("ohchr");
    let (code, _, err) =
        authority(&["revoke", "--authority", file, &ohchr.card_key(), "--reason", "lost"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("compromised, retired"), "{err}");
    let (code, _, err) = authority(&["certify", "--authority", file, "liaison1:AAAA"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("card"), "{err}");

    std::fs::set_permissions(&key_file, std::os::unix::fs::PermissionsExt::from_mode(0o644))
        .expect("chmod");
    let (code, _, err) = authority(&["card", "--authority", file]);
    assert_ne!(code, 0);
    assert!(err.contains("chmod 600"), "{err}");
    assert_eq!(std::fs::read(&key_file).expect("read"), before, "nothing was written");
}

/// A node takes a certificate only from an authority it anchored, and only one that holds now;
/// each refusal names the key and the reason, and nothing refused is kept.
#[test]
fn a_node_refuses_certificates_it_cannot_trust_naming_the_key_and_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (ohchr_file, achpr_file) = (dir.path().join("ohchr.key"), dir.path().join("achpr.key"));
    let (ohchr_arg, achpr_arg) =
        (ohchr_file.to_str().expect("utf-8"), achpr_file.to_str().expect("utf-8"));
    let ohchr_card = ok(&["init", "--mechanism", "ohchr", "--out", ohchr_arg]);
    ok(&["init", "--mechanism", "achpr", "--out", achpr_arg]);
    let node = Node::init("ohchr");
    let key = node.card_key();
    let cert = ok(&["certify", "--authority", ohchr_arg, &node.card()]);
    let refused = |lines: &[&str], needle: &str| {
        let mut args = vec!["cert", "add"];
        args.extend(lines);
        let run = node.run(&args);
        assert_eq!(run.code, 2, "cert add {needle}: {run:?}");
        assert!(run.stderr.contains(needle), "{needle}: {}", run.stderr);
    };
    refused(&[&cert], "no authority of ohchr is anchored here");

    node.ok(&["roster", "add", &ohchr_card]);
    let achpr_node = Node::init("achpr");
    let achpr_cert = ok(&["certify", "--authority", achpr_arg, &achpr_node.card()]);
    refused(&[&achpr_cert], "no authority of achpr is anchored here");
    refused(&["liaison-cert1:AAAAAAAA"], "certificate");

    // A certificate that expired a year ago, signed by the anchored authority itself.
    let mut authority = liaison_node::authority::Authority::open(&ohchr_file).expect("open");
    let card = liaison_protocol::Card::decode(&node.card()).expect("card");
    let long_ago = chrono::Utc::now() - chrono::Duration::days(730);
    let expired = authority
        .certify(&card, Some(long_ago + chrono::Duration::days(365)), long_ago)
        .expect("certify")
        .encode(liaison_protocol::trust::CERT_PREFIX);
    refused(&[&expired], &format!("the certificate of key {key} expired"));

    let installed = node.run(&["cert", "add", &cert]);
    assert_eq!(installed.code, 0, "{installed:?}");
    assert!(
        installed.stderr.contains(&format!("certificate: member ohchr {key}")),
        "{installed:?}"
    );
    let listed = node.ok(&["roster", "list"]);
    assert!(listed.contains("authority of ohchr"), "{listed}");
    assert_eq!(
        listed.matches("ohchr      member").count(),
        2,
        "the card and one certificate: {listed}"
    );
}
