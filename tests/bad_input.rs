//! Bad and awkward input (issue 13): absurd durations, closed pipes, teardown without a terminal,
//! configuration and values mistakes, help text, TERM=dumb, a chart checkout git refuses, Ctrl-C
//! in doctor, an edit that could not be saved. Every case must end in a clear message and the
//! documented status (2 for usage and configuration errors), never a panic (101) and never lost data.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use support::cli::{Outcome, Project, Ssp};
use support::stack::{CLUSTER, Stack, StackOptions, small_release};

// ------------------------------------------------------------------ durations (rows 1, 6, 13)

#[test]
fn absurd_zero_and_tiny_durations_are_usage_errors_naming_the_flag() {
    let project = Project::new();
    for (args, flag, why) in [
        (&["setup-infra", "--timeout", "300000000000y"][..], "--timeout", "too long"),
        (&["setup-infra", "--timeout", "99999999999999h"], "--timeout", "too long"),
        (&["setup-infra", "--timeout", "0"], "--timeout", "too short"),
        (&["setup-infra", "--grace", "0s"], "--grace", "too short"),
        (&["seed-db", "--timeout", "300000000000y"], "--timeout", "too long"),
        (&["seed-db", "--timeout", "0"], "--timeout", "too short"),
        (&["seed-db", "--timeout", "1ns"], "--timeout", "too short"),
        (&["seed-db", "--grace", "forever"], "--grace", "not a duration"),
    ] {
        let out = project.ssp().args(["--dry-run"]).args(args).run();
        out.status(2).stderr_has(&format!("for '{flag} <DURATION>'")).stderr_has(why);
    }
}

#[test]
fn seed_timeout_from_the_environment_or_ssp_toml_is_checked_where_it_is_written() {
    let project = Project::new();
    for value in ["abc", "0", "300000000000y"] {
        let out = project.ssp().args(["config"]).env("SSP_SEED_TIMEOUT", value).run();
        out.status(2).stderr_has("environment variable SSP_SEED_TIMEOUT").stderr_has("seed.timeout");
    }
    project.write("ssp.toml", "[seed]\ntimeout = \"forever\"\n");
    let out = project.ssp().args(["config"]).run();
    out.status(2).stderr_has("ssp.toml:2:11: `seed.timeout`").stderr_has("\"forever\" is not a duration");
    // The same check stops seed-db before it touches anything.
    project.ssp().args(["--dry-run", "seed-db", "--no-build"]).run().status(2).stderr_has("ssp.toml:2:11");
    project.write("ssp.toml", "[seed]\ntimeout = \"90s\"\n");
    project.ssp().args(["config"]).run().success().stdout_has("timeout = \"90s\"");
}

// ------------------------------------------------------------------ closed stdout (row 2)

/// A project where the commands that print data have what they need: a seed Job manifest (for
/// `--dry-run seed-db --no-build`) and a plaintext file for the `sops` verbs.
fn data_project() -> Project {
    let project = Project::new();
    project.write(
        "deployment/kubernetes/populate_db_job.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: populate-db\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: seed\n          image: pdc/populate_db:1.0\n",
    );
    project.write("plain.yaml", "db:\n  password: hunter2\n");
    project
}

