//! A project wired to every double at once, for the tests of `setup-infra`, `status`,
//! `teardown`/`stop`/`start` and `port-forward`: the fake `k3d` and the real helm v3.19.0 (behind a
//! recording shim) found through `[tools] dir`, the Kubernetes API double behind
//! `k3d kubeconfig get` (helm reaches it through the kubeconfig), free host ports in
//! `[cluster] ports`, and a private `HOME`, `KUBECONFIG` and `TMPDIR` so nothing of the
//! developer's machine is read or written.
//!
//! ```ignore
//! let Some(stack) = Stack::new(StackOptions::default()) else { return };
//! let _autopilot = stack.api.autopilot();
//! stack.ssp().args(["setup-infra"]).run().success();
//! ```

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::cli::{Project, Ssp};
use super::fakes::{ClusterState, FakeTools};
use super::kube_api::KubeApi;

/// The cluster name and its kube context (the defaults).
pub const CLUSTER: &str = "pdc-cluster";
pub const CONTEXT: &str = "k3d-pdc-cluster";

/// What the project looks like.
#[derive(Clone, Debug, Default)]
pub struct StackOptions {
    /// Lines added to `[cluster]` of `ssp.toml` (e.g. `provider = "existing"`).
    pub cluster_toml: String,
    /// Further sections appended to `ssp.toml` (e.g. `[chart]\nnamespace = "supabase"`).
    pub extra_toml: String,
    /// Check out the pinned chart at `vendors/supabase-kubernetes` (what `setup-infra` needs).
    pub chart: bool,
}

/// A project plus the doubles it talks to. Everything lives in temp dirs removed on drop.
pub struct Stack {
    pub project: Project,
    pub fakes: FakeTools,
    pub api: KubeApi,
    /// `HOME` of ssp and of the fakes (`~/.docker`, `~/.kube/config` are looked up here).
    pub home: tempfile::TempDir,
    /// `TMPDIR` of ssp.
    pub tmp: tempfile::TempDir,
    /// The host ports mapped to the load balancer's 80 (Kong) and 5432 (Postgres).
    pub http_port: u16,
    pub db_port: u16,
    _fakes_dir: tempfile::TempDir,
}

/// A TCP port nobody uses right now, taken below the kernel's ephemeral range (see
/// `/proc/sys/net/ipv4/ip_local_port_range`) and never handed out twice in this test process. An
/// ephemeral port (`bind(":0")`) can be taken by any outgoing connection — the kube client's, helm's
/// — between the test picking it and ssp's pre-flight binding it, which made ssp report the port busy.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let base = 20000 + (std::process::id() % 6000) as u16;
    let _ = NEXT.compare_exchange(0, base, Ordering::SeqCst, Ordering::SeqCst);
    loop {
        let port = NEXT.fetch_add(1, Ordering::SeqCst);
        assert!(port < 32768, "no free test port left below the ephemeral range");
        if TcpListener::bind(("0.0.0.0", port)).is_ok() {
            return port;
        }
    }
}

impl Stack {
    /// `None` (after the skip/fail rule) when Python 3, the shared fixtures or the real helm
    /// (`tests/support/get-helm-kubectl.sh`) are missing.
    pub fn new(options: StackOptions) -> Option<Stack> {
        let fakes_dir = tempfile::tempdir().expect("temp dir");
        let fakes = FakeTools::install_or_skip(fakes_dir.path())?;
        let project = Project::new();
        if options.chart {
            let vendors = project.root().join("vendors");
            std::fs::create_dir_all(&vendors).unwrap();
            super::fixtures::pinned_chart(&vendors)?;
        }
        // `helm` in `[tools] dir` runs the real helm v3.19.0: it renders the chart itself and
        // talks to the API double through the kubeconfig; the call is recorded first.
        fakes.use_real_helm(&super::tools::helm()?);
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        project.write(
            "deployment/values.dev.yaml",
            std::fs::read(repo.join("deployment/values.dev.yaml")).expect("the repository's dev values"),
        );
        let (http_port, db_port) = (free_port(), free_port());
        project.write(
            "ssp.toml",
            format!(
                "[cluster]\nports = [\"{http_port}:80@loadbalancer\", \"{db_port}:5432@loadbalancer\"]\n{}\n\n[tools]\ndir = {:?}\n\n{}\n",
                options.cluster_toml,
                fakes.bin_dir().display().to_string(),
                options.extra_toml
            ),
        );
        let api = KubeApi::start();
        fakes.set_kubeconfig(&api.kubeconfig_yaml(CONTEXT));
        let home = tempfile::tempdir().expect("temp dir");
        let tmp = tempfile::tempdir().expect("temp dir");
        Some(Stack { project, fakes, api, home, tmp, http_port, db_port, _fakes_dir: fakes_dir })
    }

