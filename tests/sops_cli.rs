//! `ssp sops …` and `ssp edit-cloud-values` through the real binary: every verb, the legacy flags,
//! sops' exit statuses, atomic in-place writes, gpg and SOPS_AGE_KEY_CMD through the runner, the
//! repository's own example cloud values, the team's real (PGP + KMS) file, and the edit flow with a
//! scripted editor.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use support::Need;
use support::cli::{Outcome, Project, Ssp};

use support::fixtures::{AgeKey as Identity, age_key as identity};

const PLAIN: &str = "# database settings\ndb:\n    user: admin\n    password: hunter2 # inline\n    port: 5432\nfeatures:\n    - a\n    - b\ndebug_unencrypted: true\n";

/// A project with an age identity in `keys.txt`, HOME and XDG dirs inside it (no developer keys).
struct SopsProject {
    project: Project,
    me: Identity,
}

impl SopsProject {
    fn new() -> SopsProject {
        let project = Project::new();
        let me = identity();
        project.write("keys.txt", format!("# test key\n{}\n", me.secret));
        std::fs::create_dir_all(project.root().join("run")).unwrap();
        std::fs::set_permissions(project.root().join("run"), std::fs::Permissions::from_mode(0o700)).unwrap();
        SopsProject { project, me }
    }

    fn root(&self) -> PathBuf {
        self.project.root()
    }

    fn write(&self, rel: &str, text: impl AsRef<[u8]>) -> PathBuf {
        self.project.write(rel, text)
    }

    fn read(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.root().join(rel)).unwrap()
    }

    /// `ssp` in the project root with only this project's keys.
    fn ssp(&self) -> Ssp {
        self.ssp_in(&self.root())
    }

    fn ssp_in(&self, dir: &Path) -> Ssp {
        Ssp::new().current_dir(dir).without_keys(&self.root()).env("SOPS_AGE_KEY_FILE", self.root().join("keys.txt"))
    }

    /// Encrypts `plain` to this project's recipient as `rel`.
    fn encrypted(&self, rel: &str, plain: &str) -> PathBuf {
        let src = self.write(&format!("plain-src/{rel}"), plain);
        let out = self.ssp().args(["sops", "encrypt", "--age", &self.me.recipient]).arg_path(&src).run();
        out.success();
        std::fs::remove_file(&src).unwrap();
        self.write(rel, &out.stdout)
    }
}

trait PathArg {
    fn arg_path(self, p: &Path) -> Self;
}

impl PathArg for Ssp {
    fn arg_path(self, p: &Path) -> Self {
        self.args([p.as_os_str()])
    }
}

// ------------------------------------------------------------------ decrypt / encrypt

#[test]
fn encrypt_then_decrypt_round_trips_and_the_legacy_flags_agree() {
    let p = SopsProject::new();
    let enc = p.encrypted("secrets.yaml", PLAIN);
    let text = String::from_utf8(std::fs::read(&enc).unwrap()).unwrap();
    assert!(text.contains("ENC[AES256_GCM,data:"), "{text}");
    assert!(!text.contains("hunter2"));
    assert!(text.contains("debug_unencrypted: true"), "the default unencrypted suffix: {text}");
    let out = p.ssp().args(["sops", "decrypt", "secrets.yaml"]).run();
    out.success();
    assert_eq!(out.stdout, PLAIN, "stdout is exactly the plaintext");
    let legacy = p.ssp().args(["sops", "-d", "secrets.yaml"]).run();
    legacy.success();
    assert_eq!(legacy.stdout, PLAIN);
    // stdin: like sops, the types come from the flags (no file name to go by)
    let piped =
        p.ssp().args(["sops", "decrypt", "--input-type", "yaml", "--output-type", "yaml"]).stdin(text.clone()).run();
    piped.success();
    assert_eq!(piped.stdout, PLAIN);
    // the legacy -e form
    p.write("other.yaml", PLAIN);
    let e = p.ssp().args(["sops", "-e", "--age", &p.me.recipient, "other.yaml"]).run();
    e.success();
    p.write("other.enc.yaml", &e.stdout);
    assert_eq!(p.ssp().args(["sops", "-d", "other.enc.yaml"]).run().success().stdout, PLAIN);
}

#[test]
fn output_type_extract_and_output_file() {
    let p = SopsProject::new();
    p.encrypted("secrets.yaml", PLAIN);
    let json = p.ssp().args(["sops", "decrypt", "--output-type", "json", "secrets.yaml"]).run();
    json.success();
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["db"]["port"], 5432);
    let one = p.ssp().args(["sops", "decrypt", "--extract", "[\"db\"][\"password\"]", "secrets.yaml"]).run();
    one.success();
    assert_eq!(one.stdout, "hunter2");
    let out = p.ssp().args(["sops", "decrypt", "--output", "plain.out.yaml", "secrets.yaml"]).run();
    out.success();
    assert_eq!(out.stdout, "");
    assert_eq!(p.read("plain.out.yaml"), PLAIN.as_bytes());
    let mode = std::fs::metadata(p.root().join("plain.out.yaml")).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "decrypted output files are private");
    // As Go sops: a path that is not in the file is a plain error (1), a malformed one 91.
    p.ssp()
        .args(["sops", "decrypt", "--extract", "[\"nope\"]", "secrets.yaml"])
        .run()
        .status(1)
        .stderr_has("[\"nope\"]");
    p.ssp().args(["sops", "decrypt", "--extract", "db.password", "secrets.yaml"]).run().status(91);
}

#[test]
fn in_place_writes_are_atomic_and_keep_the_mode() {
    let p = SopsProject::new();
    let path = p.write("app.yaml", PLAIN);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let inode_before = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&path).unwrap());
    p.ssp().args(["sops", "encrypt", "-i", "--age", &p.me.recipient, "app.yaml"]).run().success();
    let meta = std::fs::metadata(&path).unwrap();
    assert_ne!(std::os::unix::fs::MetadataExt::ino(&meta), inode_before, "replaced by rename, not rewritten");
    assert_eq!(meta.permissions().mode() & 0o777, 0o640);
    assert!(String::from_utf8(p.read("app.yaml")).unwrap().contains("sops:"));
    // No temp file left beside it.
    let names: Vec<String> =
        std::fs::read_dir(p.root()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(!names.iter().any(|n| n.ends_with(".tmp")), "{names:?}");
    // A failure leaves the file untouched: encrypting it again is refused (203).
    let before = p.read("app.yaml");
    p.ssp().args(["sops", "encrypt", "-i", "--age", &p.me.recipient, "app.yaml"]).run().status(203);
    assert_eq!(p.read("app.yaml"), before);
    p.ssp().args(["sops", "-d", "-i", "app.yaml"]).run().success();
    assert_eq!(p.read("app.yaml"), PLAIN.as_bytes());
}

#[test]
fn usage_conflicts_and_missing_files_follow_sops_statuses() {
    let p = SopsProject::new();
    p.encrypted("s.yaml", PLAIN);
    p.ssp().args(["sops", "decrypt", "-i", "--output", "x", "s.yaml"]).run().status(8).stderr_has("--in-place");
    p.ssp().args(["sops", "decrypt", "missing.yaml"]).run().status(100).stderr_has("non-existent file");
    p.ssp().args(["sops", "-d", "missing.yaml"]).run().status(100);
    p.ssp().args(["sops"]).run().status(100).stderr_has("no file specified");
    p.ssp().args(["sops", "encrypt"]).stdin("a: 1\n").run().status(8).stderr_has("--filename-override");
    // No recipients and no .sops.yaml anywhere: 111.
    p.write("plain.yaml", "a: 1\n");
    p.ssp().args(["sops", "encrypt", "plain.yaml"]).run().status(111).stderr_has("no master keys");
    // Decrypting a plaintext file.
    p.ssp().args(["sops", "-d", "plain.yaml"]).run().status(2).stderr_has("not encrypted");
}

