//! `ssp port-forward [db|kong|studio|SERVICE] [--port P]`: a local listener whose connections go to
//! a ready pod behind the service, through the Kubernetes API's port-forward (WebSocket), not kubectl.

use ::kube::Client;
use ::kube::api::{Api, ListParams};
use anyhow::{Context as _, anyhow, bail};
use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::cli::{GlobalArgs, PortForwardArgs};
use crate::k8s::component_fullname;
use crate::platform::output::Output;

/// `db` → `<release>-supabase-db`, `kong` → `<release>-supabase-kong`, …; anything else is a Service name.
fn service_name(short: &str, release: &str) -> String {
    match short {
        "db" | "kong" | "studio" | "auth" | "rest" | "realtime" | "meta" | "storage" | "analytics" => {
            component_fullname(release, short)
        }
        other => other.to_string(),
    }
}

/// The pod to forward to and its container port.
async fn target(client: &Client, namespace: &str, service: &str) -> anyhow::Result<(String, u16, u16)> {
    let services: Api<Service> = Api::namespaced(client.clone(), namespace);
    let svc = services
        .get_opt(service)
        .await?
        .ok_or_else(|| anyhow!("service {service} not found in namespace {namespace}\nhint: `kubectl get services -n {namespace}` lists them; `ssp status` shows the release"))?;
    let spec = svc.spec.ok_or_else(|| anyhow!("service {service} has no spec"))?;
    let port =
        spec.ports.as_ref().and_then(|p| p.first()).ok_or_else(|| anyhow!("service {service} exposes no port"))?;
    let selector = spec.selector.unwrap_or_default();
    if selector.is_empty() {
        bail!("service {service} has no pod selector to forward to");
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
        .ok_or_else(|| {
            anyhow!("no ready pod behind service {service}\nhint: `ssp status` shows which workloads are not ready")
        })?;
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
            .ok_or_else(|| anyhow!("pod {pod_name} has no container port named {name}"))?,
        None => port.port as u16,
    };
    Ok((pod_name, container_port, port.port as u16))
}

pub async fn run(global: &GlobalArgs, args: &PortForwardArgs, output: Output) -> anyhow::Result<()> {
    let ctx = super::load(global, Vec::new(), output)?;
    let config = &ctx.project.config;
    let namespace = config.chart.namespace.clone();
    let service = service_name(&args.service, &config.chart.release);
    if ctx.dry_run {
        ctx.output.note(format!(
            "would forward {}:{} to service {service} in {namespace} through the Kubernetes API",
            args.address,
            args.port.map(|p| p.to_string()).unwrap_or_else(|| "<service port>".into())
        ));
        return Ok(());
    }
    let client = ctx.cluster().client().await?;
    let (pod, container_port, service_port) = target(&client, &namespace, &service).await?;
    let local_port = args.port.unwrap_or(service_port);
    let listener = tokio::net::TcpListener::bind((args.address, local_port)).await.with_context(|| {
        format!("cannot listen on {}:{local_port}\nhint: choose another with --port, or see what holds it with `ssp doctor`", args.address)
    })?;
    let bound = listener.local_addr()?;
    ctx.output.done(format!("forwarding {bound} → {service} (pod {pod}, port {container_port}); Ctrl-C stops"));
    let pods: Api<Pod> = Api::namespaced(client, &namespace);
    let cancel = crate::platform::interrupt::token();
    loop {
        let (mut socket, peer) = tokio::select! {
            _ = cancel.cancelled() => return Ok(()),
            accepted = listener.accept() => accepted?,
        };
        ctx.output.verbose(format!("connection from {peer}"));
        let pods = pods.clone();
        let pod = pod.clone();
        let out = ctx.output.clone();
        tokio::spawn(async move {
            let forwarded = async {
                let mut forwarder = pods.portforward(&pod, &[container_port]).await?;
                let mut upstream = forwarder
                    .take_stream(container_port)
                    .ok_or_else(|| anyhow!("no stream for port {container_port}"))?;
                tokio::io::copy_bidirectional(&mut socket, &mut upstream).await?;
                drop(upstream);
                forwarder.join().await?;
                anyhow::Ok(())
            };
            if let Err(err) = forwarded.await {
                out.warn(format!("connection from {peer}: {err}"));
            }
        });
    }
}
