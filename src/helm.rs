//! The Helm release, through the helm binary: `helm upgrade --install` with values from files or,
//! for decrypted secrets, from memory on stdin (`--values -`), so no plaintext file ever exists.

use std::path::PathBuf;
use std::time::Duration;

use zeroize::Zeroizing;

use crate::cluster::go_duration;
use crate::runner::{Finished, ProgramCall, RunError, Runner, Stream};

/// Where one `--values` comes from.
pub enum ValuesSource {
    File(PathBuf),
    /// Plaintext held in memory, handed to helm on stdin. `label` names it in logs.
    Memory {
        bytes: Zeroizing<Vec<u8>>,
        label: String,
    },
}

/// A release of the chart into a namespace of an explicit kube context.
#[derive(Clone, Debug)]
pub struct Release {
    pub name: String,
    pub chart: PathBuf,
    pub namespace: String,
    pub context: String,
    /// A kubeconfig file to use instead of the user's (when the cluster's context is not merged).
    pub kubeconfig: Option<PathBuf>,
}

impl Release {
    fn target_args(&self, call: ProgramCall) -> ProgramCall {
        let call = call.args(["--namespace", &self.namespace, "--kube-context", &self.context]);
        match &self.kubeconfig {
            Some(path) => call.arg("--kubeconfig").arg(path),
            None => call,
        }
    }

    /// The `helm upgrade --install` call. At most one source may be in memory (helm reads one stdin).
    pub fn upgrade_install(&self, values: Vec<ValuesSource>, sets: &[String], timeout: Duration) -> ProgramCall {
        let mut call = ProgramCall::new("helm").args(["upgrade", "--install"]).arg(&self.name).arg(&self.chart);
        call = self
            .target_args(call)
            .args(["--create-namespace", "--cleanup-on-fail", "--timeout"])
            .arg(go_duration(timeout));
        let mut stdin = None;
        for source in values {
            match source {
                ValuesSource::File(path) => call = call.arg("--values").arg(path),
                ValuesSource::Memory { bytes, label } => {
                    call = call.args(["--values", "-"]);
                    stdin = Some((bytes, label));
                }
            }
        }
        for set in sets {
            // `--set` values may be secrets (passwords on the command line): masked in every log.
            call = call.arg("--set").secret_arg(set);
        }
        if let Some((bytes, label)) = stdin {
            call = call.stdin(bytes, label);
        }
        // helm's own waiting is replaced by ssp's watch; give the install itself room to finish.
        call.timeout(timeout.saturating_add(Duration::from_secs(60)))
    }

    pub fn uninstall(&self) -> ProgramCall {
        let call = ProgramCall::new("helm").arg("uninstall").arg(&self.name);
        self.target_args(call).arg("--wait")
    }

    /// `helm status -o json` (read-only).
    pub fn status(&self) -> ProgramCall {
        let call = ProgramCall::new("helm").arg("status").arg(&self.name);
        self.target_args(call).args(["-o", "json"]).read_only()
    }
}

/// Runs `helm upgrade --install`, streaming its output to `on_line` (progress region / log lines).
pub fn install(
    runner: &Runner,
    call: ProgramCall,
    on_line: impl Fn(Stream, &str) + Send + Sync + 'static,
) -> Result<Finished, RunError> {
    runner.run(&call.stream(on_line))
}

/// What `helm status -o json` says about a release.
#[derive(Clone, Debug, serde::Deserialize, serde::Serialize)]
pub struct ReleaseStatus {
    pub name: String,
    pub version: u32,
    pub status: String,
}

/// Parses `helm status -o json` (`{"name":…,"info":{"status":"deployed",…},"version":3,…}`).
pub fn parse_status(stdout: &[u8]) -> Option<ReleaseStatus> {
    let value: serde_json::Value = serde_json::from_slice(stdout).ok()?;
    Some(ReleaseStatus {
        name: value.get("name")?.as_str()?.to_string(),
        version: value.get("version")?.as_u64()? as u32,
        status: value.get("info")?.get("status")?.as_str()?.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release() -> Release {
        Release {
            name: "supabase".into(),
            chart: PathBuf::from("/p/vendors/supabase-kubernetes/charts/supabase"),
            namespace: "default".into(),
            context: "k3d-pdc-cluster".into(),
            kubeconfig: None,
        }
    }

    #[test]
    fn dev_release_reads_values_from_the_file() {
        let call = release().upgrade_install(
            vec![ValuesSource::File("/p/deployment/values.dev.yaml".into())],
            &[],
            Duration::from_secs(600),
        );
        assert_eq!(
            call.display(),
            "helm upgrade --install supabase /p/vendors/supabase-kubernetes/charts/supabase --namespace default \
             --kube-context k3d-pdc-cluster --create-namespace --cleanup-on-fail --timeout 600s \
             --values /p/deployment/values.dev.yaml"
        );
    }

    #[test]
    fn cloud_release_reads_plaintext_from_stdin_and_masks_sets() {
        let secret = Zeroizing::new(b"secret:\n  db:\n    password: hunter2\n".to_vec());
        let call = release().upgrade_install(
            vec![ValuesSource::Memory { bytes: secret, label: "decrypted deployment/values.cloud.yaml".into() }],
            &["secret.db.password=hunter2".to_string()],
            Duration::from_secs(300),
        );
        let shown = call.display();
        assert!(shown.ends_with("--values - --set *** < (decrypted deployment/values.cloud.yaml)"), "{shown}");
        assert!(!shown.contains("hunter2"));
    }

    #[test]
    fn status_json_is_read() {
        let status = parse_status(br#"{"name":"supabase","info":{"status":"deployed","description":"Upgrade complete"},"version":3,"namespace":"default"}"#).unwrap();
        assert_eq!((status.name.as_str(), status.version, status.status.as_str()), ("supabase", 3, "deployed"));
        assert!(parse_status(b"Error: release: not found").is_none());
    }
}
