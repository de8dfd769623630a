//! `ssp setup-infra` end to end through the binary: the fake k3d and the real helm v3.19.0
//! (found through `[tools] dir`; helm's calls recorded by a shim), the pinned chart rendered and
//! installed by helm into the Kubernetes API double, a loopback stand-in for Kong on the load balancer's host port, the real Docker
//! daemon for the pre-flight check.
mod support;

use std::time::Duration;

use support::Need;
use support::cli::Outcome;
use support::fakes::ClusterState;
use support::kube_api::autopilot::Autopilot;
use support::stack::{CLUSTER, CONTEXT, KongStandIn, Stack, StackOptions};

/// Safety net only: every wait ends on an event long before this.
const SAFETY: Duration = Duration::from_secs(120);

fn k3d_stack(test: &str) -> Option<Stack> {
    Stack::for_setup(test, StackOptions { chart: true, ..Default::default() })
}

/// `ssp setup-infra ARGS…` while `cluster` plays the cluster on a scoped thread: the outcome and
/// what `cluster` returned.
fn setup_while<T: Send>(stack: &Stack, args: &[&str], cluster: impl FnOnce() -> T + Send) -> (Outcome, T) {
    std::thread::scope(|s| {
        let cluster = s.spawn(cluster);
        let out = stack.ssp().args(["setup-infra"]).args(args).run();
        (out, cluster.join().unwrap())
    })
}

/// Kong answers once ssp has created the cluster (the port must be free for `cluster create`),
/// and the workloads become ready only after that.
fn once_created(stack: &Stack) -> (KongStandIn, Autopilot) {
    stack.fakes.wait_for_call("k3d", &["cluster", "create"], SAFETY);
    (KongStandIn::start(stack.http_port, 200), stack.api.autopilot())
}

#[test]
fn fresh_create_renders_the_config_creates_the_cluster_installs_waits_probes_and_summarises() {
    let Some(stack) = k3d_stack("fresh_create") else { return };
    let root = stack.project.root();
    let (out, (kong, _autopilot)) = setup_while(&stack, &["--timeout", "2m"], || once_created(&stack));
    out.success();

    let config = root.join(".ssp/k3d-pdc-cluster.yaml");
    assert_eq!(
        stack.k3d_calls(),
        [
            "k3d cluster list -o json".to_string(),
            format!("k3d cluster create --config {} --wait --timeout 300s", config.display()),
        ],
        "the client uses the context k3d merged into the user's kubeconfig: no `k3d kubeconfig get`"
    );
    let create =
        stack.fakes.calls_of("k3d").into_iter().find(|c| c.argv.get(1).is_some_and(|a| a == "create")).unwrap();
    assert_eq!(
        create.files[config.to_str().unwrap()],
        format!(
            "# k3d cluster config, rendered by ssp from [cluster] in its configuration (`ssp config`).\n\
             # Change ssp.toml, not this file: ssp renders it afresh for every `k3d cluster create`.\n\
             apiVersion: k3d.io/v1alpha5\nkind: Simple\nmetadata:\n  name: pdc-cluster\nservers: 1\nagents: 0\n\
             image: \"rancher/k3s:v1.31.5-k3s1\"\nports:\n\
             \x20 - port: \"127.0.0.1:{}:80\"\n    nodeFilters:\n      - loadbalancer\n\
             \x20 - port: \"127.0.0.1:{}:5432\"\n    nodeFilters:\n      - loadbalancer\n\
             options:\n  k3d:\n    wait: true\n  kubeconfig:\n    updateDefaultKubeconfig: true\n    switchCurrentContext: true\n",
            stack.http_port, stack.db_port
        )
    );
    assert_eq!(stack.fakes.cluster(CLUSTER), Some(ClusterState::Running));

    let helm = stack.helm_calls();
    assert_eq!(helm.len(), 1, "{helm:?}");
    let chart = root.join("vendors/supabase-kubernetes/charts/supabase");
    let values = root.join("deployment/values.dev.yaml");
    assert_eq!(
        helm[0].args(),
        [
            "upgrade",
            "--install",
            "supabase",
            chart.to_str().unwrap(),
            "--namespace",
            "default",
            "--kube-context",
            CONTEXT,
            "--create-namespace",
            "--cleanup-on-fail",
            "--timeout",
            "120s",
            "--values",
            values.to_str().unwrap(),
        ]
    );
    assert_eq!(helm[0].stdin, None);

    // The chart's twelve Deployments were watched to readiness, one progress line each.
    let deployments = stack.api.list("deployments", Some("default"));
    assert_eq!(deployments.len(), 12);
    for d in &deployments {
        let name = d["metadata"]["name"].as_str().unwrap();
        out.stderr_has(&format!("deployment/{name}: 1/1 ready"));
    }
    out.stderr_has("12 workloads ready");
    out.stderr_has("/auth/v1/health answers (HTTP 200)");
    out.stdout_has(&format!("API URL          http://localhost:{}", stack.http_port));
    out.stdout_has(&format!("Postgres         postgres://postgres:********@localhost:{}/postgres", stack.db_port));
    out.stdout_has("dashboard login  supabase / ********");
    assert!(!out.stdout.contains("this_password_is_insecure"), "{}", out.stdout);
    assert_eq!(kong.paths(), ["GET /auth/v1/health", "GET /rest/v1/"]);
}

