//! `ssp port-forward [db|kong|studio|SERVICE] [--port P]`: a local listener whose connections go to
//! a ready pod behind the service, through the Kubernetes API's port-forward (WebSocket), not kubectl.

use anyhow::Context as _;

use crate::cli::{GlobalArgs, PortForwardArgs};
use crate::k8s::port_forward;
use crate::platform::output::Output;
use crate::release::names;

pub async fn run(global: &GlobalArgs, args: &PortForwardArgs, output: Output) -> anyhow::Result<()> {
    let ctx = super::load(global, Vec::new(), output)?;
    let config = &ctx.project.config;
    let namespace = config.chart.namespace.clone();
    let service = names::service_name(&args.service, &config.chart.release);
    if ctx.dry_run {
        ctx.output.note(format!(
            "would forward {}:{} to service {service} in {namespace} through the Kubernetes API",
            args.address,
            args.port.map(|p| p.to_string()).unwrap_or_else(|| "<service port>".into())
        ));
        return Ok(());
    }
    let client = ctx.cluster().client().await?;
    let target = port_forward::resolve(&client, &namespace, &service).await?;
    let local_port = args.port.unwrap_or(target.service_port);
    let listener = tokio::net::TcpListener::bind((args.address, local_port)).await.with_context(|| {
        format!("cannot listen on {}:{local_port}\nhint: choose another with --port, or see what holds it with `ssp doctor`", args.address)
    })?;
    let bound = listener.local_addr()?;
    ctx.output.done(format!(
        "forwarding {bound} → {service} (pod {}, port {}); Ctrl-C stops",
        target.pod, target.container_port
    ));
    let cancel = crate::platform::interrupt::token();
    port_forward::forward(listener, client, &namespace, &target, &ctx.output, cancel).await?;
    Ok(())
}