    /// For `setup-infra`, whose pre-flight needs Docker: [`Stack::new`] after the skip rule for the
    /// Docker daemon ([`super::env::docker_available`]).
    pub fn for_setup(test: &str, options: StackOptions) -> Option<Stack> {
        if !super::env::docker_available(test) {
            return None;
        }
        Stack::new(options)
    }

    /// [`Stack::for_setup`] with the pinned chart and a running cluster (no create, so no port
    /// check), and Kong answering 200 from the start.
    pub fn running(test: &str) -> Option<(Stack, KongStandIn)> {
        let stack = Stack::for_setup(test, StackOptions { chart: true, ..Default::default() })?;
        stack.cluster_running();
        let kong = KongStandIn::start(stack.http_port, 200);
        Some((stack, kong))
    }

    /// The dev values with each `(dev, cloud)` text replaced (each must be there), encrypted for a
    /// fresh age identity with ssp's SOPS engine into `deployment/values.cloud.yaml`; returns the
    /// plaintext and the identity (for `SOPS_AGE_KEY`).
    pub fn encrypted_cloud_values(&self, replacements: &[(&str, &str)]) -> (String, String) {
        use age::secrecy::ExposeSecret;
        use ssp::sops::{
            AgeIdentities, Document, EncryptionSpec, Format, KeySources, RecipientGroup, SopsFile, stores,
        };
        let mut plain = std::fs::read_to_string(self.project.root().join("deployment/values.dev.yaml")).unwrap();
        for (dev, cloud) in replacements {
            assert!(plain.contains(dev), "{dev} is not in the dev values");
            plain = plain.replace(dev, cloud);
        }
        let id = age::x25519::Identity::generate();
        let secret = id.to_string().expose_secret().to_string();
        let spec = EncryptionSpec {
            groups: vec![RecipientGroup { age: vec![id.to_public().to_string()], ..Default::default() }],
            ..Default::default()
        };
        let doc = Document::new(stores::parse_plain(Format::Yaml, plain.as_bytes()).unwrap());
        let file =
            SopsFile::encrypt_new(&doc, Format::Yaml, &spec, &KeySources::with_age(AgeIdentities::none())).unwrap();
        self.project.write("deployment/values.cloud.yaml", file.to_bytes().unwrap());
        (plain, secret)
    }

    /// The fake k3d has the cluster running, and its context is in the user's kubeconfig (where
    /// the real helm looks), as `k3d cluster create` left them.
    pub fn cluster_running(&self) {
        self.fakes.add_cluster(CLUSTER, ClusterState::Running);
        self.merge_kubeconfig();
    }

    /// Writes the double's context into the user's default kubeconfig, as `k3d cluster create`
    /// left it for a cluster that already runs.
    pub fn merge_kubeconfig(&self) {
        self.write_kubeconfig(CONTEXT);
    }

