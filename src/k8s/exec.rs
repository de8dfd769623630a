//! Running a program in a pod through the API's exec (kube-rs over WebSocket, no kubectl):
//! `ssp db shell -c` runs `psql` in the database pod this way. Without a TTY: stdout and stderr
//! relayed as they arrive, and the program's exit status read from the `Status` kubelet sends on
//! the error channel.

use ::kube::Client;
use ::kube::api::{Api, AttachParams, ListParams};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use tokio::io::{AsyncWrite, AsyncWriteExt};

/// Why an exec did not yield an exit status.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("no running pod matches {selector} in namespace {namespace}")]
    NoPod { namespace: String, selector: String },
    #[error("Kubernetes API call failed: {0}")]
    Api(#[from] ::kube::Error),
    #[error("the exec in pod {pod} failed: {message}")]
    Failed { pod: String, message: String },
    #[error("cannot relay the exec's output: {0}")]
    Io(#[from] std::io::Error),
}

/// The first running pod (by name) matching `selector` in `namespace`.
pub async fn running_pod(client: &Client, namespace: &str, selector: &str) -> Result<String, ExecError> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let mut names: Vec<String> = pods
        .list(&ListParams::default().labels(selector))
        .await?
        .items
        .into_iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .filter(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
        .filter_map(|p| p.metadata.name)
        .collect();
    names.sort();
    names.into_iter().next().ok_or_else(|| ExecError::NoPod { namespace: namespace.into(), selector: selector.into() })
}

/// The exit code a `Status` from the error channel carries: 0 on `Success`, the `ExitCode`
/// cause on `NonZeroExitCode`; any other failure (the program could not start) is an error.
pub fn exit_code(pod: &str, status: &Status) -> Result<i32, ExecError> {
    if status.status.as_deref() == Some("Success") {
        return Ok(0);
    }
    let cause = status
        .details
        .as_ref()
        .and_then(|d| d.causes.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.reason.as_deref() == Some("ExitCode")))
        .and_then(|c| c.message.as_deref())
        .and_then(|m| m.parse::<i32>().ok());
    match cause {
        Some(code) if status.reason.as_deref() == Some("NonZeroExitCode") => Ok(code),
        _ => Err(ExecError::Failed {
            pod: pod.into(),
            message: status.message.clone().unwrap_or_else(|| format!("{status:?}")),
        }),
    }
}

/// Runs `command` in `container` of `pod` without a TTY or stdin, copying its stdout and stderr
/// to `stdout` and `stderr` as they arrive; returns its exit code.
pub async fn run(
    client: &Client,
    namespace: &str,
    pod: &str,
    container: Option<&str>,
    command: Vec<String>,
    mut stdout: impl AsyncWrite + Unpin,
    mut stderr: impl AsyncWrite + Unpin,
) -> Result<i32, ExecError> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let mut params = AttachParams::default().stdin(false).stdout(true).stderr(true);
    if let Some(c) = container {
        params = params.container(c);
    }
    let mut attached = pods.exec(pod, command, &params).await?;
    let status = attached.take_status();
    let (out, err) = (attached.stdout(), attached.stderr());
    let relay_out = async {
        if let Some(mut out) = out {
            tokio::io::copy(&mut out, &mut stdout).await?;
        }
        stdout.flush().await
    };
    let relay_err = async {
        if let Some(mut err) = err {
            tokio::io::copy(&mut err, &mut stderr).await?;
        }
        stderr.flush().await
    };
    let (a, b) = tokio::join!(relay_out, relay_err);
    a?;
    b?;
    let status = match status {
        Some(s) => s.await,
        None => None,
    };
    let _ = attached.join().await;
    match status {
        Some(status) => exit_code(pod, &status),
        None => {
            Err(ExecError::Failed { pod: pod.into(), message: "the connection ended without an exit status".into() })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(json: serde_json::Value) -> Status {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn exit_codes_come_from_kubelets_status() {
        assert_eq!(exit_code("p", &status(serde_json::json!({"metadata": {}, "status": "Success"}))).unwrap(), 0);
        let failed = status(serde_json::json!({"metadata": {}, "status": "Failure", "reason": "NonZeroExitCode",
            "message": "command terminated with non-zero exit code", "details": {"causes": [{"reason": "ExitCode", "message": "3"}]}}));
        assert_eq!(exit_code("p", &failed).unwrap(), 3);
        let internal = status(serde_json::json!({"metadata": {}, "status": "Failure", "reason": "InternalError",
            "message": "exec: \"psql\": executable file not found in $PATH"}));
        let err = exit_code("db-0", &internal).unwrap_err().to_string();
        assert_eq!(err, "the exec in pod db-0 failed: exec: \"psql\": executable file not found in $PATH");
    }
}
