//! `ssp logs` and `ssp open` against the Kubernetes API double: a release of four components
//! (realtime named `realtime-dev` as the dev values name it, storage with two containers), their
//! pods' logs stamped by the double as kubelet stamps them, and a follow that sees a container
//! restart and a pod replaced.

mod support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};
use support::stack::{Stack, StackOptions};

const NS: &str = "default";

fn labels(app: &str) -> Value {
    json!({"app.kubernetes.io/name": app, "app.kubernetes.io/instance": "supabase"})
}

fn deployment(name: &str, app: &str, containers: &[&str]) -> Value {
    let containers: Vec<Value> = containers.iter().map(|c| json!({"name": c, "image": format!("{c}:1")})).collect();
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": NS, "labels": labels(app)},
        "spec": {"replicas": 1, "selector": {"matchLabels": labels(app)},
                 "template": {"metadata": {"labels": labels(app)}, "spec": {"containers": containers}}}
    })
}

/// The release's running pods, by component.
struct Pods {
    auth: String,
    db: String,
    realtime: String,
    storage: String,
}

/// A project whose cluster runs the release, each component with one ready pod and a few log
/// lines written a minute ago, a few milliseconds apart, in this order across components:
/// auth 1, db 1, auth 2, rt 1, st 1 (storage), img 1 (storage's imgproxy).
fn release() -> Option<(Stack, Pods)> {
    let stack = Stack::new(StackOptions::default())?;
    stack.cluster_running();
    let api = &stack.api;
    let spawn = |name: &str, app: &str, containers: &[&str]| {
        api.insert(deployment(name, app, containers));
        let pod = api.spawn_pod("deployments", NS, name);
        api.mark_pod_ready(NS, &pod);
        pod
    };
    let pods = Pods {
        auth: spawn("supabase-supabase-auth", "supabase-auth", &["auth"]),
        db: spawn("supabase-supabase-db", "supabase-db", &["db"]),
        realtime: spawn("realtime-dev", "supabase-realtime", &["realtime"]),
        storage: spawn("supabase-supabase-storage", "supabase-storage", &["storage", "imgproxy"]),
    };
    let t0 = SystemTime::now() - Duration::from_secs(60);
    let at = |ms: u64| t0 + Duration::from_millis(ms);
    api.append_log_at(NS, &pods.auth, "auth", at(1), &["auth 1"]);
    api.append_log_at(NS, &pods.db, "db", at(2), &["db 1"]);
    api.append_log_at(NS, &pods.auth, "auth", at(3), &["auth 2"]);
    api.append_log_at(NS, &pods.realtime, "realtime", at(4), &["rt 1"]);
    api.append_log_at(NS, &pods.storage, "storage", at(5), &["st 1"]);
    api.append_log_at(NS, &pods.storage, "imgproxy", at(6), &["img 1"]);
    api.clear_requests();
    Some((stack, pods))
}

#[test]
fn every_component_in_time_order_with_aligned_prefixes() {
    let Some((stack, _pods)) = release() else { return };
    let out = stack.ssp().args(["logs"]).run();
    out.success();
    assert_eq!(
        out.stdout,
        "auth             | auth 1\n\
         db               | db 1\n\
         auth             | auth 2\n\
         realtime         | rt 1\n\
         storage/storage  | st 1\n\
         storage/imgproxy | img 1\n"
    );
    // Read through the API with kubelet's timestamps, the default tail, one container at a time.
    let reads: Vec<String> = stack.api.request_lines().into_iter().filter(|l| l.contains("/log?")).collect();
    assert_eq!(reads.len(), 5, "{reads:#?}");
    assert!(reads.iter().all(|r| r.contains("tailLines=50") && r.contains("timestamps=true")), "{reads:#?}");

    // By short name or by the workload's name; --tail per container.
    let out = stack.ssp().args(["logs", "auth", "realtime-dev", "--tail", "1"]).run();
    out.success();
    assert_eq!(out.stdout, "auth     | auth 2\nrealtime | rt 1\n");

    // Colour only when asked for (stdout is a pipe here), whatever NO_COLOR says then.
    let plain = stack.ssp().args(["logs", "db"]).run();
    assert_eq!(plain.stdout, "db | db 1\n");
    let coloured = stack.ssp().args(["logs", "db", "--color", "always"]).env("NO_COLOR", "1").run();
    assert!(coloured.stdout.contains("\u{1b}[") && coloured.stdout.contains("db |"), "{:?}", coloured.stdout);
}

