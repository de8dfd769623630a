//! Round trips through ssp's SOPS engine for every format and option, key groups with Shamir,
//! updatekeys/rotate/set/unset, cross-checks with the `age` CLI, and tampering.

mod support;
use support::Need;
use support::fixtures;

use std::sync::Arc;

use ssp::sops::keys::NoKms;
use ssp::sops::{
    AgeIdentities, DataKey, DecryptOptions, Document, EncryptionRules, EncryptionSpec, Format, KeySources, MapItem,
    RecipientGroup, SopsConfig, SopsError, SopsFile, Value, changed_paths, parse_path, stores,
};

use support::fixtures::{AgeKey as Identity, age_key as identity};

fn sources(ids: &[&Identity]) -> KeySources {
    let text: Vec<&str> = ids.iter().map(|i| i.secret.as_str()).collect();
    KeySources {
        age: if ids.is_empty() {
            AgeIdentities::none()
        } else {
            AgeIdentities::from_keys_text(&text.join("\n"), "test identities")
        },
        gpg: Arc::new(ssp::sops::SystemGpg::from_env()),
        kms: Arc::new(NoKms),
    }
}

fn spec(ids: &[&Identity], rules: EncryptionRules) -> EncryptionSpec {
    EncryptionSpec {
        groups: vec![RecipientGroup { age: ids.iter().map(|i| i.recipient.clone()).collect(), ..Default::default() }],
        shamir_threshold: None,
        rules,
    }
}

fn encrypt(plain: &str, format: Format, ids: &[&Identity], rules: EncryptionRules) -> String {
    let doc = Document::new(stores::parse_plain(format, plain.as_bytes()).unwrap());
    let file = SopsFile::encrypt_new(&doc, format, &spec(ids, rules), &sources(ids)).unwrap();
    String::from_utf8(file.to_bytes().unwrap()).unwrap()
}

fn decrypt(enc: &str, format: Format, s: &KeySources) -> Result<String, SopsError> {
    let file = SopsFile::load(enc.as_bytes(), format)?;
    let d = file.decrypt(s, DecryptOptions::default())?;
    Ok(String::from_utf8(file.emit_plain(&d.document, format)?.to_vec()).unwrap())
}

const YAML: &str = "# top comment\napp:\n    user: admin # inline note\n    password: hunter2\n    port: 5432\n    ratio: 0.5\n    enabled: true\n    nothing: null\n    empty: \"\"\n    script: |\n        line one\n        line two\n    list:\n        - a\n        # between\n        - b\n        - name: x\n          value: 1\ndb_unencrypted:\n    host: localhost\n";

#[test]
fn every_format_round_trips_through_encrypt_and_decrypt() {
    let me = identity();
    let cases: [(Format, &str); 5] = [
        (Format::Yaml, YAML),
        (
            Format::Json,
            "{\n\t\"a\": \"x\",\n\t\"n\": 3,\n\t\"f\": 1.25,\n\t\"b\": false,\n\t\"o\": {\n\t\t\"l\": [\n\t\t\t\"y\",\n\t\t\t{\n\t\t\t\t\"k\": \"v\"\n\t\t\t}\n\t\t]\n\t},\n\t\"e\": \"\"\n}\n",
        ),
        (Format::Dotenv, "#comment\nA=1\nB=multi\\nline\nC=plain\n"),
        (Format::Ini, "; section note\n[db]\nuser     = admin\npassword = hunter2\n\n[other]\nk = v\n"),
        (Format::Binary, "any\nbytes: at all\n\u{1}"),
    ];
    for (format, plain) in cases {
        let enc = encrypt(plain, format, &[&me], EncryptionRules::default());
        assert!(enc.contains("ENC[AES256_GCM,data:"), "{format:?}");
        assert!(!enc.contains("hunter2"), "{format:?}");
        assert!(enc.contains("-----BEGIN AGE ENCRYPTED FILE-----"), "{format:?}");
        assert_eq!(decrypt(&enc, format, &sources(&[&me])).unwrap(), plain, "{format:?}");
        // decrypt → encrypt → decrypt is stable
        let again =
            encrypt(&decrypt(&enc, format, &sources(&[&me])).unwrap(), format, &[&me], EncryptionRules::default());
        assert_eq!(decrypt(&again, format, &sources(&[&me])).unwrap(), plain);
    }
}