#[test]
fn mac_and_key_failures_have_sops_exit_statuses() {
    let p = SopsProject::new();
    let enc = String::from_utf8(std::fs::read(p.encrypted("s.yaml", PLAIN)).unwrap()).unwrap();
    // A changed unencrypted value: the MAC no longer matches (51).
    let swapped = enc.replacen("debug_unencrypted: true", "debug_unencrypted: false", 1);
    p.write("tampered.yaml", &swapped);
    p.ssp().args(["sops", "-d", "tampered.yaml"]).run().status(51).stderr_has("MAC mismatch");
    p.ssp().args(["sops", "-d", "--ignore-mac", "tampered.yaml"]).run().success();
    // No MAC at all (52), readable with --ignore-mac.
    let no_mac: String =
        enc.lines().filter(|l| !l.trim_start().starts_with("mac:")).map(|l| format!("{l}\n")).collect();
    p.write("nomac.yaml", &no_mac);
    p.ssp().args(["sops", "-d", "nomac.yaml"]).run().status(52);
    assert_eq!(p.ssp().args(["sops", "-d", "--ignore-mac", "nomac.yaml"]).run().success().stdout, PLAIN);
    // Someone else's key (128), every key tried named with why.
    let stranger = identity();
    p.write("stranger.txt", &stranger.secret);
    let out = p.ssp().args(["sops", "-d", "s.yaml"]).env("SOPS_AGE_KEY_FILE", p.root().join("stranger.txt")).run();
    out.status(128).stderr_has(&format!("age {}", p.me.recipient)).stderr_has("matches");
    assert!(!out.stderr.contains(&stranger.secret));
    // A flipped value (25) and a changed lastmodified (24).
    let line = enc.lines().find(|l| l.contains("password: ENC[")).unwrap();
    let data_at = line.find("data:").unwrap() + 5;
    let mut flipped = line.to_string();
    let c = flipped.as_bytes()[data_at];
    flipped.replace_range(data_at..data_at + 1, if c == b'A' { "B" } else { "A" });
    p.write("flipped.yaml", enc.replace(line, &flipped));
    p.ssp().args(["sops", "-d", "flipped.yaml"]).run().status(25);
    let lm = enc.lines().find(|l| l.contains("lastmodified:")).unwrap();
    p.write("lm.yaml", enc.replace(lm, "    lastmodified: \"2001-01-01T00:00:00Z\""));
    p.ssp().args(["sops", "-d", "lm.yaml"]).run().status(24);
}

#[test]
fn sops_yaml_is_found_walking_up_from_the_cwd_and_config_overrides_it() {
    let p = SopsProject::new();
    let other = identity();
    p.write(
        ".sops.yaml",
        format!("creation_rules:\n    - path_regex: sub/.*\\.yaml$\n      age: {}\n", p.me.recipient),
    );
    p.write("alt.sops.yaml", format!("creation_rules:\n    - age: {}\n", other.recipient));
    p.write("sub/deeper/app.yaml", PLAIN);
    let deeper = p.root().join("sub/deeper");
    p.ssp_in(&deeper).args(["sops", "encrypt", "-i", "app.yaml"]).run().success();
    let text = String::from_utf8(p.read("sub/deeper/app.yaml")).unwrap();
    assert!(text.contains(&p.me.recipient), "{text}");
    assert_eq!(p.ssp_in(&deeper).args(["sops", "-d", "app.yaml"]).run().success().stdout, PLAIN);
    // --config names another file.
    p.write("sub/b.yaml", PLAIN);
    p.ssp().args(["sops", "--config", "alt.sops.yaml", "encrypt", "-i", "sub/b.yaml"]).run().success();
    assert!(String::from_utf8(p.read("sub/b.yaml")).unwrap().contains(&other.recipient));
    // A named config that does not exist: Go sops' "could not read config file", exit 1.
    p.write("c.yaml", PLAIN);
    p.ssp()
        .args(["sops", "encrypt", "--config", "nope.yaml", "c.yaml"])
        .run()
        .status(1)
        .stderr_has("cannot read nope.yaml: no such file");
}

// ------------------------------------------------------------------ set / unset / rotate / updatekeys / filestatus

#[test]
fn set_and_unset_rewrite_the_file_in_place() {
    let p = SopsProject::new();
    p.encrypted("s.yaml", PLAIN);
    p.ssp().args(["sops", "set", "s.yaml", "[\"db\"][\"password\"]", "\"s3cret\""]).run().success();
    let out = p.ssp().args(["sops", "-d", "s.yaml"]).run();
    out.success().stdout_has("password: s3cret # inline");
    p.ssp().args(["sops", "set", "--value-stdin", "s.yaml", "[\"db\"][\"replicas\"]"]).stdin("3").run().success();
    p.ssp().args(["sops", "decrypt", "--extract", "[\"db\"][\"replicas\"]", "s.yaml"]).run().success().stdout_has("3");
    let before = p.read("s.yaml");
    p.ssp().args(["sops", "set", "--idempotent", "s.yaml", "[\"db\"][\"replicas\"]", "3"]).run().success();
    assert_eq!(p.read("s.yaml"), before, "--idempotent writes nothing when the value is already there");
    p.ssp().args(["sops", "set", "s.yaml", "db.password", "1"]).run().status(7);
    p.ssp().args(["sops", "unset", "s.yaml", "[\"db\"][\"replicas\"]"]).run().success();
    p.ssp().args(["sops", "unset", "s.yaml", "[\"db\"][\"replicas\"]"]).run().status(1);
    p.ssp().args(["sops", "unset", "--idempotent", "s.yaml", "[\"db\"][\"replicas\"]"]).run().success();
    let plain = p.ssp().args(["sops", "-d", "s.yaml"]).run().success().stdout.clone();
    assert_eq!(plain, PLAIN.replace("hunter2", "s3cret"));
}

#[test]
fn rotate_changes_the_data_key_but_not_the_plaintext() {
    let p = SopsProject::new();
    p.encrypted("s.yaml", PLAIN);
    let before = String::from_utf8(p.read("s.yaml")).unwrap();
    let out = p.ssp().args(["sops", "rotate", "s.yaml"]).run();
    out.success();
    assert_eq!(p.read("s.yaml"), before.as_bytes(), "without -i the result goes to stdout");
    p.ssp().args(["sops", "rotate", "-i", "s.yaml"]).run().success();
    let after = String::from_utf8(p.read("s.yaml")).unwrap();
    let enc_of = |t: &str| t.lines().skip_while(|l| !l.contains("BEGIN AGE")).nth(1).unwrap().to_string();
    assert_ne!(enc_of(&before), enc_of(&after));
    assert!(p.ssp().args(["sops", "-r", "s.yaml"]).run().success().stdout.contains("sops:"));
    assert_eq!(p.ssp().args(["sops", "-d", "s.yaml"]).run().success().stdout, PLAIN);
}

#[test]
fn rotate_adds_and_removes_master_keys_and_refuses_a_key_the_file_lacks() {
    let p = SopsProject::new();
    let bob = identity();
    p.encrypted("s.yaml", PLAIN);
    let before = p.read("s.yaml");
    let bob_keys = p.write("bob.txt", format!("{}\n", bob.secret));

    // Removing a key the file does not have, or the only key of the group: refused, file untouched.
    let out = p.ssp().args(["sops", "rotate", "-i", "--rm-age", &bob.recipient, "s.yaml"]).run();
    out.status(5).stderr_has(&format!("age {} is not a master key of this file", bob.recipient));
    let out = p.ssp().args(["sops", "rotate", "-i", "--rm-age", &p.me.recipient, "s.yaml"]).run();
    out.status(5).stderr_has("would leave key group 1 with no keys");
    assert_eq!(p.read("s.yaml"), before);

    // Hand the file from me to bob in one rotation (the legacy -r form takes the same flags).
    let out =
        p.ssp().args(["sops", "-r", "-i", "--add-age", &bob.recipient, "--rm-age", &p.me.recipient, "s.yaml"]).run();
    out.success()
        .stderr_has(&format!("added age {}", bob.recipient))
        .stderr_has(&format!("removed age {}", p.me.recipient));
    let text = String::from_utf8(p.read("s.yaml")).unwrap();
    assert!(text.contains(&bob.recipient) && !text.contains(&p.me.recipient), "{text}");
    p.ssp().args(["sops", "-d", "s.yaml"]).run().status(128);
    let plain = p.ssp().env("SOPS_AGE_KEY_FILE", &bob_keys).args(["sops", "-d", "s.yaml"]).run();
    assert_eq!(plain.success().stdout, PLAIN);

    // Adding a key twice keeps one entry.
    let out = p
        .ssp()
        .env("SOPS_AGE_KEY_FILE", &bob_keys)
        .args(["sops", "rotate", "--add-age", &bob.recipient, "s.yaml"])
        .run();
    assert_eq!(out.success().stdout.matches(&bob.recipient).count(), 1, "{}", out.stdout);
}

