//! Keeping the release's images across cluster re-creation: what the host's Docker lacks is pulled
//! through the Docker API (all images at once, one progress bar per image counting its layers'
//! bytes, registry credentials as for the pull secret), then what the k3d cluster's nodes lack is
//! loaded from Docker with one `k3d image import` call. A cluster created after `ssp teardown`
//! then finds every image on its node and downloads nothing.

use std::collections::BTreeMap;

use anyhow::bail;
use bollard::auth::DockerCredentials;
use bollard::query_parameters::CreateImageOptions;
use futures::StreamExt as _;

use crate::cluster::access::ClusterAccess;
use crate::cluster::k3d::ClusterState;
use crate::config::Provider;
use crate::images::distribution::credential;
use crate::images::inventory::{self, Presence};
use crate::images::reference::ImageRef;
use crate::platform::docker::Engine;
use crate::platform::output::{Mark, Output};
use crate::platform::runner::Runner;

/// The name Docker and `k3d image import` know an image by: `repo:tag`, or `repo@digest` when the
/// reference pins a digest and no tag.
pub fn docker_name(image: &ImageRef) -> String {
    match (&image.tag, &image.digest) {
        (Some(tag), _) => format!("{}:{tag}", image.familiar_repository()),
        (None, Some(digest)) => format!("{}@{digest}", image.familiar_repository()),
        (None, None) => format!("{}:latest", image.familiar_repository()),
    }
}

/// Pulls into the host's Docker every image of `images` it lacks, in parallel. Returns the images
/// that could not be pulled, each with Docker's reason.
pub async fn pull_missing(
    engine: &Engine,
    images: &[ImageRef],
    env_host: &str,
    runner: &Runner,
    output: &Output,
    dry_run: bool,
) -> anyhow::Result<Vec<(ImageRef, String)>> {
    let mut missing = Vec::new();
    for image in images {
        match inventory::on_host(engine, image).await? {
            Presence::Present { .. } => output.verbose(format!("{image}: already in Docker")),
            _ => missing.push(image.clone()),
        }
    }
    if missing.is_empty() {
        output.done(format!("all {} image(s) are in the host's Docker", images.len()));
        return Ok(Vec::new());
    }
    if dry_run {
        for image in &missing {
            output.note(format!("would pull {} through the Docker API", docker_name(image)));
        }
        return Ok(Vec::new());
    }
    let pulls = missing.iter().map(|image| pull_one(engine, image, env_host, runner, output));
    let results = futures::future::join_all(pulls).await;
    Ok(missing.into_iter().zip(results).filter_map(|(image, result)| result.err().map(|why| (image, why))).collect())
}

/// One pull with its progress bar: each layer's `current`/`total` summed.
async fn pull_one(
    engine: &Engine,
    image: &ImageRef,
    env_host: &str,
    runner: &Runner,
    output: &Output,
) -> Result<(), String> {
    let name = docker_name(image);
    let (from_image, tag) = match name.rsplit_once('@') {
        Some(_) => (name.clone(), None),
        None => {
            let (repo, tag) = name.rsplit_once(':').expect("docker_name has a tag");
            (repo.to_string(), Some(tag.to_string()))
        }
    };
    let credentials = {
        let (registry, env_host, runner) = (image.registry.clone(), env_host.to_string(), runner.clone());
        crate::platform::blocking::run(move || credential(&registry, &env_host, &runner)).await
    };
    let source = credentials.as_ref().map(|c| format!(" (credentials from {})", c.source)).unwrap_or_default();
    let credentials = credentials.map(|c| DockerCredentials {
        username: Some(c.username.clone()),
        password: Some(c.password.to_string()),
        serveraddress: Some(image.registry.clone()),
        ..Default::default()
    });
    let options = CreateImageOptions { from_image: Some(from_image), tag, ..Default::default() };
    let progress = output.progress(name.clone(), Some(0), true);
    let mut layers: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut stream = engine.client.create_image(Some(options), None, credentials);
    while let Some(event) = stream.next().await {
        let event = match event {
            Ok(event) => event,
            Err(err) => {
                let why = docker_error(&err);
                progress.finish(Mark::Fail, format!("{name}: {why}"));
                return Err(why);
            }
        };
        if let Some(detail) = event.error_detail.and_then(|d| d.message) {
            progress.finish(Mark::Fail, format!("{name}: {detail}"));
            return Err(detail);
        }
        if let (Some(id), Some(detail)) = (event.id, event.progress_detail) {
            // Only the download phase counts (extraction reports the same bytes again).
            if event.status.as_deref() == Some("Downloading") {
                let entry = layers.entry(id).or_default();
                entry.0 = detail.current.and_then(|c| u64::try_from(c).ok()).unwrap_or(entry.0);
                entry.1 = detail.total.and_then(|t| u64::try_from(t).ok()).unwrap_or(entry.1);
                progress.set_length(layers.values().map(|(_, t)| t).sum());
                progress.set_position(layers.values().map(|(c, _)| c).sum());
            }
        }
    }
    progress.finish(Mark::Done, format!("pulled {name}{source}"));
    Ok(())
}

