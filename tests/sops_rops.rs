//! Cross-checks of ssp's SOPS engine against the independent `rops` crate (0.1.7), for the formats
//! both support (YAML and JSON) and age recipients: files ssp encrypts decrypt with rops, and files
//! rops encrypts decrypt with ssp. The known differences between the two (see the tests under
//! "incompatibilities") are pinned down here too, so a change on either side shows up.
//!
//! rops reads age private keys only from the environment (`ROPS_AGE`, or the file named by
//! `ROPS_AGE_KEY_FILE`, else `~/.config/rops/age_keys`). Setting an environment variable in a
//! multi-threaded test binary is unsound (edition 2024 makes `set_var` `unsafe` for that reason),
//! so every rops decryption runs in a child process of this test binary
//! (`child_rops_decrypts_the_file_it_is_given`), started with the variable set. rops encryption
//! needs only the public recipient and runs in-process.

mod support;
use support::fixtures::{AgeKey, age_key};

use std::process::Command;

use rops::cryptography::cipher::AES256GCM;
use rops::cryptography::hasher::SHA512;
use rops::file::RopsFile;
use rops::file::builder::RopsFileBuilder;
use rops::file::format::{FileFormat, JsonFileFormat, YamlFileFormat};
use rops::file::metadata::PartialEncryptionConfig;
use rops::file::state::EncryptedFile;
use rops::integration::{AgeIntegration, Integration};
use serde_json::Value as Json;
use ssp::sops::{
    AgeIdentities, DecryptOptions, Document, EncryptionRules, EncryptionSpec, Format, KeySources, RecipientGroup,
    SopsError, SopsFile, parse_path, stores,
};

// ------------------------------------------------------------------ ssp side

fn sources(key: &AgeKey) -> KeySources {
    KeySources::with_age(AgeIdentities::from_keys_text(&key.secret, "test identity"))
}

fn ssp_encrypt_groups(plain: &str, format: Format, groups: Vec<RecipientGroup>, rules: EncryptionRules) -> String {
    let doc = Document::new(stores::parse_plain(format, plain.as_bytes()).unwrap());
    let spec = EncryptionSpec { groups, shamir_threshold: None, rules };
    let file = SopsFile::encrypt_new(&doc, format, &spec, &KeySources::with_age(AgeIdentities::none())).unwrap();
    String::from_utf8(file.to_bytes().unwrap()).unwrap()
}

fn ssp_encrypt(plain: &str, format: Format, key: &AgeKey, rules: EncryptionRules) -> String {
    let group = RecipientGroup { age: vec![key.recipient.clone()], ..Default::default() };
    ssp_encrypt_groups(plain, format, vec![group], rules)
}

/// ssp's plaintext of an encrypted file, in `out` format.
fn ssp_decrypt(enc: &str, format: Format, key: &AgeKey, out: Format) -> Result<String, SopsError> {
    let file = SopsFile::load(enc.as_bytes(), format)?;
    let d = file.decrypt(&sources(key), DecryptOptions::default())?;
    Ok(String::from_utf8(file.emit_plain(&d.document, out)?.to_vec()).unwrap())
}

// ------------------------------------------------------------------ rops side

type RopsEncrypted<F> = RopsFile<EncryptedFile<AES256GCM, SHA512>, F>;

fn rops_format(format: Format) -> &'static str {
    match format {
        Format::Yaml => "yaml",
        Format::Json => "json",
        other => panic!("rops has no {other:?} format"),
    }
}

/// rops encrypts `plain` for one age recipient (in-process: encryption needs no private key).
fn rops_encrypt<F: FileFormat>(
    plain: &str,
    recipient: &str,
    partial: Option<PartialEncryptionConfig>,
    mac_only_encrypted: bool,
) -> String {
    let key_id = AgeIntegration::parse_key_id(recipient).unwrap();
    let mut builder = RopsFileBuilder::<F>::new(plain).unwrap().add_integration_key::<AgeIntegration>(key_id);
    if let Some(p) = partial {
        builder = builder.with_partial_encryption(p);
    }
    if mac_only_encrypted {
        builder = builder.mac_only_encrypted();
    }
    builder.encrypt::<AES256GCM, SHA512>().unwrap().to_string()
}