#[test]
fn every_command_with_stdout_closed_exits_quietly_never_101() {
    let project = data_project();
    let recipient = support::fixtures::age_key().recipient;
    // (arguments, whether the run prints data on stdout)
    let mut runs: Vec<(Vec<String>, bool)> = vec![(vec!["--help".into()], true), (vec!["--version".into()], true)];
    // Help of every command (help goes to stdout), including every `sops` verb.
    for path in support::cli::subcommand_paths() {
        let mut args = path.clone();
        args.push("--help".into());
        runs.push((args, true));
    }
    let owned = |args: &[&str]| args.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    // The commands that print data, run for real.
    for args in [
        &["config"][..],
        &["config", "-o", "json"],
        &["doctor"],
        &["doctor", "-o", "json"],
        &["--dry-run", "seed-db", "--no-build"],
        &["completions", "bash"],
        &["completions", "zsh"],
        &["completions", "fish"],
        &["sops", "filestatus", "plain.yaml"],
        &["sops", "encrypt", "--age", &recipient, "plain.yaml"],
    ] {
        runs.push((owned(args), true));
    }
    // Every other command, run for real as far as this machine lets it (no k3d, no cluster, no
    // network): they end with their own status, and stdout closed must not change it into a panic.
    for args in [
        &["status"][..],
        &["status", "-o", "json"],
        &["status", "-o", "env"],
        &["--dry-run", "setup-infra"],
        &["--dry-run", "seed-db"],
        &["--dry-run", "install-tools", "--no-chart"],
        &["--dry-run", "fetch-chart"],
        &["teardown", "--yes"],
        &["stop"],
        &["start"],
        &["port-forward"],
        &["edit-cloud-values"],
        &["sops", "decrypt", "plain.yaml"],
        &["sops", "-d", "plain.yaml"],
        &["sops", "rotate", "plain.yaml"],
        &["sops", "updatekeys", "-y", "plain.yaml"],
        &["sops", "set", "plain.yaml", "[\"a\"]", "1"],
        &["sops", "unset", "plain.yaml", "[\"db\"]"],
    ] {
        runs.push((owned(args), false));
    }
    let plain_before = std::fs::read(project.root().join("plain.yaml")).unwrap();
    for (args, prints) in runs {
        let ssp = || {
            project
                .ssp()
                .args(&args)
                .without_keys(&project.root())
                .env("DOCKER_HOST", "unix:///nonexistent.sock")
                .env("PATH", "/usr/bin:/bin")
        };
        let open = ssp().run();
        assert!(!prints || !open.stdout.is_empty() || open.status != 0, "{args:?} printed nothing: {open:?}");
        let closed = ssp().run_with_stdout_closed();
        assert_ne!(closed.status, 101, "{args:?} panicked: {closed:?}");
        assert!(
            !closed.stderr.contains("panicked") && !closed.stderr.contains("internal error"),
            "{args:?}: {closed:?}"
        );
        assert!(!closed.stderr.to_lowercase().contains("broken pipe"), "{args:?}: {closed:?}");
        assert!(
            closed.status == 0 || closed.status == open.status,
            "{args:?}: exit {} with stdout closed, {} with it open: {closed:?}",
            closed.status,
            open.status
        );
    }
    assert_eq!(std::fs::read(project.root().join("plain.yaml")).unwrap(), plain_before, "a sops verb wrote");
}

#[test]
fn a_closed_stderr_keeps_the_exit_status() {
    let project = data_project();
    for (args, status) in [
        (&["--config", "missing.toml", "config"][..], 2),
        (&["--dry-run", "seed-db", "--no-build", "--timeout", "0"], 2),
        (&["--dry-run", "seed-db", "--no-build"], 0),
        (&["doctor"], 1),
        (&["sops", "decrypt", "plain.yaml"], 2),
    ] {
        let ssp = || project.ssp().args(args).env("DOCKER_HOST", "unix:///nonexistent.sock");
        let open = ssp().run();
        assert_eq!(open.status, status, "{args:?}: {open:?}");
        assert!(!open.stderr.is_empty(), "{args:?} says nothing on stderr");
        let closed = ssp().run_with_stderr_closed();
        assert_eq!(closed.status, status, "{args:?} with stderr closed: {closed:?}");
    }
}

// ------------------------------------------------------------------ teardown consent (row 3)

fn deployed() -> Option<Stack> {
    let stack = Stack::new(StackOptions::default())?;
    stack.deployed(&small_release());
    Some(stack)
}

#[test]
fn teardown_without_a_terminal_and_without_yes_deletes_nothing() {
    let Some(stack) = deployed() else { return };
    for stdin in [&b"n\n"[..], b"y\n", b""] {
        let out = stack.ssp().args(["teardown"]).stdin(stdin).run();
        out.status(2).stderr_has("stdin is not a terminal").stderr_has("pass --yes");
    }
    assert!(!stack.k3d_calls().iter().any(|c| c.contains("delete")), "{:?}", stack.k3d_calls());
    assert_eq!(stack.fakes.cluster(CLUSTER), Some(support::fakes::ClusterState::Running));
    // --yes is the way to say it.
    stack.ssp().args(["teardown", "--yes"]).stdin("").run().success().stderr_has("cluster pdc-cluster deleted");
    assert_eq!(stack.fakes.cluster(CLUSTER), None);
}