/// The API double has a watch open on the release's pods: ssp is waiting.
fn ssp_is_watching(stack: &Stack) {
    let watching = stack.api.wait_until_blocking(SAFETY, |st| {
        st.requests_seen().iter().any(|r| r.path == "/api/v1/namespaces/default/pods" && r.is_watch())
    });
    assert!(watching, "ssp never watched the release's pods");
}

#[test]
fn a_running_cluster_is_reused_and_a_second_run_only_upgrades() {
    let Some((stack, _kong)) = Stack::running("running_cluster_reused") else { return };
    let _autopilot = stack.api.autopilot();
    let first = stack.ssp().args(["setup-infra", "--timeout", "2m"]).run();
    first.success().stderr_has("cluster pdc-cluster is running (k3d-pdc-cluster)");
    assert_eq!(stack.k3d_calls(), ["k3d cluster list -o json"]);
    let objects = stack.api.list("deployments", Some("default")).len();

    stack.api.clear_requests();
    let second = stack.ssp().args(["setup-infra", "--timeout", "2m"]).run();
    second.success().stderr_has("12 workloads ready");
    assert_eq!(stack.k3d_calls(), ["k3d cluster list -o json", "k3d cluster list -o json"]);
    let v2 = stack.api.get("secrets", "default", "sh.helm.release.v1.supabase.v2").expect("revision 2");
    assert_eq!(v2["metadata"]["labels"]["status"], "deployed");
    assert_eq!(stack.api.list("deployments", Some("default")).len(), objects);
    // The second run created nothing but helm's record of revision 2.
    let created: Vec<String> = stack.api.request_lines().into_iter().filter(|l| l.starts_with("POST")).collect();
    assert_eq!(created, ["POST /api/v1/namespaces/default/secrets"]);
    assert!(
        stack.api.get("secrets", "default", "sh.helm.release.v1.supabase.v2").is_some(),
        "helm recorded revision 2"
    );
}

#[test]
fn a_stopped_cluster_is_started() {
    let Some(stack) = k3d_stack("stopped_cluster_started") else { return };
    stack.fakes.add_cluster(CLUSTER, ClusterState::Stopped);
    stack.merge_kubeconfig();
    let _kong = KongStandIn::start(stack.http_port, 200);
    let _autopilot = stack.api.autopilot();
    let out = stack.ssp().args(["setup-infra", "--timeout", "2m"]).run();
    out.success().stderr_has("starting cluster pdc-cluster (stopped (0/1 servers running))");
    assert_eq!(stack.k3d_calls(), ["k3d cluster list -o json", "k3d cluster start pdc-cluster --wait --timeout 300s",]);
    assert_eq!(stack.fakes.cluster(CLUSTER), Some(ClusterState::Running));
}

#[test]
fn recreate_deletes_the_cluster_then_creates_it() {
    let Some(stack) = k3d_stack("recreate") else { return };
    stack.fakes.add_cluster(CLUSTER, ClusterState::Running);
    let (out, _kept) = setup_while(&stack, &["--recreate", "--timeout", "2m"], || once_created(&stack));
    out.success();
    let config = stack.project.root().join(".ssp/k3d-pdc-cluster.yaml");
    assert_eq!(
        stack.k3d_calls(),
        [
            "k3d cluster list -o json".to_string(),
            "k3d cluster delete pdc-cluster".to_string(),
            format!("k3d cluster create --config {} --wait --timeout 300s", config.display()),
        ]
    );
}

#[test]
fn a_busy_host_port_is_named_and_nothing_is_created() {
    let Some(stack) = k3d_stack("busy_port") else { return };
    let holder = std::net::TcpListener::bind(("0.0.0.0", stack.db_port)).unwrap();
    let out = stack.ssp().args(["setup-infra", "--timeout", "2m"]).run();
    out.status(1);
    out.stderr_has(&format!("host port {}: in use by", stack.db_port));
    out.stderr_has(&format!("(pid {})", std::process::id()));
    out.stderr_has(&format!("\"{}:5432@loadbalancer\"", stack.db_port + 1));
    assert!(!out.stderr.contains(&format!("host port {}:", stack.http_port)), "{}", out.stderr);
    assert_eq!(stack.k3d_calls(), ["k3d cluster list -o json"]);
    assert!(stack.helm_calls().is_empty());
    drop(holder);
}

