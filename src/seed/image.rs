//! Building images through the Docker Engine API: the build context as a tar stream that honours
//! `.dockerignore`, the build output streamed line by line, and a content-hash tag beside the
//! configured one so an import can be skipped when the cluster already holds that exact image.

use std::path::{Path, PathBuf};

use bollard::query_parameters::{BuildImageOptions, TagImageOptions};
use futures::StreamExt;
use ignore::gitignore::{Gitignore, GitignoreBuilder};

use crate::platform::docker::Engine;

/// Why an image could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("the build context {} does not exist\nhint: set [seed] context in ssp.toml", .0.display())]
    MissingContext(PathBuf),
    #[error("the Dockerfile {} does not exist\nhint: set [seed] dockerfile in ssp.toml", .0.display())]
    MissingDockerfile(PathBuf),
    #[error("the Dockerfile {} is not inside the build context {}", .dockerfile.display(), .context.display())]
    DockerfileOutsideContext { dockerfile: PathBuf, context: PathBuf },
    #[error("cannot read {}: {source}", .path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("bad .dockerignore: {0}")]
    Ignore(String),
    #[error("the image build failed: {message}{}", tail(.output))]
    Failed { message: String, output: Vec<String> },
    #[error("Docker API call failed: {0}")]
    Api(#[from] bollard::errors::Error),
}

fn tail(lines: &[String]) -> String {
    if lines.is_empty() {
        return String::new();
    }
    let start = lines.len().saturating_sub(20);
    let shown: Vec<String> = lines[start..].iter().map(|l| format!("  | {l}")).collect();
    format!("\nthe step's output:\n{}", shown.join("\n"))
}

/// A build context packed for the Docker API.
pub struct BuildContext {
    pub tar: Vec<u8>,
    /// Files packed (after `.dockerignore`).
    pub files: usize,
    /// The Dockerfile's path inside the context, as the API wants it.
    pub dockerfile: String,
}

impl std::fmt::Debug for BuildContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuildContext")
            .field("bytes", &self.tar.len())
            .field("files", &self.files)
            .field("dockerfile", &self.dockerfile)
            .finish()
    }
}

/// `.dockerignore` rules. Docker matches patterns from the context root (Go's `filepath.Match` plus
/// `**`), where gitignore lets a bare name match at any depth; anchoring every pattern at the root
/// gives Docker's meaning with the `ignore` crate's matcher (which already does `**` and `!`).
/// The matcher and the (anchored) exception patterns, which can re-include files inside an
/// excluded folder, so such folders are still walked.
fn dockerignore(context: &Path) -> Result<(Gitignore, Vec<String>), BuildError> {
    let mut builder = GitignoreBuilder::new(context);
    let mut exceptions = Vec::new();
    let path = context.join(".dockerignore");
    if let Ok(text) = std::fs::read_to_string(&path) {
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (negate, pattern) = match line.strip_prefix('!') {
                Some(rest) => ("!", rest.trim()),
                None => ("", line),
            };
            let pattern = pattern.trim_start_matches("./");
            let anchored = if pattern.starts_with('/') { pattern.to_string() } else { format!("/{pattern}") };
            if !negate.is_empty() {
                exceptions.push(anchored.clone());
            }
            builder.add_line(None, &format!("{negate}{anchored}")).map_err(|e| BuildError::Ignore(e.to_string()))?;
        }
    }
    let matcher = builder.build().map_err(|e| BuildError::Ignore(e.to_string()))?;
    Ok((matcher, exceptions))
}

/// True when an exception pattern may match something below the excluded folder `dir`.
fn may_reinclude(exceptions: &[String], dir: &Path) -> bool {
    let prefix = format!("/{}/", dir.to_string_lossy());
    exceptions.iter().any(|e| e.starts_with(&prefix) || e.contains('*') || e.contains('?') || e.contains('['))
}

/// Packs `context` into a tar, leaving out what `.dockerignore` excludes (the Dockerfile and
/// `.dockerignore` themselves always go in, as Docker does).
pub fn pack_context(context: &Path, dockerfile: &Path) -> Result<BuildContext, BuildError> {
    if !context.is_dir() {
        return Err(BuildError::MissingContext(context.to_path_buf()));
    }
    if !dockerfile.is_file() {
        return Err(BuildError::MissingDockerfile(dockerfile.to_path_buf()));
    }
    let context = context.canonicalize().map_err(|source| BuildError::Read { path: context.to_path_buf(), source })?;
    let dockerfile =
        dockerfile.canonicalize().map_err(|source| BuildError::Read { path: dockerfile.to_path_buf(), source })?;
    let relative_dockerfile = dockerfile
        .strip_prefix(&context)
        .map_err(|_| BuildError::DockerfileOutsideContext { dockerfile: dockerfile.clone(), context: context.clone() })?
        .to_path_buf();
    let (ignore, exceptions) = dockerignore(&context)?;
    let mut builder = tar::Builder::new(Vec::new());
    builder.follow_symlinks(false);
    let mut files = 0;
    let mut pending = vec![context.clone()];
    while let Some(dir) = pending.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .map_err(|source| BuildError::Read { path: dir.clone(), source })?
            .flatten()
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let relative = path.strip_prefix(&context).expect("inside the context").to_path_buf();
            let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
            let always = relative == relative_dockerfile || relative == Path::new(".dockerignore");
            if !always && ignore.matched_path_or_any_parents(&relative, is_dir).is_ignore() {
                if is_dir && may_reinclude(&exceptions, &relative) {
                    pending.push(path); // walk it for re-included files, without its own entry
                }
                continue;
            }
            if is_dir {
                builder
                    .append_dir(&relative, &path)
                    .map_err(|source| BuildError::Read { path: path.clone(), source })?;
                pending.push(path);
            } else {
                builder
                    .append_path_with_name(&path, &relative)
                    .map_err(|source| BuildError::Read { path: path.clone(), source })?;
                files += 1;
            }
        }
    }
    let tar = builder.into_inner().map_err(|source| BuildError::Read { path: context.clone(), source })?;
    Ok(BuildContext { tar, files, dockerfile: relative_dockerfile.to_string_lossy().into_owned() })
}

