//! A real container registry on loopback: Debian's `docker-registry` package (the CNCF
//! distribution registry v2.8, `/usr/bin/docker-registry serve CONFIG`), for `ssp images`.
//!
//! [`Registry::start`] writes a config (filesystem storage in a temp dir, `127.0.0.1:PORT`, the
//! access log on), optionally with htpasswd basic auth (the bcrypt entry is made here: `htpasswd`
//! from apache2-utils is not on every machine), starts the server with its output in a log file and
//! waits until `/v2/` answers. The process is killed on drop. [`Registry::requests`] reads the
//! access log, so a test counts what reached the registry (blob uploads, manifest pushes, blob
//! downloads and their bytes).
//!
//! Test images: [`Registry::push_scratch_image`] builds an image `FROM scratch` through the real
//! Docker daemon (`docker build`) and `docker push`es it (the daemon pushes to `127.0.0.1:PORT`
//! over plain HTTP by default); [`Registry::push_index`] assembles a multi-arch index from
//! manifests already there through the distribution API itself; [`Registry::copy_from`] seeds
//! a registry (one with auth, where `docker push` would need a login) from another, blob by blob.
//!
//! A missing package goes through the one skip rule ([`super::prerequisite`], [`Need::Other`]);
//! `.ci/run` installs it.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};
use sha2::Digest as _;

use super::Need;

/// The program of Debian's `docker-registry` package.
pub const PROGRAM: &str = "/usr/bin/docker-registry";

/// Media types of the manifests Docker pushes and of the index assembled here.
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const ACCEPT: &str = "application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json";

/// The components of the dev values that name an image, as `deployment/values.dev.yaml` has them
/// (`<component>.image.repository` / `.tag`): the ones a test or bench points at a registry here.
pub const DEV_IMAGE_COMPONENTS: &[&str] = &[
    "db",
    "studio",
    "auth",
    "rest",
    "realtime",
    "meta",
    "storage",
    "imgproxy",
    "kong",
    "analytics",
    "vector",
    "functions",
];

/// A values file pointing [`DEV_IMAGE_COMPONENTS`] at images in the registry at `host`: each of
/// `own` at `team/<component>:1.0`, every other one at `team/app:1.0`. auth, analytics, realtime and
/// storage are turned off: the chart fixes their init containers to Docker Hub's
/// postgres:15-alpine, out of reach here.
pub fn team_values(host: &str, own: &[&str]) -> String {
    let mut values = String::new();
    for component in DEV_IMAGE_COMPONENTS {
        let repo = if own.contains(component) { format!("team/{component}") } else { "team/app".to_string() };
        values.push_str(&format!("{component}:\n  image:\n    repository: {host}/{repo}\n    tag: \"1.0\"\n"));
        if ["auth", "analytics", "realtime", "storage"].contains(component) {
            values.push_str("  enabled: false\n");
        }
    }
    values
}

/// One request from the registry's access log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub status: u16,
    /// Response body bytes the log gives (`-` is 0).
    pub bytes: u64,
}

/// A running registry; see the module documentation.
pub struct Registry {
    child: Child,
    pub port: u16,
    /// User name and password when htpasswd or token auth is on.
    pub auth: Option<(String, String)>,
    /// The token service, when the registry takes bearer tokens (see [`Registry::start_with_token_auth`]).
    pub tokens: Option<std::sync::Arc<super::token_auth::TokenIssuer>>,
    dir: tempfile::TempDir,
}

/// An answer of [`Registry::call`].
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// `sha256:<hex>` of `bytes`.
pub fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}

impl Registry {
    /// Starts a registry, with htpasswd basic auth for `user`/`password` when `auth` is given.
    /// `None` (after the skip rule) when the package is not installed.
    pub fn start(test: &str, auth: Option<(&str, &str)>) -> Option<Registry> {
        Registry::start_with(test, auth, false)
    }

    /// Starts a registry that takes bearer tokens from a token service on loopback, which gives
    /// them to `user`/`password` (see [`super::token_auth`]): the exchange ghcr.io and Docker Hub
    /// ask for. The test's own calls ([`Registry::call`]) carry a token minted for their path.
    pub fn start_with_token_auth(test: &str, user: &str, password: &str) -> Option<Registry> {
        Registry::start_with(test, Some((user, password)), true)
    }