#[test]
fn since_filters_on_the_line_times() {
    let Some((stack, pods)) = release() else { return };
    stack.api.append_log_at(NS, &pods.db, "db", SystemTime::now() - Duration::from_secs(7200), &["ancient"]);
    stack.api.append_log(NS, &pods.db, "db", &["fresh"]);
    let out = stack.ssp().args(["logs", "db", "--since", "1h", "--tail", "-1"]).run();
    out.success();
    assert_eq!(out.stdout, "db | db 1\ndb | fresh\n");
    let reads: Vec<String> = stack.api.request_lines().into_iter().filter(|l| l.contains("/log?")).collect();
    assert_eq!(reads.len(), 1);
    assert!(reads[0].contains("sinceSeconds=3600") && !reads[0].contains("tailLines"), "{}", reads[0]);

    let out = stack.ssp().args(["logs", "--since", "0s"]).run();
    out.status(2).stderr_has("too short");

    // The real kubectl reads the same through the double: kubelet's timestamps, its since filter.
    let Some(kubectl) = support::tools::kubectl() else { return };
    let out = std::process::Command::new(kubectl)
        .args(["--kubeconfig"])
        .arg(stack.kubeconfig_path())
        .args(["--context", support::stack::CONTEXT, "logs", &pods.db, "-n", NS, "--timestamps", "--since=1h"])
        .output()
        .expect("run kubectl");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<(&str, &str)> = text.lines().map(|l| l.split_once(' ').unwrap()).collect();
    assert_eq!(lines.iter().map(|(_, l)| *l).collect::<Vec<_>>(), ["db 1", "fresh"], "{text}");
    for (time, _) in lines {
        assert_eq!(time.len(), "2026-12-02T11:30:23.123456789Z".len(), "{time}");
        humantime::parse_rfc3339(time).unwrap_or_else(|e| panic!("{time}: {e}"));
    }
}

#[test]
fn json_prints_one_object_per_line() {
    let Some((stack, pods)) = release() else { return };
    let out = stack.ssp().args(["logs", "auth", "storage", "-o", "json"]).run();
    out.success();
    let objects: Vec<Value> = out.stdout.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    assert_eq!(objects.len(), 4, "{}", out.stdout);
    assert_eq!(
        objects[0].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["component", "pod", "container", "time", "line"]
    );
    assert_eq!(objects[0]["component"], "auth");
    assert_eq!(objects[0]["pod"], pods.auth.as_str());
    assert_eq!(objects[0]["container"], "auth");
    assert_eq!(objects[0]["line"], "auth 1");
    assert_eq!(objects[3]["component"], "storage");
    assert_eq!(objects[3]["container"], "imgproxy");
    assert_eq!(objects[3]["line"], "img 1");
    let time = objects[0]["time"].as_str().unwrap();
    let parsed = humantime::parse_rfc3339(time).unwrap_or_else(|e| panic!("{time}: {e}"));
    let age = SystemTime::now().duration_since(parsed).unwrap();
    assert!(age > Duration::from_secs(30) && age < Duration::from_secs(3600), "{time}");
}

#[test]
fn previous_and_one_container() {
    let Some((stack, pods)) = release() else { return };
    stack.api.restart_container(NS, &pods.auth, "auth", 1);
    stack.api.append_log(NS, &pods.auth, "auth", &["auth 3 after the restart"]);

    let out = stack.ssp().args(["logs", "auth", "--previous"]).run();
    out.success();
    assert_eq!(out.stdout, "auth | auth 1\nauth | auth 2\n");
    let reads: Vec<String> = stack.api.request_lines().into_iter().filter(|l| l.contains("/log?")).collect();
    assert!(reads.iter().all(|r| r.contains("previous=true")), "{reads:#?}");
    let out = stack.ssp().args(["logs", "auth"]).run();
    out.success();
    assert_eq!(out.stdout, "auth | auth 3 after the restart\n");

    // --previous for containers that never restarted: nothing to show, exit 1 saying why.
    let out = stack.ssp().args(["logs", "db", "--previous"]).run();
    out.status(1).stderr_has(&format!("db: container db of pod {} has not restarted", pods.db));
    assert!(stack.ssp().args(["logs", "-f", "--previous"]).run().status == 2);

    let out = stack.ssp().args(["logs", "storage", "-c", "imgproxy"]).run();
    out.success();
    assert_eq!(out.stdout, "storage | img 1\n");
    let out = stack.ssp().args(["logs", "-c", "imgproxy"]).run();
    out.success();
    assert_eq!(out.stdout, "storage | img 1\n", "-c picks the components that have it");
    let out = stack.ssp().args(["logs", "auth", "-c", "sidecar"]).run();
    out.status(2).stderr_has("no container `sidecar` in auth").stderr_has("their containers are: auth");
}