/// A built image: its ID and the tags it carries.
#[derive(Clone, Debug)]
pub struct BuiltImage {
    pub id: String,
    pub tag: String,
    /// `<repository>:sha-<first 12 hex of the ID>`.
    pub content_tag: String,
}

/// `repo:tag` → `repo`, leaving registry ports alone (`host:5000/x:1` → `host:5000/x`).
pub fn repository_of(image: &str) -> &str {
    match image.rfind(':') {
        Some(i) if !image[i..].contains('/') => &image[..i],
        _ => image,
    }
}

/// Builds `context` with `dockerfile`, tags it `tag` and with its content hash; each output line is
/// passed to `on_line`.
pub async fn build(
    engine: &Engine,
    context: &BuildContext,
    tag: &str,
    build_args: &std::collections::HashMap<String, String>,
    on_line: impl Fn(&str),
) -> Result<BuiltImage, BuildError> {
    let options = BuildImageOptions {
        dockerfile: context.dockerfile.clone(),
        t: Some(tag.to_string()),
        rm: true,
        forcerm: true,
        buildargs: (!build_args.is_empty()).then(|| build_args.clone()),
        ..Default::default()
    };
    let body = bollard::body_full(bytes::Bytes::from(context.tar.clone()));
    let mut stream = engine.client.build_image(options, None, Some(body));
    let mut output: Vec<String> = Vec::new();
    let mut id = None;
    while let Some(item) = stream.next().await {
        let info = match item {
            Ok(info) => info,
            Err(bollard::errors::Error::DockerStreamError { error }) => {
                return Err(BuildError::Failed { message: error.trim().to_string(), output: step_output(&output) });
            }
            Err(err) => return Err(err.into()),
        };
        if let Some(text) = &info.stream {
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                on_line(line);
                output.push(line.to_string());
            }
        }
        if let Some(error) = info.error_detail.as_ref().and_then(|d| d.message.clone()) {
            return Err(BuildError::Failed { message: error.trim().to_string(), output: step_output(&output) });
        }
        if let Some(aux) = info.aux.as_ref().and_then(|a| a.id.clone()) {
            id = Some(aux);
        }
    }
    let id = match id {
        Some(id) => id,
        None => engine.client.inspect_image(tag).await?.id.unwrap_or_default(),
    };
    let hex = id.trim_start_matches("sha256:");
    let repository = repository_of(tag);
    let content_tag = format!("{repository}:sha-{}", &hex[..hex.len().min(12)]);
    let (repo, tag_part) = content_tag.rsplit_once(':').expect("has a tag");
    engine
        .client
        .tag_image(&id, Some(TagImageOptions { repo: Some(repo.to_string()), tag: Some(tag_part.to_string()) }))
        .await?;
    Ok(BuiltImage { id, tag: tag.to_string(), content_tag })
}

/// The lines of the failing step: from its last `Step N/M` header on.
fn step_output(lines: &[String]) -> Vec<String> {
    let start = lines.iter().rposition(|l| l.starts_with("Step ")).unwrap_or(0);
    lines[start..].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories() {
        assert_eq!(repository_of("pdc/populate_db:1.0"), "pdc/populate_db");
        assert_eq!(repository_of("localhost:5000/x:2"), "localhost:5000/x");
        assert_eq!(repository_of("localhost:5000/x"), "localhost:5000/x");
        assert_eq!(repository_of("busybox"), "busybox");
    }

    #[test]
    fn dockerignore_is_anchored_at_the_context_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::create_dir_all(root.join("data")).unwrap();
        for f in ["Dockerfile", "keep.sql", "big.bin", "sub/big.bin", "data/a.csv", "data/keep.csv", ".dockerignore"] {
            std::fs::write(root.join(f), "x").unwrap();
        }
        std::fs::write(root.join(".dockerignore"), "# comment\nbig.bin\ndata\n!data/keep.csv\nDockerfile\n").unwrap();
        let ctx = pack_context(root, &root.join("Dockerfile")).unwrap();
        let mut archive = tar::Archive::new(ctx.tar.as_slice());
        let mut names: Vec<String> =
            archive.entries().unwrap().map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned()).collect();
        names.sort();
        // `big.bin` only at the root (Docker semantics); `data/keep.csv` re-included; the Dockerfile always.
        assert_eq!(names, vec![".dockerignore", "Dockerfile", "data/keep.csv", "keep.sql", "sub", "sub/big.bin"]);
        assert_eq!(ctx.files, 5);
    }

    #[test]
    fn missing_paths_name_the_config_key() {
        let dir = tempfile::tempdir().unwrap();
        let err = pack_context(&dir.path().join("nope"), &dir.path().join("Dockerfile")).unwrap_err();
        assert!(err.to_string().contains("set [seed] context"), "{err}");
        let err = pack_context(dir.path(), &dir.path().join("Dockerfile")).unwrap_err();
        assert!(err.to_string().contains("set [seed] dockerfile"), "{err}");
    }
}