/// rops' decryption of `text` as plaintext JSON, or its error (`{:?}` of it). Runs in the child.
fn rops_decrypt_here<F: FileFormat>(text: &str) -> Result<Json, String> {
    let file: RopsEncrypted<F> = text.parse().map_err(|e| format!("parse: {e:?}"))?;
    let plain = file.decrypt::<F>().map_err(|e| format!("decrypt: {e:?}"))?;
    serde_json::to_value(plain.into_inner_map()).map_err(|e| format!("to json: {e}"))
}

const CHILD_INPUT: &str = "SSP_ROPS_CHILD_INPUT";

/// The rops side of the cross-check, in a child process (started by [`rops_decrypt`]) whose
/// environment holds the age identity in `ROPS_AGE`. Does nothing in the parent test run.
#[test]
fn child_rops_decrypts_the_file_it_is_given() {
    let Some(input) = std::env::var_os(CHILD_INPUT) else {
        return;
    };
    let format = std::env::var("SSP_ROPS_CHILD_FORMAT").unwrap();
    let output = std::env::var_os("SSP_ROPS_CHILD_OUTPUT").unwrap();
    let text = std::fs::read_to_string(input).unwrap();
    let result = match format.as_str() {
        "yaml" => rops_decrypt_here::<YamlFileFormat>(&text),
        "json" => rops_decrypt_here::<JsonFileFormat>(&text),
        other => panic!("unknown format {other}"),
    };
    let report = match result {
        Ok(v) => serde_json::json!({ "ok": v }),
        Err(e) => serde_json::json!({ "err": e }),
    };
    std::fs::write(output, serde_json::to_vec(&report).unwrap()).unwrap();
}

/// Decrypts `enc` with rops in a child process holding `key` in `ROPS_AGE`.
fn rops_decrypt(enc: &str, format: Format, key: &AgeKey) -> Result<Json, String> {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input");
    let output = dir.path().join("output");
    std::fs::write(&input, enc).unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_rops_decrypts_the_file_it_is_given", "--test-threads=1", "--quiet"])
        .env(CHILD_INPUT, &input)
        .env("SSP_ROPS_CHILD_FORMAT", rops_format(format))
        .env("SSP_ROPS_CHILD_OUTPUT", &output)
        .env("ROPS_AGE", &key.secret)
        // not ~/.config/rops/age_keys: only the identity given here
        .env("ROPS_AGE_KEY_FILE", dir.path().join("no-such-key-file"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the rops child failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Json = serde_json::from_slice(&std::fs::read(&output).unwrap()).unwrap();
    match (report.get("ok"), report.get("err")) {
        (Some(v), _) => Ok(v.clone()),
        (_, Some(Json::String(e))) => Err(e.clone()),
        _ => panic!("unexpected child report {report}"),
    }
}

/// A plaintext document as JSON, read by rops' own parser for the format (serde_yaml / serde_json).
fn as_json(plain: &str, format: Format) -> Json {
    match format {
        Format::Yaml => YamlFileFormat::deserialize_from_str::<Json>(plain).unwrap(),
        Format::Json => JsonFileFormat::deserialize_from_str::<Json>(plain).unwrap(),
        other => panic!("rops has no {other:?} format"),
    }
}

/// Equal values with the same key order.
fn assert_same(actual: &Json, expected: &Json, what: &str) {
    assert_eq!(
        serde_json::to_string_pretty(actual).unwrap(),
        serde_json::to_string_pretty(expected).unwrap(),
        "{what}"
    );
}

// ------------------------------------------------------------------ plaintexts

/// Every value type, nesting, lists of scalars and maps, a block scalar, unicode, comments, and
/// an `_unencrypted` key (sops' default rule), in ssp's own output layout.
const YAML: &str = "\
# database settings
db:
    user: admin # inline
    password: hunter2
    port: 5432
    ratio: 0.25
    tls: true
    verify: false
    nothing: null
    code: \"007\"
    script: |
        line one
        line two
    hosts:
        - a.example
        # between items
        - b.example
        - name: replica
          weight: 3
unicode: grüße ✓
deep:
    er:
        est: value
public_unencrypted:
    host: localhost
    port: 80
";

const JSON: &str = "{
\t\"db\": {
\t\t\"user\": \"admin\",
\t\t\"password\": \"hunter2\",
\t\t\"port\": 5432,
\t\t\"ratio\": 0.25,
\t\t\"tls\": true,
\t\t\"nothing\": null,
\t\t\"hosts\": [
\t\t\t\"a.example\",
\t\t\t{
\t\t\t\t\"name\": \"replica\",
\t\t\t\t\"weight\": 3
\t\t\t}
\t\t]
\t},
\t\"unicode\": \"grüße ✓\",
\t\"public_unencrypted\": {
\t\t\"host\": \"localhost\"
\t}
}
";

