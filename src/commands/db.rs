//! `ssp db url [--show-secrets] [--internal]`: the release's database connection string, from the
//! chart's db Secret, for the host port or (`--internal`) the db Service inside the cluster.
//! `ssp db shell [-c SQL]`, `ssp db dump`, `ssp db restore`: psql and pg_dump in the database
//! pod through the API's exec (k8s/exec.rs), streamed; their exit status ssp's.

use std::path::Path;

use anyhow::{Context as _, bail};

use crate::cli::{DbArgs, DbDumpArgs, DbRestoreArgs, DbShellArgs, DbUrlArgs, DbVerb, GlobalArgs};
use crate::context::Context;
use crate::exit::{StatusError, UsageError};
use crate::k8s::exec::{self, ExecError, ExecTarget};
use crate::platform::atomic_write::PendingFile;
use crate::platform::output::{Output, print_data};
use crate::platform::{blocking, prompt, stdio};
use crate::release::helm::Release;
use crate::release::names::chart_fullname;
use crate::release::stack::{DB_CONTAINER, DumpContent, StackInfo, db_pod_selector, db_service};

pub async fn run(global: &GlobalArgs, args: &DbArgs, output: Output) -> anyhow::Result<()> {
    match &args.verb {
        DbVerb::Url(args) => url(global, args, output).await,
        DbVerb::Shell(args) => shell(global, args, output).await,
        DbVerb::Dump(args) => dump(global, args, output).await,
        DbVerb::Restore(args) => restore(global, args, output).await,
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

/// The release's running database pod, found through the API, and the stack's db Secret.
struct DbPod {
    client: ::kube::Client,
    namespace: String,
    pod: String,
    container: String,
    info: StackInfo,
}

impl DbPod {
    async fn find(ctx: &Context) -> anyhow::Result<DbPod> {
        let access = ctx.cluster();
        let release = Release::for_project(&ctx.project, &access.context, None);
        let client = access.client().await?;
        let info = StackInfo::read(&client, &release.namespace, &release.name, &ctx.project.config.cluster)
            .await
            .context("cannot read the stack's secrets")?;
        let (pod, container) =
            exec::running_pod(&client, &release.namespace, &db_pod_selector(&release.name), DB_CONTAINER)
                .await
                .context("cannot find the database pod\nhint: `ssp status` shows whether the database is running")?;
        ctx.output.verbose(format!("database pod {pod}, container {container}"));
        Ok(DbPod { client, namespace: release.namespace, pod, container, info })
    }

    fn target(&self) -> ExecTarget<'_> {
        ExecTarget { client: &self.client, namespace: &self.namespace, pod: &self.pod, container: &self.container }
    }
}

/// Says what would run (`--dry-run`); the release and selector as `ssp` would resolve them.
fn would_run(ctx: &Context, what: &str) {
    let access = ctx.cluster();
    let release = Release::for_project(&ctx.project, &access.context, None);
    ctx.output.note(format!(
        "would run {what} in the pod of release {} matching {} in {} through the Kubernetes API",
        release.name,
        db_pod_selector(&release.name),
        release.namespace
    ));
}

/// A non-zero exit of the program in the pod, as ssp's own status.
fn exited(program: &str, code: i32) -> anyhow::Result<()> {
    if code != 0 {
        return Err(StatusError { message: format!("{program} exited with status {code}"), status: code }.into());
    }
    Ok(())
}

async fn shell(global: &GlobalArgs, args: &DbShellArgs, output: Output) -> anyhow::Result<()> {
    let ctx = super::load(global, Vec::new(), output)?;
    let interactive = args.command.is_none() && stdio::interactive();
    if ctx.dry_run {
        let what = match &args.command {
            Some(sql) => format!("psql -c {sql:?}"),
            None if interactive => "an interactive psql on a TTY".into(),
            None => "psql reading its script from stdin".into(),
        };
        would_run(&ctx, &what);
        return Ok(());
    }
    let db = DbPod::find(&ctx).await?;
    let pod = &db.pod;
    let code = match &args.command {
        Some(sql) => {
            exec::run(db.target(), db.info.psql_command(sql), None, tokio::io::stdout(), tokio::io::stderr()).await
        }
        None if interactive => {
            // Raw from here until psql ends, whichever way: the guard restores the terminal.
            let raw = stdio::RawMode::enter().context("cannot put the terminal in raw mode")?;
            let sizes = stdio::window_sizes();
            let typed = stdio::stdin_chunks();
            let code =
                exec::run_tty(db.target(), db.info.psql_interactive_command(), typed, sizes, tokio::io::stdout()).await;
            drop(raw);
            code
        }
        None => {
            let script = stdio::stdin_chunks();
            exec::run(
                db.target(),
                db.info.psql_script_command(),
                Some(script),
                tokio::io::stdout(),
                tokio::io::stderr(),
            )
            .await
        }
    }
    .map_err(|err| psql_failed(err, pod, "the script"))?;
    exited("psql", code)
}

/// Why psql in `pod` gave no exit status. The script (`what`) was all sent when the status was
/// lost under v4: say that its outcome is unknown rather than that psql could not run.
fn psql_failed(err: ExecError, pod: &str, what: &str) -> anyhow::Error {
    match err {
        ExecError::StatusLostOverV4 { .. } => anyhow::anyhow!(
            "{what} was sent to psql in pod {pod}, but whether it ran without error is unknown: the API server \
             speaks exec only as v4.channel.k8s.io (Kubernetes before 1.30), where the end of the input closes \
             the connection before psql's exit status can come back\n\
             hint: check the data with `ssp db shell -c …`; from Kubernetes 1.30 (v5.channel.k8s.io) psql's status comes back"
        ),
        err => anyhow::Error::new(err).context(format!("cannot run psql in pod {pod}")),
    }
}

async fn dump(global: &GlobalArgs, args: &DbDumpArgs, output: Output) -> anyhow::Result<()> {
    let ctx = super::load(global, Vec::new(), output)?;
    let content = match (args.schema_only, args.data_only) {
        (true, _) => DumpContent::SchemaOnly,
        (_, true) => DumpContent::DataOnly,
        _ => DumpContent::All,
    };
    let destination = args.output.as_deref().map_or("stdout".to_string(), |p| p.display().to_string());
    if ctx.dry_run {
        let mut flags: String = match content {
            DumpContent::All => String::new(),
            DumpContent::SchemaOnly => " --schema-only".into(),
            DumpContent::DataOnly => " --data-only".into(),
        };
        if !args.schemas.is_empty() {
            flags.push_str(" --strict-names");
        }
        flags.extend(args.schemas.iter().map(|s| format!(" --schema={s}")));
        would_run(&ctx, &format!("pg_dump{flags} writing to {destination}"));
        return Ok(());
    }
    // The file's folder is checked before anything runs; the dump lands in a temp file beside it.
    let pending = match &args.output {
        Some(path) => {
            Some(PendingFile::create(path, 0o600).with_context(|| format!("cannot write {}", path.display()))?)
        }
        None => None,
    };
    let db = DbPod::find(&ctx).await?;
    let command = db.info.pg_dump_command(content, &args.schemas);
    ctx.output.verbose(format!("pg_dump into {destination}"));
    let pod = &db.pod;
    let code = match &pending {
        Some(pending) => {
            let file = stdio::DirectFile(pending.file().try_clone()?);
            exec::run(db.target(), command, None, file, tokio::io::stderr()).await
        }
        None => exec::run(db.target(), command, None, tokio::io::stdout(), tokio::io::stderr()).await,
    }
    .with_context(|| format!("cannot run pg_dump in pod {pod}"))?;
    if code != 0 {
        // `pending` is dropped: the partial dump goes with its temp folder.
        let kept = match &args.output {
            Some(path) => format!("; {} was not written", path.display()),
            None => String::new(),
        };
        bail!("pg_dump exited with status {code} (its error is above){kept}");
    }
    if let (Some(pending), Some(path)) = (pending, &args.output) {
        blocking::run(move || pending.commit()).await.with_context(|| format!("cannot write {}", path.display()))?;
        ctx.output.done(format!("database dumped to {}", path.display()));
    }
    Ok(())
}

async fn restore(global: &GlobalArgs, args: &DbRestoreArgs, output: Output) -> anyhow::Result<()> {
    let ctx = super::load(global, Vec::new(), output)?;
    let from_stdin = args.file == Path::new("-");
    let source = if from_stdin { "stdin".to_string() } else { args.file.display().to_string() };
    if !args.yes && !ctx.dry_run && !prompt::can_ask() {
        return Err(UsageError(format!(
            "not restoring {source} without confirmation: stdin is not a terminal, so ssp cannot ask\nhint: pass --yes to run its SQL against the database"
        ))
        .into());
    }
    // Opened before anything else happens: a missing file is said at once.
    let file = if from_stdin {
        None
    } else {
        Some(std::fs::File::open(&args.file).with_context(|| format!("cannot read {source}"))?)
    };
    if ctx.dry_run {
        would_run(&ctx, &format!("psql -v ON_ERROR_STOP=1 fed from {source}"));
        return Ok(());
    }
    let db = DbPod::find(&ctx).await?;
    if !args.yes {
        let question = format!(
            "Run the SQL of {source} against database {} in pod {}? It changes the existing data.",
            db.info.db_name.as_deref().unwrap_or("postgres"),
            db.pod
        );
        if !blocking::run(move || prompt::confirm(&question)).await? {
            return Err(UsageError("restore cancelled; nothing was run".into()).into());
        }
    }
    let input = match file {
        Some(file) => stdio::file_chunks(file),
        None => stdio::stdin_chunks(),
    };
    let pod = &db.pod;
    let code =
        exec::run(db.target(), db.info.psql_script_command(), Some(input), tokio::io::stdout(), tokio::io::stderr())
            .await
            .map_err(|err| psql_failed(err, pod, &format!("the whole of {source}")))?;
    if code != 0 {
        return Err(StatusError {
            message: format!("the restore of {source} stopped: psql exited with status {code} at the statement above"),
            status: code,
        }
        .into());
    }
    ctx.output.done(format!("{source} restored"));
    Ok(())
}
