//! `ssp doctor` against the real Docker daemon, dead and silent sockets, busy ports, and the
//! runner's interrupt handling through the binary.

mod support;

use std::time::Duration;

use support::cli::Project;
use support::env::docker_available;

fn check<'a>(json: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name}: {json}"))
}

#[test]
fn reports_the_running_docker_daemon() {
    if !docker_available("reports_the_running_docker_daemon") {
        return;
    }
    let project = Project::new();
    let out = project.ssp().args(["doctor", "-o", "json"]).run();
    let json = out.json();
    let docker = check(&json, "docker");
    assert_eq!(docker["status"], "ok", "{json}");
    let detail = docker["detail"].as_str().unwrap();
    assert!(detail.starts_with("Docker ") && detail.contains("(API 1."), "{detail}");
    assert_eq!(check(&json, "git")["status"], "ok");
    assert_eq!(check(&json, "disk")["status"].as_str().map(|s| s != "fail"), Some(true));
    // The chart is not checked out in a fresh project: a warning with the fix, not a failure.
    let chart = check(&json, "chart");
    assert_eq!(chart["status"], "warn");
    assert!(chart["hint"].as_str().unwrap().contains("ssp fetch-chart"));
}

#[test]
fn dead_docker_socket_fails_with_a_hint() {
    let project = Project::new();
    let out = project.ssp().args(["doctor"]).env("DOCKER_HOST", "unix:///nonexistent.sock").run();
    out.status(1);
    out.stdout_has("✗ docker").stdout_has("cannot reach the Docker daemon at unix:///nonexistent.sock");
    out.stdout_has("hint: start Docker");
    out.stderr_has("error: 1 required check failed");
}

#[test]
fn silent_docker_socket_times_out_instead_of_hanging() {
    // A socket that accepts connections and never answers: doctor must give up on its own.
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("silent.sock");
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let held = std::thread::spawn(move || {
        let mut open = Vec::new();
        for stream in listener.incoming().take(4).flatten() {
            open.push(stream);
        }
        std::thread::sleep(Duration::from_secs(30));
        drop(open);
    });
    let project = Project::new();
    let out =
        project.ssp().args(["doctor", "-o", "json"]).env("DOCKER_HOST", format!("unix://{}", socket.display())).run();
    out.status(1);
    let json = out.json();
    let docker = check(&json, "docker");
    assert_eq!(docker["status"], "fail");
    assert!(docker["detail"].as_str().unwrap().contains("did not answer within 2 s"), "{docker}");
    drop(held);
}

#[test]
fn busy_port_names_the_process_holding_it() {
    let listener = std::net::TcpListener::bind(("0.0.0.0", 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let project = Project::new();
    project.write("ssp.toml", format!("[cluster]\nports = [\"{port}:80@loadbalancer\"]\n"));
    let out = project.ssp().args(["doctor", "-o", "json"]).env("DOCKER_HOST", "unix:///nonexistent.sock").run();
    out.status(1);
    let json = out.json();
    let busy = check(&json, &format!("port {port}"));
    assert_eq!(busy["status"], "fail", "{json}");
    let detail = busy["detail"].as_str().unwrap();
    assert!(detail.contains(&format!("(pid {})", std::process::id())), "{detail}");
    let hint = busy["hint"].as_str().unwrap();
    assert!(hint.contains(&format!("\"{}:80@loadbalancer\"", port + 1)), "{hint}");
    drop(listener);
}

#[test]
fn free_port_is_ok() {
    let port = support::stack::free_port();
    let project = Project::new();
    project.write("ssp.toml", format!("[cluster]\nports = [\"{port}:80@loadbalancer\"]\n"));
    let json = project.ssp().args(["doctor", "-o", "json"]).env("DOCKER_HOST", "unix:///nonexistent.sock").run().json();
    assert_eq!(check(&json, &format!("port {port}"))["status"], "ok");
}

fn alive(pid: i32) -> bool {
    // A zombie waiting for its parent counts as gone.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.rsplit(')').next().is_some_and(|rest| rest.trim_start().starts_with('Z')))
        .unwrap_or(false)
}

#[test]
fn interrupt_stops_the_child_and_its_grandchild_and_exits_130() {
    // A k3d in the tools dir that hangs (with a grandchild) when doctor asks its version.
    let project = Project::new();
    let pids = project.root().join("pids");
    support::write_executable(
        project.root().join(".ssp/bin/k3d"),
        format!("#!/bin/sh\nsleep 300 &\necho \"$$ $!\" > {}\nwait\n", pids.display()),
    );
    let mut command = project.ssp().args(["doctor"]).env("DOCKER_HOST", "unix:///nonexistent.sock").into_command();
    command.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::piped());
    let child = command.spawn().unwrap();
    // Wait (bounded) until the fake is running, then Ctrl-C ssp only.
    let mut recorded = String::new();
    for _ in 0..500 {
        recorded = std::fs::read_to_string(&pids).unwrap_or_default();
        if recorded.trim().split(' ').count() == 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let ids: Vec<i32> = recorded.split_whitespace().map(|p| p.parse().unwrap()).collect();
    assert_eq!(ids.len(), 2, "fake k3d never started: {recorded:?}");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGINT).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", String::from_utf8_lossy(&out.stderr));
    for pid in ids {
        let mut gone = false;
        for _ in 0..250 {
            if !alive(pid) {
                gone = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(gone, "process {pid} survived the interrupt");
    }
}