#[test]
fn updatekeys_rewraps_the_data_key_for_the_rule_and_asks_first() {
    let p = SopsProject::new();
    let teammate = identity();
    p.encrypted("values.yaml", PLAIN);
    let original = p.read("values.yaml");
    p.write(".sops.yaml", format!("creation_rules:\n    - age: {},{}\n", p.me.recipient, teammate.recipient));
    // "n" leaves the file alone; no answer at all is an error that suggests --yes.
    let no = p.ssp().args(["sops", "updatekeys", "values.yaml"]).stdin("n\n").run();
    no.success().stdout_has("The following changes will be made to the file's groups:");
    no.stdout_has(&format!("+++ {}", teammate.recipient)).stdout_has(&format!("    {}", p.me.recipient));
    assert_eq!(p.read("values.yaml"), original);
    p.ssp().args(["sops", "updatekeys", "values.yaml"]).run().status(1).stderr_has("--yes");
    p.ssp().args(["sops", "updatekeys", "-y", "values.yaml"]).run().success();
    p.write("teammate.txt", &teammate.secret);
    let as_teammate =
        p.ssp().args(["sops", "-d", "values.yaml"]).env("SOPS_AGE_KEY_FILE", p.root().join("teammate.txt")).run();
    assert_eq!(as_teammate.success().stdout, PLAIN);
    // Up to date now: nothing asked, nothing written.
    let again = p.read("values.yaml");
    p.ssp().args(["sops", "updatekeys", "values.yaml"]).run().success().stderr_has("already up to date");
    assert_eq!(p.read("values.yaml"), again);
    // Removing the original recipient.
    p.write(".sops.yaml", format!("creation_rules:\n    - age: {}\n", teammate.recipient));
    let out = p
        .ssp()
        .args(["sops", "updatekeys", "--yes", "values.yaml"])
        .env("SOPS_AGE_KEY_FILE", p.root().join("teammate.txt"))
        .run();
    out.success().stdout_has(&format!("--- {}", p.me.recipient));
    p.ssp().args(["sops", "-d", "values.yaml"]).run().status(128);
}

#[test]
fn filestatus_prints_sops_json() {
    let p = SopsProject::new();
    p.encrypted("s.yaml", PLAIN);
    p.write("plain.yaml", PLAIN);
    assert_eq!(p.ssp().args(["sops", "filestatus", "s.yaml"]).run().success().stdout, "{\"encrypted\":true}\n");
    assert_eq!(p.ssp().args(["sops", "filestatus", "plain.yaml"]).run().success().stdout, "{\"encrypted\":false}\n");
    p.write("broken.yaml", "a: [unclosed\n");
    p.ssp().args(["sops", "filestatus", "broken.yaml"]).run().status(1).stderr_has("cannot check file status");
}

// ------------------------------------------------------------------ bad input (issue 13)

#[test]
fn set_refuses_a_path_through_a_value_of_another_kind_and_writes_nothing() {
    let p = SopsProject::new();
    p.encrypted("s.yaml", PLAIN);
    let before = p.read("s.yaml");
    let out = p.ssp().args(["sops", "set", "s.yaml", "[\"db\"][0]", "1"]).run();
    out.status(1).stderr_has("cannot set [0] under [\"db\"]: [\"db\"] is a mapping, not a list");
    let out = p.ssp().args(["sops", "set", "s.yaml", "[\"features\"][\"name\"]", "\"x\""]).run();
    out.status(1).stderr_has("[\"features\"] is a list, not a mapping");
    let out = p.ssp().args(["sops", "set", "s.yaml", "[\"db\"][\"user\"][\"x\"]", "\"x\""]).run();
    out.status(1).stderr_has("[\"db\"][\"user\"] is a scalar, not a mapping");
    assert_eq!(p.read("s.yaml"), before, "nothing written");
    // Within the list, and appending to it, is fine.
    p.ssp().args(["sops", "set", "s.yaml", "[\"features\"][5]", "\"c\""]).run().success();
    let out = p.ssp().args(["sops", "decrypt", "--extract", "[\"features\"]", "s.yaml"]).run();
    assert_eq!(out.success().stdout, "- a\n- b\n- c\n");
}

#[test]
fn set_value_that_is_not_json_is_named_without_echoing_it() {
    let p = SopsProject::new();
    p.encrypted("s.yaml", PLAIN);
    let out = p.ssp().args(["sops", "set", "s.yaml", "[\"db\"][\"password\"]", "s3cret"]).run();
    out.status(7).stderr_has("VALUE is not JSON: expected value at line 1 column 1").stderr_has("'\"text\"'");
    assert!(!out.stderr.contains("s3cret"), "{}", out.stderr);
    assert!(!out.stderr.contains("invalid tree path"), "{}", out.stderr);
    let out = p.ssp().args(["sops", "set", "--value-stdin", "s.yaml", "[\"db\"][\"password\"]"]).stdin("s3cret").run();
    out.status(7).stderr_has("the value on stdin is not JSON");
}

#[test]
fn encrypting_an_empty_file_fails_like_sops_and_leaves_it() {
    let p = SopsProject::new();
    p.write("empty.yaml", "");
    let out = p.ssp().args(["sops", "-e", "-i", "--age", &p.me.recipient, "empty.yaml"]).run();
    out.status(92).stderr_has("File cannot be completely empty, it must contain at least one document");
    assert_eq!(p.read("empty.yaml"), b"");
    p.ssp().args(["sops", "encrypt", "--age", &p.me.recipient, "empty.yaml"]).run().status(92);
}

#[test]
fn decrypting_stdin_hints_at_the_types_it_defaulted_to() {
    let p = SopsProject::new();
    let enc = p.read(p.encrypted("s.yaml", PLAIN).file_name().unwrap().to_str().unwrap());
    // Output type left to the default (binary): sops' error, with the flag to add.
    let out = p.ssp().args(["sops", "decrypt", "--input-type", "yaml"]).stdin(enc.clone()).run();
    out.status(4).stderr_has("the output type defaults to binary").stderr_has("--output-type yaml");
    // The help example is the command that works.
    let help = p.ssp().args(["sops", "decrypt", "--help"]).run();
    help.success().stdout_has("cat values.enc.yaml | ssp sops decrypt --input-type yaml --output-type yaml");
    let out =
        p.ssp().args(["sops", "decrypt", "--input-type", "yaml", "--output-type", "yaml"]).stdin(enc.clone()).run();
    assert_eq!(out.success().stdout, PLAIN);
    // Input type left to the default: the parse error says what to pass.
    let out = p.ssp().args(["sops", "-d"]).stdin(enc.clone()).run();
    out.status(2).stderr_has("the input type defaults to binary").stderr_has("--input-type yaml");
    let out = p.ssp().args(["sops", "decrypt", "--filename-override", "x.yaml"]).stdin(enc).run();
    assert_eq!(out.success().stdout, PLAIN);
}

#[test]
fn sops_help_tells_the_truth_about_kms_and_config() {
    let out = Ssp::new().args(["sops", "--help"]).run();
    out.success().stdout_has("AWS KMS keys through the AWS SDK").stdout_has(".sops.yaml to use");
    assert!(!out.stdout.contains("AWS KMS, GCP KMS"), "{}", out.stdout);
}

#[test]
fn a_missing_config_named_by_flag_is_a_read_error() {
    let p = SopsProject::new();
    p.encrypted("s.yaml", PLAIN);
    let out = p.ssp().args(["sops", "--config", "/missing.sops.yaml", "updatekeys", "-y", "s.yaml"]).run();
    out.status(1).stderr_has("cannot read /missing.sops.yaml: no such file");
    assert!(!out.stderr.contains("any parent directory"), "{}", out.stderr);
}

// ------------------------------------------------------------------ plaintext modes, links, devices (issue 17)

fn mode_of(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn plaintext_is_written_private_through_in_place_and_symlinked_outputs() {
    let p = SopsProject::new();
    let enc = p.encrypted("s.yaml", PLAIN);
    std::fs::set_permissions(&enc, std::fs::Permissions::from_mode(0o644)).unwrap();
    p.ssp().args(["sops", "-d", "-i", "s.yaml"]).run().success();
    assert_eq!(p.read("s.yaml"), PLAIN.as_bytes());
    assert_eq!(mode_of(&enc), 0o600, "decrypt -i of a 0644 file leaves 0600 plaintext");

    // --output through a symlink whose target is 0666: the target becomes 0600, the link stays.
    let enc = p.encrypted("t.yaml", PLAIN);
    let target = p.write("shared/target.yaml", "old\n");
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o666)).unwrap();
    let link = p.root().join("link.yaml");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    p.ssp().args(["sops", "decrypt", "--output"]).arg_path(&link).arg_path(&enc).run().success();
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link is kept");
    assert_eq!(std::fs::read(&target).unwrap(), PLAIN.as_bytes());
    assert_eq!(mode_of(&target), 0o600);

    // A device is written into, never renamed over.
    let out = p.ssp().args(["sops", "decrypt", "--output", "/dev/stdout"]).arg_path(&enc).run();
    assert_eq!(out.success().stdout, PLAIN);
    // Ciphertext keeps the file's mode (encrypt -i of a 0640 file stays 0640: see above).
}