// ------------------------------------------------------------------ ssp → rops

#[test]
fn ssp_encrypted_yaml_decrypts_with_rops() {
    let key = age_key();
    let enc = ssp_encrypt(YAML, Format::Yaml, &key, EncryptionRules::default());
    assert!(!enc.contains("hunter2") && enc.contains("public_unencrypted:\n    host: localhost\n"));
    assert!(enc.contains("#ENC[AES256_GCM,"), "comments are encrypted:\n{enc}");
    let from_rops = rops_decrypt(&enc, Format::Yaml, &key).unwrap();
    // rops drops comments (serde_yaml has none); the data, its types and order are identical.
    assert_same(&from_rops, &as_json(YAML, Format::Yaml), "rops' plaintext of ssp's file");
    assert_eq!(ssp_decrypt(&enc, Format::Yaml, &key, Format::Yaml).unwrap(), YAML);
}

#[test]
fn ssp_encrypted_json_decrypts_with_rops() {
    let key = age_key();
    let enc = ssp_encrypt(JSON, Format::Json, &key, EncryptionRules::default());
    assert!(!enc.contains("hunter2"));
    let from_rops = rops_decrypt(&enc, Format::Json, &key).unwrap();
    assert_same(&from_rops, &as_json(JSON, Format::Json), "rops' plaintext of ssp's file");
    assert_eq!(ssp_decrypt(&enc, Format::Json, &key, Format::Json).unwrap(), JSON);
}

#[test]
fn ssp_files_with_every_rule_rops_knows_decrypt_with_rops() {
    let key = age_key();
    let plain = "secret_enc: s1\npublic: p1\nnested:\n    token_enc: s2\n    note: p2\n    count: 7\nlist_enc:\n    - x\n    - true\n";
    let rules = [
        EncryptionRules { encrypted_suffix: Some("_enc".into()), ..Default::default() },
        EncryptionRules { unencrypted_suffix: Some("_enc".into()), ..Default::default() },
        EncryptionRules { encrypted_regex: Some("^(secret|token)".into()), ..Default::default() },
        EncryptionRules { unencrypted_regex: Some("^(public|note)$".into()), ..Default::default() },
        EncryptionRules { mac_only_encrypted: true, ..Default::default() },
        EncryptionRules { encrypted_suffix: Some("_enc".into()), mac_only_encrypted: true, ..Default::default() },
        EncryptionRules {
            unencrypted_regex: Some("^(public|note)$".into()),
            mac_only_encrypted: true,
            ..Default::default()
        },
    ];
    for rule in rules {
        for format in [Format::Yaml, Format::Json] {
            let plain = if format == Format::Json { json_of(plain) } else { plain.to_string() };
            let enc = ssp_encrypt(&plain, format, &key, rule.clone());
            let from_rops = rops_decrypt(&enc, format, &key).unwrap_or_else(|e| panic!("{rule:?} {format:?}: {e}"));
            assert_same(&from_rops, &as_json(&plain, format), &format!("{rule:?} {format:?}"));
        }
    }
}

/// The YAML document as sops-style JSON (through ssp's own stores).
fn json_of(yaml: &str) -> String {
    let branches = stores::parse_plain(Format::Yaml, yaml.as_bytes()).unwrap();
    String::from_utf8(stores::emit_plain(Format::Json, &branches, &Default::default()).unwrap()).unwrap()
}