#[test]
fn a_failing_helm_shows_its_stderr_tail_and_exit_status() {
    let Some((stack, _kong)) = Stack::running("helm_fails") else { return };
    // A Deployment of the chart's name that helm does not own: the real helm refuses to adopt it.
    stack.api.insert(serde_json::json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "supabase-supabase-db", "namespace": "default"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "db"}},
                 "template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "db", "image": "postgres:15"}]}}}
    }));
    let out = stack.ssp().args(["setup-infra", "--timeout", "2m"]).run();
    out.status(1);
    out.stderr_has("exited with status 1; its last output:");
    out.stderr_has(
        "  | Error: Unable to continue with install: Deployment \"supabase-supabase-db\" in namespace \"default\" exists and cannot be imported into the current release: invalid ownership metadata",
    );
    out.stderr_has("`helm upgrade --install supabase ");
    assert!(!out.stderr.contains("waiting for supabase"), "no wait after a failed install:\n{}", out.stderr);
    let names: Vec<String> = stack
        .api
        .list("deployments", Some("default"))
        .iter()
        .map(|d| d["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["supabase-supabase-db"], "helm created nothing");
}

#[test]
fn workloads_becoming_ready_one_by_one_are_reported_in_order() {
    let Some((stack, kong)) = Stack::running("ready_one_by_one") else { return };
    let (out, order) = setup_while(&stack, &["--timeout", "2m"], || {
        ssp_is_watching(&stack);
        let mut names: Vec<String> = stack
            .api
            .list("deployments", Some("default"))
            .iter()
            .map(|d| d["metadata"]["name"].as_str().unwrap().to_string())
            .collect();
        names.reverse();
        for name in &names {
            stack.api.mark_ready("deployments", "default", name);
        }
        names
    });
    out.success();
    assert_eq!(order.len(), 12);
    let positions: Vec<usize> = order
        .iter()
        .map(|name| {
            let line = format!("deployment/{name}: 1/1 ready");
            out.stderr.find(&line).unwrap_or_else(|| panic!("no {line:?} in\n{}", out.stderr))
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "ready lines out of order:\n{}", out.stderr);
    for name in &order {
        out.stderr_has(&format!("deployment/{name}: 0/1 waiting for the controller"));
    }
    let done = out.stderr.find("12 workloads ready").expect("success line");
    assert!(done > *positions.last().unwrap());
    assert_eq!(kong.paths(), ["GET /auth/v1/health", "GET /rest/v1/"]);
    assert_eq!(kong.requests.lock().unwrap()[0].1.as_deref(), Some(dev_value("anonKey").as_str()));
}

#[test]
fn a_pod_in_image_pull_back_off_fails_the_wait_before_the_timeout() {
    let Some((stack, _kong)) = Stack::running("image_pull_back_off") else { return };
    let (out, (pod, container, image)) = setup_while(&stack, &["--timeout", "10m", "--grace", "1s"], || {
        pull_fails(
            &stack,
            |image| format!("Failed to pull image \"{image}\": 429 toomanyrequests: retry-after: 60"),
            "ImagePullBackOff",
            |image| format!("Back-off pulling image \"{image}\""),
        )
    });
    out.status(1);
    assert!(image.starts_with("ghcr.io/uw-thinklab/supabase-db:"), "{image}");
    out.stderr_has(&format!(
        "deployment/supabase-supabase-db: pod {pod} is stuck: ImagePullBackOff (container {container}, image {image})"
    ));
    out.stderr_has(&format!("message: Back-off pulling image \"{image}\""));
    out.stderr_has(&format!("Warning Failed: Failed to pull image \"{image}\": 429 toomanyrequests"));
    out.stderr_has("regcred");
    assert!(!out.stderr.contains("not ready after"), "{}", out.stderr);
}

/// The db pod's first container goes into `waiting` with `reason`/`message` after a kubelet
/// event (`Warning Failed: event`) about its image; returns the pod, container and image.
fn pull_fails(
    stack: &Stack,
    event: impl Fn(&str) -> String,
    reason: &str,
    message: impl Fn(&str) -> String,
) -> (String, String, String) {
    ssp_is_watching(stack);
    let pod = stack.api.spawn_pod("deployments", "default", "supabase-supabase-db");
    let spec = stack.api.get("pods", "default", &pod).unwrap()["spec"]["containers"][0].clone();
    let (container, image) = (spec["name"].as_str().unwrap().to_string(), spec["image"].as_str().unwrap().to_string());
    stack.api.add_pod_event("default", &pod, "Warning", "Failed", &event(&image));
    stack.api.set_container_waiting("default", &pod, &container, reason, &message(&image));
    (pod, container, image)
}

#[test]
fn a_401_from_the_registry_fails_the_wait_at_once_without_the_grace_period() {
    let Some((stack, _kong)) = Stack::running("pull_401") else { return };
    // Grace and timeout far beyond the test's patience: only the event can end this wait.
    let (out, (pod, _container, image)) = setup_while(&stack, &["--timeout", "90s", "--grace", "10m"], || {
        pull_fails(
            &stack,
            |image| {
                format!(
                    "Failed to pull image \"{image}\": failed to pull and unpack image \"{image}\": failed to resolve reference \"{image}\": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://ghcr.io/token?scope=repository%3Auw-thinklab%2Fsupabase-db%3Apull&service=ghcr.io: 401 Unauthorized"
                )
            },
            "ImagePullBackOff",
            |image| format!("Back-off pulling image \"{image}\""),
        )
    });
    out.status(1);
    out.stderr_has(&format!("deployment/supabase-supabase-db: pod {pod} cannot pull its image: ImagePullBackOff"));
    out.stderr_has(&format!("image {image}"));
    out.stderr_has("the registry said (waiting cannot fix this): Failed to pull image");
    out.stderr_has("401 Unauthorized");
    out.stderr_has("hint: ghcr.io refused to serve");
    out.stderr_has("SSP_REGISTRY_TOKEN");
    out.stderr_has("docker login ghcr.io");
    assert!(!out.stderr.contains("not ready after"), "{}", out.stderr);
}

#[test]
fn a_missing_tag_fails_the_wait_at_once_and_points_at_the_values_file() {
    let Some((stack, _kong)) = Stack::running("pull_not_found") else { return };
    let (out, (pod, _container, image)) = setup_while(&stack, &["--timeout", "90s", "--grace", "10m"], || {
        pull_fails(
            &stack,
            |image| {
                format!(
                    "Failed to pull image \"{image}\": rpc error: code = NotFound desc = failed to pull and unpack image \"{image}\": failed to resolve reference \"{image}\": {image}: not found"
                )
            },
            "ErrImagePull",
            |image| {
                format!(
                    "rpc error: code = NotFound desc = failed to pull and unpack image \"{image}\": failed to resolve reference \"{image}\": {image}: not found"
                )
            },
        )
    });
    out.status(1);
    out.stderr_has(&format!("pod {pod} cannot pull its image: ErrImagePull"));
    out.stderr_has(&format!("hint: ghcr.io has no image {image}: check the repository and tag in the values file"));
    assert!(!out.stderr.contains("not ready after"), "{}", out.stderr);
}

#[test]
fn a_plain_back_off_keeps_waiting_for_the_grace_period() {
    let Some((stack, _kong)) = Stack::running("pull_back_off_waits") else { return };
    // The grace period outlasts the timeout: a transient pull error must not end the wait early.
    let (out, (pod, _, _)) = setup_while(&stack, &["--timeout", "4s", "--grace", "10m"], || {
        pull_fails(
            &stack,
            |image| {
                format!(
                    "Failed to pull image \"{image}\": failed to pull and unpack image \"{image}\": failed to resolve reference \"{image}\": failed to do request: Head \"https://ghcr.io/v2/x/manifests/y\": net/http: TLS handshake timeout"
                )
            },
            "ImagePullBackOff",
            |image| format!("Back-off pulling image \"{image}\""),
        )
    });
    out.status(1);
    out.stderr_has("error: not ready after 4s:");
    out.stderr_has(&format!("{pod} ImagePullBackOff"));
    assert!(!out.stderr.contains("cannot pull its image"), "{}", out.stderr);
}

#[test]
fn a_timeout_lists_the_workloads_that_are_not_ready() {
    let Some((stack, _kong)) = Stack::running("timeout") else { return };
    let (out, ()) = setup_while(&stack, &["--timeout", "3s"], || {
        ssp_is_watching(&stack);
        for d in stack.api.list("deployments", Some("default")) {
            let name = d["metadata"]["name"].as_str().unwrap();
            if name != "supabase-supabase-db" && name != "supabase-supabase-kong" {
                stack.api.mark_ready("deployments", "default", name);
            }
        }
        let pod = stack.api.spawn_pod("deployments", "default", "supabase-supabase-kong");
        stack.api.set_pod_running("default", &pod, false);
    });
    out.status(1);
    out.stderr_has("error: not ready after 3s:");
    out.stderr_has("  deployment/supabase-supabase-db: waiting for the controller");
    out.stderr_has("  deployment/supabase-supabase-kong: waiting for the controller (pods: supabase-supabase-kong-");
    let listed = out.stderr.lines().filter(|l| l.starts_with("  deployment/")).count();
    assert_eq!(listed, 2, "only the two workloads that are not ready:\n{}", out.stderr);
}

/// `secret.jwt.<key>` of the repository's dev values.
fn dev_value(key: &str) -> String {
    let values = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/deployment/values.dev.yaml")).unwrap();
    let line = values.lines().find(|l| l.trim_start().starts_with(&format!("{key}:"))).unwrap();
    line.split_once(':').unwrap().1.trim().to_string()
}

#[test]
fn cloud_values_reach_helm_on_stdin_and_never_touch_disk_or_output() {
    let Some((stack, _kong)) = Stack::running("cloud_values") else { return };
    let service_key = dev_value("serviceKey");
    let secrets = [
        (service_key.as_str(), "cloud-service-key-7f3a9c"),
        ("this_password_is_insecure_and_should_be_updated", "cloud-dashboard-password-51be0d"),
        ("example123456", "cloud-db-and-smtp-password-9d2e41"),
        ("your-super-secret-jwt-token-with-at-least-32-characters-long", "cloud-jwt-secret-0123456789abcdef0123456789"),
    ];
    let (plain, identity) = stack.encrypted_cloud_values(&secrets);
    let leaks = |files: Vec<(std::path::PathBuf, Vec<u8>)>| -> Vec<String> {
        files
            .into_iter()
            .filter(|(_, bytes)| {
                let text = String::from_utf8_lossy(bytes);
                secrets.iter().any(|(_, s)| text.contains(s))
            })
            .map(|(path, _)| path.display().to_string())
            .collect()
    };
    let (out, during) = std::thread::scope(|s| {
        let cluster = s.spawn(|| {
            // helm has read the values and ssp waits for the workloads: look at the disk now.
            stack.fakes.wait_for_call("helm", &["upgrade"], SAFETY);
            ssp_is_watching(&stack);
            let during = leaks(stack.files());
            (during, stack.api.autopilot())
        });
        let out = stack
            .ssp()
            .args(["-v", "setup-infra", "--env", "cloud", "--timeout", "2m"])
            .env("SOPS_AGE_KEY", &identity)
            .run();
        (out, cluster.join().unwrap().0)
    });
    out.success();
    assert_eq!(during, Vec::<String>::new(), "plaintext on disk while ssp ran");
    assert_eq!(leaks(stack.files()), Vec::<String>::new(), "plaintext on disk after the run");
    let helm = stack.helm_calls();
    assert_eq!(helm.len(), 1);
    assert_eq!(helm[0].flag_values("--values"), ["-"]);
    assert!(helm[0].files.is_empty(), "{:?}", helm[0].files);
    let given: serde_json::Value = serde_saphyr::from_str(helm[0].stdin.as_deref().unwrap()).unwrap();
    let expected: serde_json::Value = serde_saphyr::from_str(&plain).unwrap();
    assert_eq!(given, expected, "helm's stdin holds the decrypted values");
    out.stderr_has("--values - < (decrypted deployment/values.cloud.yaml)");
    for (_, secret) in secrets {
        assert!(
            !out.stdout.contains(secret) && !out.stderr.contains(secret),
            "{secret} in the output:\n{}{}",
            out.stdout,
            out.stderr
        );
    }
    // The release really carries them: the chart's Secret in the cluster.
    let jwt = stack.api.get("secrets", "default", "supabase-jwt").unwrap();
    let service_key = jwt["data"]["serviceKey"].as_str().unwrap();
    use base64::Engine as _;
    assert_eq!(base64::engine::general_purpose::STANDARD.decode(service_key).unwrap(), b"cloud-service-key-7f3a9c");
}

/// Runs ssp as a child, sends SIGINT once `ready` returns, and collects what it printed.
fn interrupted(stack: &Stack, args: &[&str], ready: impl FnOnce() + Send) -> Outcome {
    use std::process::Stdio;
    let mut command = stack.ssp().args(args).into_command();
    let child = command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    std::thread::scope(|s| {
        s.spawn(|| {
            ready();
            nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
        });
        let (tx, rx) = std::sync::mpsc::channel();
        s.spawn(move || tx.send(child.wait_with_output().unwrap()));
        let out = rx.recv_timeout(SAFETY).unwrap_or_else(|_| {
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
            panic!("ssp did not stop after SIGINT");
        });
        Outcome::from(out)
    })
}

/// No process is left in the process group ssp started a tool in.
#[track_caller]
fn group_is_gone(pgid: u32) {
    let alive = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pgid as i32), None);
    assert_eq!(alive, Err(nix::errno::Errno::ESRCH), "processes of group {pgid} outlived ssp");
}