    fn start_with(test: &str, auth: Option<(&str, &str)>, token: bool) -> Option<Registry> {
        let installed = Path::new(PROGRAM).is_file();
        if !super::prerequisite(
            Need::Other,
            &format!("{test}: docker-registry"),
            installed,
            "apt-get install docker-registry",
        ) {
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let port = super::stack::free_port();
        let storage = dir.path().join("storage");
        std::fs::create_dir_all(&storage).unwrap();
        let mut auth_yaml = String::new();
        let mut tokens = None;
        if let (Some((user, password)), true) = (auth, token) {
            let issuer = super::token_auth::TokenIssuer::start(dir.path(), user, password);
            if !super::prerequisite(
                Need::Other,
                &format!("{test}: openssl"),
                issuer.is_some(),
                "apt-get install openssl (it signs the test's bearer tokens)",
            ) {
                return None;
            }
            let issuer = issuer.expect("checked");
            auth_yaml = issuer.registry_auth_yaml();
            tokens = Some(issuer);
        } else if let Some((user, password)) = auth {
            let hash = bcrypt::hash(password, 4).expect("bcrypt");
            std::fs::write(dir.path().join("htpasswd"), format!("{user}:{hash}\n")).unwrap();
            auth_yaml = format!(
                "auth:\n  htpasswd:\n    realm: ssp-test\n    path: {}\n",
                dir.path().join("htpasswd").display()
            );
        }
        let config = format!(
            "version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n{auth_yaml}",
            storage.display()
        );
        std::fs::write(dir.path().join("config.yml"), config).unwrap();
        let log = std::fs::File::create(dir.path().join("registry.log")).unwrap();
        let child = Command::new(PROGRAM)
            .arg("serve")
            .arg(dir.path().join("config.yml"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start docker-registry");
        let registry = Registry { child, port, auth: auth.map(|(u, p)| (u.to_string(), p.to_string())), tokens, dir };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() && registry.call("GET", "/v2/", &[], &[]).status != 0 {
                break;
            }
            assert!(Instant::now() < deadline, "docker-registry did not start:\n{}", registry.log());
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(registry)
    }

    /// `127.0.0.1:PORT`, the registry part of its image references.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Everything the registry wrote (its log and access log).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }

    /// The requests of the access log (`"GET /v2/ HTTP/1.1" 200 2`), oldest first.
    pub fn requests(&self) -> Vec<Request> {
        self.log()
            .lines()
            .filter_map(|line| {
                let (_, rest) = line.split_once("] \"")?;
                let (request, rest) = rest.split_once("\" ")?;
                let mut parts = request.split(' ');
                let (method, path) = (parts.next()?.to_string(), parts.next()?.to_string());
                let mut rest = rest.split(' ');
                let status = rest.next()?.parse().ok()?;
                let bytes = rest.next().and_then(|b| b.parse().ok()).unwrap_or(0);
                Some(Request { method, path, status, bytes })
            })
            .collect()
    }

    /// Blob uploads started (`POST /v2/<name>/blobs/uploads/`), whatever their outcome.
    pub fn blob_uploads(&self) -> usize {
        self.requests().iter().filter(|r| r.method == "POST" && r.path.contains("/blobs/uploads/")).count()
    }

    /// Manifest pushes (`PUT /v2/<name>/manifests/<ref>`), whatever their outcome.
    pub fn manifest_puts(&self) -> usize {
        self.requests().iter().filter(|r| r.method == "PUT" && r.path.contains("/manifests/")).count()
    }

    /// Blob downloads (`GET /v2/<name>/blobs/<digest>`).
    pub fn blob_gets(&self) -> usize {
        self.requests().iter().filter(|r| r.method == "GET" && r.path.contains("/blobs/sha256:")).count()
    }

    /// Bytes of blob downloads (the bodies of `GET /v2/<name>/blobs/<digest>`, as the log gives them).
    pub fn blob_get_bytes(&self) -> u64 {
        self.requests().iter().filter(|r| r.method == "GET" && r.path.contains("/blobs/sha256:")).map(|r| r.bytes).sum()
    }

    /// One HTTP/1.1 request to the registry (with the basic auth when it has some); status 0 when
    /// the connection failed.
    pub fn call(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
        let auth = self.auth.as_ref().map(|(u, p)| (u.as_str(), p.as_str()));
        self.call_as(auth, method, path, headers, body)
    }

    /// [`Registry::call`] with other credentials (or none). Under token auth any credentials
    /// stand for a token minted for the path, none for an unauthenticated call.
    pub fn call_as(
        &self,
        auth: Option<(&str, &str)>,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Answer {
        let failed = Answer { status: 0, headers: Vec::new(), body: Vec::new() };
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else { return failed };
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.host(),
            body.len()
        );
        match (auth, &self.tokens) {
            // A token for what this path touches, minted directly (the test's own call).
            (Some(_), Some(tokens)) => {
                let scope = match path.strip_prefix("/v2/").and_then(|p| {
                    ["/manifests/", "/blobs/", "/tags/"].iter().find_map(|part| p.split_once(part).map(|(n, _)| n))
                }) {
                    Some(name) => format!("repository:{name}:pull,push,delete"),
                    None => "registry:catalog:*".to_string(),
                };
                head.push_str(&format!("Authorization: Bearer {}\r\n", tokens.mint(&[scope])));
            }
            (Some((user, password)), None) => {
                let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
                head.push_str(&format!("Authorization: Basic {token}\r\n"));
            }
            (None, _) => {}
        }
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        if stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body)).is_err() {
            return failed;
        }
        let mut raw = Vec::new();
        if stream.read_to_end(&mut raw).is_err() {
            return failed;
        }
        parse_answer(&raw).unwrap_or(failed)
    }

    /// The manifest `reference` (tag or digest) of `repo`: its bytes and media type.
    pub fn manifest(&self, repo: &str, reference: &str) -> Option<(Vec<u8>, String)> {
        let answer = self.call("GET", &format!("/v2/{repo}/manifests/{reference}"), &[("Accept", ACCEPT)], &[]);
        (answer.status == 200).then(|| {
            let media = answer.header("Content-Type").unwrap_or_default().to_string();
            (answer.body, media)
        })
    }

    /// The digest the registry gives `repo:reference` (`Docker-Content-Digest` of a HEAD).
    pub fn manifest_digest(&self, repo: &str, reference: &str) -> Option<String> {
        let answer = self.call("HEAD", &format!("/v2/{repo}/manifests/{reference}"), &[("Accept", ACCEPT)], &[]);
        (answer.status == 200).then(|| answer.header("Docker-Content-Digest").map(str::to_string)).flatten()
    }

    /// Uploads a blob (one monolithic `POST`+`PUT`); returns its digest.
    pub fn put_blob(&self, repo: &str, bytes: &[u8]) -> String {
        let digest = digest(bytes);
        let started = self.call("POST", &format!("/v2/{repo}/blobs/uploads/"), &[], &[]);
        assert_eq!(started.status, 202, "upload start in {repo}: {}", String::from_utf8_lossy(&started.body));
        let location = started.header("Location").expect("an upload Location").to_string();
        let location = location
            .split_once("127.0.0.1")
            .map(|(_, r)| r.trim_start_matches(|c: char| c != '/'))
            .unwrap_or(&location);
        let sep = if location.contains('?') { '&' } else { '?' };
        let done = self.call(
            "PUT",
            &format!("{location}{sep}digest={digest}"),
            &[("Content-Type", "application/octet-stream")],
            bytes,
        );
        assert_eq!(done.status, 201, "upload of {digest}: {}", String::from_utf8_lossy(&done.body));
        digest
    }

    /// Pushes a manifest under `reference`; returns its digest.
    pub fn put_manifest(&self, repo: &str, reference: &str, media_type: &str, bytes: &[u8]) -> String {
        let answer =
            self.call("PUT", &format!("/v2/{repo}/manifests/{reference}"), &[("Content-Type", media_type)], bytes);
        assert_eq!(answer.status, 201, "manifest {repo}:{reference}: {}", String::from_utf8_lossy(&answer.body));
        digest(bytes)
    }

    /// Builds `FROM scratch` an image holding `payload` (at `/payload`) through the real Docker
    /// daemon, tags it `127.0.0.1:PORT/<repo>:<tag>` and pushes it here, then removes it from the
    /// daemon unless `keep`. Returns the pushed manifest's digest. Needs a registry without auth.
    pub fn push_scratch_image(&self, repo: &str, tag: &str, payload: &[u8], keep: bool) -> String {
        assert!(self.auth.is_none(), "docker push goes to a registry without auth; use copy_from for the others");
        let context = tempfile::tempdir().expect("temp dir");
        std::fs::write(context.path().join("payload"), payload).unwrap();
        std::fs::write(
            context.path().join("Dockerfile"),
            format!("FROM scratch\nCOPY payload /payload\nLABEL org.opencontainers.image.title=\"{repo}\"\n"),
        )
        .unwrap();
        let name = format!("{}/{repo}:{tag}", self.host());
        // No build cache: tests run in parallel, and two builds of the same payload would share
        // the cached `COPY` step's image, which one test's `rmi` removes (with its untagged
        // parents) while the other build still uses it — "unable to find image sha256:…".
        docker(&["build", "--no-cache", "-q", "-t", &name, &context.path().display().to_string()]);
        docker(&["push", &name]);
        if !keep {
            docker(&["rmi", &name]);
        }
        self.manifest_digest(repo, tag).expect("the pushed manifest")
    }

    /// Assembles a multi-arch index (a Docker manifest list) under `repo:tag` from manifests
    /// already in `repo` (`(digest, architecture)`); returns its digest. The platforms are what the
    /// index says: images `FROM scratch` hold no binary whose architecture could disagree.
    pub fn push_index(&self, repo: &str, tag: &str, members: &[(&str, &str)]) -> String {
        let manifests: Vec<Value> = members
            .iter()
            .map(|(digest, arch)| {
                let (bytes, media) = self.manifest(repo, digest).expect("an index member");
                json!({"mediaType": media, "digest": digest, "size": bytes.len(), "platform": {"architecture": arch, "os": "linux"}})
            })
            .collect();
        let index = json!({"schemaVersion": 2, "mediaType": DOCKER_MANIFEST_LIST, "manifests": manifests});
        self.put_manifest(repo, tag, DOCKER_MANIFEST_LIST, &serde_json::to_vec_pretty(&index).unwrap())
    }

    /// Copies `repo:reference` (a manifest, or an index and its members) from `source`, blob by
    /// blob, under the same name and reference: how a registry with auth is seeded.
    pub fn copy_from(&self, source: &Registry, repo: &str, reference: &str) {
        let (bytes, media) = source.manifest(repo, reference).expect("the source manifest");
        let manifest: Value = serde_json::from_slice(&bytes).unwrap();
        if let Some(members) = manifest["manifests"].as_array() {
            for member in members {
                self.copy_from(source, repo, member["digest"].as_str().unwrap());
            }
        } else {
            let blobs = manifest["layers"].as_array().into_iter().flatten().chain(std::iter::once(&manifest["config"]));
            for blob in blobs {
                let digest = blob["digest"].as_str().unwrap();
                let answer = source.call("GET", &format!("/v2/{repo}/blobs/{digest}"), &[], &[]);
                assert_eq!(answer.status, 200, "blob {digest} of {repo}");
                self.put_blob(repo, &answer.body);
            }
        }
        self.put_manifest(repo, reference, &media, &bytes);
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the Docker CLI; panics with its output when it fails.
pub fn docker(args: &[&str]) -> String {
    let out = Command::new("docker").args(args).output().expect("run docker");
    assert!(
        out.status.success(),
        "docker {} failed: {}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// True when the Docker daemon holds `image`.
pub fn docker_has(image: &str) -> bool {
    Command::new("docker").args(["image", "inspect", image]).output().is_ok_and(|o| o.status.success())
}

/// Removes from the host's Docker each of `images` it has (a test's or bench's cleanup).
pub fn remove_from_docker(images: &[String]) {
    for image in images {
        if docker_has(image) {
            docker(&["rmi", image]);
        }
    }
}

fn parse_answer(raw: &[u8]) -> Option<Answer> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
    let mut body = raw[end + 4..].to_vec();
    let chunked = headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Some(Answer { status, headers, body })
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(std::str::from_utf8(&data[..eol]).unwrap_or("0").trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
        data = &data[eol + 2 + size + 2..];
    }
    out
}

/// The registry's storage folder (for a test that checks nothing was written).
pub fn storage(registry: &Registry) -> PathBuf {
    registry.dir.path().join("storage")
}