#[test]
fn rops_refuses_an_ssp_file_that_was_tampered_with() {
    // Not a vacuous check: rops verifies what ssp wrote.
    let key = age_key();
    let enc = ssp_encrypt("a: one\nb: two\n", Format::Yaml, &key, EncryptionRules::default());
    let value = |k: &str| enc.lines().find_map(|l| l.strip_prefix(k)).unwrap().to_string();
    let (a, b) = (value("a: "), value("b: "));
    let swapped =
        enc.replacen(&format!("a: {a}"), &format!("a: {b}"), 1).replacen(&format!("b: {b}"), &format!("b: {a}"), 1);
    assert_ne!(swapped, enc);
    let err = rops_decrypt(&swapped, Format::Yaml, &key).unwrap_err();
    assert!(err.contains("Cipher"), "values moved to another key fail authentication: {err}");
    let other = age_key();
    let err = rops_decrypt(&enc, Format::Yaml, &other).unwrap_err();
    assert!(err.contains("MissingDataKey"), "{err}");
}

// ------------------------------------------------------------------ rops → ssp

/// YAML as rops (serde_yaml) reads it, written the way ssp writes plaintext, so the text
/// round-trips exactly. No `_unencrypted` keys: see the incompatibility test below.
const ROPS_YAML: &str = "\
db:
    user: admin
    password: hunter2
    port: 5432
    ratio: 0.25
    tls: true
    nothing: null
    code: \"007\"
    script: |
        line one
        line two
    hosts:
        - a.example
        - name: replica
          weight: 3
unicode: grüße ✓
";

#[test]
fn rops_encrypted_yaml_decrypts_with_ssp() {
    let key = age_key();
    let enc = rops_encrypt::<YamlFileFormat>(ROPS_YAML, &key.recipient, None, false);
    assert!(!enc.contains("hunter2") && enc.contains("age:") && !enc.contains("version:"), "{enc}");
    assert_eq!(ssp_decrypt(&enc, Format::Yaml, &key, Format::Yaml).unwrap(), ROPS_YAML);
    // and rops reads its own file back the same (the cross-check's baseline)
    assert_same(&rops_decrypt(&enc, Format::Yaml, &key).unwrap(), &as_json(ROPS_YAML, Format::Yaml), "rops");
}

#[test]
fn rops_encrypted_json_decrypts_with_ssp() {
    let key = age_key();
    let plain = JSON.replace("public_unencrypted", "public");
    let enc = rops_encrypt::<JsonFileFormat>(&plain, &key.recipient, None, false);
    assert!(!enc.contains("hunter2"), "{enc}");
    let from_ssp = ssp_decrypt(&enc, Format::Json, &key, Format::Json).unwrap();
    assert_same(&as_json(&from_ssp, Format::Json), &as_json(&plain, Format::Json), "ssp's plaintext of rops' file");
}

#[test]
fn rops_files_with_partial_encryption_decrypt_with_ssp() {
    let key = age_key();
    let plain = "secret_enc: s1\npublic: p1\nnested:\n    token_enc: s2\n    note: p2\n    count: 7\n";
    let configs: Vec<(fn() -> PartialEncryptionConfig, bool)> = vec![
        (|| PartialEncryptionConfig::EncryptedSuffix("_enc".into()), false),
        (|| PartialEncryptionConfig::UnencryptedSuffix("_enc".into()), false),
        (|| PartialEncryptionConfig::EncryptedRegex(regex::Regex::new("^(secret|token)").unwrap().into()), false),
        (|| PartialEncryptionConfig::UnencryptedRegex(regex::Regex::new("^(public|note)$").unwrap().into()), false),
        (|| PartialEncryptionConfig::EncryptedSuffix("_enc".into()), true),
        (|| PartialEncryptionConfig::UnencryptedRegex(regex::Regex::new("^(public|note)$").unwrap().into()), true),
    ];
    for (config, mac_only) in configs {
        let what = format!("{:?} mac_only_encrypted={mac_only}", config());
        let enc = rops_encrypt::<YamlFileFormat>(plain, &key.recipient, Some(config()), mac_only);
        assert_eq!(ssp_decrypt(&enc, Format::Yaml, &key, Format::Yaml).unwrap(), plain, "{what}\n{enc}");
        let json = json_of(plain);
        let enc = rops_encrypt::<JsonFileFormat>(&json, &key.recipient, Some(config()), mac_only);
        assert_same(
            &as_json(&ssp_decrypt(&enc, Format::Json, &key, Format::Json).unwrap(), Format::Json),
            &as_json(&json, Format::Json),
            &what,
        );
    }
}

