//! Issue 17's hardening through the binary: the registry token only for its host, `--set` values
//! off helm's command line, no secret in a child's environment, loopback-only ports by default, the
//! Docker client speaking TLS when asked, and project discovery that a parent `ssp.toml` cannot take
//! over. (The signal and core-file cases are beside the other edit interrupts in `sops_cli.rs`;
//! `git clone --` is in `fetch_chart.rs`.)

mod support;

use std::time::Duration;

use base64::Engine as _;
use support::Need;
use support::cli::{Project, Ssp};
use support::stack::{Stack, StackOptions};

const TOKEN: &str = "ghp_teamTOKEN0123456789abcdef";

#[test]
fn the_registry_token_goes_to_its_host_only_and_no_child_sees_it() {
    let Some((stack, _kong)) = Stack::running("registry_token_scope") else { return };
    let _autopilot = stack.api.autopilot();
    // A colleague's values file naming a foreign registry, and one the user did `docker login` to.
    stack.project.write(
        "extra.yaml",
        "studio:\n  image:\n    repository: registry.attacker.example/supabase/studio\nmeta:\n  image:\n    repository: mirror.example.org/supabase/postgres-meta\n",
    );
    let b64 = base64::engine::general_purpose::STANDARD;
    let docker_dir = stack.home.path().join(".docker");
    std::fs::create_dir_all(&docker_dir).unwrap();
    std::fs::write(
        docker_dir.join("config.json"),
        format!(r#"{{"auths":{{"mirror.example.org":{{"auth":"{}"}}}}}}"#, b64.encode("mirror-user:mirror-pass")),
    )
    .unwrap();
    let out = stack
        .ssp()
        .args(["setup-infra", "-f", "extra.yaml", "--timeout", "2m"])
        .env("SSP_REGISTRY_USER", "ci-bot")
        .env("SSP_REGISTRY_TOKEN", TOKEN)
        .env("SOPS_AGE_KEY", "AGE-SECRET-KEY-1NOTUSEDBYANYCHILD")
        .run();
    out.success()
        .stderr_has("pull secret regcred for ghcr.io, mirror.example.org (from SSP_REGISTRY_USER/SSP_REGISTRY_TOKEN, ")
        .stderr_has("no credentials for registry.attacker.example: not in the `regcred` pull secret; SSP_REGISTRY_USER/SSP_REGISTRY_TOKEN are only for ghcr.io ([registry] host)");
    let config = stack.pull_secret_config("default");
    let hosts: Vec<&String> = config["auths"].as_object().unwrap().keys().collect();
    assert_eq!(hosts, ["ghcr.io", "mirror.example.org"]);
    assert_eq!(config["auths"]["ghcr.io"]["auth"], b64.encode(format!("ci-bot:{TOKEN}")));
    assert_eq!(config["auths"]["mirror.example.org"]["password"], "mirror-pass");
    assert!(!config.to_string().contains("attacker"), "{config}");

    // No child (k3d, helm) had the token, its user or the age key in its environment.
    let calls = stack.fakes.calls();
    assert!(!calls.is_empty());
    for call in calls {
        for key in ["SSP_REGISTRY_TOKEN", "SSP_REGISTRY_USER"] {
            assert!(!call.env.contains_key(key), "{} had {key}: {:?}", call.command_line(), call.env.keys());
        }
        assert!(!call.env.values().any(|v| v.contains(TOKEN) || v.contains("AGE-SECRET-KEY")), "{:?}", call.env);
    }
}

#[test]
fn a_configured_registry_host_gets_the_token_instead_of_ghcr() {
    let Some((stack, _kong)) = Stack::running("registry_host_setting") else { return };
    let _autopilot = stack.api.autopilot();
    let out = stack
        .ssp()
        .args(["setup-infra", "--timeout", "2m"])
        .env("SSP_REGISTRY_HOST", "registry.example.org")
        .env("SSP_REGISTRY_USER", "ci-bot")
        .env("SSP_REGISTRY_TOKEN", TOKEN)
        .run();
    // The dev values pull from ghcr.io only: nothing for it, so no pull secret at all.
    out.success().stderr_has(
        "no credentials for ghcr.io: not in the `regcred` pull secret; SSP_REGISTRY_USER/SSP_REGISTRY_TOKEN are only for registry.example.org ([registry] host)",
    );
    assert!(stack.api.get("secrets", "default", "regcred").is_none());
}

#[test]
fn set_values_reach_helm_on_stdin_never_on_its_command_line() {
    let Some((stack, _kong)) = Stack::running("set_on_stdin") else { return };
    let _autopilot = stack.api.autopilot();
    let password = "set-db-password-4f1c2e";
    let out = stack
        .ssp()
        .args(["-v", "setup-infra", "--timeout", "2m", "--set"])
        .args([format!("secret.db.password={password}")])
        .args(["--set", "studio.replicaCount=2,db.enabled=true"])
        .run();
    out.success();
    assert!(!out.stderr.contains(password) && !out.stdout.contains(password), "{}", out.stderr);
    let helm = stack.helm_calls();
    assert_eq!(helm.len(), 1);
    // What any user could read in /proc/<helm pid>/cmdline: the fake records exactly that argv.
    let argv = helm[0].argv.join(" ");
    assert!(!argv.contains(password) && !argv.contains("--set"), "{argv}");
    assert_eq!(helm[0].flag_values("--values"), ["-"]);
    let given: serde_json::Value = serde_saphyr::from_str(helm[0].stdin.as_deref().unwrap()).unwrap();
    assert_eq!(given["secret"]["db"]["password"], password);
    assert_eq!(given["studio"]["replicaCount"], 2);
    assert_eq!(given["db"]["enabled"], true);
    // The rest of the dev values is there too, as helm would have merged it.
    let dev: serde_json::Value = serde_saphyr::from_str(
        &std::fs::read_to_string(stack.project.root().join("deployment/values.dev.yaml")).unwrap(),
    )
    .unwrap();
    assert_eq!(given["secret"]["jwt"], dev["secret"]["jwt"]);
    assert_eq!(given["secret"]["db"]["username"], dev["secret"]["db"]["username"]);
    out.stderr_has("--values - < (deployment/values.dev.yaml with 2 --set value(s))");
}

#[test]
fn a_bad_set_names_its_key_but_not_its_value() {
    let project = Project::new();
    project.write("deployment/values.dev.yaml", "secret: {}\n");
    let out = project.ssp().args(["setup-infra", "--set", "secret..password=hunter2-value"]).run();
    out.status(2).stderr_has("--set secret..password: a key part is empty");
    assert!(!out.stderr.contains("hunter2-value"), "{}", out.stderr);
}

#[test]
fn ports_bound_beyond_loopback_are_named_when_the_cluster_is_created() {
    let Some(stack) = Stack::for_setup(
        "ports_beyond_loopback",
        StackOptions { chart: true, extra_toml: String::new(), cluster_toml: String::new() },
    ) else {
        return;
    };
    let (open, closed) = (support::stack::free_port(), support::stack::free_port());
    stack.project.write(
        "ssp.toml",
        format!(
            "[cluster]\nports = [\"0.0.0.0:{open}:80@loadbalancer\", \"{closed}:5432@loadbalancer\"]\n\n[tools]\ndir = {:?}\n",
            stack.fakes.bin_dir().display().to_string()
        ),
    );
    let out = stack.ssp().args(["--dry-run", "setup-infra"]).run();
    out.success().stderr_has(&format!(
        "host port {open} (container port 80) is published on 0.0.0.0: reachable from other machines ([cluster] ports `0.0.0.0:{open}:80@loadbalancer`)"
    ));
    assert!(!out.stderr.contains(&format!("host port {closed} (container port 5432) is published")), "{}", out.stderr);
    assert!(stack.fakes.calls_of("k3d").iter().all(|c| c.argv.get(1).is_none_or(|a| a != "create")));
}

#[test]
fn a_cloud_deploy_with_kong_on_loopback_says_how_to_open_it() {
    let Some(stack) = Stack::for_setup("cloud_kong_loopback", StackOptions { chart: true, ..Default::default() })
    else {
        return;
    };
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    stack
        .project
        .write("deployment/values.cloud.yaml", std::fs::read(repo.join("deployment/values.cloud.yaml")).unwrap());
    let out = stack
        .ssp()
        .args(["--dry-run", "setup-infra", "--env", "cloud"])
        .env("SOPS_AGE_KEY_FILE", repo.join("deployment/example.agekey"))
        .run();
    out.success().stderr_has(&format!(
        "Kong is published on 127.0.0.1 only ([cluster] ports `{}:80@loadbalancer`): a host that must answer from outside opens it on purpose, e.g. ports = [\"0.0.0.0:{}:80@loadbalancer\"",
        stack.http_port, stack.http_port
    ));
    assert!(!out.stderr.contains("reachable from other machines"), "{}", out.stderr);
}

#[test]
fn the_default_ports_bind_loopback_only() {
    let project = Project::new();
    let json = project.ssp().args(["config", "-o", "json"]).run().json();
    assert_eq!(
        json["config"]["cluster"]["ports"],
        serde_json::json!(["127.0.0.1:80:80@loadbalancer", "127.0.0.1:5432:5432@loadbalancer"])
    );
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/deployment/k3d-cluster.yaml")).unwrap();
    assert!(committed.contains("  - port: \"127.0.0.1:80:80\"\n"), "{committed}");
    assert!(committed.contains("  - port: \"127.0.0.1:5432:5432\"\n"), "{committed}");
}

/// Client and CA certificates made by the openssl CLI, in a Docker cert folder.
fn docker_certs(dir: &std::path::Path) -> bool {
    let made = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=ssp-test"])
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .output()
        .is_ok_and(|o| o.status.success());
    made && std::fs::copy(dir.join("cert.pem"), dir.join("ca.pem")).is_ok()
}

#[test]
fn docker_tls_verify_speaks_tls_to_a_tcp_daemon_or_refuses() {
    let certs = tempfile::tempdir().unwrap();
    if !support::prerequisite(
        Need::Other,
        "openssl",
        docker_certs(certs.path()),
        "the openssl CLI makes the test certificates",
    ) {
        return;
    }
    // A daemon address that records the first bytes the client sends.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let first = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut buf = [0u8; 8];
        let n = std::io::Read::read(&mut stream, &mut buf).unwrap_or(0);
        buf[..n].to_vec()
    });
    let project = Project::new();
    let host = format!("tcp://127.0.0.1:{port}");
    let out = project
        .ssp()
        .args(["doctor", "-o", "json"])
        .env("DOCKER_HOST", &host)
        .env("DOCKER_TLS_VERIFY", "1")
        .env("DOCKER_CERT_PATH", certs.path())
        .run();
    let sent = first.join().unwrap();
    assert_eq!(sent.first(), Some(&0x16), "not a TLS handshake record: {:?}", String::from_utf8_lossy(&sent));
    let json = out.json();
    let docker = json["checks"].as_array().unwrap().iter().find(|c| c["name"] == "docker").unwrap();
    assert_eq!(docker["status"], "fail", "{json}");

    // Certificates missing: an error naming the file, never plain HTTP.
    let empty = tempfile::tempdir().unwrap();
    let out = project
        .ssp()
        .args(["doctor"])
        .env("DOCKER_HOST", &host)
        .env("DOCKER_TLS_VERIFY", "1")
        .env("DOCKER_CERT_PATH", empty.path())
        .run();
    out.status(1).stdout_has(&format!(
        "DOCKER_TLS_VERIFY is set but {} is missing, so ssp cannot talk TLS to {host}",
        empty.path().join("ca.pem").display()
    ));
    out.stdout_has("hint: point DOCKER_CERT_PATH at the folder holding ca.pem, cert.pem and key.pem");
}