#[test]
fn editing_a_symlinked_values_file_edits_the_target_and_keeps_the_link() {
    let r = edit_setup();
    let dir = r.p.root().join("deployment");
    std::fs::rename(dir.join("values.cloud.yaml"), dir.join("real.cloud.yaml")).unwrap();
    std::os::unix::fs::symlink("real.cloud.yaml", dir.join("values.cloud.yaml")).unwrap();
    r.edit("change").success();
    assert!(std::fs::symlink_metadata(dir.join("values.cloud.yaml")).unwrap().file_type().is_symlink());
    let plain = r.p.ssp().args(["sops", "-d", "deployment/real.cloud.yaml"]).run().success().stdout.clone();
    assert!(plain.contains("correct-horse"), "{plain}");
    // `set` through the link too.
    r.p.ssp().args(["sops", "set", "deployment/values.cloud.yaml", "[\"extra\"]", "2"]).run().success();
    assert!(std::fs::symlink_metadata(dir.join("values.cloud.yaml")).unwrap().file_type().is_symlink());
    let out = r.p.ssp().args(["sops", "decrypt", "--extract", "[\"extra\"]", "deployment/real.cloud.yaml"]).run();
    assert_eq!(out.success().stdout, "2\n", "a number is emitted as YAML, as sops does");
}

#[test]
fn encrypt_names_the_sops_yaml_and_recipients_when_a_rule_chose_them() {
    let p = SopsProject::new();
    let other = identity();
    p.write(".sops.yaml", format!("creation_rules:\n    - age: {},{}\n", p.me.recipient, other.recipient));
    p.write("plain.yaml", PLAIN);
    let out = p.ssp().args(["sops", "encrypt", "plain.yaml"]).run();
    let line = format!(
        "encrypting for age {}, age {} (creation rule in {})",
        p.me.recipient,
        other.recipient,
        p.root().join(".sops.yaml").display()
    );
    out.success().stderr_has(&line);
    assert_eq!(out.stderr.lines().count(), 1, "one line: {}", out.stderr);
    // Recipients on the command line: the user named them; stderr stays empty, as with sops.
    let out = p.ssp().args(["sops", "encrypt", "--age", &p.me.recipient, "plain.yaml"]).run();
    assert_eq!(out.success().stderr, "");
    // -q silences the notice.
    assert_eq!(p.ssp().args(["-q", "sops", "encrypt", "plain.yaml"]).run().success().stderr, "");
}

// ------------------------------------------------------------------ smaller sops mismatches (issue 16)

#[test]
fn success_lines_stay_off_stderr_unless_verbose_when_not_a_terminal() {
    let p = SopsProject::new();
    p.encrypted("s.yaml", PLAIN);
    let out = p.ssp().args(["sops", "set", "s.yaml", "[\"db\"][\"port\"]", "5433"]).run();
    assert_eq!(out.success().stderr, "", "Go sops prints nothing on success");
    p.write("p.yaml", PLAIN);
    assert_eq!(p.ssp().args(["sops", "encrypt", "-i", "--age", &p.me.recipient, "p.yaml"]).run().success().stderr, "");
    assert_eq!(p.ssp().args(["sops", "decrypt", "-i", "p.yaml"]).run().success().stderr, "");
    let out = p.ssp().args(["-v", "sops", "set", "s.yaml", "[\"db\"][\"port\"]", "5434"]).run();
    out.success().stderr_has("File written successfully");
}

#[test]
fn extract_of_a_string_is_its_raw_text_in_every_output_type() {
    let p = SopsProject::new();
    p.write("plain-src/m.json", "{\"m\": \"multi\\nline\", \"n\": 3}");
    let out = p.ssp().args(["sops", "encrypt", "--age", &p.me.recipient, "plain-src/m.json"]).run();
    p.write("m.json", &out.success().stdout);
    for extra in [&[][..], &["--output-type", "yaml"][..], &["--output-type", "dotenv"][..]] {
        let out = p.ssp().args(["sops", "decrypt", "--extract", "[\"m\"]"]).args(extra).args(["m.json"]).run();
        assert_eq!(out.success().stdout, "multi\nline", "{extra:?}: no quotes, no trailing newline");
    }
    // Other values go through the store, as with sops.
    assert_eq!(p.ssp().args(["sops", "decrypt", "--extract", "[\"n\"]", "m.json"]).run().success().stdout, "3");
}

#[test]
fn sops_publish_and_keyservice_are_answered_in_one_line() {
    for verb in [vec!["publish", "--recursive", "dir"], vec!["keyservice", "--network", "tcp"]] {
        let out = Ssp::new().args(["sops"]).args(&verb).run();
        out.status(1).stderr_has(&format!("`sops {}` is not part of ssp", verb[0]));
        assert_eq!(out.stderr.trim_end().lines().count(), 1, "{}", out.stderr);
    }
}

#[test]
fn the_legacy_set_flag_sets_in_place() {
    let p = SopsProject::new();
    p.encrypted("s.yaml", PLAIN);
    p.ssp().args(["sops", "--set", "[\"db\"][\"password\"] \"legacy\"", "-i", "s.yaml"]).run().success();
    let out = p.ssp().args(["sops", "decrypt", "--extract", "[\"db\"][\"password\"]", "s.yaml"]).run();
    assert_eq!(out.success().stdout, "legacy");
    p.ssp().args(["sops", "--set", "no-space", "s.yaml"]).run().status(7).stderr_has("invalid --set format");
}

#[test]
fn a_creation_rule_without_keys_fails_like_sops() {
    let p = SopsProject::new();
    p.write("plain.yaml", PLAIN);
    for rule in ["key_groups: []", "key_groups: [{}]", "path_regex: plain"] {
        p.write(".sops.yaml", format!("creation_rules:\n    - {rule}\n"));
        let out = p.ssp().args(["sops", "encrypt", "plain.yaml"]).run();
        out.status(1).stderr_has("Could not generate data key: [empty key group provided]");
    }
}

// ------------------------------------------------------------------ key programs through the runner

#[test]
fn age_key_cmd_runs_only_when_an_age_key_needs_it_and_is_logged() {
    let p = SopsProject::new();
    p.encrypted("s.yaml", PLAIN);
    let marker = p.root().join("cmd-ran");
    let script = support::write_executable(
        p.root().join("keycmd.sh"),
        format!(
            "#!/bin/sh\necho \"$SOPS_AGE_RECIPIENT\" >> {}\ncat {}\n",
            marker.display(),
            p.root().join("keys.txt").display()
        ),
    );
    let cmd = format!("{} --flag", script.display());
    // Encrypting needs no identity: the command does not run.
    p.write("new.yaml", PLAIN);
    p.ssp()
        .args(["sops", "encrypt", "--age", &p.me.recipient, "new.yaml"])
        .env("SOPS_AGE_KEY_FILE", "")
        .env("SOPS_AGE_KEY_CMD", &cmd)
        .run()
        .success();
    assert!(!marker.exists(), "SOPS_AGE_KEY_CMD ran although no age key needed it");
    // An identity from the key file opens it: the command does not run either.
    p.ssp().args(["sops", "-d", "s.yaml"]).env("SOPS_AGE_KEY_CMD", &cmd).run().success();
    assert!(!marker.exists());
    // Only the command has the key: it runs once, with SOPS_AGE_RECIPIENT, logged at -v.
    let out =
        p.ssp().args(["-v", "sops", "-d", "s.yaml"]).env("SOPS_AGE_KEY_FILE", "").env("SOPS_AGE_KEY_CMD", &cmd).run();
    out.success().stderr_has(&format!("$ {} --flag", script.display()));
    assert_eq!(out.stdout, PLAIN);
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), format!("{}\n", p.me.recipient));
}

#[test]
fn pgp_goes_through_gpg_via_the_runner() {
    let Some(getsops) = support::fixtures::getsops() else {
        return;
    };
    let Some(home) = support::fixtures::GpgHome::with_sops_test_key(&getsops) else { return };
    let p = SopsProject::new();
    let out = p
        .ssp()
        .args(["-v", "sops", "-d"])
        .arg_path(&getsops.join("example.yaml"))
        .env("GNUPGHOME", home.dir.path())
        .run();
    out.success().stderr_has("$ gpg --batch --decrypt < (").stdout_has("myapp1: t00m4nys3cr3t");
    // Without the secret key: 128, with gpg's reason.
    let out = p.ssp().args(["sops", "-d"]).arg_path(&getsops.join("example.yaml")).run();
    out.status(128).stderr_has("pgp FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4: gpg failed");
}

