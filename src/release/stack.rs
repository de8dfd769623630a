//! What a running stack offers its user: URLs, keys and the Postgres connection string, read from
//! the chart's Secrets in the cluster; and whether Supabase actually answers through Kong.

use std::time::Duration;

use ::kube::Client;
use ::kube::api::Api;
use k8s_openapi::api::core::v1::{Secret, Service};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::config::{ClusterConfig, Provider};
use crate::release::names::{chart_fullname, component_fullname};

/// Shown instead of a secret unless `--show-secrets`.
pub const MASK: &str = "********";

/// Endpoints and credentials of a deployed stack.
pub struct StackInfo {
    pub api_url: String,
    pub studio_url: String,
    pub anon_key: Option<String>,
    pub service_key: Option<Zeroizing<String>>,
    pub db_user: Option<String>,
    pub db_password: Option<Zeroizing<String>>,
    pub db_name: Option<String>,
    pub db_host_port: Option<(String, u16)>,
    pub dashboard_user: Option<String>,
    pub dashboard_password: Option<Zeroizing<String>>,
}

/// The local URLs of a k3d stack: Kong behind the load balancer's port 80, Postgres behind 5432.
pub fn local_endpoints(cluster: &ClusterConfig) -> (String, Option<(String, u16)>) {
    let host_for = |container: u16| cluster.ports.iter().find(|p| p.container_port == container).map(|p| p.host_port);
    let api = match (cluster.provider, host_for(80)) {
        (Provider::K3d, Some(80)) => "http://localhost".to_string(),
        (Provider::K3d, Some(port)) => format!("http://localhost:{port}"),
        _ => "http://localhost".to_string(),
    };
    let db = host_for(5432).map(|port| ("localhost".to_string(), port));
    (api, db)
}

fn field(secret: &Option<Secret>, key: &str) -> Option<Zeroizing<String>> {
    let bytes = secret.as_ref()?.data.as_ref()?.get(key)?;
    Some(Zeroizing::new(String::from_utf8_lossy(&bytes.0).into_owned()))
}

impl StackInfo {
    /// Reads the chart's Secrets (`<fullname>-jwt`, `-db`, `-dashboard`); missing ones leave gaps.
    pub async fn read(
        client: &Client,
        namespace: &str,
        release: &str,
        cluster: &ClusterConfig,
    ) -> Result<StackInfo, ::kube::Error> {
        let secrets: Api<Secret> = Api::namespaced(client.clone(), namespace);
        let prefix = chart_fullname(release);
        let jwt = secrets.get_opt(&format!("{prefix}-jwt")).await?;
        let db = secrets.get_opt(&format!("{prefix}-db")).await?;
        let dashboard = secrets.get_opt(&format!("{prefix}-dashboard")).await?;
        let (api_url, db_host_port) = local_endpoints(cluster);
        Ok(StackInfo {
            studio_url: api_url.clone(),
            api_url,
            anon_key: field(&jwt, "anonKey").map(|k| k.to_string()),
            service_key: field(&jwt, "serviceKey"),
            db_user: field(&db, "username").map(|v| v.to_string()),
            db_password: field(&db, "password"),
            db_name: field(&db, "database").map(|v| v.to_string()),
            db_host_port,
            dashboard_user: field(&dashboard, "username").map(|v| v.to_string()),
            dashboard_password: field(&dashboard, "password"),
        })
    }

    fn secret(value: &Option<Zeroizing<String>>, show: bool) -> String {
        match value {
            Some(v) if show => v.to_string(),
            Some(_) => MASK.to_string(),
            None => "(not found)".to_string(),
        }
    }

    /// `postgres://user:password@localhost:5432/postgres`, the password masked unless `show`;
    /// `None` when no host port maps to the database.
    pub fn db_url(&self, show: bool) -> Option<String> {
        let (host, port) = self.db_host_port.as_ref()?;
        Some(self.db_url_at(host, *port, show))
    }

    /// The connection string for the database at `host:port` (the host port, or the Service
    /// inside the cluster): user, password and database from the chart's `-db` Secret
    /// (percent-encoded), the password masked unless `show`.
    pub fn db_url_at(&self, host: &str, port: u16, show: bool) -> String {
        let user = encode(self.db_user.as_deref().unwrap_or("postgres"));
        let password = match &self.db_password {
            Some(p) if show => encode(p),
            _ => Self::secret(&self.db_password, show),
        };
        let db = encode(self.db_name.as_deref().unwrap_or("postgres"));
        format!("postgres://{user}:{password}@{host}:{port}/{db}")
    }

    /// Aligned `label  value` lines for the end of `setup-infra` and `status`.
    pub fn summary_lines(&self, show: bool) -> Vec<(String, String)> {
        let mut rows = vec![
            ("Studio".to_string(), self.studio_url.clone()),
            ("API URL".to_string(), self.api_url.clone()),
            ("anon key".to_string(), self.anon_key.clone().unwrap_or_else(|| "(not found)".into())),
            ("service key".to_string(), Self::secret(&self.service_key, show)),
        ];
        if let Some(url) = self.db_url(show) {
            rows.push(("Postgres".to_string(), url));
        }
        let dashboard = format!(
            "{} / {}",
            self.dashboard_user.as_deref().unwrap_or("(not found)"),
            Self::secret(&self.dashboard_password, show)
        );
        rows.push(("dashboard login".to_string(), dashboard));
        rows
    }

