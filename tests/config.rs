//! The configuration loader through the binary: discovery, layering, and bad input.

mod support;

use std::path::Path;

use ssp::config::{FlagOverride, Origin, load_layers};
use support::cli::{Project, Ssp};

#[test]
fn a_fresh_project_needs_no_ssp_toml() {
    let project = Project::new();
    let out = project.ssp().args(["config", "-o", "json"]).run();
    out.success();
    let json = out.json();
    assert_eq!(json["config"]["cluster"]["name"], "pdc-cluster");
    assert_eq!(json["config"]["chart"]["rev"], "7963191d71eb2f9b9390bc7ecd396833f37d4365");
    assert_eq!(json["origins"]["cluster.name"], "default");
    assert_eq!(json["root"], project.root().display().to_string());
}

#[test]
fn each_layer_overrides_the_one_below() {
    let project = Project::new();
    project.write(
        "ssp.toml",
        "[cluster]\nname = \"from-file\"\n\n[chart]\nrelease = \"rel-file\"\nnamespace = \"ns-file\"\n",
    );
    let extra = project.write("extra.toml", "[chart]\nrelease = \"rel-config\"\n");

    // ssp.toml over defaults.
    let json = project.ssp().args(["config", "-o", "json"]).run().json();
    assert_eq!(json["config"]["cluster"]["name"], "from-file");
    assert_eq!(json["origins"]["cluster.name"], "ssp.toml:2");
    assert_eq!(json["origins"]["cluster.provider"], "default");

    // --config over ssp.toml; env over both.
    let out = project
        .ssp()
        .args(["--config", "extra.toml", "config", "-o", "json"])
        .env("SSP_CHART_NAMESPACE", "ns-env")
        .run();
    let json = out.json();
    assert_eq!(json["config"]["chart"]["release"], "rel-config");
    assert_eq!(json["origins"]["chart.release"], "extra.toml:2");
    assert_eq!(json["config"]["chart"]["namespace"], "ns-env");
    assert_eq!(json["origins"]["chart.namespace"], "env SSP_CHART_NAMESPACE");
    assert_eq!(json["config"]["cluster"]["name"], "from-file");
    assert!(extra.exists());

    // Text output carries the same origins as comments.
    let text = project.ssp().args(["config"]).env("SSP_TOOLS_MIRROR", "https://mirror.example").run();
    text.success();
    text.stdout_has("mirror = \"https://mirror.example\"  # env SSP_TOOLS_MIRROR");
    assert!(
        text.stdout.lines().any(|l| l.starts_with("name = \"from-file\"") && l.ends_with("# ssp.toml:2")),
        "{}",
        text.stdout
    );
}

#[test]
fn flags_override_environment() {
    let root = Path::new("/project");
    let flag = FlagOverride {
        key: "tools.mirror".into(),
        value: toml::Value::String("https://flag".into()),
        flag: "--mirror".into(),
    };
    let env = |var: &str| (var == "SSP_TOOLS_MIRROR").then(|| "https://env".to_string());
    let project = load_layers(root, None, None, &[flag], &env).unwrap();
    assert_eq!(project.config.tools.mirror, "https://flag");
    assert_eq!(project.origin("tools.mirror"), Some(&Origin::Flag("--mirror".into())));
    let project = load_layers(root, None, None, &[], &env).unwrap();
    assert_eq!(project.config.tools.mirror, "https://env");
}

#[test]
fn discovered_from_a_nested_sub_folder() {
    let project = Project::new();
    project.write("ssp.toml", "[cluster]\nname = \"nested\"\n");
    let deep = project.root().join("src/a/b");
    std::fs::create_dir_all(&deep).unwrap();
    let json = Ssp::new().current_dir(&deep).args(["config", "-o", "json"]).run().json();
    assert_eq!(json["config"]["cluster"]["name"], "nested");
    assert_eq!(json["root"], project.root().display().to_string());
}

#[test]
fn project_dir_flag_picks_the_root() {
    let project = Project::new();
    project.write("ssp.toml", "[chart]\nnamespace = \"picked\"\n");
    let elsewhere = tempfile::tempdir().unwrap();
    let out = Ssp::new()
        .current_dir(elsewhere.path())
        .args([std::ffi::OsString::from("-C"), project.root().into_os_string()])
        .args(["config", "-o", "json"])
        .run();
    assert_eq!(out.json()["config"]["chart"]["namespace"], "picked");
}