    /// Makes the user's default kubeconfig hold one context, `context`, that reaches the double
    /// (e.g. the `staging` of an existing cluster).
    pub fn write_kubeconfig(&self, context: &str) {
        let path = self.kubeconfig_path();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, self.api.kubeconfig_yaml(context)).unwrap();
    }

    /// The user's default kubeconfig (what k3d merges the cluster's context into).
    pub fn kubeconfig_path(&self) -> PathBuf {
        self.home.path().join(".kube/config")
    }

    /// The cluster's own kubeconfig, written by `k3d kubeconfig write` when
    /// `update_kubeconfig = false`.
    pub fn cluster_kubeconfig_path(&self) -> PathBuf {
        self.home.path().join(format!(".config/k3d/kubeconfig-{CLUSTER}.yaml"))
    }

    /// `ssp` in the project, with the private `HOME`, `KUBECONFIG` and `TMPDIR`.
    pub fn ssp(&self) -> Ssp {
        self.project
            .ssp()
            .env("HOME", self.home.path())
            .env("KUBECONFIG", self.kubeconfig_path())
            .env("TMPDIR", self.tmp.path())
            .env("DOCKER_CONFIG", self.home.path().join(".docker"))
    }

    /// The decoded `.dockerconfigjson` of the `regcred` pull secret in `namespace`.
    pub fn pull_secret_config(&self, namespace: &str) -> Value {
        use base64::Engine as _;
        let secret = self.api.get("secrets", namespace, "regcred").expect("the regcred Secret");
        let data = secret["data"][".dockerconfigjson"].as_str().expect("a .dockerconfigjson");
        serde_json::from_slice(&base64::engine::general_purpose::STANDARD.decode(data).unwrap()).unwrap()
    }

    /// The k3d command lines ssp ran, without the installer's `k3d version` checks.
    pub fn k3d_calls(&self) -> Vec<String> {
        self.fakes.calls_of("k3d").iter().filter(|c| c.argv[0] != "version").map(|c| c.command_line()).collect()
    }

    /// The helm calls ssp ran, without the installer's `helm version` checks.
    pub fn helm_calls(&self) -> Vec<super::fakes::ToolCall> {
        self.fakes.calls_of("helm").into_iter().filter(|c| c.argv[0] != "version").collect()
    }

    /// A running cluster with the release installed from `objects` (a chart whose templates are
    /// those objects) and made ready by the autopilot: what `status`, `teardown` and
    /// `port-forward` find after a setup.
    pub fn deployed(&self, objects: &[Value]) {
        self.cluster_running();
        let chart = self.tmp.path().join("release-chart");
        std::fs::create_dir_all(chart.join("templates")).unwrap();
        std::fs::write(chart.join("Chart.yaml"), "apiVersion: v2\nname: supabase\nversion: 0.1.2\n").unwrap();
        for (i, object) in objects.iter().enumerate() {
            std::fs::write(chart.join(format!("templates/{i:02}.json")), serde_json::to_string_pretty(object).unwrap())
                .unwrap();
        }
        let helm = std::process::Command::new(self.fakes.bin_dir().join("helm"))
            .args(["upgrade", "--install", "supabase"])
            .arg(&chart)
            .args(["--namespace", "default", "--create-namespace", "--kube-context", CONTEXT])
            .env("HOME", self.home.path())
            .env("KUBECONFIG", self.kubeconfig_path())
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run helm");
        std::fs::remove_dir_all(&chart).unwrap();
        assert!(helm.status.success(), "{}", String::from_utf8_lossy(&helm.stderr));
        let autopilot = self.api.autopilot();
        let settled = self.api.wait_until_blocking(std::time::Duration::from_secs(60), |st| {
            let deployments = super::kube_api::resources::lookup("deployments").unwrap();
            st.list(deployments, Some("default"))
                .iter()
                .all(|d| d["status"]["availableReplicas"].as_i64() >= d["spec"]["replicas"].as_i64())
        });
        drop(autopilot);
        assert!(settled, "the autopilot makes the release ready");
        self.fakes.edit_state(|s| s["failures"] = json!([]));
        std::fs::write(self.fakes.log_path(), "").unwrap();
        self.api.clear_requests();
    }

    /// Every regular file under the project, ssp's `TMPDIR` and `HOME`, with its content.
    pub fn files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut out = Vec::new();
        let mut pending = vec![self.project.root(), self.tmp.path().to_path_buf(), self.home.path().to_path_buf()];
        while let Some(dir) = pending.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(kind) = entry.file_type() else { continue };
                if kind.is_dir() {
                    pending.push(path);
                } else if kind.is_file()
                    && let Ok(bytes) = std::fs::read(&path)
                {
                    out.push((path, bytes));
                }
            }
        }
        out
    }
}