#[test]
fn ctrl_c_while_waiting_for_the_workloads_exits_130() {
    let Some((stack, _kong)) = Stack::running("ctrl_c_waiting") else { return };
    let out = interrupted(&stack, &["setup-infra", "--timeout", "10m"], || ssp_is_watching(&stack));
    out.status(130).stderr_has("error: interrupted");
    assert!(!out.stderr.contains("workloads ready"), "{}", out.stderr);
    for call in stack.fakes.calls() {
        group_is_gone(call.pid);
    }
}

#[test]
fn ctrl_c_while_helm_runs_stops_helm_and_exits_130() {
    let Some((stack, _kong)) = Stack::running("ctrl_c_helm") else { return };
    // The API server accepts helm's request for the release history and never answers.
    stack.api.hang_next("GET", "/namespaces/default/secrets", 1);
    let out = interrupted(&stack, &["setup-infra", "--timeout", "10m"], || {
        stack.fakes.wait_for_call("helm", &["upgrade"], SAFETY);
        // Interrupt only once helm is stuck on the API server.
        let stuck = stack.api.wait_until_blocking(SAFETY, |st| {
            st.requests_seen().iter().any(|r| r.method == "GET" && r.path == "/api/v1/namespaces/default/secrets")
        });
        assert!(stuck, "helm never asked for its release history");
    });
    out.status(130).stderr_has("error: interrupted");
    let helm = stack.fakes.calls_of("helm").into_iter().find(|c| c.argv[0] == "upgrade").unwrap();
    // The real helm was waiting on the API when ssp stopped its process group: it ended by a
    // signal (negative code), or the recording shim around it was killed too before noting it.
    assert!(!matches!(helm.exit_code, Some(c) if c >= 0), "helm finished on its own: {:?}", helm.exit_code);
    group_is_gone(helm.pid);
    assert!(!out.stderr.contains("waiting for supabase"), "{}", out.stderr);
    let asked =
        stack.api.requests().iter().any(|r| r.method == "GET" && r.path == "/api/v1/namespaces/default/secrets");
    assert!(asked, "helm was waiting on its release history");
}