#[test]
fn no_project_found_is_a_usage_error_with_a_hint() {
    let nowhere = tempfile::tempdir().unwrap();
    let out = Ssp::new().current_dir(nowhere.path()).args(["config"]).run();
    out.status(2)
        .stderr_has("no project found")
        .stderr_has("hint: run ssp inside the Support Sphere repository, or pass -C");
}

/// Writes `ssp.toml`, runs `ssp config`, expects exit 2 and every needle in stderr.
fn rejects(contents: &[u8], needles: &[&str]) {
    let project = Project::new();
    project.write("ssp.toml", contents);
    let out = project.ssp().args(["config"]).run();
    out.status(2);
    for needle in needles {
        out.stderr_has(needle);
    }
    assert!(out.stdout.is_empty(), "nothing printed on stdout for a bad config:\n{}", out.stdout);
}

#[test]
fn syntax_error_names_line_and_column() {
    rejects(b"[cluster]\nname = \"unterminated\n", &["ssp.toml:2:21: invalid TOML: invalid basic string"]);
}

#[test]
fn unknown_key_suggests_the_close_one() {
    rejects(
        b"[cluster]\nnmae = \"x\"\n",
        &["ssp.toml:2:1: unknown key `cluster.nmae`", "hint: did you mean `cluster.name`?"],
    );
    rejects(b"[clustr]\nname = \"x\"\n", &["ssp.toml:1:2: unknown key `clustr`", "did you mean `cluster`?"]);
    rejects(b"[cluster]\nzzz = 1\n", &["unknown key `cluster.zzz`", "hint: `ssp config` lists every key ssp knows"]);
}

#[test]
fn wrong_type_names_key_and_position() {
    rejects(
        b"[cluster]\nupdate_kubeconfig = \"yes\"\n",
        &["ssp.toml:2:21: `cluster.update_kubeconfig`", "expected a boolean"],
    );
}

#[test]
fn bad_port_mapping_points_at_the_element() {
    rejects(
        b"[cluster]\nports = [\"80:80@loadbalancer\", \"eighty:80\"]\n",
        &["ssp.toml:2:32: `cluster.ports[1]`", "bad port mapping \"eighty:80\"", "e.g. \"8080:80@loadbalancer\""],
    );
}

#[test]
fn unknown_provider_lists_the_known_ones() {
    rejects(
        b"[cluster]\nprovider = \"kind\"\n",
        &["ssp.toml:2:12: `cluster.provider`", "unknown variant `kind`, expected `k3d` or `existing`"],
    );
}

#[test]
fn existing_provider_needs_a_context() {
    rejects(b"[cluster]\nprovider = \"existing\"\n", &["ssp.toml:2:12: `cluster.provider`", "needs `cluster.context`"]);
}

#[test]
fn non_utf8_file_names_the_position() {
    rejects(b"[cluster]\nname = \"caf\xe9\"\n", &["ssp.toml:2:12: the file is not valid UTF-8"]);
}

#[test]
fn missing_config_file_is_named() {
    let project = Project::new();
    let out = project.ssp().args(["--config", "nope.toml", "config"]).run();
    out.status(2)
        .stderr_has("cannot read config file")
        .stderr_has("nope.toml")
        .stderr_has("hint: check the path given to --config");
}

#[test]
fn empty_config_file_is_refused_but_an_empty_ssp_toml_is_a_marker() {
    let project = Project::new();
    project.write("ssp.toml", "");
    project.write("empty.toml", "\n  \n");
    project.ssp().args(["config"]).run().success();
    let out = project.ssp().args(["--config", "empty.toml", "config"]).run();
    out.status(2).stderr_has("empty.toml: the file is empty");
}

#[test]
fn bad_environment_value_names_the_variable() {
    let project = Project::new();
    let out = project.ssp().args(["config"]).env("SSP_CLUSTER_UPDATE_KUBECONFIG", "perhaps").run();
    out.status(2).stderr_has(
        "environment variable SSP_CLUSTER_UPDATE_KUBECONFIG: `cluster.update_kubeconfig`: expected true or false",
    );
    let out = project.ssp().args(["config"]).env("SSP_CLUSTER_PORTS", "80").run();
    out.status(2)
        .stderr_has("environment variable SSP_CLUSTER_PORTS: `cluster.ports[0]`")
        .stderr_has("bad port mapping \"80\"");
}