    /// `KEY=value` lines for `.env` files (`-o env`): the names ssp uses and the Flutter app's.
    pub fn env_lines(&self, show: bool) -> Vec<String> {
        let mut lines = vec![format!("API_URL={}", self.api_url), format!("SUPABASE_URL={}", self.api_url)];
        if let Some(anon) = &self.anon_key {
            lines.push(format!("ANON_KEY={anon}"));
            lines.push(format!("SUPABASE_ANON_KEY={anon}"));
        }
        if let Some(url) = self.db_url(show) {
            lines.push(format!("DB_URL={url}"));
        }
        lines
    }

    pub fn to_json(&self, show: bool) -> serde_json::Value {
        #[derive(Serialize)]
        struct Shown<'a> {
            studio_url: &'a str,
            api_url: &'a str,
            anon_key: Option<&'a str>,
            service_key: String,
            db_url: Option<String>,
            dashboard_user: Option<&'a str>,
            dashboard_password: String,
        }
        serde_json::to_value(Shown {
            studio_url: &self.studio_url,
            api_url: &self.api_url,
            anon_key: self.anon_key.as_deref(),
            service_key: Self::secret(&self.service_key, show),
            db_url: self.db_url(show),
            dashboard_user: self.dashboard_user.as_deref(),
            dashboard_password: Self::secret(&self.dashboard_password, show),
        })
        .unwrap_or_default()
    }
}

/// Percent-encodes a URL's user, password or path segment (RFC 3986: all but the unreserved
/// characters), so a password holding `@`, `:` or `/` still makes a valid connection string.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The database's address inside the cluster: the chart's db Service (`<release>-supabase-db`)
/// as `<service>.<namespace>.svc.cluster.local` and its first port. `None` when the release has
/// no such Service.
pub async fn db_service(
    client: &Client,
    namespace: &str,
    release: &str,
) -> Result<Option<(String, u16)>, ::kube::Error> {
    let services: Api<Service> = Api::namespaced(client.clone(), namespace);
    let name = component_fullname(release, "db");
    let Some(service) = services.get_opt(&name).await? else {
        return Ok(None);
    };
    let port = service
        .spec
        .and_then(|s| s.ports)
        .and_then(|ports| ports.first().map(|p| p.port))
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or(5432);
    Ok(Some((format!("{name}.{namespace}.svc.cluster.local"), port)))
}

/// The labels of the chart's database pod (`app.kubernetes.io/name=supabase-db` of the release).
pub fn db_pod_selector(release: &str) -> String {
    format!("app.kubernetes.io/name=supabase-db,app.kubernetes.io/instance={release}")
}

/// The database container of the chart's db pod (named as its `app.kubernetes.io/name`): exec
/// names it, since the pod may carry sidecars.
pub const DB_CONTAINER: &str = "supabase-db";

/// What `pg_dump` writes: everything, or only the schema or only the data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DumpContent {
    All,
    SchemaOnly,
    DataOnly,
}

/// The commands `ssp db` runs in the database pod. All connect as the Secret's user to its
/// database; the password stays out of every command line (inside the pod they connect over the
/// local socket, the container's own `PGPASSWORD` covering password authentication).
impl StackInfo {
    fn login(&self) -> [String; 4] {
        let user = self.db_user.as_deref().unwrap_or("postgres");
        let db = self.db_name.as_deref().unwrap_or("postgres");
        ["-U", user, "-d", db].map(str::to_string)
    }

    /// `psql` for one statement: no psqlrc, stop at the first error.
    pub fn psql_command(&self, sql: &str) -> Vec<String> {
        let mut argv = to_strings(&["psql", "-X", "-v", "ON_ERROR_STOP=1"]);
        argv.extend(self.login());
        argv.extend(to_strings(&["-c", sql]));
        argv
    }

    /// `psql` reading a script from stdin (`db restore`, `db shell` fed by a pipe): no psqlrc,
    /// stop at the first error, and echo the statement that failed (`--echo-errors`) so the error
    /// shows what it was about.
    pub fn psql_script_command(&self) -> Vec<String> {
        let mut argv = to_strings(&["psql", "-X", "-v", "ON_ERROR_STOP=1", "--echo-errors"]);
        argv.extend(self.login());
        argv
    }

    /// Interactive `psql` on a terminal: the user's psqlrc in the pod applies, as with a local psql.
    pub fn psql_interactive_command(&self) -> Vec<String> {
        let mut argv = vec!["psql".to_string()];
        argv.extend(self.login());
        argv
    }