#[test]
fn teardown_on_a_terminal_asks_and_only_yes_deletes() {
    let Some(stack) = deployed() else { return };
    let Some(ssp) = stack.ssp().args(["teardown"]).stdin("n\n").on_terminal() else { return };
    let out = ssp.run();
    out.status(2).stdout_has("Delete cluster pdc-cluster and all its data").stdout_has("teardown cancelled");
    assert_eq!(stack.fakes.cluster(CLUSTER), Some(support::fakes::ClusterState::Running));
    let out = stack.ssp().args(["teardown"]).stdin("y\n").on_terminal().unwrap().run();
    out.success().stdout_has("cluster pdc-cluster deleted");
    assert_eq!(stack.fakes.cluster(CLUSTER), None);
}

// ------------------------------------------------------------------ values files (rows 9, 12)

#[test]
fn unusable_values_files_are_configuration_errors_before_anything_runs() {
    let project = Project::new();
    for (text, why) in [
        ("- a\n- b\n", "the top level is a list"),
        ("", "the file is empty"),
        ("# nothing but a comment\n", "the file is empty"),
        ("just a string\n", "the top level is a single value"),
        ("db: [unclosed\n", "invalid YAML"),
    ] {
        project.write("deployment/values.dev.yaml", text);
        let out = project.ssp().args(["--dry-run", "setup-infra"]).run();
        out.status(2).stderr_has("values.dev.yaml").stderr_has(why);
        assert!(!out.stderr.contains("would run"), "{}", out.stderr);
    }
    project.write("deployment/values.dev.yaml", "{}\n");
    std::fs::create_dir_all(project.root().join("a-folder")).unwrap();
    for (extra, why) in [("missing.yaml", "No such file"), ("a-folder", "a directory")] {
        let out = project.ssp().args(["--dry-run", "setup-infra", "-f", extra]).run();
        out.status(2).stderr_has("cannot read the values file").stderr_has(why).stderr_has("-f/--values");
    }
}

#[test]
fn strict_unknown_values_keys_exit_2() {
    let Some(stack) = Stack::new(StackOptions { chart: true, ..Default::default() }) else { return };
    stack.project.write("extra.yaml", "db:\n  enabeld: true\n");
    let out = stack.ssp().args(["--dry-run", "setup-infra", "--strict", "-f", "extra.yaml"]).run();
    out.status(2).stderr_has("db.enabeld").stderr_has("unknown to the chart");
    assert!(stack.helm_calls().is_empty());
}

// ------------------------------------------------------------------ configuration messages (rows 19, 20)

#[test]
fn configuration_type_errors_name_the_place_once_in_toml_words() {
    let project = Project::new();
    for (toml, location, words) in [
        ("cluster = 5\n", "ssp.toml:1:11", "expected a table"),
        ("[cluster]\nports = \"80:80\"\n", "ssp.toml:2:9", "expected an array"),
        ("[seed]\nbuild_args = [1]\n", "ssp.toml:2:14", "invalid type: array"),
    ] {
        project.write("ssp.toml", toml);
        let out = project.ssp().args(["config"]).run();
        out.status(2).stderr_has(location).stderr_has(words);
        assert_eq!(out.stderr.matches("ssp.toml:").count(), 1, "{}", out.stderr);
        assert!(!out.stderr.contains("\nin `"), "the key named twice: {}", out.stderr);
        assert!(!out.stderr.contains("struct ") && !out.stderr.contains("sequence"), "{}", out.stderr);
    }
    std::fs::remove_file(project.root().join("ssp.toml")).unwrap();
    let out = project.ssp().args(["--config", "/missing/ssp.toml", "config"]).run();
    out.status(2).stderr_has("cannot read config file /missing/ssp.toml");
    assert_eq!(out.stderr.matches("No such file").count(), 1, "{}", out.stderr);
}