/// A small release as the chart lays it out: the db and kong Deployments with their Services
/// and the chart's three Secrets, labelled `app.kubernetes.io/instance=supabase`.
pub fn small_release() -> Vec<Value> {
    let labels = |app: &str| json!({"app.kubernetes.io/name": app, "app.kubernetes.io/instance": "supabase"});
    let deployment = |name: &str, app: &str, image: &str, port: i64| {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "labels": labels(app)},
            "spec": {"replicas": 1, "selector": {"matchLabels": labels(app)},
                     "template": {"metadata": {"labels": labels(app)},
                                  "spec": {"containers": [{"name": app, "image": image,
                                           "ports": [{"name": "http", "containerPort": port}]}]}}}
        })
    };
    let service = |name: &str, app: &str, port: i64| {
        json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "labels": labels(app)},
            "spec": {"type": "ClusterIP", "selector": labels(app),
                     "ports": [{"name": "http", "port": port, "targetPort": "http", "protocol": "TCP"}]}
        })
    };
    let secret = |name: &str, data: Value| {
        use base64::Engine as _;
        let encoded: serde_json::Map<String, Value> = data
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), json!(base64::engine::general_purpose::STANDARD.encode(v.as_str().unwrap()))))
            .collect();
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "labels": labels("supabase")},
               "type": "Opaque", "data": encoded})
    };
    vec![
        secret(
            "supabase-jwt",
            json!({"anonKey": ANON_KEY, "serviceKey": SERVICE_KEY, "secret": "jwt-secret-0123456789"}),
        ),
        secret("supabase-db", json!({"username": "postgres", "password": DB_PASSWORD, "database": "postgres"})),
        secret("supabase-dashboard", json!({"username": "supabase", "password": DASHBOARD_PASSWORD})),
        deployment("supabase-supabase-db", "supabase-db", "supabase/postgres:15.1.0.147", 5432),
        service("supabase-supabase-db", "supabase-db", 5432),
        deployment("supabase-supabase-kong", "supabase-kong", "kong:2.8.1", 8000),
        service("supabase-supabase-kong", "supabase-kong", 8000),
    ]
}

pub const ANON_KEY: &str = "anon.key.jwt";
pub const SERVICE_KEY: &str = "service.key.jwt-SECRET";
pub const DB_PASSWORD: &str = "db-password-SECRET";
pub const DASHBOARD_PASSWORD: &str = "dashboard-password-SECRET";

/// A loopback HTTP server standing in for Kong on the load balancer's host port: answers every
/// `GET` with `status` and records the request line and `apikey` header.
/// Dropping it closes the port (as deleting the cluster frees the load balancer's).
pub struct KongStandIn {
    pub addr: SocketAddr,
    pub requests: Arc<Mutex<Vec<KongRequest>>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    accept: Option<std::thread::JoinHandle<()>>,
}

/// `GET /path` and the `apikey` header sent with it.
pub type KongRequest = (String, Option<String>);

impl KongStandIn {
    pub fn start(port: u16, status: u16) -> KongStandIn {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind the Kong stand-in");
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        let accept = std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if stopped.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                let seen = seen.clone();
                std::thread::spawn(move || answer(stream, status, &seen));
            }
        });
        KongStandIn { addr, requests, stop, accept: Some(accept) }
    }

    /// `GET /path` lines received so far.
    pub fn paths(&self) -> Vec<String> {
        self.requests.lock().unwrap().iter().map(|(l, _)| l.clone()).collect()
    }
}

impl Drop for KongStandIn {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        // Wakes the accept loop, which then ends and closes the listener; waited for, so the
        // port is free when the drop returns (a next setup-infra's pre-flight finds it free).
        if TcpStream::connect(self.addr).is_ok()
            && let Some(accept) = self.accept.take()
        {
            let _ = accept.join();
        }
    }
}

fn answer(stream: TcpStream, status: u16, seen: &Mutex<Vec<KongRequest>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut apikey = None;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            if header.trim().is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("apikey")
            {
                apikey = Some(value.trim().to_string());
            }
        }
        let line = request_line.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
        seen.lock().unwrap().push((line, apikey));
        let body = "{}";
        let reply = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        if (&stream).write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}
