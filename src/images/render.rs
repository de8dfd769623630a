//! The images a release uses: the chart rendered by `helm template` with the chosen values (the
//! cloud values on helm's stdin, as for a deploy), and every `image:` of a container or init
//! container of the rendered objects, deduplicated (two spellings of one image are one) and sorted.

use std::collections::BTreeMap;

use anyhow::Context as _;
use serde_json::Value;

use crate::images::reference::ImageRef;
use crate::platform::{blocking, runner::Runner};
use crate::release::helm::{Release, ValuesSource};

/// One image of the release and the objects whose pods run it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsedImage {
    pub image: ImageRef,
    /// `Deployment/supabase-supabase-db`, … in the order the chart renders them.
    pub used_by: Vec<String>,
}

/// Renders `release` with `values` through `helm template` and returns its images.
pub async fn release_images(
    release: &Release,
    values: Vec<ValuesSource>,
    runner: &Runner,
) -> anyhow::Result<Vec<UsedImage>> {
    let call = release.template(values);
    let runner = runner.clone();
    let chart = release.chart.display().to_string();
    let done = blocking::run(move || runner.run_once(call))
        .await
        .with_context(|| format!("cannot render the chart {chart} with `helm template`"))?;
    if done.dry_run {
        return Ok(Vec::new());
    }
    let text = String::from_utf8(done.stdout).context("`helm template` printed text that is not UTF-8")?;
    images_in_manifests(&text)
}

/// The images of the containers and init containers (of pods, pod templates, job templates) in
/// rendered manifests (YAML documents separated by `---`).
pub fn images_in_manifests(text: &str) -> anyhow::Result<Vec<UsedImage>> {
    let documents: Vec<Value> = serde_saphyr::from_multiple(text)
        .map_err(|e| anyhow::anyhow!("cannot read the manifests `helm template` rendered: {e}"))?;
    let mut found: BTreeMap<String, UsedImage> = BTreeMap::new();
    for document in documents.iter().filter(|d| d.is_object()) {
        let owner = format!(
            "{}/{}",
            document["kind"].as_str().unwrap_or("?"),
            document.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("?")
        );
        let mut names = Vec::new();
        collect(document, &mut names);
        for name in names {
            let image = ImageRef::parse(&name).with_context(|| format!("{owner} names an image ssp cannot read"))?;
            let entry = found
                .entry(image.canonical())
                .or_insert_with(|| UsedImage { image: image.clone(), used_by: Vec::new() });
            if !entry.used_by.contains(&owner) {
                entry.used_by.push(owner.clone());
            }
        }
    }
    let mut images: Vec<UsedImage> = found.into_values().collect();
    images.sort_by_key(|u| u.image.to_string());
    Ok(images)
}

/// `image` of every item of a `containers` or `initContainers` list anywhere below `value`.
fn collect(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for key in ["initContainers", "containers"] {
                for container in map.get(key).and_then(Value::as_array).into_iter().flatten() {
                    if let Some(image) = container.get("image").and_then(Value::as_str) {
                        out.push(image.to_string());
                    }
                }
            }
            for (key, child) in map {
                if key != "containers" && key != "initContainers" {
                    collect(child, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_and_init_containers_of_every_kind_deduplicated() {
        let text = r#"---
# Source: supabase/templates/db/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: db
spec:
  template:
    spec:
      initContainers:
        - name: init
          image: "busybox:1.36"
      containers:
        - name: db
          image: "supabase/postgres:15.1"
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: c
              image: docker.io/library/busybox:1.36
---
apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  ports: [{port: 5432}]
---
"#;
        let images = images_in_manifests(text).unwrap();
        let names: Vec<String> = images.iter().map(|u| u.image.to_string()).collect();
        assert_eq!(names, ["busybox:1.36", "supabase/postgres:15.1"]);
        assert_eq!(images[0].used_by, ["Deployment/db", "CronJob/nightly"]);
    }

    #[test]
    fn an_unreadable_image_names_its_object() {
        let text = "kind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: 'Bad Name'\n";
        let err = images_in_manifests(text).unwrap_err();
        assert!(format!("{err:#}").contains("Pod/p"), "{err:#}");
    }
}
