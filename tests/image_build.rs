//! Image builds through the real Docker daemon (bollard): `FROM scratch` with Debian's static busybox,
//! since nothing can be pulled here.

mod support;

use std::collections::HashMap;

use ssp::platform::docker::Engine;
use ssp::seed::image::{BuildError, build, pack_context};

/// A context with busybox and the given Dockerfile; `None` (after printing why) when Docker or
/// busybox is missing outside CI.
fn context(test: &str, dockerfile: &str) -> Option<tempfile::TempDir> {
    let dir = tempfile::tempdir().unwrap();
    support::env::busybox_context(test, dir.path())?;
    std::fs::write(dir.path().join("Dockerfile"), dockerfile).unwrap();
    Some(dir)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// Removes a test image with all its tags.
async fn remove(engine: &Engine, id: &str) {
    let options = bollard::query_parameters::RemoveImageOptions { force: true, ..Default::default() };
    let _ = engine.client.remove_image(id, Some(options), None).await;
}

#[test]
fn builds_and_tags_with_the_content_hash() {
    let Some(dir) = context(
        "builds_and_tags_with_the_content_hash",
        "FROM scratch\nCOPY busybox /busybox\nRUN [\"/busybox\", \"echo\", \"built-ok\"]\n",
    ) else {
        return;
    };
    runtime().block_on(async {
        let engine = Engine::connect().await.unwrap();
        let ctx = pack_context(dir.path(), &dir.path().join("Dockerfile")).unwrap();
        let mut lines = Vec::new();
        let tag = format!("ssp-test/build-ok:{}", std::process::id());
        let cell = std::sync::Mutex::new(&mut lines);
        let image =
            build(&engine, &ctx, &tag, &HashMap::new(), |l| cell.lock().unwrap().push(l.to_string())).await.unwrap();
        assert!(lines.iter().any(|l| l.contains("built-ok")), "{lines:?}");
        assert!(image.id.starts_with("sha256:"));
        assert_eq!(image.content_tag, format!("ssp-test/build-ok:sha-{}", &image.id[7..19]));
        for name in [&tag, &image.content_tag] {
            let inspected = engine.client.inspect_image(name).await.unwrap();
            assert_eq!(inspected.id.as_deref(), Some(image.id.as_str()), "{name}");
        }
        remove(&engine, &image.id).await;
    });
}

#[test]
fn a_failing_step_carries_its_output() {
    let dockerfile =
        "FROM scratch\nCOPY busybox /busybox\nRUN [\"/busybox\", \"sh\", \"-c\", \"echo seeding-broke >&2; exit 3\"]\n";
    let Some(dir) = context("a_failing_step_carries_its_output", dockerfile) else { return };
    runtime().block_on(async {
        let engine = Engine::connect().await.unwrap();
        let ctx = pack_context(dir.path(), &dir.path().join("Dockerfile")).unwrap();
        let err = build(&engine, &ctx, "ssp-test/build-fails:1", &HashMap::new(), |_| {}).await.unwrap_err();
        let BuildError::Failed { message, output } = &err else { panic!("{err}") };
        assert!(message.contains("returned a non-zero code: 3"), "{message}");
        assert!(output.iter().any(|l| l.contains("seeding-broke")), "{output:?}");
        assert!(err.to_string().contains("  | "), "{err}");
    });
}

#[test]
fn dockerignored_files_are_not_sent() {
    let dockerfile = "FROM scratch\nCOPY . /ctx/\n";
    let Some(dir) = context("dockerignored_files_are_not_sent", dockerfile) else { return };
    // 8 MiB that must not travel to the daemon.
    std::fs::write(dir.path().join("dump.sql"), vec![b'x'; 8 << 20]).unwrap();
    let with_dump = pack_context(dir.path(), &dir.path().join("Dockerfile")).unwrap().tar.len();
    std::fs::write(dir.path().join(".dockerignore"), "dump.sql\n").unwrap();
    let ctx = pack_context(dir.path(), &dir.path().join("Dockerfile")).unwrap();
    assert!(with_dump > 8 << 20);
    // Only busybox (~2 MB) and the small files remain.
    assert!(ctx.tar.len() < 3 << 20, "{} bytes sent, {with_dump} before .dockerignore", ctx.tar.len());
    runtime().block_on(async {
        let engine = Engine::connect().await.unwrap();
        let image = build(&engine, &ctx, "ssp-test/ignored:1", &HashMap::new(), |_| {}).await.unwrap();
        let inspected = engine.client.inspect_image(&image.id).await.unwrap();
        // busybox (~2 MB) went in, the 8 MiB dump did not.
        assert!(inspected.size.unwrap_or(0) < 6 << 20, "{:?}", inspected.size);
        remove(&engine, &image.id).await;
    });
}

#[test]
fn missing_dockerfile_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let err = pack_context(dir.path(), &dir.path().join("populate_db.Dockerfile")).unwrap_err();
    assert!(err.to_string().contains("populate_db.Dockerfile does not exist"), "{err}");
}
