//! Files made by the real Go sops (shared fixtures) decrypt with ssp's engine, using the published
//! sops functional-test PGP key in a throwaway GNUPGHOME; the team's real file (keys we do not
//! have) parses and fails with a per-key explanation.

mod support;
use support::fixtures;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ssp::sops::keys::NoKms;
use ssp::sops::{AgeIdentities, DecryptOptions, Document, Format, KeySources, MapItem, SopsError, SopsFile, Value};

fn pgp_sources(home: &fixtures::GpgHome) -> KeySources {
    KeySources { age: AgeIdentities::none(), gpg: Arc::new(home.gpg()), kms: Arc::new(NoKms) }
}

fn load(path: &Path, format: Format) -> SopsFile {
    let bytes = std::fs::read(path).unwrap();
    SopsFile::load(&bytes, format).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn decrypt_to_text(file: &SopsFile, sources: &KeySources, out: Format) -> String {
    let d = file.decrypt(sources, DecryptOptions::default()).unwrap_or_else(|e| panic!("decrypt failed: {e}"));
    String::from_utf8(file.emit_plain(&d.document, out).unwrap().to_vec()).unwrap()
}

fn setup() -> Option<(PathBuf, fixtures::GpgHome)> {
    let g = fixtures::getsops()?;
    let home = fixtures::GpgHome::with_sops_test_key(&g)?;
    Some((g, home))
}

#[test]
fn every_go_sops_fixture_decrypts_with_its_mac_checked() {
    let Some((g, home)) = setup() else { return };
    let s = pgp_sources(&home);
    let res = g.join("functional-tests/res");
    let cases: Vec<(PathBuf, Format, &str)> = vec![
        (res.join("format.enc.yaml"), Format::Yaml, "foo: bar\n"),
        (res.join("format.enc.json"), Format::Json, "{\n\t\"foo\": \"bar\"\n}\n"),
        (res.join("format.enc.env"), Format::Dotenv, "foo = bar\n"),
        (res.join("format.enc.ini"), Format::Ini, "[foo]\nbar = baz\n"),
        (res.join("format-2.enc.ini"), Format::Ini, "[foo]\nbar = baz\n"),
        (res.join("multiple_keys.yaml"), Format::Yaml, "message: hello\n"),
        (
            g.join("example.txt"),
            Format::Binary,
            "Welcome to SOPS!\n\nSOPS is a manager of encrypted files designed to help distribute secrets.\nCheck it out, it's on github: https://github.com/mozilla/sops\n\n",
        ),
    ];
    for (path, format, expected) in cases {
        let file = load(&path, format);
        assert_eq!(decrypt_to_text(&file, &s, format), expected, "{}", path.display());
    }
}

#[test]
fn example_files_decrypt_to_their_known_plaintext() {
    let Some((g, home)) = setup() else { return };
    let s = pgp_sources(&home);
    let yaml = decrypt_to_text(&load(&g.join("example.yaml"), Format::Yaml), &s, Format::Yaml);
    assert!(yaml.starts_with("myapp1: t00m4nys3cr3tzupdated\napp2:\n    db:\n        user: eve\n"), "{yaml}");
    assert!(yaml.contains("        # private key for secret operations in app2\n"));
    assert!(yaml.contains("    key: |\n        -----BEGIN RSA PRIVATE KEY-----\n"));
    assert!(yaml.contains("somebooleans:\n    - true\n    - false\n"));
    assert!(yaml.contains("                # by adding the `_unencrypted` suffix\n"));
    assert!(!yaml.contains("ENC["));

    let json = decrypt_to_text(&load(&g.join("example.json"), Format::Json), &s, Format::Json);
    assert!(json.contains("\t\"age\": 25.4,\n"), "{json}");
    assert!(json.contains("\t\t\t\"number\": \"646 555-4567\",\n"));
    assert!(json.contains("\t\"anEmptyValue\": \"\"\n"));

    let ini = decrypt_to_text(&load(&g.join("example.ini"), Format::Ini), &s, Format::Ini);
    assert!(
        ini.starts_with("; An example file for use with sops!\n[name]\nfirstName = John\nlastName  = Smith\n"),
        "{ini}"
    );
    assert!(ini.contains("[not private]\nnotsecret_unencrypted = hi there!\n"));
}

#[test]
fn comments_decrypt_to_the_original_plaintext() {
    let Some((g, home)) = setup() else { return };
    let s = pgp_sources(&home);
    let res = g.join("functional-tests/res");
    let expected = std::fs::read_to_string(res.join("comments.yaml")).unwrap();
    for name in ["comments.enc.yaml", "comments_unencrypted_comments.yaml"] {
        let text = decrypt_to_text(&load(&res.join(name), Format::Yaml), &s, Format::Yaml);
        assert_eq!(text.trim_end(), expected.trim_end(), "{name}");
    }
    // And as trees, comments included.
    let file = load(&res.join("comments.enc.yaml"), Format::Yaml);
    let d = file.decrypt(&s, DecryptOptions::default()).unwrap();
    let plain = Document::new(ssp::sops::stores::parse_plain(Format::Yaml, expected.as_bytes()).unwrap());
    assert_eq!(d.document, plain);
}

#[test]
fn no_mac_is_refused_unless_the_mac_is_ignored() {
    let Some((g, home)) = setup() else { return };
    let s = pgp_sources(&home);
    let file = load(&g.join("functional-tests/res/no_mac.yaml"), Format::Yaml);
    let err = file.decrypt(&s, DecryptOptions::default()).err().expect("must be refused");
    assert!(matches!(err, SopsError::MacNotFound), "{err}");
    assert_eq!(err.exit_code(), 52);
    let d = file.decrypt(&s, DecryptOptions { ignore_mac: true }).unwrap();
    let MapItem::Entry(k, Value::Str(v)) = &d.document.branches[0][0] else { panic!("shape") };
    assert_eq!(k, "myapp1");
    assert!(!v.starts_with("ENC[") && !v.is_empty());
}

#[test]
fn files_written_by_sops_3_10_and_later_re_emit_byte_for_byte() {
    let Some(g) = fixtures::getsops() else { return };
    let res = g.join("functional-tests/res");
    for (path, format) in [
        (g.join("example.yaml"), Format::Yaml),
        (res.join("format.enc.yaml"), Format::Yaml),
        (res.join("format.enc.json"), Format::Json),
        (res.join("format.enc.env"), Format::Dotenv),
        (res.join("format.enc.ini"), Format::Ini),
    ] {
        let original = std::fs::read(&path).unwrap();
        let emitted = SopsFile::load(&original, format).unwrap().to_bytes().unwrap();
        assert_eq!(String::from_utf8_lossy(&emitted), String::from_utf8_lossy(&original), "{}", path.display());
    }
}

#[test]
fn edit_with_the_same_key_keeps_the_file_decryptable_by_the_same_keys() {
    let Some((g, home)) = setup() else { return };
    let s = pgp_sources(&home);
    let file = load(&g.join("example.yaml"), Format::Yaml);
    let d = file.decrypt(&s, DecryptOptions::default()).unwrap();
    let again = file.reencrypt(&d.document, &d.data_key).unwrap();
    assert_eq!(again.metadata.key_groups, file.metadata.key_groups);
    assert_ne!(again.metadata.mac, file.metadata.mac);
    let reloaded = SopsFile::load(&again.to_bytes().unwrap(), Format::Yaml).unwrap();
    let d2 = reloaded.decrypt(&s, DecryptOptions::default()).unwrap();
    assert_eq!(d2.document, d.document);
}

#[test]
fn the_team_file_parses_reports_encrypted_and_explains_every_key_on_decrypt() {
    let Some(p) = fixtures::team_values_file() else { return };
    let Some(g) = fixtures::getsops() else { return };
    let Some(home) = fixtures::GpgHome::with_sops_test_key(&g) else {
        return;
    };
    let bytes = std::fs::read(&p).unwrap();
    assert!(ssp::sops::is_encrypted(&bytes, Format::Yaml));
    let file = SopsFile::load(&bytes, Format::Yaml).unwrap();
    assert_eq!(file.metadata.key_groups.len(), 1);
    assert_eq!(file.metadata.key_groups[0].len(), 3);
    let err =
        file.decrypt(&pgp_sources(&home), DecryptOptions::default()).err().expect("we do not have the team's keys");
    assert_eq!(err.exit_code(), 128);
    let msg = err.to_string();
    assert!(msg.contains("pgp AD28C8D8C60268C5F329509B31FEC69867EB2B81"), "{msg}");
    assert!(msg.contains("kms arn:aws:kms:us-west-2:871683513797:key/9531919a-aae2-4ad9-bd2a-4f30eb8250c3"), "{msg}");
    assert!(msg.contains("kms arn:aws:kms:us-east-1:871683513797:key/0fc8c451-67d6-4b6f-8ad2-d8537d375937"), "{msg}");
    assert_eq!(msg.matches("no AWS KMS support in this build").count(), 2, "{msg}");
    assert!(msg.contains("gpg failed"), "{msg}");
    let SopsError::CouldNotRetrieveKey { groups, .. } = err else { panic!("variant") };
    assert_eq!(groups[0].keys.len(), 3);
}

#[test]
fn the_team_file_data_section_re_emits_unchanged_and_keeps_its_kms_keys() {
    let Some(p) = fixtures::team_values_file() else { return };
    let original = std::fs::read_to_string(&p).unwrap();
    let file = SopsFile::load(original.as_bytes(), Format::Yaml).unwrap();
    let emitted = String::from_utf8(file.to_bytes().unwrap()).unwrap();
    let data = |s: &str| s[..s.find("\nsops:\n").unwrap()].to_string();
    assert_eq!(data(&emitted), data(&original));
    // KMS entries are carried through with every field.
    let reloaded = SopsFile::load(emitted.as_bytes(), Format::Yaml).unwrap();
    assert_eq!(reloaded.metadata, file.metadata);
    assert!(emitted.contains("          aws_profile: \"\"\n"));
}