// ------------------------------------------------------------------ the repository's own files

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_example_cloud_values_decrypt_with_the_committed_example_key() {
    let root = repo();
    let key = std::fs::read_to_string(root.join("deployment/example.agekey")).unwrap();
    assert!(key.starts_with("# INSECURE EXAMPLE KEY"), "{key}");
    let recipient = key.lines().find_map(|l| l.strip_prefix("# public key: ")).unwrap();
    let rules = std::fs::read_to_string(root.join(".sops.yaml")).unwrap();
    assert!(rules.contains("deployment/values\\.cloud\\.yaml$") && rules.contains(recipient), "{rules}");
    let out = Ssp::new()
        .current_dir(&root)
        .without_keys(&root)
        .args(["sops", "-d", "deployment/values.cloud.yaml"])
        .env("SOPS_AGE_KEY_FILE", "deployment/example.agekey")
        .env("XDG_RUNTIME_DIR", "/nonexistent")
        .run();
    out.success().stdout_has("secret:\n    jwt:").stdout_has("REPLACE-ME-postgres-password");
    // Production-shaped: the same top-level sections as the dev values, persistence on.
    let plain: serde_json::Value = ssp::release::values::parse(&out.stdout).unwrap();
    let dev: serde_json::Value =
        ssp::release::values::parse(&std::fs::read_to_string(root.join("deployment/values.dev.yaml")).unwrap())
            .unwrap();
    let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&plain), keys(&dev));
    assert_eq!(plain["db"]["persistence"]["enabled"], true);
    let status = Ssp::new().current_dir(&root).args(["sops", "filestatus", "deployment/values.cloud.yaml"]).run();
    assert_eq!(status.success().stdout, "{\"encrypted\":true}\n");
}

#[test]
fn the_teams_real_file_parses_and_explains_every_key_it_cannot_use() {
    let Some(reference) = support::fixtures::team_values_file() else { return };
    let p = SopsProject::new();
    let status = p.ssp().args(["sops", "filestatus"]).arg_path(&reference).run();
    assert_eq!(status.success().stdout, "{\"encrypted\":true}\n");
    let out = p.ssp().args(["sops", "-d"]).arg_path(&reference).run();
    out.status(128).stderr_has("could not retrieve the data key").stderr_has("Keys tried:");
    out.stderr_has("kms arn:aws:kms:us-west-2:871683513797:key/")
        .stderr_has("kms arn:aws:kms:us-east-1:871683513797:key/");
    // The test environment has no AWS credentials and no instance metadata (see support::cli).
    out.stderr_has("no usable AWS credentials").stderr_has("pgp ").stderr_has("gpg failed");
    assert!(!out.stderr.contains("panicked"));
    assert_eq!(out.stdout, "");
}

// ------------------------------------------------------------------ edit flow with a scripted editor

/// An editor script: records its file's and directory's modes and path, then acts per `$EDIT_ACTION`.
fn editor(p: &SopsProject) -> PathBuf {
    support::write_executable(
        p.root().join("editor.sh"),
        r#"#!/bin/sh
for a in "$@"; do f="$a"; done
d=$(dirname "$f")
echo "file=$(stat -c %a "$f") dir=$(stat -c %a "$d") path=$f" >> "$EDIT_LOG"
n=$(grep -c . "$EDIT_LOG")
case "$EDIT_ACTION" in
  unchanged) ;;
  change) sed -i 's/hunter2/correct-horse/' "$f"; printf 'extra: 1\n' >> "$f" ;;
  json-change) sed -i 's/"example_value"/"edited"/' "$f" ;;
  dashboard) sed -i 's/REPLACE-ME-dashboard-password/new-dashboard-password/' "$f" ;;
  go-fixture) sed -i 's/^myapp1: .*$/myapp1: changed/' "$f" ;;
  invalid) printf 'bad: [unclosed\n' >> "$f" ;;
  sops-key) printf 'sops: 1\n' >> "$f" ;;
  invalid-then-fixed)
    if [ "$n" = 1 ]; then printf 'bad: [unclosed\n' >> "$f"; else sed -i 's/^bad: .*$/fixed: 2/; s/hunter2/fixed-pass/' "$f"; fi ;;
  fail) exit 3 ;;
  hang) echo $$ > "$EDIT_PID"; exec sleep 30 ;;
  stubborn) trap '' INT TERM; echo $$ > "$EDIT_PID"; while :; do sleep 0.1; done ;;
esac
"#,
    )
}

struct EditRun {
    p: SopsProject,
    before: Vec<u8>,
    log: PathBuf,
}

fn edit_setup() -> EditRun {
    let p = SopsProject::new();
    p.encrypted("deployment/values.cloud.yaml", PLAIN);
    let before = p.read("deployment/values.cloud.yaml");
    let log = p.root().join("edit.log");
    EditRun { p, before, log }
}

impl EditRun {
    fn ssp(&self, action: &str) -> Ssp {
        self.p
            .ssp()
            .env("EDITOR", format!("{} --some-flag", editor(&self.p).display()))
            .env("EDIT_ACTION", action)
            .env("EDIT_LOG", &self.log)
            .env("EDIT_PID", self.p.root().join("editor.pid"))
    }

    fn edit(&self, action: &str) -> Outcome {
        self.ssp(action).args(["edit-cloud-values"]).run()
    }

    /// The editor ran with a 0600 file in a 0700 dir under $XDG_RUNTIME_DIR, which is empty again.
    #[track_caller]
    fn assert_private_and_cleaned(&self, runs: usize) {
        self.assert_private_and_cleaned_as(runs, &["values.cloud.yaml"]);
    }

    /// The same, for edits of files with one of these names.
    #[track_caller]
    fn assert_private_and_cleaned_as(&self, runs: usize, names: &[&str]) {
        let log = std::fs::read_to_string(&self.log).unwrap();
        assert_eq!(log.lines().count(), runs, "{log}");
        for line in log.lines() {
            assert!(line.starts_with("file=600 dir=700 path="), "{line}");
            let path = line.split("path=").nth(1).unwrap();
            assert!(path.starts_with(&self.p.root().join("run").display().to_string()), "{path}");
            assert!(names.iter().any(|n| path.ends_with(&format!("/{n}"))), "{path}");
            assert!(!Path::new(path).exists(), "{path} still exists");
        }
        let left: Vec<_> = std::fs::read_dir(self.p.root().join("run")).unwrap().collect();
        assert!(left.is_empty(), "temp files remain: {left:?}");
    }

    fn current(&self) -> Vec<u8> {
        self.p.read("deployment/values.cloud.yaml")
    }
}

#[test]
fn edit_unchanged_writes_nothing_and_exits_200() {
    let r = edit_setup();
    let out = r.edit("unchanged");
    out.status(200).stderr_has("File has not changed").stderr_has("can be used on this machine");
    out.stderr_has(&format!("age {} — usable", r.p.me.recipient));
    r.assert_private_and_cleaned(1);
    assert_eq!(r.current(), r.before);
}

#[test]
fn edit_with_a_valid_change_reencrypts_with_the_same_data_key_and_prints_paths_only() {
    let r = edit_setup();
    let out = r.edit("change");
    out.success().stderr_has("File written successfully").stderr_has("~ db.password").stderr_has("+ extra");
    assert!(!out.stderr.contains("correct-horse") && !out.stderr.contains("hunter2"), "{}", out.stderr);
    r.assert_private_and_cleaned(1);
    let after = String::from_utf8(r.current()).unwrap();
    let before = String::from_utf8(r.before.clone()).unwrap();
    let age_block = |t: &str| t[t.find("BEGIN AGE").unwrap()..t.find("END AGE").unwrap()].to_string();
    assert_eq!(age_block(&after), age_block(&before), "same data key: the wrapped key is unchanged");
    assert_ne!(after, before);
    let plain = r.p.ssp().args(["sops", "-d", "deployment/values.cloud.yaml"]).run().success().stdout.clone();
    assert_eq!(plain, format!("{}extra: 1\n", PLAIN.replace("hunter2", "correct-horse")));
}

#[test]
fn edit_with_invalid_yaml_fails_off_a_terminal_and_leaves_the_file() {
    let r = edit_setup();
    r.edit("invalid").status(1).stderr_has("not valid yaml").stderr_has("nothing was written");
    r.assert_private_and_cleaned(1);
    assert_eq!(r.current(), r.before);
    // A top-level `sops` key is refused the same way.
    r.edit("sops-key").status(1).stderr_has("reserved");
    assert_eq!(r.current(), r.before);
}

