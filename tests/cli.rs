//! The command line itself: help for every command, completions kept current, exit statuses.

mod support;

use clap::CommandFactory;
use support::cli::{Project, Ssp};

#[test]
fn help_of_every_command_renders_with_examples() {
    let top = Ssp::new().args(["--help"]).run();
    top.success().stdout_has("Usage: ssp").stdout_has("Exit status:").stdout_has("130  interrupted");
    let commands = support::cli::subcommand_paths();
    assert!(commands.len() >= 3, "{commands:?}");
    for path in commands {
        let mut args = path.clone();
        args.push("--help".into());
        let out = Ssp::new().args(&args).run();
        out.success().stdout_has(&format!("Usage: ssp {}", path.join(" "))).stdout_has("Examples:");
    }
}

#[test]
fn clap_definitions_are_consistent() {
    ssp::cli::Cli::command().debug_assert();
}

/// A subcommand's arguments are added when clap enters it (deferred). The description its parent
/// lists for it must be the one it shows once its arguments are there: an `Args` struct's doc
/// comment would replace it (clap applies it as `about` when the arguments are added).
#[test]
fn a_deferred_command_keeps_its_description() {
    fn find<'a>(mut command: &'a clap::Command, path: &[String]) -> &'a clap::Command {
        for name in path {
            command = command.find_subcommand(name).unwrap_or_else(|| panic!("no {name} in {path:?}"));
        }
        command
    }
    fn built_along(path: &[String]) -> clap::Command {
        let mut command = ssp::cli::command();
        let argv = std::iter::once("ssp").chain(path.iter().map(String::as_str)).chain(["--help"]);
        let _ = command.try_get_matches_from_mut(argv);
        command
    }
    let paths = support::cli::subcommand_paths();
    assert!(paths.len() > 30, "{paths:?}");
    for path in paths {
        let (parent, _) = path.split_at(path.len() - 1);
        let listed = find(&built_along(parent), &path).get_about().map(ToString::to_string);
        let own = find(&built_along(&path), &path).get_about().map(ToString::to_string);
        assert!(listed.is_some(), "{path:?} has no description");
        assert_eq!(listed, own, "{path:?}: its description changed when its arguments were added");
    }
}

#[test]
fn version_prints_the_crate_version() {
    Ssp::new().args(["--version"]).run().success().stdout_has(&format!("ssp {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn unknown_flag_is_a_usage_error() {
    Ssp::new().args(["config", "--no-such-flag"]).run().status(2).stderr_has("unexpected argument '--no-such-flag'");
}

#[test]
fn checked_in_completions_are_current() {
    use clap_complete::Shell;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let bless = std::env::var_os("SSP_BLESS").is_some();
    for (shell, file) in [
        (Shell::Bash, "ssp.bash"),
        (Shell::Zsh, "_ssp"),
        (Shell::Fish, "ssp.fish"),
        (Shell::PowerShell, "_ssp.ps1"),
        (Shell::Elvish, "ssp.elv"),
    ] {
        let fresh = ssp::commands::render_completions(shell);
        let path = dir.join(file);
        if bless {
            std::fs::write(&path, &fresh).unwrap();
            continue;
        }
        let checked_in = std::fs::read(&path).unwrap_or_default();
        assert!(
            checked_in == fresh,
            "completions/{file} is stale: regenerate with `SSP_BLESS=1 cargo test --test cli checked_in_completions_are_current`"
        );
        // And the binary prints the same script.
        let printed = Ssp::new().args(["completions", &shell.to_string()]).run();
        printed.success();
        assert_eq!(printed.stdout.as_bytes(), fresh.as_slice(), "{file}");
    }
}

#[test]
fn checked_in_man_page_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/ssp.1");
    let mut fresh = Vec::new();
    clap_mangen::Man::new(ssp::cli::whole_command()).render(&mut fresh).unwrap();
    if std::env::var_os("SSP_BLESS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let checked_in = std::fs::read(&path).unwrap_or_default();
    assert!(
        checked_in == fresh,
        "completions/ssp.1 is stale: regenerate with `SSP_BLESS=1 cargo test --test cli checked_in_man_page_is_current`"
    );
    let text = String::from_utf8(fresh).unwrap();
    assert!(text.contains(".TH ssp 1"), "{}", &text[..200.min(text.len())]);
}

#[test]
fn no_color_is_honoured_and_color_always_forces_it() {
    let project = Project::new();
    // Not a terminal: plain, uncoloured lines.
    let out = project.ssp().args(["config", "--config", "missing.toml"]).run();
    assert!(!out.stderr.contains('\u{1b}'), "{:?}", out.stderr);
    let out = project.ssp().args(["--color", "always", "config", "--config", "missing.toml"]).run();
    assert!(out.stderr.contains("\u{1b}["), "{:?}", out.stderr);
    let out = project.ssp().args(["--color", "auto", "config", "--config", "missing.toml"]).env("NO_COLOR", "1").run();
    assert!(!out.stderr.contains('\u{1b}'), "{:?}", out.stderr);
}

#[test]
fn readme_config_reference_matches_the_embedded_defaults() {
    let readme = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme.find("```toml\n").expect("README has a ```toml block") + "```toml\n".len();
    let end = start + readme[start..].find("```").unwrap();
    assert_eq!(
        &readme[start..end],
        ssp::config::DEFAULTS_TOML,
        "README's configuration reference differs from src/config/defaults.toml; paste the file into the block"
    );
}

#[test]
fn config_before_sops_names_an_ssp_toml_and_after_sops_the_sops_yaml() {
    let project = Project::new();
    let key = support::fixtures::age_key();
    project.write("alt.sops.yaml", format!("creation_rules:\n    - age: {}\n", key.recipient));
    project.write("plain.yaml", "a: 1\n");
    let ssp = || project.ssp().without_keys(&project.root());
    // sops' own --config, after the verb as after `sops`: the .sops.yaml whose rule chooses.
    for args in [
        ["sops", "encrypt", "--config", "alt.sops.yaml", "plain.yaml"],
        ["sops", "--config", "alt.sops.yaml", "encrypt", "plain.yaml"],
    ] {
        ssp().args(args).run().success().stdout_has(&key.recipient);
    }
    // Before `sops` it is ssp's (an ssp.toml), which `ssp sops` does not read: refused, not ignored.
    let out = ssp().args(["--config", "alt.sops.yaml", "sops", "encrypt", "-i", "plain.yaml"]).run();
    out.status(2)
        .stderr_has("`ssp --config alt.sops.yaml` names an ssp.toml, which `ssp sops` does not read")
        .stderr_has("hint: to name the .sops.yaml, put --config after `sops`: ssp sops --config alt.sops.yaml");
    assert_eq!(std::fs::read_to_string(project.root().join("plain.yaml")).unwrap(), "a: 1\n");
    // Every other command keeps ssp's --config, before or after its name.
    project.ssp().args(["config", "--config", "missing.toml"]).run().status(2).stderr_has("missing.toml");
    // Each help says which file its --config names.
    Ssp::new().args(["config", "--help"]).run().success().stdout_has("on top of the project's ssp.toml");
    Ssp::new().args(["sops", "decrypt", "--help"]).run().success().stdout_has("FILE is the .sops.yaml to use");
}

#[test]
fn age_recipient_help_names_post_quantum_recipients() {
    for path in [&["sops", "--help"][..], &["sops", "encrypt", "--help"], &["sops", "edit", "--help"]] {
        Ssp::new().args(path).run().success().stdout_has("age1pq1…");
    }
}