#[test]
fn yaml_numbers_are_read_as_yaml_v3_reads_them() {
    // Go sops (yaml.v3, `strconv.ParseInt(s, 0, 64)`) reads `0777` as the octal 511 and `0X1F` as
    // 31, and encrypts them as `type:int`; a string that reads as a number is written quoted.
    let me = identity();
    let plain = "mode: 0777\nhex: 0X1F\nneg: -0o17\nquoted: '0777'\n";
    let enc = encrypt(plain, Format::Yaml, &[&me], EncryptionRules::default());
    assert_eq!(enc.matches("type:int]").count(), 3, "{enc}");
    assert_eq!(enc.matches("type:str]").count(), 2, "the quoted value and the MAC: {enc}");
    let back = decrypt(&enc, Format::Yaml, &sources(&[&me])).unwrap();
    assert_eq!(back, "mode: 511\nhex: 31\nneg: -15\nquoted: \"0777\"\n");
}

#[test]
fn yaml_comments_are_encrypted_like_sops_and_suffix_keeps_values_clear() {
    let me = identity();
    let enc = encrypt(YAML, Format::Yaml, &[&me], EncryptionRules::default());
    assert!(enc.starts_with("#ENC[AES256_GCM,data:"), "{enc}");
    assert!(enc.contains(",type:comment]\napp:\n"));
    assert!(enc.contains("    port: ENC[AES256_GCM,"));
    assert!(enc.contains(",type:int]\n"));
    assert!(enc.contains(",type:float]\n"));
    assert!(enc.contains(",type:bool]\n"));
    assert!(enc.contains("    nothing: null\n"));
    assert!(enc.contains("    empty: \"\"\n"));
    assert!(enc.contains("db_unencrypted:\n    host: localhost\n"));
    assert!(enc.contains("    unencrypted_suffix: _unencrypted\n"));
    assert!(!enc.contains("between") && !enc.contains("inline note") && !enc.contains("top comment"));
}

fn check_rule(rules: EncryptionRules, plain: &str, clear: &[&str], hidden: &[&str]) {
    let me = identity();
    let enc = encrypt(plain, Format::Yaml, &[&me], rules.clone());
    for c in clear {
        assert!(enc.contains(c), "{rules:?}: expected {c:?} in clear:\n{enc}");
    }
    for h in hidden {
        assert!(!enc.contains(h), "{rules:?}: {h:?} should be encrypted:\n{enc}");
    }
    assert_eq!(decrypt(&enc, Format::Yaml, &sources(&[&me])).unwrap(), plain);
}

#[test]
fn every_encryption_rule_round_trips_and_selects_the_right_values() {
    let plain = "secret_enc: s1\npublic: p1\nnested:\n    token_enc: s2\n    note: p2\n";
    check_rule(
        EncryptionRules { encrypted_suffix: Some("_enc".into()), ..Default::default() },
        plain,
        &["public: p1", "note: p2", "encrypted_suffix: _enc"],
        &[": s1", ": s2"],
    );
    check_rule(
        EncryptionRules { unencrypted_suffix: Some("_enc".into()), ..Default::default() },
        plain,
        &["secret_enc: s1", "token_enc: s2"],
        &[": p1", ": p2"],
    );
    check_rule(
        EncryptionRules { encrypted_regex: Some("^(secret|token)".into()), ..Default::default() },
        plain,
        &["public: p1", "note: p2", "encrypted_regex:"],
        &[": s1", ": s2"],
    );
    check_rule(
        EncryptionRules { unencrypted_regex: Some("^(public|note)$".into()), ..Default::default() },
        plain,
        &["public: p1", "note: p2", "unencrypted_regex:"],
        &[": s1", ": s2"],
    );
    let commented = "# sops:enc\nsecret: s1\npublic: p1\n";
    check_rule(
        EncryptionRules { encrypted_comment_regex: Some("sops:enc".into()), ..Default::default() },
        commented,
        &["# sops:enc\n", "public: p1", "encrypted_comment_regex: sops:enc"],
        &[": s1"],
    );
    let commented = "# sops:clear\npublic: p1\nsecret: s1\n";
    check_rule(
        EncryptionRules { unencrypted_comment_regex: Some("sops:clear".into()), ..Default::default() },
        commented,
        &["# sops:clear\n", "public: p1", "unencrypted_comment_regex: sops:clear"],
        &[": s1"],
    );
    check_rule(
        EncryptionRules { mac_only_encrypted: true, ..Default::default() },
        "a: s1\nb_unencrypted: p1\n",
        &["b_unencrypted: p1", "mac_only_encrypted: true"],
        &[": s1"],
    );
}