#[test]
fn an_unknown_component_is_a_usage_error_naming_the_valid_ones() {
    let Some((stack, _pods)) = release() else { return };
    let out = stack.ssp().args(["logs", "auth", "nope"]).run();
    out.status(2)
        .stderr_has("unknown component `nope`")
        .stderr_has("hint: the components of release supabase are: auth, db, realtime (realtime-dev), storage");
    assert_eq!(out.stdout, "");
    assert!(!stack.api.request_lines().iter().any(|l| l.contains("/log")), "no log was read");
}

/// Lines of a child's pipe, as they come.
fn lines_of(pipe: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

#[track_caller]
fn next_line(lines: &mpsc::Receiver<String>, what: &str) -> String {
    lines.recv_timeout(Duration::from_secs(30)).unwrap_or_else(|_| panic!("no line for {what}"))
}

#[test]
fn follow_joins_a_restarted_container_and_a_replacement_pod_and_announces_them() {
    let Some((stack, pods)) = release() else { return };
    let api = stack.api.handle();
    let mut command = stack.ssp().args(["logs", "-f", "auth", "--tail", "1"]).into_command();
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().expect("spawn ssp logs -f");
    let stdout = lines_of(child.stdout.take().unwrap());
    let stderr = lines_of(child.stderr.take().unwrap());

    assert_eq!(next_line(&stdout, "the tail"), "auth | auth 2");
    api.append_log(NS, &pods.auth, "auth", &["live 1"]);
    assert_eq!(next_line(&stdout, "a live line"), "auth | live 1");

    // The container restarts: the new run's stream joins and the restart is announced.
    api.restart_container(NS, &pods.auth, "auth", 137);
    api.append_log(NS, &pods.auth, "auth", &["second run"]);
    assert_eq!(next_line(&stdout, "the new run"), "auth | second run");
    let notice = next_line(&stderr, "the restart");
    assert!(notice.contains(&format!("auth: container auth of pod {} restarted (restart 1)", pods.auth)), "{notice}");

    // The pod is replaced: the old one's end and the new one are announced, its lines follow.
    api.delete("pods", NS, &pods.auth);
    let gone = next_line(&stderr, "the deleted pod");
    assert!(gone.contains(&format!("auth: pod {} is gone", pods.auth)), "{gone}");
    let replacement = api.spawn_pod("deployments", NS, "supabase-supabase-auth");
    api.mark_pod_ready(NS, &replacement);
    api.append_log(NS, &replacement, "auth", &["from the new pod"]);
    assert_eq!(next_line(&stdout, "the new pod"), "auth | from the new pod");
    let joined = next_line(&stderr, "the new pod's notice");
    assert!(joined.contains(&format!("auth: new pod {replacement} (container auth)")), "{joined}");

    // Other components stay out of it.
    api.append_log(NS, &pods.db, "db", &["not followed"]);
    api.append_log(NS, &replacement, "auth", &["last"]);
    assert_eq!(next_line(&stdout, "the last line"), "auth | last");

    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGINT).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "Ctrl-C ends a follow with 130");
    let follows: Vec<String> =
        api.request_lines().into_iter().filter(|l| l.contains("/log?") && l.contains("follow=true")).collect();
    assert_eq!(follows.len(), 3, "one stream per run: {follows:#?}");
    assert!(follows[0].contains("tailLines=1"), "the run already going gets --tail: {}", follows[0]);
    assert!(!follows[1].contains("tailLines") && !follows[2].contains("tailLines"), "new runs are read whole");
}

