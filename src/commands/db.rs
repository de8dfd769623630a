//! `ssp db url [--show-secrets] [--internal]`: the release's database connection string, from the
//! chart's db Secret, for the host port or (`--internal`) the db Service inside the cluster.
//! `ssp db shell -c SQL`: psql in the database pod through the API's exec, its exit status ssp's.

use anyhow::{Context as _, bail};

use crate::cli::{DbArgs, DbShellArgs, DbUrlArgs, DbVerb, GlobalArgs};
use crate::exit::StatusError;
use crate::k8s::exec;
use crate::platform::output::{Output, print_data};
use crate::release::helm::Release;
use crate::release::names::chart_fullname;
use crate::release::stack::{StackInfo, db_pod_selector, db_service};

pub async fn run(global: &GlobalArgs, args: &DbArgs, output: Output) -> anyhow::Result<()> {
    match &args.verb {
        DbVerb::Url(args) => url(global, args, output).await,
        DbVerb::Shell(args) => shell(global, args, output).await,
    }
}

async fn url(global: &GlobalArgs, args: &DbUrlArgs, output: Output) -> anyhow::Result<()> {
    let ctx = super::load(global, Vec::new(), output)?;
    let config = &ctx.project.config;
    let access = ctx.cluster();
    let release = Release::for_project(&ctx.project, &access.context, None);
    let client = access.client().await?;
    let info = StackInfo::read(&client, &release.namespace, &release.name, &config.cluster)
        .await
        .context("cannot read the stack's secrets")?;
    if info.db_password.is_none() {
        bail!(
            "the database Secret {}-db is not in namespace {}: is the stack deployed?\nhint: `ssp setup-infra` deploys it",
            chart_fullname(&release.name),
            release.namespace
        );
    }
    let url = if args.internal {
        let Some((host, port)) =
            db_service(&client, &release.namespace, &release.name).await.context("cannot read the database Service")?
        else {
            bail!(
                "the release has no database Service {} in namespace {}\nhint: `ssp status` shows what is deployed",
                crate::release::names::component_fullname(&release.name, "db"),
                release.namespace
            );
        };
        info.db_url_at(&host, port, args.show_secrets)
    } else {
        let Some(url) = info.db_url(args.show_secrets) else {
            bail!(
                "no host port maps to the database ([cluster] ports has no entry for container port 5432)\nhint: `ssp db url --internal` for the in-cluster address, or `ssp port-forward db`"
            );
        };
        url
    };
    print_data(&format!("{url}\n"))?;
    if !args.show_secrets {
        ctx.output.note("the password is masked: --show-secrets prints it");
    }
    Ok(())
}

async fn shell(global: &GlobalArgs, args: &DbShellArgs, output: Output) -> anyhow::Result<()> {
    let ctx = super::load(global, Vec::new(), output)?;
    let access = ctx.cluster();
    let release = Release::for_project(&ctx.project, &access.context, None);
    let selector = db_pod_selector(&release.name);
    if ctx.dry_run {
        ctx.output.note(format!(
            "would run psql -c {:?} in the pod of release {} matching {selector} in {} through the Kubernetes API",
            args.command, release.name, release.namespace
        ));
        return Ok(());
    }
    let client = access.client().await?;
    let info = StackInfo::read(&client, &release.namespace, &release.name, &ctx.project.config.cluster)
        .await
        .context("cannot read the stack's secrets")?;
    let pod = exec::running_pod(&client, &release.namespace, &selector)
        .await
        .context("cannot find the database pod\nhint: `ssp status` shows whether the database is running")?;
    ctx.output.verbose(format!("psql in pod {pod}"));
    let code = exec::run(
        &client,
        &release.namespace,
        &pod,
        None,
        info.psql_command(&args.command),
        tokio::io::stdout(),
        tokio::io::stderr(),
    )
    .await
    .with_context(|| format!("cannot run psql in pod {pod}"))?;
    if code != 0 {
        return Err(StatusError { message: format!("psql exited with status {code}"), status: code }.into());
    }
    Ok(())
}
