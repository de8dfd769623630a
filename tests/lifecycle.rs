//! `ssp teardown` (alias `down`), `stop`, `start` and `port-forward` against the fake k3d, the
//! real helm v3.19.0 and the API double.
mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Stdio;
use std::time::Duration;

use support::fakes::ClusterState;
use support::stack::{CLUSTER, Stack, StackOptions, free_port, small_release};

fn deployed(options: StackOptions) -> Option<Stack> {
    let stack = Stack::new(options)?;
    stack.deployed(&small_release());
    Some(stack)
}

#[test]
fn teardown_yes_deletes_the_cluster() {
    let Some(stack) = deployed(StackOptions { ..Default::default() }) else { return };
    let out = stack.ssp().args(["teardown", "--yes"]).run();
    out.success().stderr_has("cluster pdc-cluster deleted");
    assert_eq!(stack.k3d_calls(), ["k3d cluster list -o json", "k3d cluster delete pdc-cluster"]);
    assert!(stack.helm_calls().is_empty());
    assert_eq!(stack.fakes.cluster(CLUSTER), None);

    let again = stack.ssp().args(["down", "--yes"]).run();
    again.success().stderr_has("cluster pdc-cluster does not exist; nothing to delete");
}

#[test]
fn teardown_keep_cluster_uninstalls_only_the_release() {
    let Some(stack) = deployed(StackOptions { ..Default::default() }) else { return };
    assert!(!stack.api.list("deployments", Some("default")).is_empty());
    let out = stack.ssp().args(["teardown", "--keep-cluster"]).run();
    out.success().stderr_has("release supabase uninstalled");
    assert_eq!(
        stack.helm_calls().iter().map(|c| c.command_line()).collect::<Vec<_>>(),
        ["helm uninstall supabase --namespace default --kube-context k3d-pdc-cluster --wait"]
    );
    assert!(stack.k3d_calls().is_empty());
    assert_eq!(stack.fakes.cluster(CLUSTER), Some(ClusterState::Running));
    assert!(stack.api.list("deployments", Some("default")).is_empty());
    assert!(stack.api.get("secrets", "default", "supabase-jwt").is_none());

    let again = stack.ssp().args(["teardown", "--keep-cluster"]).run();
    again.success().stderr_has("release supabase is not installed");
}

#[test]
fn teardown_keep_cluster_without_a_cluster_has_nothing_to_uninstall() {
    let Some(stack) = Stack::new(StackOptions::default()) else { return };
    let out = stack.ssp().args(["teardown", "--keep-cluster"]).run();
    out.success().stderr_has("cluster pdc-cluster does not exist; no release to uninstall");
    assert!(stack.helm_calls().is_empty());
    assert_eq!(stack.k3d_calls(), ["k3d kubeconfig write pdc-cluster", "k3d cluster list -o json"]);
}

#[test]
fn teardown_of_an_existing_cluster_only_uninstalls() {
    let Some(stack) = deployed(StackOptions {
        cluster_toml: "provider = \"existing\"\ncontext = \"staging\"".into(),
        ..Default::default()
    }) else {
        return;
    };
    // The existing cluster is the user's `staging` context.
    stack.write_kubeconfig("staging");
    let out = stack.ssp().args(["teardown", "--yes"]).run();
    out.success();
    assert_eq!(
        stack.helm_calls().iter().map(|c| c.command_line()).collect::<Vec<_>>(),
        ["helm uninstall supabase --namespace default --kube-context staging --wait"]
    );
    assert!(stack.fakes.calls_of("k3d").is_empty());
}

#[test]
fn stop_and_start_keep_the_cluster() {
    let Some(stack) = deployed(StackOptions { ..Default::default() }) else { return };
    stack.ssp().args(["stop"]).run().success().stderr_has("cluster pdc-cluster stopped; its data is kept");
    assert_eq!(stack.fakes.cluster(CLUSTER), Some(ClusterState::Stopped));
    stack.ssp().args(["stop"]).run().success().stderr_has("cluster pdc-cluster is already stopped");
    stack.ssp().args(["start"]).run().success().stderr_has("cluster pdc-cluster started");
    assert_eq!(stack.fakes.cluster(CLUSTER), Some(ClusterState::Running));
    stack.ssp().args(["start"]).run().success().stderr_has("cluster pdc-cluster is already running");
    assert_eq!(
        stack.k3d_calls(),
        [
            "k3d cluster list -o json",
            "k3d cluster stop pdc-cluster",
            "k3d cluster list -o json",
            "k3d cluster list -o json",
            "k3d cluster start pdc-cluster --wait --timeout 300s",
            "k3d cluster list -o json",
        ]
    );
    assert!(stack.api.list("deployments", Some("default")).len() == 2, "nothing of the release was touched");
}

/// An upstream that answers every chunk it reads with the chunk reversed, so bytes must travel
/// both ways for the test to see the answer.
fn reversing_upstream() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 {
                        return;
                    }
                    let mut chunk = buf[..n].to_vec();
                    chunk.reverse();
                    if stream.write_all(&chunk).is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

#[test]
fn port_forward_moves_bytes_both_ways_until_ctrl_c() {
    let Some(stack) = deployed(StackOptions { ..Default::default() }) else { return };
    let pod = stack
        .api
        .list("pods", Some("default"))
        .into_iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
        .find(|n| n.starts_with("supabase-supabase-db-"))
        .expect("the db pod");
    stack.api.set_port_target("default", &pod, 5432, reversing_upstream());
    let local = free_port();
    let mut child = stack
        .ssp()
        .args(["port-forward", "db", "--port", &local.to_string()])
        .into_command()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(
        line.contains(&format!("forwarding 127.0.0.1:{local} → supabase-supabase-db (pod {pod}, port 5432)")),
        "{line}"
    );

    for message in ["hello postgres", "second connection"] {
        let mut conn = TcpStream::connect(("127.0.0.1", local)).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        conn.write_all(message.as_bytes()).unwrap();
        let mut answer = vec![0u8; message.len()];
        conn.read_exact(&mut answer).unwrap();
        let expected: Vec<u8> = message.bytes().rev().collect();
        assert_eq!(answer, expected);
    }
    let forwards: Vec<String> = stack.api.request_lines().into_iter().filter(|l| l.contains("/portforward")).collect();
    assert_eq!(forwards, vec![format!("GET /api/v1/namespaces/default/pods/{pod}/portforward?&ports=5432"); 2]);

    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGINT).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
}

#[test]
fn port_forward_to_an_unknown_service_says_so() {
    let Some(stack) = deployed(StackOptions { ..Default::default() }) else { return };
    let out = stack.ssp().args(["port-forward", "nope"]).run();
    out.status(1).stderr_has("service nope not found in namespace default");
}

#[test]
fn keep_cluster_without_a_merged_context_gives_helm_the_clusters_kubeconfig() {
    let Some(stack) = deployed(StackOptions { cluster_toml: "update_kubeconfig = false".into(), ..Default::default() })
    else {
        return;
    };
    stack.ssp().args(["teardown", "--keep-cluster"]).run().success();
    let written = stack.cluster_kubeconfig_path();
    assert_eq!(
        stack.helm_calls().iter().map(|c| c.command_line()).collect::<Vec<_>>(),
        [format!(
            "helm uninstall supabase --namespace default --kube-context k3d-pdc-cluster --kubeconfig {} --wait",
            written.display()
        )]
    );
}
