//! Port-forwarding to a Service through the Kubernetes API's port-forward (WebSocket), not kubectl:
//! the Service resolved to a ready pod behind it and the container port, and the loop that sends
//! every accepted local connection there.

use ::kube::Client;
use ::kube::api::{Api, ListParams};
use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::platform::output::Output;

/// Why a Service cannot be forwarded to.
#[derive(Debug, thiserror::Error)]
pub enum PortForwardError {
    #[error(
        "service {service} not found in namespace {namespace}\nhint: `kubectl get services -n {namespace}` lists them; `ssp status` shows the release"
    )]
    ServiceNotFound { service: String, namespace: String },
    #[error("service {0} has no spec")]
    NoSpec(String),
    #[error("service {0} exposes no port")]
    NoPort(String),
    #[error("service {0} has no pod selector to forward to")]
    NoSelector(String),
    #[error("no ready pod behind service {0}\nhint: `ssp status` shows which workloads are not ready")]
    NoReadyPod(String),
    #[error("pod {pod} has no container port named {name}")]
    NoNamedPort { pod: String, name: String },
    #[error("no stream for port {0}")]
    NoStream(u16),
    /// The port-forward WebSocket failed (kube's error type for it is not public).
    #[error("{0}")]
    Tunnel(String),
    #[error(transparent)]
    Api(#[from] ::kube::Error),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Where a Service's connections go: a ready pod behind it and its container port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForwardTarget {
    pub pod: String,
    pub container_port: u16,
    /// The Service's own (first) port: the local port when the user names none.
    pub service_port: u16,
}

/// Resolves `service` in `namespace` to a ready pod behind its selector and the container port its
/// first port targets (a number, or a named container port).
pub async fn resolve(client: &Client, namespace: &str, service: &str) -> Result<ForwardTarget, PortForwardError> {
    let services: Api<Service> = Api::namespaced(client.clone(), namespace);
    let svc = services.get_opt(service).await?.ok_or_else(|| PortForwardError::ServiceNotFound {
        service: service.to_string(),
        namespace: namespace.to_string(),
    })?;
    let spec = svc.spec.ok_or_else(|| PortForwardError::NoSpec(service.to_string()))?;
    let port =
        spec.ports.as_ref().and_then(|p| p.first()).ok_or_else(|| PortForwardError::NoPort(service.to_string()))?;
    let selector = spec.selector.unwrap_or_default();
    if selector.is_empty() {
        return Err(PortForwardError::NoSelector(service.to_string()));
    }
    let labels: Vec<String> = selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let listed = pods.list(&ListParams::default().labels(&labels.join(","))).await?;
    let ready = listed
        .items
        .into_iter()
        .find(|p| {
            p.status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
        })
        .ok_or_else(|| PortForwardError::NoReadyPod(service.to_string()))?;
    let pod_name = ready.metadata.name.clone().unwrap_or_default();
    let container_port = match &port.target_port {
        Some(IntOrString::Int(n)) => *n as u16,
        Some(IntOrString::String(name)) => ready
            .spec
            .iter()
            .flat_map(|s| s.containers.iter())
            .flat_map(|c| c.ports.iter().flatten())
            .find(|p| p.name.as_deref() == Some(name.as_str()))
            .map(|p| p.container_port as u16)
            .ok_or_else(|| PortForwardError::NoNamedPort { pod: pod_name.clone(), name: name.clone() })?,
        None => port.port as u16,
    };
    Ok(ForwardTarget { pod: pod_name, container_port, service_port: port.port as u16 })
}

/// Accepts connections on `listener` and copies each, both ways, to `target` in `namespace` until
/// `cancel` fires (then Ok). A connection that fails is reported as a warning; the loop goes on.
pub async fn forward(
    listener: TcpListener,
    client: Client,
    namespace: &str,
    target: &ForwardTarget,
    output: &Output,
    cancel: CancellationToken,
) -> Result<(), PortForwardError> {
    let pods: Api<Pod> = Api::namespaced(client, namespace);
    let container_port = target.container_port;
    loop {
        let (mut socket, peer) = tokio::select! {
            _ = cancel.cancelled() => return Ok(()),
            accepted = listener.accept() => accepted?,
        };
        output.verbose(format!("connection from {peer}"));
        let pods = pods.clone();
        let pod = target.pod.clone();
        let out = output.clone();
        tokio::spawn(async move {
            let forwarded = async {
                let mut forwarder = pods.portforward(&pod, &[container_port]).await?;
                let mut upstream =
                    forwarder.take_stream(container_port).ok_or(PortForwardError::NoStream(container_port))?;
                tokio::io::copy_bidirectional(&mut socket, &mut upstream).await?;
                drop(upstream);
                forwarder.join().await.map_err(|e| PortForwardError::Tunnel(e.to_string()))?;
                Ok::<_, PortForwardError>(())
            };
            if let Err(err) = forwarded.await {
                out.warn(format!("connection from {peer}: {err}"));
            }
        });
    }
}
