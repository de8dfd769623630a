//! Post-quantum age (`mlkem768x25519`, age v1.3) in `ssp sops`, and key files that mix identity
//! types: through the real binary, against the Go reference's test vectors (C2SP CCTV) and against
//! typage, an independent implementation by age's author. The last two are npm packages installed
//! at test time into target/ by `tests/support/get-age-interop.sh` (`.ci/run` runs it); without
//! them those tests print why they skip (and fail under CI).

mod support;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sha2::Digest;
use ssp::sops::AgeIdentities;
use ssp::sops::keys::age_pq::HybridIdentity;
use ssp::sops::metadata::AgeKey;
use support::Need;
use support::cli::{Outcome, Project, Ssp};
use support::fixtures::age_key;

const PLAIN: &str = "db:\n    user: admin\n    password: hunter2\n";
const PLAIN_JSON: &str = "{\n\t\"password\": \"hunter2\"\n}";

/// A hybrid identity as a key file line and its recipient.
struct PqKey {
    secret: String,
    recipient: String,
}

fn pq_key() -> PqKey {
    let id = HybridIdentity::generate();
    PqKey { secret: id.to_secret_string().to_string(), recipient: id.to_public().to_string() }
}

fn ssp(project: &Project) -> Ssp {
    Ssp::new().current_dir(project.root()).without_keys(&project.root())
}

/// `plain` encrypted by ssp to `recipients` (comma-separated), written as `rel`.
fn encrypt_to(project: &Project, recipients: &str, rel: &str, plain: &str) -> PathBuf {
    let src = project.write(&format!("plain-{rel}"), plain);
    let out = ssp(project).args(["sops", "encrypt", "--age", recipients]).args([src.as_os_str()]).run();
    out.success();
    std::fs::remove_file(&src).unwrap();
    project.write(rel, &out.stdout)
}

