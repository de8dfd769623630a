//! `ssp fetch-chart` with the community chart's git bundle (shared fixtures) standing in for GitHub:
//! the user's git configuration (`url.<bundle>.insteadOf`, through `GIT_CONFIG_GLOBAL`) redirects the
//! real URL, exactly as a mirror would.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::cli::{Outcome, Project};
use support::download_server::DownloadServer;

const REPO: &str = "https://github.com/supabase-community/supabase-kubernetes";
const PINNED: &str = support::fixtures::CHART_COMMIT;
/// The bundle's tag `supabase-0.3.0`.
const TAG_030: &str = "716458088aeae7dfacce7f18ef1ff2a560ff7e4b";

/// A global git config that sends the GitHub URL to `remote`, as a site mirror would.
fn gitconfig(dir: &Path, remote: &Path) -> PathBuf {
    let name = if remote.exists() { "gitconfig" } else { "gitconfig-offline" };
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!(
            "[url \"{}\"]\n\tinsteadOf = {REPO}\n[protocol \"file\"]\n\tallow = always\n[user]\n\tname = test\n\temail = test@example.org\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n",
            remote.display()
        ),
    )
    .unwrap();
    path
}

fn git(dir: &Path, config: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", config)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A project that is a git work tree recording the chart as a submodule at the pinned commit, as the
/// Support Sphere repository does.
fn git_project(config: &Path) -> Project {
    let project = Project::new();
    let root = project.root();
    project.write(
        ".gitmodules",
        format!("[submodule \"vendors/supabase-kubernetes\"]\n\tpath = vendors/supabase-kubernetes\n\turl = {REPO}\n"),
    );
    project.write("deployment/values.dev.yaml", "{}\n");
    git(&root, config, &["init", "-q"]);
    git(&root, config, &["add", ".gitmodules", "deployment"]);
    git(
        &root,
        config,
        &["update-index", "--add", "--cacheinfo", &format!("160000,{PINNED},vendors/supabase-kubernetes")],
    );
    git(&root, config, &["commit", "-q", "-m", "project"]);
    project
}

fn fetch(project: &Project, config: &Path, args: &[&str]) -> Outcome {
    let mut all = vec!["fetch-chart"];
    all.extend_from_slice(args);
    project.ssp().args(all).env("GIT_CONFIG_GLOBAL", config).env("GIT_CONFIG_NOSYSTEM", "1").run()
}

fn head(project: &Project, config: &Path) -> String {
    git(&project.root().join("vendors/supabase-kubernetes"), config, &["rev-parse", "HEAD"])
}

#[test]
fn submodule_init_lands_on_the_pinned_commit_and_a_rerun_fetches_nothing() {
    let Some(bundle) = support::fixtures::chart_bundle() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let config = gitconfig(tmp.path(), &bundle);
    let project = git_project(&config);

    let out = fetch(&project, &config, &[]);
    out.success().stderr_has("initialising submodule vendors/supabase-kubernetes").stderr_has("chart supabase 0.1.2");
    assert_eq!(head(&project, &config), PINNED);
    assert!(project.root().join("vendors/supabase-kubernetes/charts/supabase/Chart.yaml").is_file());

    // No network on a re-run: a git config whose mirror does not exist proves nothing is fetched.
    let offline = gitconfig(tmp.path(), Path::new("/nonexistent/supabase-kubernetes.bundle"));
    let again = fetch(&project, &offline, &[]);
    again.success().stderr_has("is already at 7963191d71eb; nothing fetched").stderr_has("chart supabase 0.1.2");
}

#[test]
fn rev_checks_out_another_commit_and_says_the_gitlink_differs() {
    let Some(bundle) = support::fixtures::chart_bundle() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let config = gitconfig(tmp.path(), &bundle);
    let project = git_project(&config);

    let out = fetch(&project, &config, &["--rev", "supabase-0.3.0"]);
    out.success()
        .stderr_has("checked out at 716458088aea (supabase-0.3.0)")
        .stderr_has("the project's gitlink records 7963191d71eb")
        .stderr_has("chart supabase 0.3.0");
    assert_eq!(head(&project, &config), TAG_030);

    // Back to the gitlink without --rev.
    fetch(&project, &config, &[]).success().stderr_has("chart supabase 0.1.2");
    assert_eq!(head(&project, &config), PINNED);
}

#[test]
fn a_project_that_is_not_a_git_checkout_gets_a_clone() {
    let Some(bundle) = support::fixtures::chart_bundle() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let config = gitconfig(tmp.path(), &bundle);
    let project = Project::new(); // an unpacked tarball: no .git anywhere

    let out = fetch(&project, &config, &[]);
    out.success()
        .stderr_has(&format!("cloning {REPO} into vendors/supabase-kubernetes"))
        .stderr_has("chart supabase 0.1.2");
    assert_eq!(head(&project, &config), PINNED);

    let offline = gitconfig(tmp.path(), Path::new("/nonexistent/supabase-kubernetes.bundle"));
    fetch(&project, &offline, &[]).success().stderr_has("nothing fetched");

    // Another rev of the clone, then a revision the repository does not have.
    fetch(&project, &config, &["--rev", TAG_030]).success().stderr_has("chart supabase 0.3.0");
    let out = fetch(&project, &config, &["--rev", "no-such-tag"]);
    out.status(1).stderr_has("revision `no-such-tag` is not in the chart repository");
}

#[test]
fn an_unreachable_remote_names_the_url_and_the_ways_around_it() {
    let tmp = tempfile::tempdir().unwrap();
    let config = gitconfig(tmp.path(), Path::new("/nonexistent/supabase-kubernetes.bundle"));
    let project = Project::new();
    let out = fetch(&project, &config, &[]);
    out.status(1)
        .stderr_has(&format!("cannot fetch the chart from {REPO}"))
        .stderr_has(&format!("hint: without access to that host, point git at a mirror: git config --global url.<mirror URL>.insteadOf {REPO}"))
        .stderr_has("pre-fetched checkout");
    assert!(!project.root().join("vendors/supabase-kubernetes/.git").exists());
}

#[test]
fn dry_run_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let config = gitconfig(tmp.path(), Path::new("/nonexistent/supabase-kubernetes.bundle"));
    let project = Project::new();
    let out = fetch(&project, &config, &["--dry-run"]);
    out.success().stderr_has("would run: git -C").stderr_has("clone --quiet --no-checkout");
    assert!(!project.root().join("vendors").exists());
}