    /// `pg_dump` of the database as plain SQL on stdout; with `schemas`, only those, each of which
    /// must exist (`--strict-names`: a misspelt schema is an error, not an empty dump).
    pub fn pg_dump_command(&self, content: DumpContent, schemas: &[String]) -> Vec<String> {
        let mut argv = vec!["pg_dump".to_string()];
        argv.extend(self.login());
        match content {
            DumpContent::All => {}
            DumpContent::SchemaOnly => argv.push("--schema-only".into()),
            DumpContent::DataOnly => argv.push("--data-only".into()),
        }
        if !schemas.is_empty() {
            argv.push("--strict-names".into());
        }
        argv.extend(schemas.iter().map(|s| format!("--schema={s}")));
        argv
    }
}

fn to_strings(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

/// One answer from Supabase through Kong.
#[derive(Clone, Debug, Serialize)]
pub struct Probe {
    pub path: String,
    pub ok: bool,
    pub detail: String,
}

/// `GET /auth/v1/health` and `GET /rest/v1/` with the anon key, through Kong.
pub async fn probe_api(api_url: &str, anon_key: &str) -> Vec<Probe> {
    let client = match reqwest::Client::builder().timeout(Duration::from_secs(10)).build() {
        Ok(c) => c,
        Err(e) => return vec![Probe { path: api_url.to_string(), ok: false, detail: e.to_string() }],
    };
    let mut probes = Vec::new();
    for path in ["/auth/v1/health", "/rest/v1/"] {
        let url = format!("{}{path}", api_url.trim_end_matches('/'));
        let answer = client.get(&url).header("apikey", anon_key).bearer_auth(anon_key).send().await;
        probes.push(match answer {
            Ok(r) if r.status().is_success() => {
                Probe { path: path.to_string(), ok: true, detail: format!("HTTP {}", r.status().as_u16()) }
            }
            Ok(r) => {
                Probe { path: path.to_string(), ok: false, detail: format!("HTTP {} from {url}", r.status().as_u16()) }
            }
            Err(e) => Probe { path: path.to_string(), ok: false, detail: format!("{url}: {}", root_message(&e)) },
        });
    }
    probes
}

fn root_message(err: &dyn std::error::Error) -> String {
    let mut current = err;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> StackInfo {
        StackInfo {
            api_url: "http://localhost".into(),
            studio_url: "http://localhost".into(),
            anon_key: Some("anon.jwt".into()),
            service_key: Some(Zeroizing::new("service.jwt".into())),
            db_user: Some("postgres".into()),
            db_password: Some(Zeroizing::new("pw".into())),
            db_name: Some("postgres".into()),
            db_host_port: Some(("localhost".into(), 5432)),
            dashboard_user: Some("supabase".into()),
            dashboard_password: Some(Zeroizing::new("dashpw".into())),
        }
    }

    #[test]
    fn secrets_are_masked_unless_asked_for() {
        let masked: String = info().summary_lines(false).iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        assert!(masked.contains("Postgres=postgres://postgres:********@localhost:5432/postgres"));
        assert!(masked.contains("anon key=anon.jwt"));
        for secret in ["service.jwt", ":pw@", "dashpw"] {
            assert!(!masked.contains(secret), "{secret} leaked: {masked}");
        }
        let shown: String = info().summary_lines(true).iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        assert!(shown.contains("postgres://postgres:pw@localhost:5432/postgres"));
        assert!(info().env_lines(false).contains(&"SUPABASE_ANON_KEY=anon.jwt".to_string()));
    }

    #[test]
    fn db_commands_log_in_as_the_secrets_user_without_a_password() {
        let mut info = info();
        info.db_user = Some("supabase_admin".into());
        let dump = info.pg_dump_command(DumpContent::SchemaOnly, &["auth".into(), "-x".into()]);
        assert_eq!(
            dump,
            [
                "pg_dump",
                "-U",
                "supabase_admin",
                "-d",
                "postgres",
                "--schema-only",
                "--strict-names",
                "--schema=auth",
                "--schema=-x"
            ]
        );
        assert_eq!(info.pg_dump_command(DumpContent::All, &[]), ["pg_dump", "-U", "supabase_admin", "-d", "postgres"]);
        assert_eq!(info.pg_dump_command(DumpContent::DataOnly, &[])[5], "--data-only");
        assert_eq!(
            info.psql_script_command(),
            ["psql", "-X", "-v", "ON_ERROR_STOP=1", "--echo-errors", "-U", "supabase_admin", "-d", "postgres"]
        );
        assert_eq!(info.psql_interactive_command(), ["psql", "-U", "supabase_admin", "-d", "postgres"]);
        for argv in [info.psql_command("select 1"), info.psql_script_command(), dump] {
            assert!(!argv.concat().contains("pw"), "{argv:?}");
        }
    }

    #[test]
    fn db_urls_encode_what_a_url_cannot_hold_and_mask_the_password() {
        let mut info = info();
        info.db_password = Some(Zeroizing::new("p@ss:w/rd %".into()));
        assert_eq!(
            info.db_url_at("supabase-supabase-db.default.svc.cluster.local", 5432, true),
            "postgres://postgres:p%40ss%3Aw%2Frd%20%25@supabase-supabase-db.default.svc.cluster.local:5432/postgres"
        );
        assert_eq!(info.db_url(false).unwrap(), "postgres://postgres:********@localhost:5432/postgres");
        info.db_host_port = None;
        assert_eq!(info.db_url(true), None);
    }
}