#[test]
fn edit_invalid_then_fixed_on_a_terminal_reopens_the_editor() {
    // `script` gives ssp a pseudo-terminal; the Enter that answers the re-open prompt is typed ahead.
    if !support::prerequisite(
        Need::Other,
        "invalid-then-fixed",
        Path::new("/usr/bin/script").exists(),
        "/usr/bin/script (bsdutils) not installed",
    ) {
        return;
    }
    let r = edit_setup();
    let command = format!("exec {} edit-cloud-values", env!("CARGO_BIN_EXE_ssp"));
    let out = std::process::Command::new("/usr/bin/script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(r.p.root())
        .envs(edit_env(&r, "invalid-then-fixed"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(b"\n")?;
            child.wait_with_output()
        })
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("not valid yaml") && text.contains("re-open the editor"), "{text}");
    r.assert_private_and_cleaned(2);
    let plain = r.p.ssp().args(["sops", "-d", "deployment/values.cloud.yaml"]).run().success().stdout.clone();
    assert_eq!(plain, format!("{}fixed: 2\n", PLAIN.replace("hunter2", "fixed-pass")));
}

fn edit_env(r: &EditRun, action: &str) -> Vec<(String, String)> {
    let root = r.p.root();
    vec![
        ("HOME".into(), root.display().to_string()),
        ("XDG_CONFIG_HOME".into(), root.join(".config").display().to_string()),
        ("XDG_RUNTIME_DIR".into(), root.join("run").display().to_string()),
        ("GNUPGHOME".into(), root.join("no-gnupg").display().to_string()),
        ("SOPS_AGE_KEY_FILE".into(), root.join("keys.txt").display().to_string()),
        ("SOPS_EDITOR".into(), String::new()),
        ("EDITOR".into(), editor(&r.p).display().to_string()),
        ("EDIT_ACTION".into(), action.into()),
        ("EDIT_LOG".into(), r.log.display().to_string()),
    ]
}

#[test]
fn editor_failure_exits_201_and_writes_nothing() {
    let r = edit_setup();
    r.edit("fail").status(201).stderr_has("could not run the editor").stderr_has("exited with status 3");
    r.assert_private_and_cleaned(1);
    assert_eq!(r.current(), r.before);
    // The same through `ssp sops edit` and the bare legacy form.
    r.ssp("fail").args(["sops", "edit", "deployment/values.cloud.yaml"]).run().status(201);
    r.ssp("unchanged").args(["sops", "deployment/values.cloud.yaml"]).run().status(200);
    r.assert_private_and_cleaned(3);
    assert_eq!(r.current(), r.before);
}

#[test]
fn sops_edit_saves_a_change() {
    let r = edit_setup();
    r.ssp("change").args(["sops", "edit", "deployment/values.cloud.yaml"]).run().success();
    r.assert_private_and_cleaned(1);
    assert_ne!(r.current(), r.before);
}

/// Starts `edit-cloud-values` with the scripted editor doing `action`; returns once the editor runs,
/// with the editor's pid.
fn start_editing(r: &EditRun, action: &str) -> (std::process::Child, i32) {
    start_editing_with(r, action, |_| {})
}

/// [`start_editing`], with the command adjusted first (`prepare`).
fn start_editing_with(
    r: &EditRun,
    action: &str,
    prepare: impl FnOnce(&mut std::process::Command),
) -> (std::process::Child, i32) {
    let pidfile = r.p.root().join("editor.pid");
    let mut cmd = r.ssp(action).args(["edit-cloud-values"]).into_command();
    prepare(&mut cmd);
    cmd.stdin(std::process::Stdio::null()).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !pidfile.exists() || std::fs::read_to_string(&pidfile).unwrap().trim().is_empty() {
        assert!(Instant::now() < deadline, "the editor never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let editor_pid: i32 = std::fs::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
    (child, editor_pid)
}

/// Whether a process is still running (not gone, not a zombie).
fn running(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.rsplit(')').next().unwrap_or("").trim_start().starts_with('Z'))
        .unwrap_or(false)
}

fn interrupted_with(signal: nix::sys::signal::Signal) {
    let r = edit_setup();
    let (child, editor_pid) = start_editing(&r, "hang");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), signal).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    r.assert_private_and_cleaned(1);
    assert_eq!(r.current(), r.before);
    assert!(!running(editor_pid), "the editor {editor_pid} is still running");
}

#[test]
fn a_second_ctrl_c_while_an_editor_ignores_the_first_exits_at_once_and_removes_the_plaintext() {
    let r = edit_setup();
    let (child, editor_pid) = start_editing(&r, "stubborn");
    let ssp = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(ssp, nix::sys::signal::Signal::SIGINT).unwrap();
    // The editor ignores it; ssp waits (up to its grace period) — the user presses Ctrl-C again.
    std::thread::sleep(Duration::from_millis(300));
    nix::sys::signal::kill(ssp, nix::sys::signal::Signal::SIGINT).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted again: stopped at once"), "the second signal's path: {stderr}");
    r.assert_private_and_cleaned(1);
    assert_eq!(r.current(), r.before);
    std::thread::sleep(Duration::from_millis(100));
    assert!(!running(editor_pid), "the editor {editor_pid} is still running");
}

#[test]
fn ctrl_c_while_the_editor_runs_stops_it_cleans_up_and_exits_130() {
    interrupted_with(nix::sys::signal::Signal::SIGINT);
}

#[test]
fn sigterm_while_the_editor_runs_stops_it_cleans_up_and_exits_130() {
    interrupted_with(nix::sys::signal::Signal::SIGTERM);
}

/// A hang-up (terminal closed, SSH lost) or Ctrl-\ during an edit: handled like SIGTERM, so the
/// plaintext is removed, and no core file is written even where the user allows them (the child is
/// started with `ulimit -c unlimited`; ssp sets its own limit to 0 and is not dumpable).
fn hung_up_or_quit(signal: nix::sys::signal::Signal) {
    use nix::sys::resource::{RLIM_INFINITY, Resource, setrlimit};
    use std::os::unix::process::CommandExt;
    let r = edit_setup();
    let (child, editor_pid) = start_editing_with(&r, "hang", |cmd| {
        // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            cmd.pre_exec(|| setrlimit(Resource::RLIMIT_CORE, RLIM_INFINITY, RLIM_INFINITY).map_err(Into::into));
        }
    });
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", child.id())).unwrap();
    let core = limits.lines().find(|l| l.starts_with("Max core file size")).unwrap();
    assert_eq!(core.split_whitespace().collect::<Vec<_>>()[4..6], ["0", "0"], "{core}");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), signal).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{signal}: {stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    r.assert_private_and_cleaned(1);
    assert_eq!(r.current(), r.before);
    assert!(!running(editor_pid), "the editor {editor_pid} is still running");
    let cores: Vec<String> = std::fs::read_dir(r.p.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name == "core" || name.starts_with("core."))
        .collect();
    assert_eq!(cores, Vec::<String>::new(), "a core file in the project");
}

#[test]
fn sighup_while_the_editor_runs_leaves_no_plaintext_and_exits_130() {
    hung_up_or_quit(nix::sys::signal::Signal::SIGHUP);
}

#[test]
fn sigquit_while_the_editor_runs_leaves_no_plaintext_and_no_core_file() {
    hung_up_or_quit(nix::sys::signal::Signal::SIGQUIT);
}

#[test]
fn gpg_tty_is_set_from_the_terminal_when_unset() {
    if !support::prerequisite(
        Need::Other,
        "gpg_tty",
        Path::new("/usr/bin/script").exists(),
        "/usr/bin/script (bsdutils) not installed",
    ) {
        return;
    }
    let p = SopsProject::new();
    // A stand-in gpg: "encrypts" to a fixed armor, records GPG_TTY when asked to decrypt, and fails.
    let seen = p.root().join("gpg-tty.log");
    let fake = support::write_executable(
        p.root().join("fake-gpg.sh"),
        format!(
            "#!/bin/sh\ncase \" $* \" in\n  *' --encrypt '*) cat >/dev/null; printf -- '-----BEGIN PGP MESSAGE-----\\nZmFrZQ==\\n-----END PGP MESSAGE-----\\n' ;;\n  *) cat >/dev/null; echo \"tty=${{GPG_TTY:-unset}}\" >> {}; echo 'gpg: decryption failed: No secret key' >&2; exit 2 ;;\nesac\n",
            seen.display()
        ),
    );
    p.write("plain.yaml", PLAIN);
    let enc = p
        .ssp()
        .args(["sops", "encrypt", "--pgp", "FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4", "plain.yaml"])
        .env("SOPS_GPG_EXEC", &fake)
        .run();
    enc.success();
    p.write("pgp.yaml", &enc.stdout);
    // A GPG_TTY the user set is left alone.
    p.ssp()
        .args(["sops", "-d", "pgp.yaml"])
        .env("SOPS_GPG_EXEC", &fake)
        .env("GPG_TTY", "/dev/custom")
        .run()
        .status(128);
    // On a terminal with GPG_TTY unset: gpg is told which one.
    let command = format!("exec {} sops -d pgp.yaml", env!("CARGO_BIN_EXE_ssp"));
    let status = std::process::Command::new("/usr/bin/script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(p.root())
        .env("SOPS_GPG_EXEC", &fake)
        .env("HOME", p.root())
        .env("SOPS_AGE_KEY_FILE", "")
        .env_remove("GPG_TTY")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(!status.success());
    let log = std::fs::read_to_string(&seen).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines[0], "tty=/dev/custom", "{log}");
    assert!(lines[1].starts_with("tty=/dev/pts/"), "{log}");
}