#[test]
fn an_existing_cluster_gets_no_k3d_calls_and_dev_values_need_an_explicit_context() {
    let Some(stack) = Stack::new(StackOptions {
        chart: true,
        cluster_toml: "provider = \"existing\"\ncontext = \"staging\"".into(),
        ..Default::default()
    }) else {
        return;
    };
    stack.write_kubeconfig("staging");

    let refused = stack.ssp().args(["setup-infra"]).run();
    refused
        .status(2)
        .stderr_has("dev values only go to this project's k3d cluster (k3d-pdc-cluster), not to `staging`");
    refused.stderr_has("hint: pass --context staging");
    assert!(stack.fakes.calls().is_empty(), "{:?}", stack.fakes.command_lines());

    let _autopilot = stack.api.autopilot();
    let out = stack.ssp().args(["setup-infra", "--context", "staging", "--timeout", "2m"]).run();
    out.success().stderr_has("using the existing cluster of context staging").stderr_has("12 workloads ready");
    assert!(stack.fakes.calls_of("k3d").is_empty(), "{:?}", stack.fakes.command_lines());
    let helm = stack.helm_calls();
    assert_eq!(helm.len(), 1);
    assert_eq!(helm[0].flag_values("--kube-context"), ["staging"]);
    out.stderr_has("Supabase is running");
}