/// A tree of ~1,300 values (the size where per-value costs show): every kind of scalar, nested
/// mappings, lists of scalars and of mappings, nulls, and keys the partial-encryption rules below
/// select.
fn large_yaml() -> String {
    let mut out = String::new();
    for s in 0..60 {
        out.push_str(&format!(
            "service{s:02}:\n    name: svc-{s}\n    secret_enc: token-{s}-ÿ\n    port: {}\n",
            8000 + s
        ));
        out.push_str(&format!("    ratio: {}.5\n    enabled: {}\n    none: null\n", s, s % 2 == 0));
        out.push_str("    env:\n");
        for e in 0..12 {
            out.push_str(&format!("        VAR_{e}: value-{s}-{e}\n"));
        }
        out.push_str("    hosts:\n");
        for h in 0..3 {
            out.push_str(&format!("        - h{h}.example\n"));
        }
        out.push_str(&format!("        - name: replica-{s}\n          weight: {s}\n"));
    }
    out
}

#[test]
fn large_files_cross_check_with_rops_both_ways() {
    let key = age_key();
    let plain = large_yaml();
    let expected = as_json(&plain, Format::Yaml);
    // ssp encrypts, rops decrypts.
    let enc = ssp_encrypt(&plain, Format::Yaml, &key, EncryptionRules::default());
    assert!(enc.matches("ENC[AES256_GCM,").count() > 1200, "every value encrypted");
    assert_same(&rops_decrypt(&enc, Format::Yaml, &key).unwrap(), &expected, "rops' plaintext of ssp's large file");
    // rops encrypts, ssp decrypts.
    let enc = rops_encrypt::<YamlFileFormat>(&plain, &key.recipient, None, false);
    assert!(ssp_decrypt(&enc, Format::Yaml, &key, Format::Yaml).unwrap() == plain, "ssp's plaintext of rops' file");
    // Partly encrypted, the MAC over all values or only the encrypted ones.
    let selected = regex::Regex::new("^(secret|VAR_1)").unwrap();
    for mac_only in [false, true] {
        let config = PartialEncryptionConfig::EncryptedRegex(selected.clone().into());
        let enc = rops_encrypt::<YamlFileFormat>(&plain, &key.recipient, Some(config), mac_only);
        assert!(enc.contains("name: svc-7\n") && !enc.contains("token-7"), "{mac_only}");
        assert!(ssp_decrypt(&enc, Format::Yaml, &key, Format::Yaml).unwrap() == plain, "mac_only {mac_only}");
        let rules = EncryptionRules {
            encrypted_regex: Some("^(secret|VAR_1)".into()),
            mac_only_encrypted: mac_only,
            ..Default::default()
        };
        let enc = ssp_encrypt(&plain, Format::Yaml, &key, rules);
        assert_same(&rops_decrypt(&enc, Format::Yaml, &key).unwrap(), &expected, &format!("mac_only {mac_only}"));
    }
}