#[test]
fn sops_edit_of_a_missing_file_opens_sops_example_and_creates_it_for_the_rule_or_flags() {
    let r = edit_setup();
    let edit_new = |action: &str, extra: &[&str], name: &str| {
        r.ssp(action).args(["sops", "edit"]).args(extra).arg_path(&r.p.root().join(name)).run()
    };
    // Left as the example: nothing is written, like sops (exit 200).
    let out = edit_new("unchanged", &["--age", &r.p.me.recipient], "new.yaml");
    out.status(200).stderr_has("new.yaml does not exist: creating it, encrypted to age ");
    assert!(!r.p.root().join("new.yaml").exists());
    r.assert_private_and_cleaned_as(1, &["new.yaml"]);

    // Edited: written, encrypted to the flag's recipient, and the summary lists every key as added.
    let out = edit_new("change", &["--age", &r.p.me.recipient], "new.yaml");
    out.success().stderr_has("File written successfully").stderr_has("added");
    let text = String::from_utf8(r.p.read("new.yaml")).unwrap();
    assert!(text.contains(&format!("recipient: {}", r.p.me.recipient)), "{text}");
    assert!(!text.contains("Welcome to SOPS"), "values are encrypted: {text}");
    let plain = r.p.ssp().args(["sops", "-d", "new.yaml"]).run();
    plain.success();
    assert!(plain.stdout.starts_with("hello: Welcome to SOPS! Edit this file as you please!\n"), "{}", plain.stdout);
    assert!(plain.stdout.contains("# Example comment\n") && plain.stdout.ends_with("extra: 1\n"), "{}", plain.stdout);

    // No flags and no .sops.yaml rule: nothing to encrypt to (sops' exit 111), no editor, no file.
    let out = edit_new("change", &[], "other.json");
    out.status(111);
    assert!(!r.p.root().join("other.json").exists());
    r.assert_private_and_cleaned_as(2, &["new.yaml"]);

    // A .sops.yaml rule is used when no flag is given; JSON gets sops' JSON example.
    r.p.write(".sops.yaml", format!("creation_rules:\n  - path_regex: \\.json$\n    age: {}\n", r.p.me.recipient));
    edit_new("json-change", &[], "other.json").success();
    r.assert_private_and_cleaned_as(3, &["new.yaml", "other.json"]);
    let plain = r.p.ssp().args(["sops", "-d", "other.json"]).run();
    assert!(plain.success().stdout.contains("\"example_key\": \"edited\""), "{}", plain.stdout);
    assert!(plain.stdout.contains("\"example_booleans\": ["), "{}", plain.stdout);
}

// ------------------------------------------------------------------ unchanged values keep their ciphertext (issue 16)

/// Line numbers (0-based) where two texts of the same line count differ.
fn changed_lines(before: &str, after: &str) -> Vec<usize> {
    let (b, a): (Vec<&str>, Vec<&str>) = (before.lines().collect(), after.lines().collect());
    assert_eq!(b.len(), a.len(), "the line count changed:\n{after}");
    (0..b.len()).filter(|&i| b[i] != a[i]).collect()
}

#[test]
fn editing_one_value_of_the_example_cloud_values_changes_only_its_line_mac_and_lastmodified() {
    let r = edit_setup();
    let original = std::fs::read_to_string(repo().join("deployment/values.cloud.yaml")).unwrap();
    r.p.write("deployment/values.cloud.yaml", &original);
    let key = repo().join("deployment/example.agekey");
    r.ssp("dashboard").env("SOPS_AGE_KEY_FILE", &key).args(["edit-cloud-values"]).run().success();
    let after = String::from_utf8(r.current()).unwrap();
    let lines: Vec<&str> = after.lines().collect();
    let changed: Vec<String> = changed_lines(&original, &after).iter().map(|&i| lines[i].trim().to_string()).collect();
    assert_eq!(changed.len(), 3, "{changed:#?}");
    assert!(changed[0].starts_with("password: ENC["), "{changed:#?}");
    assert!(changed[1].starts_with("lastmodified: "), "{changed:#?}");
    assert!(changed[2].starts_with("mac: ENC["), "{changed:#?}");
    let out = r.p.ssp().env("SOPS_AGE_KEY_FILE", &key).args(["sops", "decrypt", "--extract"]);
    let out = out.args(["[\"secret\"][\"dashboard\"][\"password\"]", "deployment/values.cloud.yaml"]).run();
    assert_eq!(out.success().stdout, "new-dashboard-password");
    // set and unset keep the other values' ciphertext too.
    let before = after;
    r.p.ssp()
        .env("SOPS_AGE_KEY_FILE", &key)
        .args(["sops", "set", "deployment/values.cloud.yaml", "[\"secret\"][\"db\"][\"database\"]", "\"app\""])
        .run()
        .success();
    let after = String::from_utf8(r.current()).unwrap();
    let lines: Vec<&str> = after.lines().collect();
    let changed: Vec<&str> = changed_lines(&before, &after).iter().map(|&i| lines[i].trim()).collect();
    // (lastmodified has one-second resolution: within the same second it stays.)
    assert!(changed.iter().any(|l| l.starts_with("database: ENC[")), "{changed:#?}");
    assert!(
        changed.iter().all(|l| ["database: ENC[", "lastmodified: ", "mac: ENC["].iter().any(|p| l.starts_with(p))),
        "{changed:#?}"
    );
    // rotate changes the data key: every value changes.
    r.p.ssp()
        .env("SOPS_AGE_KEY_FILE", &key)
        .args(["sops", "rotate", "-i", "deployment/values.cloud.yaml"])
        .run()
        .success();
    let rotated = String::from_utf8(r.current()).unwrap();
    let kept = after.lines().filter(|l| l.contains("ENC[") && rotated.lines().any(|r| r == *l)).count();
    assert_eq!(kept, 0, "rotate re-encrypts every value");
}

#[test]
fn a_go_sops_file_edited_by_ssp_keeps_the_ciphertext_of_every_unchanged_value() {
    let Some(getsops) = support::fixtures::getsops() else {
        return;
    };
    let Some(home) = support::fixtures::GpgHome::with_sops_test_key(&getsops) else { return };
    let r = edit_setup();
    let original = std::fs::read_to_string(getsops.join("example.yaml")).unwrap();
    r.p.write("deployment/values.cloud.yaml", &original);
    let gpg = |s: Ssp| s.env("GNUPGHOME", home.dir.path());
    gpg(r.ssp("go-fixture")).args(["edit-cloud-values"]).run().success();
    let after = String::from_utf8(r.current()).unwrap();
    let lines: Vec<&str> = after.lines().collect();
    let changed: Vec<&str> = changed_lines(&original, &after).iter().map(|&i| lines[i].trim()).collect();
    assert_eq!(changed.len(), 3, "{changed:#?}");
    assert!(changed[0].starts_with("myapp1: ENC["), "{changed:#?}");
    assert!(changed[1].starts_with("lastmodified: ") && changed[2].starts_with("mac: ENC["), "{changed:#?}");
    // Comments, numbers, booleans, list items and nested values all kept their ciphertext; the
    // result still decrypts (MAC checked) to the original with the one change.
    let plain = gpg(r.p.ssp()).args(["sops", "-d", "deployment/values.cloud.yaml"]).run();
    plain.success().stdout_has("myapp1: changed\n").stdout_has("this:\n    is:\n        a:\n");
    // The same through `sops unset` of one value.
    gpg(r.p.ssp()).args(["sops", "unset", "deployment/values.cloud.yaml", "[\"number\"]"]).run().success();
    let unset = String::from_utf8(r.current()).unwrap();
    let kept = after.lines().filter(|l| l.contains("ENC[") && !l.contains("mac:") && !l.contains("number:"));
    for line in kept {
        assert!(unset.contains(line), "{line} was re-encrypted");
    }
}