#[test]
fn a_folder_named_ssp_toml_and_misspelled_variables_are_warned_about() {
    let project = Project::new();
    std::fs::create_dir_all(project.root().join("ssp.toml")).unwrap();
    let out = project.ssp().args(["config"]).env("SSP_CLUSTER_NAEM", "x").env("SSP_REGISTRY_USER", "me").run();
    out.success();
    out.stderr_has("ssp.toml is not a regular file").stderr_has("the defaults apply");
    out.stderr_has("SSP_CLUSTER_NAEM is not a setting ssp knows").stderr_has("did you mean SSP_CLUSTER_NAME?");
    assert!(!out.stderr.contains("SSP_REGISTRY_USER"), "a variable ssp reads is no mistake: {}", out.stderr);
    // A correct name is silent.
    let out = project.ssp().args(["config"]).env("SSP_CLUSTER_NAME", "other").run();
    assert!(!out.stderr.contains("not a setting"), "{}", out.stderr);
}

// ------------------------------------------------------------------ TERM=dumb (row 21)

#[test]
fn term_dumb_on_a_terminal_gets_no_colour() {
    let project = Project::new();
    let run = |term: &str| -> Option<Outcome> {
        let ssp = project.ssp().args(["--config", "missing.toml", "config"]).env("TERM", term).on_terminal()?;
        Some(ssp.run())
    };
    let Some(xterm) = run("xterm") else { return };
    assert!(xterm.stdout.contains("\u{1b}["), "a terminal gets colour: {:?}", xterm.stdout);
    let dumb = run("dumb").unwrap();
    assert!(!dumb.stdout.contains('\u{1b}'), "{:?}", dumb.stdout);
    dumb.status(2).stdout_has("error: cannot read config file");
}

// ------------------------------------------------------------------ help examples (row 15)

#[test]
fn help_examples_are_never_rewrapped() {
    let top = ssp::cli::whole_command();
    let mut paths = vec![Vec::new()];
    paths.extend(support::cli::subcommand_paths());
    let mut checked = 0;
    for path in paths {
        let mut command = &top;
        for name in &path {
            command = command.find_subcommand(name).unwrap();
        }
        let Some(after) = command.get_after_help().map(|h| h.to_string()) else { continue };
        for columns in ["60", "100", "200"] {
            let mut args = path.clone();
            args.push("--help".into());
            let out = Ssp::new().args(&args).env("COLUMNS", columns).run();
            out.success();
            let lines: Vec<&str> = out.stdout.lines().collect();
            for line in after.lines().filter(|l| !l.trim().is_empty()) {
                assert!(
                    lines.contains(&line),
                    "`ssp {} --help` at {columns} columns breaks {line:?}:\n{}",
                    path.join(" "),
                    out.stdout
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "only {checked} example lines checked");
    // The same help reached through `ssp help …` and through an alias.
    for (args, path) in [
        (vec!["help", "sops", "decrypt"], vec!["sops", "decrypt"]),
        (vec!["down", "--help"], vec!["teardown"]),
        (vec!["-q", "help", "seed"], vec!["seed-db"]),
    ] {
        let mut command = &top;
        for name in &path {
            command = command.find_subcommand(name).unwrap();
        }
        let after = command.get_after_help().expect("examples").to_string();
        let out = Ssp::new().args(&args).env("COLUMNS", "60").run();
        out.success();
        let lines: Vec<&str> = out.stdout.lines().collect();
        for line in after.lines().filter(|l| !l.trim().is_empty()) {
            assert!(lines.contains(&line), "`ssp {}` at 60 columns breaks {line:?}:\n{}", args.join(" "), out.stdout);
        }
    }
}

// ------------------------------------------------------------------ chart owned by another user (row 11)

#[test]
fn a_chart_checkout_git_refuses_gets_gits_message_and_the_safe_directory_fix() {
    let project = Project::new();
    let checkout = project.root().join("vendors/supabase-kubernetes");
    std::fs::create_dir_all(&checkout).unwrap();
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.org", "-C"])
            .arg(&checkout)
            .args(args)
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "--quiet"]);
    std::fs::write(checkout.join("README.md"), "chart\n").unwrap();
    git(&["add", "README.md"]);
    git(&["commit", "--quiet", "-m", "chart"]);
    let home = tempfile::tempdir().unwrap();
    let mut ssp = project
        .ssp()
        .args(["fetch-chart"])
        .env("HOME", home.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null");
    if (unsafe { libc::geteuid() } == 0) {
        // Really another owner: git refuses even root (CVE-2022-24765).
        std::os::unix::fs::chown(&checkout, Some(65534), Some(65534)).unwrap();
        ssp = ssp.env("SUDO_UID", "0");
    } else {
        // git's own switch for the same check, for runs without root.
        ssp = ssp.env("GIT_TEST_ASSUME_DIFFERENT_OWNER", "1");
    }
    let out = ssp.run();
    assert_ne!(out.status, 0, "{out:?}");
    out.stderr_has("belongs to another user").stderr_has("dubious ownership");
    out.stderr_has("git config --global --add safe.directory");
    assert!(!out.stderr.contains("delete") && !out.stderr.contains("not a git checkout"), "{}", out.stderr);
    assert!(checkout.join("README.md").exists());
}

// ------------------------------------------------------------------ Ctrl-C in doctor (row 7)

#[test]
fn ctrl_c_in_doctor_stops_at_once_with_no_verdicts() {
    // A k3d that hangs when doctor asks its version: Ctrl-C arrives while that check runs.
    let project = Project::new();
    let started = project.root().join("started");
    support::write_executable(
        project.root().join(".ssp/bin/k3d"),
        format!("#!/bin/sh\necho $$ > {}\nsleep 300\n", started.display()),
    );
    for format in ["text", "json"] {
        let _ = std::fs::remove_file(&started);
        let mut command =
            project.ssp().args(["doctor", "-o", format]).env("DOCKER_HOST", "unix:///nonexistent.sock").into_command();
        command.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
        let child = command.spawn().unwrap();
        let mut waited = 0;
        while !started.exists() && waited < 1000 {
            std::thread::sleep(Duration::from_millis(20));
            waited += 1;
        }
        assert!(started.exists(), "the fake k3d never ran");
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGINT)
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.status.code(), Some(130), "{stderr}");
        assert!(stdout.is_empty(), "verdicts after Ctrl-C:\n{stdout}");
        assert!(!stderr.contains("reinstall") && !stderr.contains("required check"), "{stderr}");
        assert!(stderr.contains("error: interrupted"), "{stderr}");
    }
}