#[test]
fn ssp_edits_of_a_rops_file_still_decrypt_with_rops() {
    // rops encrypts → ssp `set` (same data key, fresh IVs, new MAC and lastmodified) → rops decrypts.
    let key = age_key();
    for format in [Format::Yaml, Format::Json] {
        let plain = if format == Format::Json { json_of(ROPS_YAML) } else { ROPS_YAML.to_string() };
        let enc = match format {
            Format::Yaml => rops_encrypt::<YamlFileFormat>(&plain, &key.recipient, None, false),
            _ => rops_encrypt::<JsonFileFormat>(&plain, &key.recipient, None, false),
        };
        let file = SopsFile::load(enc.as_bytes(), format).unwrap();
        let path = parse_path(r#"["db"]["password"]"#).unwrap();
        let edited = file.set(&sources(&key), &path, ssp::sops::Value::Str("changed".into())).unwrap().unwrap();
        let edited = String::from_utf8(edited.to_bytes().unwrap()).unwrap();
        let mut expected = as_json(&plain, format);
        expected["db"]["password"] = Json::String("changed".into());
        assert_same(&rops_decrypt(&edited, format, &key).unwrap(), &expected, &format!("{format:?}"));
    }
}

// ------------------------------------------------------------------ incompatibilities

#[test]
fn incompatible_empty_strings_ssp_leaves_them_clear_and_rops_refuses_that() {
    // sops (aes/cipher.go) and ssp leave an empty string unencrypted: `key: ""`. rops expects
    // every value not exempted by a rule to be ENC[…] and refuses the whole file.
    let key = age_key();
    let enc = ssp_encrypt("a: \"\"\nb: x\n", Format::Yaml, &key, EncryptionRules::default());
    assert!(enc.contains("a: \"\"\n"), "{enc}");
    let err = rops_decrypt(&enc, Format::Yaml, &key).unwrap_err();
    assert!(err.contains("ENC prefix"), "{err}");
    // The other way round works with ssp: rops encrypts "" as `ENC[AES256_GCM,data:,…]`, which
    // ssp decrypts (Go sops' `data:(.+)` pattern does not match it).
    let enc = rops_encrypt::<YamlFileFormat>("a: \"\"\nb: x\n", &key.recipient, None, false);
    assert!(enc.contains("ENC[AES256_GCM,data:,iv:"), "{enc}");
    assert_eq!(ssp_decrypt(&enc, Format::Yaml, &key, Format::Yaml).unwrap(), "a: \"\"\nb: x\n");
}

#[test]
fn incompatible_rops_files_without_a_rule_and_keys_ending_in_unencrypted() {
    // rops writes no rule when none is given and then encrypts every value; sops (stores.go,
    // Metadata.ToInternal) and ssp read a file without a rule as `unencrypted_suffix: _unencrypted`,
    // so such a key's ENC[…] string is taken as its plaintext and the MAC no longer matches.
    let key = age_key();
    let plain = "public_unencrypted: p1\nsecret: s1\n";
    let enc = rops_encrypt::<YamlFileFormat>(plain, &key.recipient, None, false);
    // (Checked by line: the random base64 of other values may well contain "p1".)
    let value_encrypted =
        !enc.lines().any(|l| l.starts_with("public_unencrypted: ") && !l.starts_with("public_unencrypted: ENC["));
    assert!(!enc.contains("unencrypted_suffix") && value_encrypted, "{enc}");
    let err = ssp_decrypt(&enc, Format::Yaml, &key, Format::Yaml).unwrap_err();
    assert!(matches!(err, SopsError::MacMismatch), "{err:?}");
    assert_eq!(err.exit_code(), 51);
    // With the rule written out, as ssp and sops write it, both agree.
    let enc = rops_encrypt::<YamlFileFormat>(
        plain,
        &key.recipient,
        Some(PartialEncryptionConfig::UnencryptedSuffix("_unencrypted".into())),
        false,
    );
    assert_eq!(ssp_decrypt(&enc, Format::Yaml, &key, Format::Yaml).unwrap(), plain);
}

#[test]
fn incompatible_key_groups_rops_reads_only_a_flat_age_list() {
    // Two key groups (Shamir): the age stanzas are under `key_groups`, which rops does not read.
    let (k1, k2) = (age_key(), age_key());
    let groups = [&k1, &k2].map(|k| RecipientGroup { age: vec![k.recipient.clone()], ..Default::default() }).to_vec();
    let enc = ssp_encrypt_groups("a: x\n", Format::Yaml, groups, EncryptionRules::default());
    assert!(enc.contains("key_groups:") && enc.contains("shamir_threshold:"), "{enc}");
    let err = rops_decrypt(&enc, Format::Yaml, &k1).unwrap_err();
    assert!(err.contains("MissingDataKey"), "{err}");
}

#[test]
fn incompatible_comment_regex_rules_are_unknown_to_rops() {
    // rops knows the four suffix/regex rules only; with `unencrypted_comment_regex` ssp leaves the
    // marked value clear and rops, ignoring the rule, refuses the clear value.
    let key = age_key();
    let rules = EncryptionRules { unencrypted_comment_regex: Some("sops:clear".into()), ..Default::default() };
    let enc = ssp_encrypt("# sops:clear\npublic: p1\nsecret: s1\n", Format::Yaml, &key, rules);
    assert!(enc.contains("public: p1\n"), "{enc}");
    let err = rops_decrypt(&enc, Format::Yaml, &key).unwrap_err();
    assert!(err.contains("ENC prefix"), "{err}");
}
