//! `ssp seed-db` (alias `seed`): build, import, run the Job, report its result.

use std::collections::HashMap;

use anyhow::Context as _;

use crate::cli::{GlobalArgs, SeedArgs};
use crate::config::Provider;
use crate::exit::UsageError;
use crate::platform::docker;
use crate::platform::output::{Output, print_data};
use crate::seed::image;
use crate::seed::job::{Applied, SeedError, SeedRun, cluster_has_image, configmap, job_from_manifest};

pub async fn run(global: &GlobalArgs, args: &SeedArgs, output: Output) -> anyhow::Result<()> {
    let ctx = super::load(global, Vec::new(), output)?;
    let out = &ctx.output;
    let config = &ctx.project.config;
    let seed = &config.seed;
    let build = seed.build && !args.no_build;
    let namespace = config.chart.namespace.clone();
    if build && config.cluster.provider == Provider::Existing {
        return Err(UsageError(
            "ssp can import a locally built seed image only into its k3d cluster; cluster.provider is \"existing\"\nhint: push the image to a registry the cluster pulls from, then set [seed] build = false and image = \"<registry>/<image>:<tag>\" (or pass --no-build)"
                .into(),
        )
        .into());
    }

    // The Job manifest first: a bad one should fail before a long build.
    let job_path = ctx.project.path(&seed.job);
    let manifest = std::fs::read_to_string(&job_path).map_err(|e| {
        UsageError(format!(
            "cannot read the seed Job manifest {}: {e}\nhint: set [seed] job in ssp.toml",
            job_path.display()
        ))
    })?;
    job_from_manifest(&manifest, &seed.job.display().to_string(), &namespace, &seed.image)?;

    // The image.
    let mut images = vec![seed.image.clone()];
    if build {
        let context_dir = ctx.project.path(&seed.context);
        let dockerfile = ctx.project.path(&seed.dockerfile);
        let packed = image::pack_context(&context_dir, &dockerfile)?;
        if ctx.dry_run {
            out.note(format!(
                "would build {} from {} (context {}, {} files, {} bytes)",
                seed.image,
                seed.dockerfile.display(),
                seed.context.display(),
                packed.files,
                packed.tar.len()
            ));
        } else {
            let engine = docker::Engine::connect().await.map_err(|e| anyhow::anyhow!("{e}\nhint: {}", e.hint()))?;
            out.step(format!("building {} ({} files in the context)", seed.image, packed.files));
            let build_args: HashMap<String, String> = seed.build_args.clone().into_iter().collect();
            let progress = out.progress("docker build", None, false);
            let built = image::build(&engine, &packed, &seed.image, &build_args, |line| {
                progress.set_message(line.to_string());
                out.verbose(format!("build | {line}"));
            })
            .await?;
            progress.finish(
                crate::platform::output::Mark::Done,
                format!("built {} ({})", seed.image, &built.id[..built.id.len().min(19)]),
            );
            images = vec![built.content_tag.clone(), seed.image.clone()];
        }
    }
    let run_image = images[0].clone();

    if ctx.dry_run {
        if build && config.cluster.provider == Provider::K3d {
            out.note(format!(
                "would run: k3d image import {} -c {} (unless the cluster already holds it)",
                images.join(" "),
                config.cluster.name
            ));
        }
        out.note(format!("would apply ConfigMap {namespace}/{} ({} keys)", seed.configmap, seed.configmap_data.len()));
        let job = job_from_manifest(&manifest, &seed.job.display().to_string(), &namespace, &run_image)?;
        let name = job.metadata.name.clone().unwrap_or_default();
        out.note(format!("would delete Job {namespace}/{name} if it exists, then create it with image {run_image}"));
        out.note(format!(
            "would follow its pod's log and wait up to {} for Complete or Failed",
            humantime::format_duration(args.timeout.unwrap_or(seed.timeout()))
        ));
        // The objects themselves on stdout, as `kubectl … --dry-run=client -o yaml` would show them.
        let map = configmap(&seed.configmap, &namespace, &seed.configmap_data);
        let documents = [serde_saphyr::to_string(&map)?, serde_saphyr::to_string(&job)?];
        let text: String = documents.iter().map(|d| format!("---\n{}\n", d.trim_end())).collect();
        print_data(&text)?;
        return Ok(());
    }

    let client = ctx.cluster().client().await?;
    if build && config.cluster.provider == Provider::K3d {
        if cluster_has_image(&client, &run_image).await.unwrap_or(false) {
            out.done(format!("cluster {} already holds {run_image}; import skipped", config.cluster.name));
        } else {
            out.step(format!("importing {run_image} into cluster {}", config.cluster.name));
            let to_import = images.clone();
            ctx.cluster()
                .k3d_call(move |k3d| {
                    let refs: Vec<&str> = to_import.iter().map(String::as_str).collect();
                    k3d.import_images(&refs)
                })
                .await?;
            out.done(format!("imported {run_image}"));
        }
    }

    let run = SeedRun {
        client,
        namespace: namespace.clone(),
        output: out.clone(),
        timeout: args.timeout.unwrap_or(seed.timeout()),
        grace: args.grace,
    };
    match run.apply_configmap(&seed.configmap, &seed.configmap_data).await? {
        Applied::Created => out.done(format!("created ConfigMap {}", seed.configmap)),
        Applied::Updated => out.done(format!("updated ConfigMap {}", seed.configmap)),
    }
    let job = job_from_manifest(&manifest, &seed.job.display().to_string(), &namespace, &run_image)?;
    let name = job.metadata.name.clone().unwrap_or_default();
    if run.delete_previous(&name).await? {
        out.done(format!("deleted the previous Job {name}"));
    }
    run.create(&job).await.with_context(|| format!("cannot create Job {name}"))?;
    out.step(format!("running Job {name} ({run_image})"));
    let result = run.follow(&name).await;
    let kubectl = format!("kubectl --context {} -n {namespace}", config.cluster.kube_context());
    match &result {
        Ok(()) => out.done(format!("Job {name} completed")),
        // Ctrl-C stops ssp, not the seed: the Job may be half-way through its data.
        Err(SeedError::Interrupted) => {
            out.warn(format!("Job {name} is still in the cluster; `{kubectl} delete job/{name}` stops it"))
        }
        Err(_) => {}
    }
    if !crate::platform::interrupt::is_interrupted() {
        if args.keep_job {
            out.note(format!("kept Job {name}: `{kubectl} describe job/{name}`"));
        } else if let Err(err) = run.delete(&name).await {
            // The Job's own result matters more than its clean-up.
            match &result {
                Ok(()) => return Err(err).with_context(|| format!("cannot delete the finished Job {name}")),
                Err(_) => out.warn(format!("cannot delete Job {name}: {err}")),
            }
        }
    }
    result?;
    Ok(())
}