#[test]
fn ctrl_c_in_doctor_while_docker_is_slow_stops_at_once() {
    // A Docker socket that accepts and never answers: Ctrl-C arrives during the Docker check.
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("slow.sock");
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let (accepted_tx, accepted_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut open = Vec::new();
        for stream in listener.incoming().flatten() {
            open.push(stream);
            let _ = accepted_tx.send(());
        }
    });
    let project = Project::new();
    let mut command = project
        .ssp()
        .args(["doctor", "-o", "json"])
        .env("DOCKER_HOST", format!("unix://{}", socket.display()))
        .into_command();
    command.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let child = command.spawn().unwrap();
    accepted_rx.recv_timeout(Duration::from_secs(60)).expect("doctor never connected to Docker");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGINT).unwrap();
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stdout.is_empty(), "verdicts after Ctrl-C:\n{stdout}");
    assert!(!stderr.contains("did not answer") && !stderr.contains("reinstall"), "{stderr}");
}

// ------------------------------------------------------------------ edit that cannot be saved (row 22)

#[test]
fn edit_cloud_values_in_a_read_only_folder_refuses_before_the_editor_opens() {
    let project = Project::new();
    let me = support::fixtures::age_key();
    let root = project.root();
    project.write("keys.txt", format!("{}\n", me.secret));
    let plain = project.write("plain.yaml", "db:\n  password: hunter2\n");
    let encrypted = project.ssp().args(["sops", "encrypt", "--age", &me.recipient]).args([plain.as_os_str()]).run();
    encrypted.success();
    let file = project.write("deployment/values.cloud.yaml", &encrypted.stdout);
    let before = std::fs::read(&file).unwrap();
    let ran = root.join("editor-ran");
    let editor = support::write_executable(
        root.join("editor.sh"),
        format!("#!/bin/sh\ntouch {}\necho 'db: {{password: changed}}' > \"$1\"\n", ran.display()),
    );
    std::fs::create_dir_all(root.join("run")).unwrap();
    let deployment = root.join("deployment");
    std::fs::set_permissions(&deployment, std::fs::Permissions::from_mode(0o555)).unwrap();
    let ssp = Ssp::new()
        .current_dir(&root)
        .without_keys(&root)
        .env("SOPS_AGE_KEY_FILE", root.join("keys.txt"))
        .env("EDITOR", &editor)
        .args(["edit-cloud-values"]);
    let ssp = if (unsafe { libc::geteuid() } == 0) {
        // Root writes anywhere: run as nobody, for whom 0555 means read-only.
        for path in [&root, &root.join("run")] {
            std::os::unix::fs::chown(path, Some(65534), Some(65534)).unwrap();
        }
        for path in [&root.join("keys.txt"), &file] {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        match ssp.run_as_user(65534, 65534) {
            Some(ssp) => ssp,
            None => return,
        }
    } else {
        ssp
    };
    let out = ssp.run();
    std::fs::set_permissions(&deployment, std::fs::Permissions::from_mode(0o755)).unwrap();
    out.status(3).stderr_has("its folder does not take new files").stderr_has("nothing was decrypted");
    assert!(!ran.exists(), "the editor was opened for an edit that could not be saved");
    assert_eq!(std::fs::read(&file).unwrap(), before);
    let left: Vec<_> = std::fs::read_dir(root.join("run")).unwrap().collect();
    assert!(left.is_empty(), "plaintext left behind: {left:?}");
}

// ------------------------------------------------------------------ no input makes ssp panic

mod properties {
    use std::path::Path;

    use proptest::prelude::*;

    /// A line of ssp.toml: a known key or a near miss, `=`, and anything as the value.
    fn config_line() -> impl Strategy<Value = String> {
        let keys = prop::sample::select(vec![
            "[cluster]",
            "[seed]",
            "[tools]",
            "[tools.k3d]",
            "[chart]",
            "[values]",
            "name",
            "ports",
            "timeout",
            "provider",
            "build_args",
            "sha256",
            "mirror",
            "cluster",
            "seed",
            "rev",
            "enabled",
            "x.y",
            "\"a b\"",
        ]);
        (keys, any::<bool>(), ".{0,24}").prop_map(|(key, header, value)| {
            if key.starts_with('[') && header { key.to_string() } else { format!("{key} = {value}") }
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        #[test]
        fn durations_never_panic(text in ".{0,40}", number in any::<u64>(), unit in "(ns|us|ms|s|m|h|d|w|M|y|)") {
            for text in [text, format!("{number}{unit}")] {
                if let Ok(d) = ssp::platform::duration::parse(&text) {
                    prop_assert!(d >= ssp::platform::duration::MIN && d <= ssp::platform::duration::MAX, "{text:?} gave {d:?}");
                }
            }
        }

        #[test]
        fn positions_agree_with_a_scan_from_the_start(text in "(.|\n){0,80}", offsets in prop::collection::vec(0usize..100, 1..8)) {
            let index = ssp::config::LineIndex::new(&text);
            for offset in offsets {
                let at = (0..=offset.min(text.len())).rev().find(|o| text.is_char_boundary(*o)).unwrap();
                let before = &text[..at];
                let line = before.matches('\n').count() + 1;
                let column = before[before.rfind('\n').map(|i| i + 1).unwrap_or(0)..].chars().count() + 1;
                prop_assert_eq!(index.pos(offset), ssp::config::Pos { line, column });
            }
        }

        #[test]
        fn config_files_never_panic(lines in prop::collection::vec(config_line(), 0..12), raw in ".{0,200}") {
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join("ssp.toml");
            for text in [lines.join("\n"), raw] {
                std::fs::write(&file, &text).unwrap();
                let _ = ssp::config::load_layers(dir.path(), Some(&file), None, &[], &|_| None);
            }
        }

        #[test]
        fn environment_values_never_panic(value in ".{0,40}", key in 0usize..40) {
            let defaults = ssp::config::load_layers(Path::new("/p"), None, None, &[], &|_| None).unwrap();
            let vars: Vec<String> =
                ssp::config::leaf_keys(&defaults.table).iter().map(|k| ssp::config::env_var_for(k)).collect();
            let var = vars[key % vars.len()].clone();
            let _ = ssp::config::load_layers(Path::new("/p"), None, None, &[], &|name| (name == var).then(|| value.clone()));
        }
    }
}
