//! The Kubernetes API adapter (kube crate): clients built for an explicit context, never whatever
//! context happens to be current, the release waiter and the pod post-mortem.

pub mod exec;
pub mod logs;
pub mod pod_report;
pub mod port_forward;
pub mod readiness;
pub mod status_watch;
pub mod triage;
pub mod waiter;
pub mod workloads;

use ::kube::Client;
use ::kube::config::{KubeConfigOptions, Kubeconfig};

/// Why ssp could not talk to the cluster.
#[derive(Debug, thiserror::Error)]
pub enum KubeError {
    #[error(
        "cannot read the kubeconfig: {0}\nhint: check KUBECONFIG / ~/.kube/config, or `kubectl config get-contexts`"
    )]
    Kubeconfig(String),
    #[error("kube context `{context}` is not in the kubeconfig{}", known_contexts(.known))]
    UnknownContext { context: String, known: Vec<String> },
    #[error("cannot build a Kubernetes client for context `{context}`: {reason}")]
    Client { context: String, reason: String },
    #[error("Kubernetes API call failed: {0}")]
    Api(#[from] ::kube::Error),
}

fn known_contexts(known: &[String]) -> String {
    if known.is_empty() { String::new() } else { format!("\nhint: known contexts: {}", known.join(", ")) }
}

/// A client for `context` in the given kubeconfig text (e.g. `k3d kubeconfig get`), kept in memory.
pub async fn client_from_yaml(yaml: &str, context: &str) -> Result<Client, KubeError> {
    let kubeconfig = Kubeconfig::from_yaml(yaml).map_err(|e| KubeError::Kubeconfig(e.to_string()))?;
    client_for(kubeconfig, context).await
}

/// A client for `context` in the user's kubeconfig (`KUBECONFIG` or `~/.kube/config`).
pub async fn client_for_context(context: &str) -> Result<Client, KubeError> {
    let kubeconfig = Kubeconfig::read().map_err(|e| KubeError::Kubeconfig(e.to_string()))?;
    client_for(kubeconfig, context).await
}

/// A client for `context` when the user's kubeconfig has it, `None` when there is no readable
/// kubeconfig, the context is not in it, or its entry does not give a client (the caller then asks
/// the cluster's own tool for the kubeconfig).
pub async fn client_for_context_if_present(context: &str) -> Option<Client> {
    // `client_for` refuses a context the kubeconfig does not have.
    client_for(Kubeconfig::read().ok()?, context).await.ok()
}

/// Whether the user's kubeconfig (`KUBECONFIG` or `~/.kube/config`) can be read and has `context`
/// (where helm and kubectl look for it).
pub fn user_kubeconfig_has(context: &str) -> bool {
    Kubeconfig::read().is_ok_and(|kubeconfig| kubeconfig.contexts.iter().any(|c| c.name == context))
}

async fn client_for(kubeconfig: Kubeconfig, context: &str) -> Result<Client, KubeError> {
    if !kubeconfig.contexts.iter().any(|c| c.name == context) {
        let known = kubeconfig.contexts.iter().map(|c| c.name.clone()).collect();
        return Err(KubeError::UnknownContext { context: context.to_string(), known });
    }
    let options = KubeConfigOptions { context: Some(context.to_string()), ..Default::default() };
    let config = ::kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| KubeError::Client { context: context.to_string(), reason: e.to_string() })?;
    Client::try_from(config).map_err(|e| KubeError::Client { context: context.to_string(), reason: e.to_string() })
}

/// A hint for an error whose cause is a Kubernetes API call that found nothing listening (a
/// stopped or deleted cluster, the kubeconfig's port stale): the connection error alone says
/// nothing of the cluster.
pub fn unreachable_hint(err: &anyhow::Error) -> Option<&'static str> {
    let from_kube = err.chain().any(|cause| cause.downcast_ref::<::kube::Error>().is_some());
    let refused = err.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused)
    });
    (from_kube && refused).then_some(
        "the cluster's API server does not answer: `ssp status` shows whether the cluster runs (a stopped k3d cluster: `ssp start`)",
    )
}

/// The last `n` events about a pod, oldest first, as `Type Reason: message` lines (for error
/// messages; an API failure here yields no lines rather than hiding the error being reported).
pub async fn last_pod_events(client: &Client, namespace: &str, pod: &str, n: usize) -> Vec<String> {
    use ::kube::api::{Api, ListParams};
    use k8s_openapi::api::core::v1::Event;
    let api: Api<Event> = Api::namespaced(client.clone(), namespace);
    let params = ListParams::default().fields(&format!("involvedObject.name={pod}"));
    let mut events = api.list(&params).await.map(|l| l.items).unwrap_or_default();
    events.sort_by_key(|e| e.last_timestamp.clone().map(|t| t.0).or(e.event_time.clone().map(|t| t.0)));
    let skip = events.len().saturating_sub(n);
    events
        .iter()
        .skip(skip)
        .map(|e| {
            format!(
                "{} {}: {}",
                e.type_.clone().unwrap_or_default(),
                e.reason.clone().unwrap_or_default(),
                e.message.clone().unwrap_or_default()
            )
        })
        .collect()
}