#[test]
fn mac_only_encrypted_allows_editing_clear_values_but_a_full_mac_does_not() {
    let me = identity();
    let s = sources(&[&me]);
    let only = encrypt(
        "a: s1\nb_unencrypted: p1\n",
        Format::Yaml,
        &[&me],
        EncryptionRules { mac_only_encrypted: true, ..Default::default() },
    );
    assert!(decrypt(&only.replace("b_unencrypted: p1", "b_unencrypted: p2"), Format::Yaml, &s).is_ok());
    let full = encrypt("a: s1\nb_unencrypted: p1\n", Format::Yaml, &[&me], EncryptionRules::default());
    let err = decrypt(&full.replace("b_unencrypted: p1", "b_unencrypted: p2"), Format::Yaml, &s).unwrap_err();
    assert!(matches!(err, SopsError::MacMismatch), "{err}");
    assert_eq!(err.exit_code(), 51);
}

#[test]
fn key_groups_with_a_shamir_threshold_need_enough_groups() {
    let (a, b, c) = (identity(), identity(), identity());
    let spec = EncryptionSpec {
        groups: [&a, &b, &c]
            .iter()
            .map(|i| RecipientGroup { age: vec![i.recipient.clone()], ..Default::default() })
            .collect(),
        shamir_threshold: Some(2),
        rules: EncryptionRules::default(),
    };
    let doc = Document::new(stores::parse_plain(Format::Yaml, b"k: v\n").unwrap());
    let file = SopsFile::encrypt_new(&doc, Format::Yaml, &spec, &sources(&[&a, &b, &c])).unwrap();
    let text = String::from_utf8(file.to_bytes().unwrap()).unwrap();
    assert!(text.contains("    key_groups:\n        - age:\n"), "{text}");
    assert!(text.contains("          hc_vault: []\n"), "{text}");
    assert!(text.contains("    shamir_threshold: 2\n"));
    for pair in [[&a, &b], [&b, &c], [&a, &c]] {
        assert_eq!(decrypt(&text, Format::Yaml, &sources(&pair)).unwrap(), "k: v\n");
    }
    let err = decrypt(&text, Format::Yaml, &sources(&[&b])).unwrap_err();
    assert_eq!(err.exit_code(), 128);
    let msg = err.to_string();
    assert!(msg.contains("fewer than 2 of 3 key groups"), "{msg}");
    assert!(!msg.contains(&format!("age {}", b.recipient)), "only failed groups are listed: {msg}");
    assert!(msg.contains(&format!("group 0: age {}", a.recipient)), "{msg}");
    assert!(msg.contains(&format!("group 2: age {}", c.recipient)), "{msg}");
}

#[test]
fn no_usable_key_lists_every_key_and_why() {
    let (a, b) = (identity(), identity());
    let enc = encrypt("k: v\n", Format::Yaml, &[&a, &b], EncryptionRules::default());
    let err = decrypt(&enc, Format::Yaml, &sources(&[])).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains(&a.recipient) && msg.contains(&b.recipient), "{msg}");
    assert!(msg.contains("no age identity available"), "{msg}");
    let other = identity();
    let msg = decrypt(&enc, Format::Yaml, &sources(&[&other])).unwrap_err().to_string();
    assert!(msg.contains("matches this recipient"), "{msg}");
    assert!(!msg.contains(&other.secret));
}