#[test]
fn dry_run_prints_the_commands_and_changes_nothing() {
    let Some(stack) = k3d_stack("dry_run") else { return };
    let out = stack.ssp().args(["--dry-run", "setup-infra"]).run();
    out.success();
    let root = stack.project.root();
    out.stderr_has(&format!(
        "k3d cluster create --config {} --wait --timeout 300s",
        root.join(".ssp/k3d-pdc-cluster.yaml").display()
    ));
    out.stderr_has("helm upgrade --install supabase ");
    out.stderr_has("would watch deployments, statefulsets, daemonsets, jobs and pods");
    assert_eq!(stack.k3d_calls(), ["k3d cluster list -o json"], "only read-only queries run");
    assert!(stack.helm_calls().is_empty());
    assert_eq!(stack.fakes.cluster(CLUSTER), None);
    assert!(!root.join(".ssp/k3d-pdc-cluster.yaml").exists());
    assert!(stack.api.requests().is_empty(), "{:?}", stack.api.request_lines());
}

#[test]
fn registry_credentials_become_the_regcred_pull_secret_without_showing_the_token() {
    // A namespace of its own, which does not exist before the first install.
    let Some(stack) = Stack::for_setup(
        "regcred",
        StackOptions { chart: true, extra_toml: "[chart]\nnamespace = \"supabase\"".into(), ..Default::default() },
    ) else {
        return;
    };
    stack.cluster_running();
    let _kong = KongStandIn::start(stack.http_port, 200);
    stack.project.write("deployment/values.cloud.decrypted.yaml", "left: by the old tasks\n");
    let _autopilot = stack.api.autopilot();
    let token = "ghp_registryTOKEN0123456789";
    let out = stack
        .ssp()
        .args(["-v", "setup-infra", "--timeout", "2m"])
        .env("SSP_REGISTRY_USER", "ci-bot")
        .env("SSP_REGISTRY_TOKEN", token)
        .run();
    out.success().stderr_has("pull secret regcred for ghcr.io (from SSP_REGISTRY_USER/SSP_REGISTRY_TOKEN)");
    assert!(!out.stderr.contains(token) && !out.stdout.contains(token), "{}", out.stderr);
    let applied: Vec<String> = stack
        .api
        .request_lines()
        .into_iter()
        .filter(|l| l.contains("/secrets/regcred") || l.starts_with("POST /api/v1/namespaces"))
        .collect();
    assert_eq!(
        applied[..2],
        ["POST /api/v1/namespaces", "PATCH /api/v1/namespaces/supabase/secrets/regcred?&force=true&fieldManager=ssp"]
    );
    let secret = stack.api.get("secrets", "supabase", "regcred").unwrap();
    assert_eq!(secret["type"], "kubernetes.io/dockerconfigjson");
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let config = stack.pull_secret_config("supabase");
    assert_eq!(config["auths"]["ghcr.io"]["auth"], b64.encode(format!("ci-bot:{token}")));

    // The old tasks' plaintext is pointed out, and kept when nobody can be asked.
    out.stderr_has("values.cloud.decrypted.yaml holds decrypted production values left by the old pixi tasks");
    assert!(stack.project.root().join("deployment/values.cloud.decrypted.yaml").exists());
}

#[test]
fn ready_workloads_but_no_answer_from_kong_is_a_failure() {
    let Some(stack) = k3d_stack("kong_silent") else { return };
    stack.cluster_running();
    let kong = KongStandIn::start(stack.http_port, 503);
    let _autopilot = stack.api.autopilot();
    let out = stack.ssp().args(["setup-infra", "--timeout", "2m"]).run();
    out.status(1).stderr_has("the workloads are ready but Supabase does not answer through Kong:");
    out.stderr_has(&format!("/auth/v1/health: HTTP 503 from http://localhost:{}/auth/v1/health", stack.http_port));
    out.stderr_has(&format!("/rest/v1/: HTTP 503 from http://localhost:{}/rest/v1/", stack.http_port));
    out.stderr_has(&format!("that host port {} reaches the k3d load balancer", stack.http_port));
    assert!(!out.stderr.contains("Supabase is running"));
    assert_eq!(kong.paths(), ["GET /auth/v1/health", "GET /rest/v1/"]);
}