#[test]
fn install_tools_ends_by_fetching_the_chart() {
    let Some(bundle) = support::fixtures::chart_bundle() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let config = gitconfig(tmp.path(), &bundle);
    let server = DownloadServer::start();
    let tools = server.serve_pinned_tools();
    let project = git_project(&config);
    project.write("ssp.toml", tools.ssp_toml);
    let out =
        project.ssp().args(["install-tools"]).env("GIT_CONFIG_GLOBAL", &config).env("GIT_CONFIG_NOSYSTEM", "1").run();
    out.success().stderr_has("2 tools installed").stderr_has("chart supabase 0.1.2");
    assert_eq!(head(&project, &config), PINNED);
}

#[test]
fn git_clone_ends_options_before_the_url_and_refuses_urls_that_are_options() {
    let tmp = tempfile::tempdir().unwrap();
    let config = gitconfig(tmp.path(), Path::new("/nonexistent/supabase-kubernetes.bundle"));
    let project = Project::new();
    let out = fetch(&project, &config, &["--dry-run"]);
    out.success().stderr_has(&format!("clone --quiet --no-checkout -- {REPO} "));

    // A chart.repo that git would take for an option (it would run the "upload pack" command).
    let pwned = tmp.path().join("pwned");
    for repo in [format!("--upload-pack=touch {}", pwned.display()), format!("ext::sh -c touch% {}", pwned.display())] {
        project.write("ssp.toml", format!("[chart]\nrepo = {repo:?}\n"));
        let out = fetch(&project, &config, &[]);
        out.status(1)
            .stderr_has(&format!("chart.repo `{repo}` is not a git URL ssp clones"))
            .stderr_has("hint: set [chart] repo in ssp.toml to an https://, ssh://, git:// or file:// URL");
        assert!(!pwned.exists(), "git ran the command of {repo:?}");
        assert!(!project.root().join("vendors/supabase-kubernetes/.git").exists());
    }
}