fn decrypt_with(project: &Project, var: &str, value: impl Into<std::ffi::OsString>, rel: &str) -> Outcome {
    ssp(project).env(var, value).args(["sops", "decrypt", rel]).run()
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

// ------------------------------------------------------------------ unknown identity lines

/// A key file as teams have them: a comment, an age plugin identity (a YubiKey), a line that is
/// no key, a post-quantum identity that got cut, then the classic key.
fn mixed_key_text(classic_secret: &str) -> String {
    format!(
        "# created: 2025-01-01T00:00:00Z\n\
         AGE-PLUGIN-YUBIKEY-1QXZQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n\
         this line is not a key\n\
         AGE-SECRET-KEY-PQ-1QQQQQQQQQQ\n\
         {classic_secret}\n"
    )
}

#[test]
fn an_identity_line_of_an_unknown_type_is_skipped_with_a_warning_and_the_classic_key_still_decrypts() {
    let project = Project::new();
    let classic = age_key();
    let text = mixed_key_text(&classic.secret);
    let keys = project.write("keys.txt", &text);
    encrypt_to(&project, &classic.recipient, "s.yaml", PLAIN);

    let check = |out: &Outcome, source: &str| {
        out.success();
        assert_eq!(out.stdout, PLAIN, "the classic key decrypts ({source})");
        let stderr = &out.stderr;
        for (line, why) in [
            (2, "age plugin identity (AGE-PLUGIN-YUBIKEY-…): ssp does not run age plugins"),
            (3, "not an age identity"),
            (4, "malformed post-quantum age identity"),
        ] {
            let warning = format!("line {line} of {source}");
            assert_eq!(count(stderr, &warning), 1, "one warning for {warning}: {stderr}");
            assert!(stderr.contains(why), "{why}: {stderr}");
        }
        assert!(!stderr.contains("line 1 of") && !stderr.contains("line 5 of"), "{stderr}");
        assert!(!stderr.contains("this line is not a key"), "line contents stay out of messages: {stderr}");
        assert!(!stderr.contains(&classic.secret), "{stderr}");
    };
    check(&decrypt_with(&project, "SOPS_AGE_KEY_FILE", &keys, "s.yaml"), "SOPS_AGE_KEY_FILE");
    check(&decrypt_with(&project, "SOPS_AGE_KEY", &text, "s.yaml"), "SOPS_AGE_KEY");
    project.write(".config/sops/age/keys.txt", &text);
    check(&ssp(&project).args(["sops", "decrypt", "s.yaml"]).run(), "the default age keys file");
    std::fs::remove_file(project.root().join(".config/sops/age/keys.txt")).unwrap();
    let cmd = format!("cat {}", keys.display());
    check(&decrypt_with(&project, "SOPS_AGE_KEY_CMD", cmd, "s.yaml"), "the output of SOPS_AGE_KEY_CMD");
}

#[test]
fn a_key_file_with_no_usable_line_says_which_lines_were_skipped() {
    let project = Project::new();
    let classic = age_key();
    encrypt_to(&project, &classic.recipient, "s.yaml", PLAIN);
    let keys = project.write("keys.txt", "AGE-PLUGIN-YUBIKEY-1QXZQQQQQQQQQQQQQQQQ\n");
    let out = decrypt_with(&project, "SOPS_AGE_KEY_FILE", &keys, "s.yaml");
    out.status(128)
        .stderr_has("line 1 of SOPS_AGE_KEY_FILE")
        .stderr_has("holds no usable age identity (1 line skipped");
}

// ------------------------------------------------------------------ mlkem768x25519 through the binary

#[test]
fn a_pq_recipient_encrypts_and_a_pq_identity_decrypts_beside_classic_keys() {
    let project = Project::new();
    let pq = pq_key();
    let classic = age_key();
    let file = encrypt_to(&project, &pq.recipient, "s.yaml", PLAIN);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains(&format!("recipient: {}", pq.recipient)), "{text}");
    let enc = age_enc_blocks(&text);
    assert_eq!(enc.len(), 1);
    assert!(stanza_types(&enc[0]).contains(&"mlkem768x25519".to_string()), "{:?}", stanza_types(&enc[0]));

    // A key file with the classic key first and the PQ one second (and a comment).
    let mixed = project.write("mixed.txt", format!("# classic\n{}\n# pq\n{}\n", classic.secret, pq.secret));
    let out = decrypt_with(&project, "SOPS_AGE_KEY_FILE", &mixed, "s.yaml");
    out.success();
    assert_eq!(out.stdout, PLAIN);
    assert!(!out.stderr.contains("skipped"), "{}", out.stderr);
    // The PQ key alone, lower case (age accepts either case), through SOPS_AGE_KEY.
    let out = decrypt_with(&project, "SOPS_AGE_KEY", pq.secret.to_lowercase(), "s.yaml");
    out.success();
    assert_eq!(out.stdout, PLAIN);
    // The classic key alone does not open it.
    let only_classic = project.write("classic.txt", format!("{}\n", classic.secret));
    decrypt_with(&project, "SOPS_AGE_KEY_FILE", &only_classic, "s.yaml")
        .status(128)
        .stderr_has(&format!("age {}", pq.recipient));

    // One file for a PQ and a classic recipient (two master keys): either key opens it.
    encrypt_to(&project, &format!("{},{}", pq.recipient, classic.recipient), "both.yaml", PLAIN);
    let only_pq = project.write("pq.txt", format!("{}\n", pq.secret));
    for keys in [&only_pq, &only_classic] {
        let out = decrypt_with(&project, "SOPS_AGE_KEY_FILE", keys, "both.yaml");
        out.success();
        assert_eq!(out.stdout, PLAIN);
    }

    // A creation rule naming the PQ recipient.
    project.write(".sops.yaml", format!("creation_rules:\n    - age: {}\n", pq.recipient));
    project.write("rule.yaml", PLAIN);
    ssp(&project).args(["sops", "encrypt", "-i", "rule.yaml"]).run().success();
    let out = decrypt_with(&project, "SOPS_AGE_KEY_FILE", &only_pq, "rule.yaml");
    out.success();
    assert_eq!(out.stdout, PLAIN);
}

#[test]
fn a_malformed_pq_recipient_is_refused_with_the_reason() {
    let project = Project::new();
    project.write("s.yaml", PLAIN);
    let mut bad = pq_key().recipient;
    bad.replace_range(20..21, if &bad[20..21] == "q" { "p" } else { "q" });
    let out = ssp(&project).args(["sops", "encrypt", "--age", &bad, "s.yaml"]).run();
    assert_ne!(out.status, 0, "a recipient with a broken checksum is refused");
    out.stderr_has("invalid Bech32 encoding of an age1pq1 recipient");
    assert!(out.stdout.is_empty());
}

/// The armored `enc` blocks of a YAML sops file.
fn age_enc_blocks(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN AGE ENCRYPTED FILE-----") {
        let end = rest[start..].find("-----END AGE ENCRYPTED FILE-----").unwrap() + start;
        let block: Vec<&str> =
            rest[start..end + "-----END AGE ENCRYPTED FILE-----".len()].lines().map(str::trim).collect();
        out.push(block.join("\n") + "\n");
        rest = &rest[end + 1..];
    }
    out
}