/// Replaces the first base64 character of `field` (e.g. `data:`) after `anchor` with another one.
fn flip_after(text: &str, anchor: &str, field: &str) -> String {
    let start = text.find(anchor).expect("anchor");
    let at = start + text[start..].find(field).expect("field") + field.len();
    let mut bytes = text.as_bytes().to_vec();
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

#[test]
fn tampering_is_refused_with_the_sops_error_and_exit_code_and_never_panics() {
    let me = identity();
    let s = sources(&[&me]);
    let enc = encrypt("first: one\nsecond: two\nthird: three\n", Format::Yaml, &[&me], EncryptionRules::default());
    let expect = |text: String, code: i32, what: &str| {
        let err = decrypt(&text, Format::Yaml, &s).expect_err(what);
        assert_eq!(err.exit_code(), code, "{what}: {err}");
        assert!(!err.to_string().contains("two"), "{what}: message leaks plaintext");
    };
    expect(flip_after(&enc, "second:", "data:"), 25, "flipped value byte");
    expect(flip_after(&enc, "second:", "iv:"), 25, "flipped IV byte");
    expect(flip_after(&enc, "second:", "tag:"), 25, "flipped tag byte");
    expect(flip_after(&enc, "mac:", "data:"), 24, "flipped MAC byte");
    expect(flip_after(&enc, "mac:", "tag:"), 24, "flipped MAC tag");
    let lm = enc.find("lastmodified: \"").unwrap() + "lastmodified: \"".len() + 3;
    let mut changed = enc.clone().into_bytes();
    changed[lm] = if changed[lm] == b'0' { b'1' } else { b'0' };
    expect(String::from_utf8(changed).unwrap(), 24, "changed lastmodified");
    expect(enc.replacen("second:", "sec0nd:", 1), 25, "renamed key");
    // Reordered keys: swap the first two lines.
    let lines: Vec<&str> = enc.lines().collect();
    let mut swapped = vec![lines[1], lines[0]];
    swapped.extend(&lines[2..]);
    let err = decrypt(&(swapped.join("\n") + "\n"), Format::Yaml, &s).unwrap_err();
    assert!(matches!(err, SopsError::MacMismatch), "{err}");
    assert_eq!(err.exit_code(), 51);
    // Removing the MAC: 52; --ignore-mac decrypts the reordered file.
    let no_mac: String =
        enc.lines().filter(|l| !l.trim_start().starts_with("mac:")).map(|l| format!("{l}\n")).collect();
    expect(no_mac, 52, "removed MAC");
    let f = SopsFile::load((swapped.join("\n") + "\n").as_bytes(), Format::Yaml).unwrap();
    assert!(f.decrypt(&s, DecryptOptions { ignore_mac: true }).is_ok());
    // Garbage never panics.
    for junk in [
        "",
        "sops: 1\n",
        "a: ENC[AES256_GCM,data:!!,iv:x,tag:y,type:str]\nsops:\n    lastmodified: x\n",
        "\u{0}\u{1}",
        "{",
        "[sops]\n",
    ] {
        for format in [Format::Yaml, Format::Json, Format::Ini, Format::Dotenv, Format::Binary] {
            let _ = SopsFile::load(junk.as_bytes(), format);
        }
    }
}

#[test]
fn edit_updatekeys_rotate_set_unset_extract() {
    let (a, b) = (identity(), identity());
    let sa = sources(&[&a]);
    let enc = encrypt(
        "db:\n    user: admin\n    password: hunter2\nkeep: 1\n",
        Format::Yaml,
        &[&a],
        EncryptionRules::default(),
    );
    let file = SopsFile::load(enc.as_bytes(), Format::Yaml).unwrap();

    // edit: same data key, fresh IVs, new MAC, and a redacted change summary
    let d = file.decrypt(&sa, DecryptOptions::default()).unwrap();
    let mut edited = d.document.clone();
    ssp::sops::tree::set(
        &mut edited.branches[0],
        &parse_path(r#"["db"]["password"]"#).unwrap(),
        Value::Str("s3cret".into()),
    )
    .unwrap();
    ssp::sops::tree::set(&mut edited.branches[0], &parse_path(r#"["new"]"#).unwrap(), Value::Int(2)).unwrap();
    let summary = changed_paths(&d.document, &edited);
    assert_eq!(summary.changed, vec!["db.password"]);
    assert_eq!(summary.added, vec!["new"]);
    let re = file.reencrypt(&edited, &d.data_key).unwrap();
    assert_eq!(re.metadata.key_groups, file.metadata.key_groups);
    assert_ne!(re.branches, file.branches);
    assert_eq!(re.decrypt(&sa, DecryptOptions::default()).unwrap().document, edited);

    // updatekeys: add b, then drop a
    let both = [RecipientGroup { age: vec![a.recipient.clone(), b.recipient.clone()], ..Default::default() }];
    let (up, changes) = file.updatekeys(&sa, &both, None).unwrap();
    assert_eq!(changes.added, vec![format!("age {}", b.recipient)]);
    assert_eq!(up.branches, file.branches, "updatekeys keeps the values");
    assert!(up.decrypt(&sources(&[&b]), DecryptOptions::default()).is_ok());
    let only_b = [RecipientGroup { age: vec![b.recipient.clone()], ..Default::default() }];
    let (up2, changes) = up.updatekeys(&sources(&[&b]), &only_b, None).unwrap();
    assert_eq!(changes.removed, vec![format!("age {}", a.recipient)]);
    assert!(up2.decrypt(&sa, DecryptOptions::default()).is_err());
    let (_, none) = up2.updatekeys(&sources(&[&b]), &only_b, None).unwrap();
    assert!(none.is_empty());

    // rotate: a new data key, same plaintext
    let rotated = file.rotate(&sa).unwrap();
    let old_key = file.data_key(&sa).unwrap();
    let new_key = rotated.data_key(&sa).unwrap();
    assert_ne!(old_key.as_bytes(), new_key.as_bytes());
    assert_eq!(rotated.decrypt(&sa, DecryptOptions::default()).unwrap().document, d.document);

    // set / unset / extract
    let set = file
        .set(&sa, &parse_path(r#"["db"]["user"]"#).unwrap(), ssp::sops::value_from_json("\"root\"").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(
        &*set.extract(&sa, &parse_path(r#"["db"]["user"]"#).unwrap(), Format::Yaml, DecryptOptions::default()).unwrap(),
        b"root"
    );
    assert!(file.set(&sa, &parse_path(r#"["keep"]"#).unwrap(), Value::Int(1)).unwrap().is_none());
    let unset = set.unset(&sa, &parse_path(r#"["db"]["password"]"#).unwrap()).unwrap();
    let text = String::from_utf8(
        unset
            .emit_plain(&unset.decrypt(&sa, DecryptOptions::default()).unwrap().document, Format::Yaml)
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    assert_eq!(text, "db:\n    user: root\nkeep: 1\n");
    assert_eq!(
        &*file.extract(&sa, &parse_path(r#"["db"]"#).unwrap(), Format::Json, DecryptOptions::default()).unwrap(),
        b"{\n\t\"user\": \"admin\",\n\t\"password\": \"hunter2\"\n}"
    );
    let err = file.unset(&sa, &parse_path(r#"["nope"]"#).unwrap()).unwrap_err();
    assert_eq!(err.exit_code(), 1, "a key that is not there is Go sops' plain error");
}

#[test]
fn keys_ssp_cannot_use_are_carried_through_an_edit_untouched() {
    let me = identity();
    let enc = encrypt("k: v\n", Format::Yaml, &[&me], EncryptionRules::default());
    let gcp = "    gcp_kms:\n        - created_at: \"2024-01-01T00:00:00Z\"\n          enc: CiQAsomething\n          resource_id: projects/p/locations/global/keyRings/r/cryptoKeys/k\n    hc_vault:\n        - created_at: \"2024-01-01T00:00:00Z\"\n          enc: vault:v1:abc\n          engine_path: sops\n          key_name: k\n          vault_address: https://vault.example\n";
    let with_extra = enc.replacen("sops:\n", &format!("sops:\n{gcp}"), 1);
    let file = SopsFile::load(with_extra.as_bytes(), Format::Yaml).unwrap();
    let s = sources(&[&me]);
    let d = file.decrypt(&s, DecryptOptions::default()).unwrap();
    let out = String::from_utf8(file.reencrypt(&d.document, &d.data_key).unwrap().to_bytes().unwrap()).unwrap();
    assert!(out.contains(gcp), "{out}");
    // Without the age identity, each key says why it failed.
    let msg = file.decrypt(&sources(&[]), DecryptOptions::default()).err().unwrap().to_string();
    assert!(
        msg.contains(
            "gcp_kms projects/p/locations/global/keyRings/r/cryptoKeys/k: ssp has no support for gcp_kms keys"
        ),
        "{msg}"
    );
    assert!(msg.contains("hc_vault https://vault.example"), "{msg}");
}

#[test]
fn a_creation_rule_from_sops_yaml_drives_encryption() {
    let me = identity();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".sops.yaml"),
        format!("stores:\n    yaml:\n        indent: 2\ncreation_rules:\n    - path_regex: secrets/.*\\.yaml$\n      age: {}\n      encrypted_regex: ^password$\n", me.recipient),
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("secrets/x")).unwrap();
    let cfg_path = SopsConfig::find(&dir.path().join("secrets/x")).unwrap();
    let cfg = SopsConfig::load(&cfg_path).unwrap();
    let rule = cfg.rule_for(&dir.path().join("secrets/app.yaml")).unwrap();
    let doc = Document::new(stores::parse_plain(Format::Yaml, b"db:\n  user: u\n  password: p\n").unwrap());
    let file = SopsFile::encrypt_new(&doc, Format::Yaml, &rule.spec(), &sources(&[&me]))
        .unwrap()
        .with_store_options(cfg.stores);
    let text = String::from_utf8(file.to_bytes().unwrap()).unwrap();
    assert!(text.starts_with("db:\n  user: u\n  password: ENC["), "{text}");
    assert!(text.contains("  encrypted_regex: ^password$\n"));
    assert!(cfg.rule_for(&dir.path().join("other.yaml")).is_err());
}

#[test]
fn pgp_recipients_work_through_real_gpg() {
    let Some(g) = fixtures::getsops() else { return };
    let Some(home) = fixtures::GpgHome::with_sops_test_key(&g) else {
        return;
    };
    let s = KeySources { age: AgeIdentities::none(), gpg: Arc::new(home.gpg()), kms: Arc::new(NoKms) };
    let spec = EncryptionSpec {
        groups: vec![RecipientGroup {
            pgp: vec!["FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4".into()],
            ..Default::default()
        }],
        ..Default::default()
    };
    let doc = Document::new(stores::parse_plain(Format::Json, b"{\"a\": \"b\"}").unwrap());
    let file = SopsFile::encrypt_new(&doc, Format::Json, &spec, &s).unwrap();
    let text = String::from_utf8(file.to_bytes().unwrap()).unwrap();
    assert!(text.contains("-----BEGIN PGP MESSAGE-----"));
    assert!(text.contains("\"fp\": \"FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4\""));
    assert_eq!(decrypt(&text, Format::Json, &s).unwrap(), "{\n\t\"a\": \"b\"\n}\n");
}

fn age_cli() -> Option<&'static str> {
    let installed = std::path::Path::new("/usr/bin/age").exists();
    support::prerequisite(Need::Other, "age CLI", installed, "/usr/bin/age is not installed").then_some("/usr/bin/age")
}

#[test]
fn data_keys_wrapped_by_ssp_and_by_the_age_cli_are_interchangeable() {
    let Some(age_bin) = age_cli() else { return };
    let me = identity();
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("key.txt");
    std::fs::write(&key_file, format!("{}\n", me.secret)).unwrap();
    let enc = encrypt("k: v\n", Format::Yaml, &[&me], EncryptionRules::default());
    let file = SopsFile::load(enc.as_bytes(), Format::Yaml).unwrap();
    let ssp::sops::MasterKey::Age(k) = &file.metadata.key_groups[0][0] else { panic!("age key") };

    // ssp → age CLI
    let wrapped = dir.path().join("wrapped.age");
    std::fs::write(&wrapped, &k.enc).unwrap();
    let out = std::process::Command::new(age_bin).arg("-d").arg("-i").arg(&key_file).arg(&wrapped).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stdout, file.data_key(&sources(&[&me])).unwrap().as_bytes());

    // age CLI → ssp: wrap a fresh data key with the CLI, encrypt the tree with it.
    let raw = dir.path().join("raw");
    let new_key = DataKey::generate();
    std::fs::write(&raw, new_key.as_bytes()).unwrap();
    let out = std::process::Command::new(age_bin).args(["-e", "-a", "-r", &me.recipient]).arg(&raw).output().unwrap();
    assert!(out.status.success());
    let mut md = file.metadata.clone();
    let ssp::sops::MasterKey::Age(k) = &mut md.key_groups[0][0] else { unreachable!() };
    k.enc = String::from_utf8(out.stdout).unwrap();
    let template = SopsFile { metadata: md, ..file.clone() };
    let plain = file.decrypt(&sources(&[&me]), DecryptOptions::default()).unwrap().document;
    let cli_file = template.reencrypt(&plain, &new_key).unwrap();
    let text = String::from_utf8(cli_file.to_bytes().unwrap()).unwrap();
    assert_eq!(decrypt(&text, Format::Yaml, &sources(&[&me])).unwrap(), "k: v\n");
}

#[test]
fn plaintext_that_is_already_a_sops_file_is_not_encrypted_again() {
    let me = identity();
    let enc = encrypt("k: v\n", Format::Yaml, &[&me], EncryptionRules::default());
    let doc = Document::new(stores::parse_plain(Format::Yaml, enc.as_bytes()).unwrap());
    let err = SopsFile::encrypt_new(&doc, Format::Yaml, &spec(&[&me], EncryptionRules::default()), &sources(&[&me]))
        .unwrap_err();
    assert_eq!(err.exit_code(), 203);
    assert!(!ssp::sops::is_encrypted(b"k: v\n", Format::Yaml));
    assert!(ssp::sops::is_encrypted(enc.as_bytes(), Format::Yaml));
    let _ = MapItem::Comment(ssp::sops::Comment { text: String::new(), inline: false });
}

/// Runs in a child process (started by the test below) so the environment can be set per case.
#[test]
fn child_decrypts_with_identities_from_the_environment() {
    let Ok(path) = std::env::var("SSP_SOPS_TEST_FILE") else {
        return; // only meaningful in the child process
    };
    let enc = std::fs::read_to_string(path).unwrap();
    let s = KeySources::from_env();
    assert_eq!(decrypt(&enc, Format::Yaml, &s).unwrap(), "k: v\n");
}

#[test]
fn age_identities_come_from_every_place_sops_looks() {
    let me = identity();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("secret.enc.yaml");
    std::fs::write(&file, encrypt("k: v\n", Format::Yaml, &[&me], EncryptionRules::default())).unwrap();
    let keys = dir.path().join("keys.txt");
    std::fs::write(&keys, format!("# created: now\n# public key: {}\n{}\n", me.recipient, me.secret)).unwrap();
    let xdg = dir.path().join("xdg");
    std::fs::create_dir_all(xdg.join("sops/age")).unwrap();
    std::fs::write(xdg.join("sops/age/keys.txt"), format!("{}\n", me.secret)).unwrap();
    let empty_home = dir.path().join("home");
    std::fs::create_dir_all(&empty_home).unwrap();
    type EnvCase<'a> = (&'a str, Vec<(&'a str, String)>, bool);
    let cases: Vec<EnvCase> = vec![
        ("SOPS_AGE_KEY", vec![("SOPS_AGE_KEY", me.secret.clone())], true),
        ("SOPS_AGE_KEY_FILE", vec![("SOPS_AGE_KEY_FILE", keys.display().to_string())], true),
        ("SOPS_AGE_KEY_CMD", vec![("SOPS_AGE_KEY_CMD", format!("cat {}", keys.display()))], true),
        ("XDG default", vec![("XDG_CONFIG_HOME", xdg.display().to_string())], true),
        ("nothing", vec![], false),
    ];
    for (name, env, ok) in cases {
        let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
        cmd.args(["--exact", "child_decrypts_with_identities_from_the_environment", "--test-threads=1"])
            .env("SSP_SOPS_TEST_FILE", &file)
            .env("HOME", &empty_home)
            .env_remove("SOPS_AGE_KEY")
            .env_remove("SOPS_AGE_KEY_FILE")
            .env_remove("SOPS_AGE_KEY_CMD")
            .env_remove("XDG_CONFIG_HOME");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert_eq!(
            out.status.success(),
            ok,
            "{name}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