#[test]
fn an_ssp_toml_above_the_nearest_project_is_ignored() {
    // A parent folder (a home, a shared checkout area) with an ssp.toml whose tools dir would put its
    // own `k3d` and `helm` before PATH.
    let parent = tempfile::tempdir().unwrap();
    let parent_root = parent.path().canonicalize().unwrap();
    std::fs::write(parent_root.join("ssp.toml"), "[tools]\ndir = \"/srv/evil/bin\"\n").unwrap();
    std::fs::create_dir_all(parent_root.join("repo/deployment")).unwrap();
    std::fs::create_dir_all(parent_root.join("repo/src")).unwrap();
    let out = Ssp::new().current_dir(parent_root.join("repo/src")).args(["config", "-o", "json"]).run();
    out.success();
    let json = out.json();
    assert_eq!(json["root"], parent_root.join("repo").display().to_string());
    assert_eq!(json["config"]["tools"]["dir"], ".ssp/bin");
    assert_eq!(json["origins"]["tools.dir"], "default");
}

#[test]
fn an_ssp_toml_others_can_write_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let project = Project::new();
    let file = project.write("ssp.toml", "[tools]\ndir = \"bin\"\n");
    std::fs::set_permissions(project.root(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = project.ssp().args(["config"]).run();
    out.status(2)
        .stderr_has(&format!(
            "{} can be changed by any user ({} is world-writable)",
            file.display(),
            project.root().display()
        ))
        .stderr_has(&format!("hint: `chmod o-w {}`", project.root().display()));
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    std::fs::set_permissions(project.root(), std::fs::Permissions::from_mode(0o700)).unwrap();
    project.ssp().args(["config"]).run().success();

    // Owned by another user: only root can make that file here.
    let root = nix::unistd::geteuid().is_root();
    if !support::prerequisite(Need::Other, "root", root, "only root can chown: the foreign-owner half is skipped") {
        return;
    }
    std::os::unix::fs::chown(&file, Some(54321), None).unwrap();
    project
        .ssp()
        .args(["config"])
        .run()
        .status(2)
        .stderr_has(&format!("{} is owned by another user (uid 54321, you are uid 0)", file.display()))
        .stderr_has(&format!("hint: if you trust it, take it over (`chown 0 {}`)", file.display()));
}

#[test]
fn a_running_helms_cmdline_and_environment_hold_no_secret() {
    let Some((stack, _kong)) = Stack::running("helm_proc_cmdline") else { return };
    // helm hangs once it has read its values: its /proc entries can be read while it runs.
    stack.fakes.hang("helm", &["upgrade"], "Release \"supabase\" does not exist. Installing it now.\n");
    let password = "proc-visible-password-7c1d";
    let mut command = stack
        .ssp()
        .args(["setup-infra", "--timeout", "10m", "--set", &format!("secret.db.password={password}")])
        .env("SSP_REGISTRY_USER", "ci-bot")
        .env("SSP_REGISTRY_TOKEN", TOKEN)
        .into_command();
    let mut child = command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let helm = stack.fakes.wait_for_call("helm", &["upgrade"], Duration::from_secs(120));
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", helm.pid));
    let environ = std::fs::read(format!("/proc/{}/environ", helm.pid));
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGINT).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(130));
    let cmdline = String::from_utf8_lossy(&cmdline.expect("helm's /proc/<pid>/cmdline")).replace('\0', " ");
    assert!(cmdline.contains("upgrade --install supabase"), "{cmdline}");
    assert!(!cmdline.contains(password) && !cmdline.contains("--set"), "{cmdline}");
    let environ = String::from_utf8_lossy(&environ.expect("helm's /proc/<pid>/environ")).into_owned();
    assert!(!environ.contains(TOKEN) && !environ.contains("SSP_REGISTRY_"), "helm's environment: {environ:?}");
    assert_eq!(
        serde_saphyr::from_str::<serde_json::Value>(helm.stdin.as_deref().unwrap()).unwrap()["secret"]["db"]["password"],
        password
    );
}
