//! `ssp setup-infra`: cluster, pull secret, helm release, wait, probe, summary.

use std::path::{Path, PathBuf};

use ::kube::Client;
use ::kube::api::{Api, Patch, PatchParams, PostParams};
use anyhow::{Context as _, bail};
use k8s_openapi::api::core::v1::{Namespace, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use zeroize::Zeroizing;

use crate::cli::{Environment, GlobalArgs, SetupInfraArgs};
use crate::cluster::k3d::{ClusterError, ClusterState, K3dCluster, render_k3d_config};
use crate::config::{FlagOverride, Provider};
use crate::context::Context;
use crate::exit::UsageError;
use crate::k8s::waiter::{ReleaseWaiter, WaitOptions};
use crate::platform::output::Output;
use crate::platform::runner::RunError;
use crate::platform::{docker, prompt};
use crate::preflight::{self, Status};
use crate::release::helm::{Release, ValuesSource};
use crate::release::stack::{StackInfo, probe_api};
use crate::release::{registry, values};
use crate::tools::ToolName;
use crate::{k8s, sops};

/// The plaintext file the old `decrypt-supabase-cloud-values` task left beside the encrypted one.
const LEFTOVER_DECRYPTED: &str = "deployment/values.cloud.decrypted.yaml";

pub async fn run(global: &GlobalArgs, args: &SetupInfraArgs, output: Output) -> anyhow::Result<()> {
    let overrides: Vec<FlagOverride> = Vec::new();
    let ctx = Context::load(global, overrides, output)?;
    let out = &ctx.output;
    let config = &ctx.project.config;

    warn_about_leftover_plaintext(&ctx)?;

    // Where the release goes, and whether dev values may go there.
    let (provider, context) = match (&args.context, config.cluster.provider) {
        (Some(explicit), _) => (
            if *explicit == format!("k3d-{}", config.cluster.name) { Provider::K3d } else { Provider::Existing },
            explicit.clone(),
        ),
        (None, provider) => (provider, config.cluster.kube_context()),
    };
    if args.env == Environment::Dev && provider == Provider::Existing && args.context.is_none() {
        return Err(UsageError(format!(
            "dev values only go to this project's k3d cluster (k3d-{}), not to `{context}` from cluster.context\nhint: pass --context {context} to deploy the dev values there on purpose, or --env cloud",
            config.cluster.name
        ))
        .into());
    }

    // Values, checked before anything changes.
    let mut sources = Vec::new();
    let mut trees = Vec::new();
    match args.env {
        Environment::Dev => {
            let path = ctx.project.path(&config.values.dev);
            let tree = values::read_file(&path, "set [values] dev in ssp.toml")?;
            trees.push((config.values.dev.display().to_string(), tree));
            sources.push(ValuesSource::File(path));
        }
        Environment::Cloud => {
            let path = ctx.project.path(&config.values.cloud);
            let plaintext = decrypt_cloud_values(&ctx, &path)?;
            let shown = config.values.cloud.display();
            let text = std::str::from_utf8(&plaintext)
                .map_err(|_| UsageError(format!("the decrypted {shown} is not UTF-8 text")))?;
            // Parse errors must not quote the plaintext.
            let tree =
                values::parse(text).map_err(|_| UsageError(format!("the decrypted {shown} is not valid YAML")))?;
            values::check_top_level(text, &tree).map_err(|why| UsageError(format!("the decrypted {shown}: {why}")))?;
            trees.push((config.values.cloud.display().to_string(), tree));
            sources.push(ValuesSource::Memory {
                bytes: plaintext,
                label: format!("decrypted {}", config.values.cloud.display()),
            });
        }
    }
    for extra in &args.extra_values {
        let path = std::env::current_dir()?.join(extra);
        let tree = values::read_file(&path, "check the path given to -f/--values")?;
        trees.push((extra.display().to_string(), tree));
        sources.push(ValuesSource::File(path));
    }
    if !args.sets.is_empty() {
        sources = merge_sets(&args.sets, &mut trees)?;
    }

    // Tools and chart, installed and fetched when missing (what install-tools and fetch-chart do).
    let mut tools = vec![ToolName::Helm];
    if provider == Provider::K3d {
        tools.insert(0, ToolName::K3d);
    }
    super::install_tools::ensure(&ctx, &tools).await?;
    super::fetch_chart::fetch(&ctx, None).await?;
    let chart_dir = ctx.project.path(&config.chart.path);
    check_chart_values(&ctx, &chart_dir, &trees, args.strict)?;
    let registries: Vec<String> = trees.iter().flat_map(|(_, t)| values::image_registries(t)).collect();
    // The parsed trees (the decrypted one among them) are not needed any more: gone before the
    // cluster work starts. helm gets the values from `sources`.
    for (_, tree) in &mut trees {
        crate::release::helm::scrub_values(tree);
    }
    drop(trees);

    // Cluster.
    let mut kubeconfig_file = None;
    let client = match provider {
        Provider::K3d => {
            let k3d = K3dCluster::new(&ctx.runner, config.cluster.name.clone());
            ensure_cluster(&ctx, &k3d, args).await?;
            if !config.cluster.update_kubeconfig && !ctx.dry_run {
                kubeconfig_file = Some(k3d.write_kubeconfig()?);
            }
            if ctx.dry_run {
                None
            } else {
                let yaml = k3d.kubeconfig()?;
                Some(k8s::client_from_yaml(&yaml, &k3d.context()).await?)
            }
        }
        Provider::Existing => {
            out.done(format!("using the existing cluster of context {context}"));
            if ctx.dry_run { None } else { Some(k8s::client_for_context(&context).await?) }
        }
    };

    // Pull secret for private registries.
    let namespace = &config.chart.namespace;
    apply_pull_secret(&ctx, client.as_ref(), namespace, registries).await?;

    // Release.
    let release = Release {
        name: config.chart.release.clone(),
        chart: chart_dir,
        namespace: namespace.clone(),
        context: context.clone(),
        kubeconfig: kubeconfig_file,
    };
    if client.is_none() {
        out.note(format!("would create namespace {namespace} when missing (helm --create-namespace)"));
    }
    out.step(format!("deploying release {} to {context} (namespace {namespace})", release.name));
    let call = release.upgrade_install(sources, args.timeout);
    let progress_out = out.clone();
    let runner = ctx.runner.clone();
    crate::platform::blocking::run(move || {
        crate::release::helm::install(&runner, call, move |_, line| progress_out.verbose(format!("helm: {line}")))
    })
    .await?;

    let Some(client) = client else {
        out.note(format!(
            "would watch deployments, statefulsets, daemonsets, jobs and pods labelled app.kubernetes.io/instance={} in {namespace} until ready",
            release.name
        ));
        return Ok(());
    };
    if !ctx.dry_run {
        out.done(format!("release {} installed", release.name));
    }

    // Wait through the API.
    out.step(format!(
        "waiting for {} to be ready (timeout {})",
        release.name,
        humantime::format_duration(args.timeout)
    ));
    let waiter = ReleaseWaiter::new(
        client.clone(),
        WaitOptions {
            namespace: namespace.clone(),
            selector: format!("app.kubernetes.io/instance={}", release.name),
            timeout: args.timeout,
            grace: args.grace,
        },
        out.clone(),
    );
    let ready = waiter.wait().await?;
    out.done(format!("{} workloads ready", ready.workloads.len()));

    // Does Supabase answer, and how to use it.
    let info = StackInfo::read(&client, namespace, &release.name, &config.cluster).await?;
    if provider == Provider::K3d
        && let Some(anon) = &info.anon_key
    {
        let probes = probe_api(&info.api_url, anon).await;
        let failed: Vec<String> =
            probes.iter().filter(|p| !p.ok).map(|p| format!("{}: {}", p.path, p.detail)).collect();
        for probe in &probes {
            if probe.ok {
                out.done(format!("{}{} answers ({})", info.api_url, probe.path, probe.detail));
            }
        }
        if !failed.is_empty() {
            let host_port = config.cluster.ports.iter().find(|p| p.container_port == 80).map_or(80, |p| p.host_port);
            bail!(
                "the workloads are ready but Supabase does not answer through Kong:\n  {}\nhint: check `kubectl --context {context} logs deploy/{}` and that host port {host_port} reaches the k3d load balancer (`ssp doctor`)",
                failed.join("\n  "),
                k8s::component_fullname(&release.name, "kong")
            );
        }
    }
    print_summary(out, &info, args.show_secrets);
    Ok(())
}

/// `--set` values go to helm inside the values on its stdin, never on its command line (readable by
/// every user in `/proc/<pid>/cmdline`): every values source merged in order, as helm merges its
/// `--values`, then the `--set`s applied as helm applies them. The `--set` keys join `trees` for the
/// chart check.
fn merge_sets(sets: &[String], trees: &mut Vec<(String, serde_json::Value)>) -> anyhow::Result<Vec<ValuesSource>> {
    let mut merged = serde_json::Value::Object(Default::default());
    for (_, tree) in trees.iter() {
        crate::release::helm::merge_values(&mut merged, tree.clone());
    }
    let mut only_sets = serde_json::Value::Object(Default::default());
    for set in sets {
        let applied = crate::release::helm::apply_set(&mut merged, set)
            .and_then(|()| crate::release::helm::apply_set(&mut only_sets, set));
        if let Err(err) = applied {
            crate::release::helm::scrub_values(&mut merged);
            crate::release::helm::scrub_values(&mut only_sets);
            return Err(UsageError(format!(
                "{err}\nhint: helm's --set syntax is KEY=VALUE[,KEY=VALUE], keys dotted (a.b), lists as {{x,y}} or a[0]"
            ))
            .into());
        }
    }
    let names: Vec<&str> = trees.iter().map(|(name, _)| name.as_str()).collect();
    let label = format!("{} with {} --set value(s)", names.join(", "), sets.len());
    let bytes = crate::release::helm::values_bytes(&merged);
    crate::release::helm::scrub_values(&mut merged);
    trees.push(("--set".to_string(), only_sets));
    Ok(vec![ValuesSource::Memory { bytes, label }])
}

fn print_summary(out: &Output, info: &StackInfo, show_secrets: bool) {
    let rows = info.summary_lines(show_secrets);
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    out.done("Supabase is running");
    for (label, value) in rows {
        println!("  {label:<width$}  {value}");
    }
    if !show_secrets {
        out.hint(
            "`ssp status --show-secrets` prints the masked values; `ssp status -o env` writes them for .env files",
        );
    }
}

/// The old tasks left plaintext production values here; say so, and offer to delete them.
fn warn_about_leftover_plaintext(ctx: &Context) -> anyhow::Result<()> {
    let leftover = ctx.project.path(LEFTOVER_DECRYPTED);
    if !leftover.exists() {
        return Ok(());
    }
    ctx.output.warn(format!("{} holds decrypted production values left by the old pixi tasks", leftover.display()));
    if prompt::can_ask() && !ctx.dry_run {
        if prompt::confirm("Delete it now?")? {
            std::fs::remove_file(&leftover).with_context(|| format!("cannot delete {}", leftover.display()))?;
            ctx.output.done(format!("deleted {}", leftover.display()));
            return Ok(());
        }
    }
    ctx.output.hint(format!("delete it (`rm {}`): ssp never needs a decrypted copy", leftover.display()));
    Ok(())
}

fn decrypt_cloud_values(ctx: &Context, path: &Path) -> anyhow::Result<Zeroizing<Vec<u8>>> {
    let bytes = std::fs::read(path).map_err(|e| {
        UsageError(format!(
            "cannot read the cloud values {}: {e}\nhint: set [values] cloud in ssp.toml",
            path.display()
        ))
    })?;
    let format = sops::Format::from_path(path);
    // Key sources whose gpg and age key commands go through the runner (logged, stoppable).
    let keys = crate::secrets::keys::key_sources(&ctx.runner);
    sops::decrypt_bytes(
        &bytes,
        format,
        sops::Format::Yaml,
        &keys,
        sops::DecryptOptions::default(),
        sops::StoreOptions::default(),
    )
    .with_context(|| format!("cannot decrypt {}", path.display()))
}

/// Warns (or, with `--strict`, fails) about values keys the pinned chart does not declare.
fn check_chart_values(
    ctx: &Context,
    chart_dir: &Path,
    trees: &[(String, serde_json::Value)],
    strict: bool,
) -> anyhow::Result<()> {
    if !chart_dir.join("Chart.yaml").is_file() {
        if ctx.dry_run {
            // The fetch above only said what it would run: nothing to compare with yet.
            ctx.output.note(format!(
                "would check the values against the chart's values.yaml after the fetch ({})",
                chart_dir.display()
            ));
            return Ok(());
        }
        bail!(
            "the chart is not checked out: {} is missing\nhint: run `ssp fetch-chart` (pinned at {})",
            chart_dir.join("Chart.yaml").display(),
            ctx.project.config.chart.rev
        );
    }
    let chart = values::ChartSchema::load(chart_dir).map_err(|e| anyhow::anyhow!(e))?;
    let mut problems = 0;
    for (name, tree) in trees {
        for unknown in values::unknown_keys(&chart, tree) {
            problems += 1;
            let suggestion = unknown.suggestion.map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default();
            ctx.output.warn(format!("{name}: `{}` is not a value of the pinned chart{suggestion}", unknown.path));
        }
    }
    if problems > 0 && strict {
        return Err(UsageError(format!(
            "{problems} values key(s) unknown to the chart at {} (--strict)\nhint: the values may be written for another chart version",
            ctx.project.config.chart.rev
        ))
        .into());
    }
    Ok(())
}

/// Absent → create (after checking ports); stopped → start; running → reuse. `--recreate` deletes first.
async fn ensure_cluster(ctx: &Context, k3d: &K3dCluster<'_>, args: &SetupInfraArgs) -> anyhow::Result<()> {
    let out = &ctx.output;
    let cluster = &ctx.project.config.cluster;
    let engine = match docker::Engine::connect().await {
        Ok(engine) => {
            out.done(format!("Docker {} (API {})", engine.info.version, engine.info.api_version));
            Some(engine)
        }
        // A dry run still shows the plan; the real run stops here.
        Err(e) if ctx.dry_run => {
            out.warn(format!("{e} (a real run stops here)\nhint: {}", e.hint()));
            None
        }
        Err(e) => bail!("{e}\nhint: {}", e.hint()),
    };
    let mut state = match k3d.state() {
        // A fresh clone's dry run: k3d is one of the tools it would install first.
        Err(ClusterError::Run(RunError::NotFound { .. })) if ctx.dry_run => {
            out.note(format!(
                "would run `k3d cluster list -o json` once k3d is installed; planning as if cluster {} does not exist",
                k3d.name
            ));
            ClusterState::Absent
        }
        other => other?,
    };
    if args.recreate && state != ClusterState::Absent {
        out.step(format!("deleting cluster {} (--recreate)", k3d.name));
        k3d.delete()?;
        state = ClusterState::Absent;
    }
    match state {
        ClusterState::Running { .. } => out.done(format!("cluster {} is running ({})", k3d.name, k3d.context())),
        ClusterState::Stopped { .. } => {
            out.step(format!("starting cluster {} ({})", k3d.name, state.describe()));
            k3d.start(std::time::Duration::from_secs(300))?;
            out.done(format!("cluster {} started", k3d.name));
        }
        ClusterState::Absent => {
            let mut busy = Vec::new();
            for mapping in &cluster.ports {
                let check = preflight::port(mapping, &cluster.name, engine.as_ref()).await;
                if check.status == Status::Fail {
                    busy.push(format!(
                        "host port {}: {}\nhint: {}",
                        mapping.host_port,
                        check.detail,
                        check.hint.unwrap_or_default()
                    ));
                }
            }
            if !busy.is_empty() {
                bail!("cannot create cluster {}: {}", k3d.name, busy.join("\n"));
            }
            let kong = cluster.ports.iter().find(|p| p.container_port == 80);
            if args.env == Environment::Cloud
                && let Some(kong) = kong.filter(|p| !p.beyond_loopback())
            {
                out.note(format!(
                    "Kong is published on {} only ([cluster] ports `{kong}`): a host that must answer from outside opens it on purpose, e.g. ports = [\"0.0.0.0:{}:80@loadbalancer\", \"127.0.0.1:5432:5432@loadbalancer\"] in its ssp.toml",
                    kong.bind_ip(),
                    kong.host_port
                ));
            }
            for open in cluster.ports.iter().filter(|p| p.beyond_loopback()) {
                out.warn(format!(
                    "host port {} (container port {}) is published on {}: reachable from other machines ([cluster] ports `{open}`)",
                    open.host_port,
                    open.container_port,
                    open.bind_ip()
                ));
            }
            let file = write_k3d_config(ctx)?;
            out.step(format!("creating cluster {} (k3s {})", k3d.name, cluster.k3s_image));
            k3d.create(&file, std::time::Duration::from_secs(300))?;
            if !ctx.dry_run {
                out.done(format!("cluster {} created", k3d.name));
            }
        }
    }
    Ok(())
}

/// Renders `[cluster]` into `.ssp/k3d-<name>.yaml` (no secrets in it).
fn write_k3d_config(ctx: &Context) -> anyhow::Result<PathBuf> {
    let dir = ctx.project.path(".ssp");
    let path = dir.join(format!("k3d-{}.yaml", ctx.project.config.cluster.name));
    if ctx.dry_run {
        let text = render_k3d_config(&ctx.project.config.cluster);
        let indented: Vec<String> = text.lines().map(|l| format!("    {l}")).collect();
        ctx.output.note(format!("would write {}:\n{}", path.display(), indented.join("\n")));
        return Ok(path);
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let tmp = tempfile::NamedTempFile::new_in(&dir)?;
    std::fs::write(tmp.path(), render_k3d_config(&ctx.project.config.cluster))?;
    tmp.persist(&path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

async fn apply_pull_secret(
    ctx: &Context,
    client: Option<&Client>,
    namespace: &str,
    registries: Vec<String>,
) -> anyhow::Result<()> {
    let mut registries = registries;
    registries.sort();
    registries.dedup();
    if registries.is_empty() {
        return Ok(());
    }
    let env = |k: &str| std::env::var(k).ok();
    let env_host = ctx.project.config.registry.host.as_str();
    let env_set = registry::env_credentials_set(&env);
    let mut found = Vec::new();
    for registry in &registries {
        match registry::find_credential(registry, env_host, &ctx.runner, &env) {
            Some(c) => found.push(c),
            None if registry::is_env_host(registry, env_host) => ctx.output.note(format!(
                "no credentials for {registry}: not in the `{}` pull secret (set {} and {}, or `docker login {registry}`)",
                registry::PULL_SECRET,
                registry::ENV_USER,
                registry::ENV_TOKEN
            )),
            None => ctx.output.note(format!(
                "no credentials for {registry}: not in the `{}` pull secret; {}`docker login {registry}` stores some for it",
                registry::PULL_SECRET,
                if env_set {
                    format!(
                        "{}/{} are only for {env_host} ([registry] host), ",
                        registry::ENV_USER,
                        registry::ENV_TOKEN
                    )
                } else {
                    String::new()
                }
            )),
        }
    }
    if found.is_empty() {
        return Ok(());
    }
    let hosts: Vec<&str> = found.iter().map(|c| c.registry.as_str()).collect();
    let Some(client) = client else {
        ctx.output.note(format!(
            "would apply Secret {namespace}/{} (docker-registry for {})",
            registry::PULL_SECRET,
            hosts.join(", ")
        ));
        return Ok(());
    };
    // On a fresh cluster the release's namespace does not exist until helm's --create-namespace.
    let namespaces: Api<Namespace> = Api::all(client.clone());
    if namespaces.get_opt(namespace).await.with_context(|| format!("cannot read namespace {namespace}"))?.is_none() {
        ctx.output.verbose(format!("POST namespaces/{namespace}"));
        let object = Namespace {
            metadata: ObjectMeta { name: Some(namespace.to_string()), ..Default::default() },
            ..Default::default()
        };
        namespaces
            .create(&PostParams::default(), &object)
            .await
            .with_context(|| format!("cannot create namespace {namespace} for the pull secret"))?;
    }
    let mut secret = registry::pull_secret(namespace, &found);
    let api: Api<Secret> = Api::namespaced(client.clone(), namespace);
    ctx.output.verbose(format!("PATCH (apply) secrets/{} in {namespace}", registry::PULL_SECRET));
    let applied = api.patch(registry::PULL_SECRET, &PatchParams::apply("ssp").force(), &Patch::Apply(&secret)).await;
    registry::zeroize_secret_data(&mut secret);
    let mut answer = applied.with_context(|| format!("cannot apply the `{}` pull secret", registry::PULL_SECRET))?;
    registry::zeroize_secret_data(&mut answer);
    let sources: Vec<&str> = found.iter().map(|c| c.source.as_str()).collect();
    ctx.output.done(format!(
        "pull secret {} for {} (from {})",
        registry::PULL_SECRET,
        hosts.join(", "),
        sources.join(", ")
    ));
    Ok(())
}