#[test]
fn without_update_kubeconfig_helm_gets_the_clusters_own_kubeconfig() {
    let Some(stack) = Stack::for_setup(
        "no_kubeconfig_update",
        StackOptions { chart: true, cluster_toml: "update_kubeconfig = false".into(), ..Default::default() },
    ) else {
        return;
    };
    let (out, _kept) = setup_while(&stack, &["--timeout", "2m"], || once_created(&stack));
    out.success();
    let written = stack.cluster_kubeconfig_path();
    let calls = stack.k3d_calls();
    assert_eq!(calls[2..], ["k3d kubeconfig write pdc-cluster", "k3d kubeconfig get pdc-cluster"]);
    assert_eq!(stack.helm_calls()[0].flag_values("--kubeconfig"), [written.to_str().unwrap()]);
    assert!(!stack.kubeconfig_path().exists(), "the user's kubeconfig is left alone");
}

/// A `git clone` of this repository (its committed HEAD) in a temp dir: no chart, no `.ssp/`.
fn fresh_clone() -> Option<tempfile::TempDir> {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let clone = std::process::Command::new("git")
        .args(["clone", "--quiet", "--no-hardlinks"])
        .arg(repo)
        .arg(dir.path().join("repo"))
        .output();
    match clone {
        Ok(o) if o.status.success() => Some(dir),
        Ok(o) => panic!("git clone failed: {}", String::from_utf8_lossy(&o.stderr)),
        Err(e) => {
            support::prerequisite(Need::Other, "git", false, &format!("cannot run git ({e})"));
            None
        }
    }
}

fn git_status(dir: &std::path::Path) -> String {
    let out = std::process::Command::new("git")
        .args(["status", "--porcelain", "--ignored", "--untracked-files=all"])
        .current_dir(dir)
        .output()
        .expect("git status");
    String::from_utf8(out.stdout).unwrap()
}

/// Every path under `dir` but `.git/`, to prove a dry run created nothing (ignored files too).
fn tree(dir: &std::path::Path) -> Vec<String> {
    let mut paths: Vec<String> =
        walk(dir).into_iter().map(|p| p.strip_prefix(dir).unwrap().display().to_string()).collect();
    paths.sort();
    paths
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|n| n == ".git") {
            continue;
        }
        if path.is_dir() {
            out.extend(walk(&path));
        }
        out.push(path);
    }
    out
}

/// ssp in the clone with a private HOME, no tools on PATH but git, and the kube config absent.
fn ssp_in_clone(root: &std::path::Path, home: &std::path::Path) -> support::cli::Ssp {
    support::cli::Ssp::new()
        .without_keys(home)
        .current_dir(root)
        .env("KUBECONFIG", home.join("kube/config"))
        .env("DOCKER_CONFIG", home.join("docker"))
        .env("PATH", "/usr/bin:/bin")
        .env("TMPDIR", home)
}

/// The fresh-clone dry runs use the default ports (80, 443, 5432, …), and ssp's pre-flight checks
/// each by binding it for a moment: two of them at once would find each other's port taken ("host
/// port 80: in use by another process", seen once under a full run). One at a time.
static DEFAULT_PORTS: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn a_fresh_clones_dry_run_shows_the_whole_plan_and_writes_nothing() {
    let _ports = DEFAULT_PORTS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let Some(dir) = fresh_clone() else { return };
    let root = dir.path().join("repo");
    let home = tempfile::tempdir().unwrap();
    let before = tree(&root);
    assert_eq!(git_status(&root), "");

    let out = ssp_in_clone(&root, home.path()).args(["--dry-run", "setup-infra"]).run();
    out.success();
    let bin = root.join(".ssp/bin");
    out.stderr_has(&format!("install k3d v5.8.3 as {}", bin.join("k3d").display()));
    out.stderr_has(&format!("install helm v3.19.0 as {}", bin.join("helm").display()));
    out.stderr_has(&format!(
        "would run: git -C {} submodule update --init -- vendors/supabase-kubernetes",
        root.display()
    ));
    out.stderr_has("would check the values against the chart's values.yaml after the fetch");
    out.stderr_has(&format!("would write {}:", root.join(".ssp/k3d-pdc-cluster.yaml").display()));
    out.stderr_has("    apiVersion: k3d.io/v1alpha5");
    out.stderr_has("    image: \"rancher/k3s:v1.31.5-k3s1\"");
    out.stderr_has("would run: k3d cluster create --config");
    out.stderr_has(
        "no credentials for ghcr.io: not in the `regcred` pull secret (set SSP_REGISTRY_USER and SSP_REGISTRY_TOKEN",
    );
    out.stderr_has("would create namespace default when missing (helm --create-namespace)");
    let chart = root.join("vendors/supabase-kubernetes/charts/supabase");
    out.stderr_has(&format!(
        "would run: helm upgrade --install supabase {} --namespace default --kube-context k3d-pdc-cluster --create-namespace",
        chart.display()
    ));
    out.stderr_has(&format!("--values {}", root.join("deployment/values.dev.yaml").display()));
    out.stderr_has("would watch deployments, statefulsets, daemonsets, jobs and pods labelled app.kubernetes.io/instance=supabase in default");
    assert!(!out.stderr.contains("error"), "{}", out.stderr);

    assert_eq!(tree(&root), before, "the dry run created or removed files");
    assert!(!root.join(".ssp").exists());
    assert_eq!(git_status(&root), "");
    assert!(!home.path().join("kube").exists(), "the dry run wrote a kube config");
}