/// Docker's own words for a failed call.
fn docker_error(err: &bollard::errors::Error) -> String {
    match err {
        bollard::errors::Error::DockerResponseServerError { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

/// Loads into the k3d cluster, with one `k3d image import`, the `images` its nodes do not list.
/// Says why nothing is loaded when the cluster is not k3d's or not running.
pub async fn import_missing(
    access: &ClusterAccess,
    images: &[ImageRef],
    output: &Output,
    dry_run: bool,
) -> anyhow::Result<()> {
    if access.provider != Provider::K3d {
        output.note(format!(
            "{} is not a k3d cluster: its nodes pull the images themselves (a registry mirror serves them)",
            access.context
        ));
        return Ok(());
    }
    match access.k3d_call(|k3d| k3d.state()).await? {
        ClusterState::Running { .. } => {}
        state => {
            output.note(format!(
                "cluster {} is {}: the images stay in Docker; `ssp setup-infra` loads them into a new cluster",
                access.name,
                state.describe()
            ));
            return Ok(());
        }
    }
    let lacking: Vec<String> = if dry_run {
        images.iter().map(docker_name).collect()
    } else {
        let client = access.client().await?;
        let nodes = inventory::node_images(&client).await?;
        images.iter().filter(|i| inventory::on_nodes(i, &nodes) == Presence::Absent).map(docker_name).collect()
    };
    if lacking.is_empty() {
        output.done(format!("the nodes of {} hold all {} image(s)", access.name, images.len()));
        return Ok(());
    }
    output.step(format!("loading {} image(s) into cluster {} (k3d image import)", lacking.len(), access.name));
    let names = lacking.clone();
    access.k3d_call(move |k3d| k3d.import_images(&names.iter().map(String::as_str).collect::<Vec<_>>())).await?;
    output.done(format!("loaded {} image(s) into cluster {}", lacking.len(), access.name));
    Ok(())
}

/// Pulls what Docker lacks, then imports what the nodes lack; fails naming every image that could
/// not be pulled (after loading the others).
pub async fn preload(
    access: &ClusterAccess,
    images: &[ImageRef],
    env_host: &str,
    runner: &Runner,
    output: &Output,
    dry_run: bool,
) -> anyhow::Result<()> {
    let engine = match Engine::connect().await {
        Ok(engine) => engine,
        Err(err) => bail!("{err}\nhint: {}", err.hint()),
    };
    let failed = pull_missing(&engine, images, env_host, runner, output, dry_run).await?;
    let pulled: Vec<ImageRef> = images.iter().filter(|i| !failed.iter().any(|(f, _)| f == *i)).cloned().collect();
    import_missing(access, &pulled, output, dry_run).await?;
    if !failed.is_empty() {
        let names: Vec<String> = failed.iter().map(|(image, _)| image.to_string()).collect();
        bail!(
            "{} image(s) could not be pulled: {}\nhint: `ssp images --check-remote` asks each registry; credentials come from SSP_REGISTRY_USER/SSP_REGISTRY_TOKEN ([registry] host {env_host}) or `docker login`",
            failed.len(),
            names.join(", ")
        );
    }
    Ok(())
}

/// Removes `images` from the host's Docker (what [`pull_missing`] kept there); images it does not
/// hold are skipped, one in use by a container is named and left.
pub async fn remove_from_host(
    engine: &Engine,
    images: &[ImageRef],
    output: &Output,
    dry_run: bool,
) -> anyhow::Result<()> {
    let mut removed = 0;
    for image in images {
        if inventory::on_host(engine, image).await? == Presence::Absent {
            continue;
        }
        let name = docker_name(image);
        if dry_run {
            output.note(format!("would remove {name} from Docker"));
            continue;
        }
        match engine.client.remove_image(&name, None::<bollard::query_parameters::RemoveImageOptions>, None).await {
            Ok(_) => removed += 1,
            Err(err) => output.warn(format!("{name} stays in Docker: {}", docker_error(&err))),
        }
    }
    if !dry_run {
        output.done(format!("removed {removed} of the release's image(s) from the host's Docker"));
    }
    Ok(())
}
