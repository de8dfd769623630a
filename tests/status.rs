//! `ssp status` in its three formats against a release the real helm v3.19.0 installed into the API
//! double (no Docker needed: status only lists and reads).
mod support;

use std::os::unix::fs::PermissionsExt;

use support::fakes::ClusterState;
use support::stack::{
    ANON_KEY, CLUSTER, DASHBOARD_PASSWORD, DB_PASSWORD, SERVICE_KEY, Stack, StackOptions, small_release,
};

fn deployed() -> Option<Stack> {
    let stack = Stack::new(StackOptions { ..Default::default() })?;
    stack.deployed(&small_release());
    Some(stack)
}

fn no_secrets(text: &str) {
    for secret in [SERVICE_KEY, DB_PASSWORD, DASHBOARD_PASSWORD] {
        assert!(!text.contains(secret), "{secret} shown:\n{text}");
    }
}

#[test]
fn text_shows_cluster_release_workloads_and_endpoints() {
    let Some(stack) = deployed() else { return };
    let out = stack.ssp().args(["status"]).run();
    out.success();
    out.stdout_has("cluster   pdc-cluster (k3d-pdc-cluster) running (1 server(s), 0/0 agents)\n");
    out.stdout_has("release   supabase revision 1 deployed\n");
    out.stdout_has("  ✓ deployment/supabase-supabase-db    1/1 ready\n");
    out.stdout_has("  ✓ deployment/supabase-supabase-kong  1/1 ready\n");
    out.stdout_has(&format!("  anon key         {ANON_KEY}\n"));
    out.stdout_has(&format!("  Postgres         postgres://postgres:********@localhost:{}/postgres\n", stack.db_port));
    no_secrets(&out.stdout);
    // The client comes from the context k3d merged into the user's kubeconfig (no k3d process).
    assert_eq!(stack.k3d_calls(), ["k3d cluster list -o json"]);
    assert_eq!(
        stack.helm_calls().iter().map(|c| c.command_line()).collect::<Vec<_>>(),
        ["helm status supabase --namespace default --kube-context k3d-pdc-cluster -o json"]
    );
    let writes: Vec<String> = stack.api.request_lines().into_iter().filter(|l| !l.starts_with("GET")).collect();
    assert_eq!(writes, Vec::<String>::new(), "status changes nothing");

    let shown = stack.ssp().args(["status", "--show-secrets"]).run();
    shown.success().stdout_has(&format!("postgres://postgres:{DB_PASSWORD}@localhost:{}/postgres", stack.db_port));
}

#[test]
fn json_reports_readiness_and_exit_status_follows_it() {
    let Some(stack) = deployed() else { return };
    let out = stack.ssp().args(["status", "-o", "json"]).run();
    out.success();
    let json = out.json();
    assert_eq!(json["ready"], true);
    assert_eq!(json["cluster"]["name"], CLUSTER);
    assert_eq!(json["release"]["version"], 1);
    assert_eq!(json["release"]["status"], "deployed");
    let names: Vec<&str> = json["workloads"].as_array().unwrap().iter().map(|w| w["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["supabase-supabase-db", "supabase-supabase-kong"]);
    assert_eq!(json["stack"]["anon_key"], ANON_KEY);
    assert_eq!(json["stack"]["service_key"], "********");
    no_secrets(&out.stdout);

    // A workload that is not ready: exit 1, and the JSON says which.
    stack.api.set_ready_replicas("deployments", "default", "supabase-supabase-kong", Some(0));
    let out = stack.ssp().args(["status", "-o", "json"]).run();
    out.status(1).stderr_has("the stack is not ready");
    let json = out.json();
    assert_eq!(json["ready"], false);
    assert_eq!(json["workloads"][1]["done"], false);
    assert_eq!(json["workloads"][1]["detail"], "0/1 available");

    // A stopped cluster: exit 1 without talking to the API.
    stack.fakes.edit_state(|s| s["clusters"][CLUSTER]["state"] = serde_json::json!("stopped"));
    assert_eq!(stack.fakes.cluster(CLUSTER), Some(ClusterState::Stopped));
    stack.api.clear_requests();
    let out = stack.ssp().args(["status", "-o", "json"]).run();
    out.status(1).stderr_has("(the cluster is not running)");
    assert_eq!(out.json()["cluster"]["state"], "stopped (0/1 servers running)");
    assert!(stack.api.requests().is_empty());
}

#[test]
fn env_prints_the_app_variables_and_writes_a_private_file() {
    let Some(stack) = deployed() else { return };
    let url = format!("http://localhost:{}", stack.http_port);
    let db = format!("postgres://postgres:********@localhost:{}/postgres", stack.db_port);
    let expected =
        format!("API_URL={url}\nSUPABASE_URL={url}\nANON_KEY={ANON_KEY}\nSUPABASE_ANON_KEY={ANON_KEY}\nDB_URL={db}\n");
    let out = stack.ssp().args(["status", "-o", "env"]).run();
    out.success();
    assert_eq!(out.stdout, expected);

    let file = stack.project.root().join("app/.env");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "OLD=1\n").unwrap();
    let out = stack.ssp().args(["status", "-o", "env", "--write"]).args([&file]).run();
    out.success().stderr_has(&format!("wrote {}", file.display()));
    assert_eq!(out.stdout, "");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), expected);
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);

    let misuse = stack.ssp().args(["status", "--write", "x.env"]).run();
    misuse.status(2).stderr_has("--write goes with `-o env`");
}

#[test]
fn without_a_merged_context_helm_gets_the_clusters_kubeconfig() {
    let Some(stack) =
        Stack::new(StackOptions { cluster_toml: "update_kubeconfig = false".into(), ..Default::default() })
    else {
        return;
    };
    stack.deployed(&small_release());
    let out = stack.ssp().args(["status"]).run();
    out.success().stdout_has("release   supabase revision 1 deployed\n");
    let written = stack.cluster_kubeconfig_path();
    assert_eq!(
        stack.helm_calls().iter().map(|c| c.command_line()).collect::<Vec<_>>(),
        [format!(
            "helm status supabase --namespace default --kube-context k3d-pdc-cluster --kubeconfig {} -o json",
            written.display()
        )]
    );
    // The context in the user's kubeconfig is not k3d's to use here: the client's comes from k3d.
    assert_eq!(
        stack.k3d_calls(),
        ["k3d cluster list -o json", "k3d kubeconfig write pdc-cluster", "k3d kubeconfig get pdc-cluster"]
    );
}

#[test]
fn a_context_gone_from_the_users_kubeconfig_is_asked_of_k3d() {
    let Some(stack) = deployed() else { return };
    // The user removed k3d's entry (or k3d could not merge it): another context only.
    stack.write_kubeconfig("staging");
    let out = stack.ssp().args(["status"]).run();
    out.success().stdout_has("release   supabase revision 1 deployed\n");
    out.stdout_has("  ✓ deployment/supabase-supabase-db    1/1 ready\n");
    assert_eq!(
        stack.k3d_calls(),
        ["k3d cluster list -o json", "k3d kubeconfig write pdc-cluster", "k3d kubeconfig get pdc-cluster"]
    );
    let written = stack.cluster_kubeconfig_path();
    assert_eq!(stack.helm_calls()[0].flag_values("--kubeconfig"), [written.to_str().unwrap()]);
}