#[test]
fn a_fresh_clones_cloud_dry_run_names_the_decrypted_source_never_the_values() {
    let _ports = DEFAULT_PORTS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let Some(dir) = fresh_clone() else { return };
    let root = dir.path().join("repo");
    let home = tempfile::tempdir().unwrap();
    let before = tree(&root);

    let out = ssp_in_clone(&root, home.path())
        .env("SOPS_AGE_KEY_FILE", root.join("deployment/example.agekey"))
        .env("SSP_REGISTRY_USER", "octocat")
        .env("SSP_REGISTRY_TOKEN", "ghp_dryRunTokenNeverPrinted")
        .args(["--dry-run", "setup-infra", "--env", "cloud"])
        .run();
    out.success();
    out.stderr_has("would apply Secret default/regcred (docker-registry for ghcr.io)");
    assert!(!out.stderr.contains("ghp_dryRunTokenNeverPrinted"), "{}", out.stderr);
    out.stderr_has("would run: helm upgrade --install supabase");
    out.stderr_has("--kube-context k3d-pdc-cluster");
    out.stderr_has("--values -");
    out.stderr_has("decrypted deployment/values.cloud.yaml");
    out.stderr_has("would check the values against the chart's values.yaml after the fetch");
    // Nothing of the plaintext: every scalar of the decrypted file stays out of the output.
    let plain = std::process::Command::new(env!("CARGO_BIN_EXE_ssp"))
        .args(["sops", "decrypt", "deployment/values.cloud.yaml"])
        .current_dir(&root)
        .env("SOPS_AGE_KEY_FILE", root.join("deployment/example.agekey"))
        .env("HOME", home.path())
        .output()
        .unwrap();
    assert!(plain.status.success(), "{}", String::from_utf8_lossy(&plain.stderr));
    let plaintext = String::from_utf8(plain.stdout).unwrap();
    let mut secrets = 0;
    for line in plaintext.lines() {
        if let Some((key, value)) = line.split_once(": ") {
            let value = value.trim().trim_matches('"');
            if ["password", "secret", "key", "jwt"].iter().any(|k| key.to_ascii_lowercase().contains(k))
                && value.len() >= 8
            {
                secrets += 1;
                assert!(!out.stderr.contains(value) && !out.stdout.contains(value), "{key} leaked into the dry run");
            }
        }
    }
    assert!(secrets > 0, "no secret values found to check in:\n{plaintext}");
    assert_eq!(tree(&root), before, "the dry run created or removed files");
    assert_eq!(git_status(&root), "");
}

#[test]
fn the_real_helm_deploys_the_pinned_chart_to_the_api_double() {
    let Some((stack, _kong)) = Stack::running("real_helm_setup") else { return };
    let _autopilot = stack.api.autopilot();
    let out = stack.ssp().args(["setup-infra", "--timeout", "2m"]).run();
    out.success().stderr_has("12 workloads ready");
    // What the real helm v3.19.0 did, as the API server saw it.
    let release = stack.api.get("secrets", "default", "sh.helm.release.v1.supabase.v1").expect("helm's release record");
    assert_eq!(release["metadata"]["labels"]["status"], "deployed");
    let db = stack.api.get("deployments", "default", "supabase-supabase-db").expect("the chart's db Deployment");
    assert_eq!(db["metadata"]["labels"]["app.kubernetes.io/managed-by"], "Helm");
    assert_eq!(db["metadata"]["annotations"]["meta.helm.sh/release-name"], "supabase");
    assert!(
        db["spec"]["template"]["spec"]["containers"][0]["image"]
            .as_str()
            .unwrap()
            .starts_with("ghcr.io/uw-thinklab/supabase-db:")
    );

    // The second run is an upgrade: revision 2 deployed, revision 1 superseded.
    let again = stack.ssp().args(["setup-infra", "--timeout", "2m"]).run();
    again.success();
    let v1 = stack.api.get("secrets", "default", "sh.helm.release.v1.supabase.v1").unwrap();
    assert_eq!(v1["metadata"]["labels"]["status"], "superseded");
    let v2 = stack.api.get("secrets", "default", "sh.helm.release.v1.supabase.v2").expect("revision 2");
    assert_eq!(v2["metadata"]["labels"]["status"], "deployed");
}