// ------------------------------------------------------------------ timestamps (issue 16)

#[test]
fn timestamps_round_trip_as_type_time_like_go_sops() {
    // Go sops' functional test `test_yaml_time`, and the other output types.
    let p = SopsProject::new();
    p.write("t.yaml", "a: 2024-01-01\nb: 2006-01-02T15:04:05+07:06\nc: '2024-01-01'\n");
    p.ssp().args(["sops", "encrypt", "-i", "--age", &p.me.recipient, "t.yaml"]).run().success();
    let enc = String::from_utf8(p.read("t.yaml")).unwrap();
    assert_eq!(enc.matches(",type:time]").count(), 2, "{enc}");
    assert_eq!(enc.matches(",type:str]").count(), 2, "the quoted one stays a string (and the mac): {enc}");
    let out = p.ssp().args(["sops", "decrypt", "t.yaml"]).run();
    assert_eq!(out.success().stdout, "a: 2024-01-01T00:00:00Z\nb: 2006-01-02T15:04:05+07:06\nc: \"2024-01-01\"\n");
    let out = p.ssp().args(["sops", "decrypt", "--output-type", "json", "t.yaml"]).run();
    out.success().stdout_has("\"a\": \"2024-01-01T00:00:00Z\"");
    let out = p.ssp().args(["sops", "decrypt", "--output-type", "dotenv", "t.yaml"]).run();
    out.success().stdout_has("a=2024-01-01T00:00:00Z\nb=2006-01-02T15:04:05+07:06\n");
    // An edit that leaves them alone keeps their ciphertext; the file still decrypts the same.
    p.ssp().args(["sops", "set", "t.yaml", "[\"d\"]", "1"]).run().success();
    let after = String::from_utf8(p.read("t.yaml")).unwrap();
    for line in enc.lines().filter(|l| l.contains("type:time")) {
        assert!(after.contains(line), "{line}");
    }
    p.ssp().args(["sops", "decrypt", "-i", "t.yaml"]).run().success();
    assert_eq!(p.read("t.yaml"), b"a: 2024-01-01T00:00:00Z\nb: 2006-01-02T15:04:05+07:06\nc: \"2024-01-01\"\nd: 1\n");
}

// ------------------------------------------------------------------ exec-env / exec-file (issue 16)

const FLAT: &str = "db_password: hunter2\nport: 5432\n# a comment\nenabled: true\n";

fn run_dir_is_empty(p: &SopsProject) -> bool {
    std::fs::read_dir(p.root().join("run")).unwrap().next().is_none()
}

#[test]
fn exec_env_gives_the_command_the_files_keys_and_its_exit_status() {
    let p = SopsProject::new();
    p.encrypted("flat.yaml", FLAT);
    let out = p
        .ssp()
        .env("MARK", "from-ssp")
        .args(["sops", "exec-env", "flat.yaml", "echo \"$db_password:$port:$enabled:$MARK\""])
        .run();
    assert_eq!(out.success().stdout, "hunter2:5432:true:from-ssp\n");
    // --pristine: only the file's keys.
    let out = p
        .ssp()
        .env("MARK", "from-ssp")
        .args(["sops", "exec-env", "--pristine", "flat.yaml", "echo \"${MARK:-unset}:$db_password\""])
        .run();
    assert_eq!(out.success().stdout, "unset:hunter2\n");
    // The command's status is ssp's; with --same-process ssp becomes the command.
    p.ssp().args(["sops", "exec-env", "flat.yaml", "exit 7"]).run().status(7);
    let out = p.ssp().args(["sops", "exec-env", "--same-process", "flat.yaml", "echo $db_password; exit 4"]).run();
    assert_eq!(out.status(4).stdout, "hunter2\n");
    p.ssp().args(["sops", "exec-env", "--same-process", "--background", "flat.yaml", "true"]).run().status(8);
    // Nested values cannot be environment variables (sops' words).
    p.encrypted("nested.yaml", PLAIN);
    let out = p.ssp().args(["sops", "exec-env", "nested.yaml", "true"]).run();
    out.status(1).stderr_has("cannot use complex value in environment; offending key db");
    assert!(!out.stderr.contains("hunter2"));
}

#[test]
fn exec_file_hands_the_plaintext_over_a_fifo_or_a_private_file_and_removes_it() {
    let p = SopsProject::new();
    p.encrypted("flat.yaml", FLAT);
    // Default: a FIFO inside a private directory under $XDG_RUNTIME_DIR.
    let out =
        p.ssp().args(["sops", "exec-file", "flat.yaml", "test -p {} && stat -c %a {} && basename {} && cat {}"]).run();
    assert_eq!(out.success().stdout, format!("600\ntmp-file\n{FLAT}"));
    assert!(run_dir_is_empty(&p), "the FIFO's directory is removed");
    // --no-fifo: a 0600 regular file; --filename names it; --output-type converts.
    let out = p
        .ssp()
        .args(["sops", "exec-file", "--no-fifo", "--filename", "v.json", "--output-type", "json", "flat.yaml"])
        .args(["test -f {} && stat -c %a {} && basename {} && cat {}"])
        .run();
    out.success().stdout_has("600\nv.json\n{\n\t\"db_password\": \"hunter2\",");
    assert!(run_dir_is_empty(&p));
    // A failing command: its status, and still nothing left.
    p.ssp().args(["sops", "exec-file", "flat.yaml", "cat {} >/dev/null; exit 9"]).run().status(9);
    p.ssp().args(["sops", "exec-file", "--no-fifo", "flat.yaml", "exit 3"]).run().status(3);
    assert!(run_dir_is_empty(&p));
    // A --filename that leaves the private directory is refused.
    let out = p.ssp().args(["sops", "exec-file", "--filename", "../x", "flat.yaml", "true"]).run();
    out.status(1).stderr_has("not a plain file name");
}

fn exec_file_interrupted_with(signal: nix::sys::signal::Signal) {
    let p = SopsProject::new();
    p.encrypted("flat.yaml", FLAT);
    let pidfile = p.root().join("child.pid");
    let command = format!("cat {{}} >/dev/null; echo $$ > {}; exec sleep 30", pidfile.display());
    let mut cmd = p.ssp().args(["sops", "exec-file", "flat.yaml", &command]).into_command();
    cmd.stdin(std::process::Stdio::null()).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !pidfile.exists() || std::fs::read_to_string(&pidfile).unwrap().trim().is_empty() {
        assert!(Instant::now() < deadline, "the command never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let command_pid: i32 = std::fs::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
    assert!(!run_dir_is_empty(&p), "the FIFO's directory exists while the command runs");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), signal).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(run_dir_is_empty(&p), "the FIFO's directory is removed");
    std::thread::sleep(Duration::from_millis(100));
    assert!(!running(command_pid), "the command {command_pid} still runs");
}

#[test]
fn ctrl_c_during_exec_file_stops_the_command_and_removes_the_fifo() {
    exec_file_interrupted_with(nix::sys::signal::Signal::SIGINT);
}

#[test]
fn sigterm_during_exec_file_stops_the_command_and_removes_the_fifo() {
    exec_file_interrupted_with(nix::sys::signal::Signal::SIGTERM);
}

#[test]
fn exec_as_another_user_switches_ids_and_hands_the_file_over() {
    if !support::prerequisite(
        Need::Other,
        "exec --user",
        nix::unistd::geteuid().is_root(),
        "needs root to switch users",
    ) {
        return;
    }
    let p = SopsProject::new();
    p.encrypted("flat.yaml", FLAT);
    let out = p.ssp().args(["sops", "exec-env", "--user", "nobody", "flat.yaml", "id -u; echo $USER:$HOME"]).run();
    assert_eq!(out.success().stdout, "65534\nnobody:/nonexistent\n");
    // The run dir must be reachable by nobody for the FIFO's directory inside it.
    std::fs::set_permissions(p.root(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(p.root().join("run"), std::fs::Permissions::from_mode(0o711)).unwrap();
    let out = p.ssp().args(["sops", "exec-file", "--user", "nobody", "flat.yaml", "id -u; cat {}"]).run();
    assert_eq!(out.success().stdout, format!("65534\n{FLAT}"));
    p.ssp().args(["sops", "exec-env", "--user", "no-such-user-x", "flat.yaml", "true"]).run().status(1);
}