#[test]
fn a_follow_stream_that_breaks_resumes_without_repeating_lines() {
    let Some((stack, pods)) = release() else { return };
    let api = stack.api.handle();
    let mut command = stack.ssp().args(["logs", "-f", "auth", "--tail", "1"]).into_command();
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().expect("spawn ssp logs -f");
    let stdout = lines_of(child.stdout.take().unwrap());
    assert_eq!(next_line(&stdout, "the tail"), "auth | auth 2");
    api.append_log(NS, &pods.auth, "auth", &["live 1", "live 2"]);
    assert_eq!(next_line(&stdout, "live 1"), "auth | live 1");
    assert_eq!(next_line(&stdout, "live 2"), "auth | live 2");

    api.cut_log_streams();
    api.append_log(NS, &pods.auth, "auth", &["after the cut"]);
    assert_eq!(next_line(&stdout, "the line after the cut"), "auth | after the cut", "nothing repeated");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGINT).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(130));
    let follows: Vec<String> =
        api.request_lines().into_iter().filter(|l| l.contains("/log?") && l.contains("follow=true")).collect();
    assert_eq!(follows.len(), 2, "{follows:#?}");
    assert!(follows[1].contains("sinceTime=") && !follows[1].contains("tailLines"), "{}", follows[1]);
}

#[test]
fn follow_waits_for_the_first_pod_of_a_component_that_has_none() {
    let Some((stack, _pods)) = release() else { return };
    let api = stack.api.handle();
    api.insert(deployment("supabase-supabase-studio", "supabase-studio", &["studio"]));
    let mut command = stack.ssp().args(["logs", "--follow", "studio"]).into_command();
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().expect("spawn ssp logs --follow");
    let stdout = lines_of(child.stdout.take().unwrap());
    let stderr = lines_of(child.stderr.take().unwrap());
    let waiting = next_line(&stderr, "the wait");
    assert!(waiting.contains("studio: no pod yet (deployment/supabase-supabase-studio)"), "{waiting}");

    let pod = api.spawn_pod("deployments", NS, "supabase-supabase-studio");
    api.append_log(NS, &pod, "studio", &["listening on 3000"]);
    api.mark_pod_ready(NS, &pod);
    assert_eq!(next_line(&stdout, "the first pod"), "studio | listening on 3000");
    let joined = next_line(&stderr, "the first pod's notice");
    assert!(joined.contains(&format!("studio: new pod {pod} (container studio)")), "{joined}");

    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGINT).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(130));
}

#[test]
fn open_prints_the_url_in_ci_and_says_what_it_would_run() {
    let Some(stack) = Stack::new(StackOptions::default()) else { return };
    let url = format!("http://localhost:{}", stack.http_port);
    let out = stack.ssp().args(["open"]).env("CI", "true").env("DISPLAY", ":0").run();
    out.success().stderr_has("in CI (CI=true)");
    assert_eq!(out.stdout, format!("{url}\n"));

    let out = stack.ssp().args(["open", "api"]).env("CI", "").env("DISPLAY", "").env("WAYLAND_DISPLAY", "").run();
    out.success().stderr_has("no display");
    assert_eq!(out.stdout, format!("{url}\n"));

    let out = stack.ssp().args(["--dry-run", "open"]).env("CI", "").env("DISPLAY", ":0").run();
    out.success().stderr_has(&format!("would run: xdg-open {url}"));
    assert_eq!(out.stdout, "");

    // An opener that works: it is run with the URL (a stand-in xdg-open first on PATH).
    let bin = stack.tmp.path().join("bin");
    let record = stack.tmp.path().join("opened");
    support::write_executable(bin.join("xdg-open"), format!("#!/bin/sh\necho \"$@\" > {}\n", record.display()));
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let out = stack.ssp().args(["open"]).env("CI", "").env("DISPLAY", ":0").env("PATH", path).run();
    out.success().stderr_has(&format!("opened Studio at {url}"));
    assert_eq!(std::fs::read_to_string(&record).unwrap(), format!("{url}\n"));
}

#[test]
fn dry_run_says_what_it_would_read_and_asks_the_api_nothing() {
    let Some((stack, _pods)) = release() else { return };
    let out = stack.ssp().args(["--dry-run", "logs", "-f", "auth", "db", "--since", "10m", "--tail", "5"]).run();
    out.success();
    out.stderr_has(
        "would read the last 5 lines newer than 10m of auth, db of release supabase in default through the \
         Kubernetes API, then follow them",
    );
    assert_eq!(out.stdout, "");
    let all = stack.ssp().args(["--dry-run", "logs", "--previous", "-c", "imgproxy", "--tail", "-1"]).run();
    all.success().stderr_has("would read all lines of container imgproxy of the previous run of every component");
    assert_eq!(stack.api.request_lines(), Vec::<String>::new(), "a dry run reads nothing");
    assert_eq!(stack.k3d_calls(), Vec::<String>::new());
}