/// The stanza types in an armored age file's header.
fn stanza_types(armored: &str) -> Vec<String> {
    let mut bytes = Vec::new();
    age::armor::ArmoredReader::new(armored.as_bytes()).read_to_end(&mut bytes).unwrap();
    let header = &bytes[..bytes.windows(4).position(|w| w == b"\n---").unwrap()];
    String::from_utf8_lossy(header)
        .lines()
        .filter_map(|l| l.strip_prefix("-> "))
        .map(|l| l.split(' ').next().unwrap().to_string())
        .collect()
}

// ------------------------------------------------------------------ interoperability

/// `target/age-interop` (typage and the CCTV vectors), or `None` after printing why.
fn interop_tools(test: &str) -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"));
    let dir = target.join("age-interop");
    let have_node = Command::new("node").arg("--version").stdout(Stdio::null()).status().is_ok_and(|s| s.success());
    let installed = dir.join(".installed").exists();
    let why = if !have_node {
        "node is not on PATH"
    } else {
        "target/age-interop is missing: run tests/support/get-age-interop.sh"
    };
    support::prerequisite(Need::Other, &format!("{test}: typage and the CCTV age vectors"), have_node && installed, why)
        .then_some(dir)
}

/// Runs the interop script; returns stdout, panicking with stderr on failure.
fn node(dir: &Path, args: &[&str], stdin: &[u8], identity: Option<&str>) -> Vec<u8> {
    let mut cmd = Command::new("node");
    cmd.arg(dir.join("age-interop.mjs")).args(args).current_dir(dir);
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    if let Some(id) = identity {
        cmd.env("AGE_IDENTITY", id);
    }
    let mut child = cmd.spawn().unwrap();
    {
        use std::io::Write;
        let mut w = child.stdin.take().unwrap();
        w.write_all(stdin).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "node {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// A JSON sops file's single age key: (recipient, enc).
fn json_age_key(text: &str) -> (String, String) {
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    let k = &v["sops"]["age"][0];
    (k["recipient"].as_str().unwrap().to_string(), k["enc"].as_str().unwrap().to_string())
}

#[test]
fn typage_and_ssp_open_each_others_pq_wrapped_data_keys() {
    let Some(dir) = interop_tools("typage_and_ssp_open_each_others_pq_wrapped_data_keys") else { return };
    let project = Project::new();

    // typage makes the key pair; ssp encrypts a sops file to its recipient.
    let pair: serde_json::Value = serde_json::from_slice(&node(&dir, &["keygen"], b"", None)).unwrap();
    let (ts_identity, ts_recipient) =
        (pair["identity"].as_str().unwrap().to_string(), pair["recipient"].as_str().unwrap().to_string());
    assert!(ts_recipient.starts_with("age1pq1") && ts_identity.starts_with("AGE-SECRET-KEY-PQ-1"));
    let file = encrypt_to(&project, &ts_recipient, "t.json", PLAIN_JSON);
    let (recipient, enc) = json_age_key(&std::fs::read_to_string(&file).unwrap());
    assert_eq!(recipient, ts_recipient);
    // typage unwraps ssp's stanza; it is the data key ssp itself unwraps with typage's identity.
    let by_typage = node(&dir, &["decrypt"], enc.as_bytes(), Some(&ts_identity));
    assert_eq!(by_typage.len(), 32, "a sops data key");
    let by_ssp = AgeIdentities::from_keys_text(&ts_identity, "typage").decrypt(&AgeKey { recipient, enc }).unwrap();
    assert_eq!(by_typage, by_ssp.to_vec());
    // … and the binary decrypts the file with typage's identity.
    let out = decrypt_with(&project, "SOPS_AGE_KEY", &ts_identity, "t.json");
    out.success();
    assert_eq!(out.stdout.trim_end(), PLAIN_JSON);

    // ssp makes the key pair; typage wraps the data key of an ssp file to ssp's recipient, and the
    // binary decrypts the file with that stanza in place of its own.
    let mine = pq_key();
    let file = encrypt_to(&project, &mine.recipient, "m.json", PLAIN_JSON);
    let text = std::fs::read_to_string(&file).unwrap();
    let (recipient, enc) = json_age_key(&text);
    let data_key =
        AgeIdentities::from_keys_text(&mine.secret, "ssp").decrypt(&AgeKey { recipient, enc: enc.clone() }).unwrap();
    let by_typage = String::from_utf8(node(&dir, &["encrypt", &mine.recipient], &data_key, None)).unwrap();
    assert_ne!(by_typage, enc);
    assert_eq!(stanza_types(&by_typage), ["mlkem768x25519"]);
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["sops"]["age"][0]["enc"] = serde_json::Value::String(by_typage);
    project.write("m.json", serde_json::to_string_pretty(&v).unwrap());
    let out = decrypt_with(&project, "SOPS_AGE_KEY", &mine.secret, "m.json");
    out.success();
    assert_eq!(out.stdout.trim_end(), PLAIN_JSON);
}

/// One CCTV age test vector: `key: value` header lines, a blank line, then the age file.
struct Vector {
    expect: String,
    payload_sha256: Option<String>,
    identities: Vec<String>,
    compressed: bool,
    file: Vec<u8>,
}

fn parse_vector(bytes: &[u8]) -> Vector {
    let split = bytes.windows(2).position(|w| w == b"\n\n").unwrap();
    let header = std::str::from_utf8(&bytes[..split]).unwrap();
    let mut v = Vector {
        expect: String::new(),
        payload_sha256: None,
        identities: Vec::new(),
        compressed: false,
        file: bytes[split + 2..].to_vec(),
    };
    for line in header.lines() {
        let (k, val) = line.split_once(": ").unwrap();
        match k {
            "expect" => v.expect = val.to_string(),
            "payload" => v.payload_sha256 = Some(val.to_string()),
            "identity" => v.identities.push(val.to_string()),
            "compressed" => v.compressed = val == "zlib",
            _ => {}
        }
    }
    if v.compressed {
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(&v.file[..]).read_to_end(&mut out).unwrap();
        v.file = out;
    }
    v
}

/// What ssp's age stack makes of a vector, in the vectors' own words.
fn outcome(v: &Vector) -> (String, Option<Vec<u8>>) {
    let mut ids: Vec<Box<dyn age::Identity>> = Vec::new();
    for s in &v.identities {
        if s.starts_with("AGE-SECRET-KEY-PQ-") {
            ids.push(Box::new(HybridIdentity::parse(s).unwrap()));
        } else {
            ids.push(Box::new(s.parse::<age::x25519::Identity>().unwrap()));
        }
    }
    let decryptor = match age::Decryptor::new(age::armor::ArmoredReader::new(&v.file[..])) {
        Ok(d) => d,
        Err(_) => return ("header failure".into(), None),
    };
    let mut reader = match decryptor.decrypt(ids.iter().map(|i| i.as_ref())) {
        Ok(r) => r,
        Err(age::DecryptError::NoMatchingKeys) => return ("no match".into(), None),
        Err(age::DecryptError::InvalidMac) => return ("HMAC failure".into(), None),
        Err(_) => return ("header failure".into(), None),
    };
    let mut out = Vec::new();
    match reader.read_to_end(&mut out) {
        Ok(_) => ("success".into(), Some(out)),
        Err(_) => ("payload failure".into(), None),
    }
}

#[test]
fn the_go_reference_test_vectors_for_mlkem768x25519_pass() {
    let Some(dir) = interop_tools("the_go_reference_test_vectors_for_mlkem768x25519_pass") else { return };
    let vectors = tempfile::tempdir().unwrap();
    let mut written = 0;
    for prefix in ["hybrid", "armor_hybrid"] {
        let n = node(&dir, &["vectors", vectors.path().to_str().unwrap(), prefix], b"", None);
        written += String::from_utf8(n).unwrap().trim().parse::<usize>().unwrap();
    }
    assert!(written >= 15, "the hybrid vectors of cctv-age 0.2.0 (got {written})");
    let mut names: Vec<_> = std::fs::read_dir(vectors.path()).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    let mut failures = Vec::new();
    for path in &names {
        let v = parse_vector(&std::fs::read(path).unwrap());
        let (got, payload) = outcome(&v);
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if got != v.expect {
            failures.push(format!("{name}: expected {}, got {got}", v.expect));
        } else if let (Some(payload), Some(want)) = (payload, &v.payload_sha256) {
            let have = hex::encode(sha2::Sha256::digest(&payload));
            if &have != want {
                failures.push(format!("{name}: payload sha256 {have}, expected {want}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} vectors disagree:\n{}", failures.len(), names.len(), failures.join("\n"));
    eprintln!("{} CCTV mlkem768x25519 vectors agree", names.len());
}
