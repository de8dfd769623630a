//! The source tree keeps the layout `src/lib.rs` describes (issue 10): the module map in `lib.rs`
//! and the README's "Repository layout" are the same list and name everything at the top of `src/`;
//! commands stay thin; imports run downwards; no file grows past 800 lines.

use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The map's entries: each bullet's text with its continuation lines joined.
fn entries(text: &str, bullet: &str, continuation: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix(bullet) {
            out.push(rest.trim().to_string());
        } else if let (Some(rest), Some(last)) = (line.strip_prefix(continuation), out.last_mut())
            && !rest.starts_with(' ')
            && !rest.is_empty()
        {
            last.push(' ');
            last.push_str(rest.trim());
        }
    }
    out
}

fn lib_map() -> Vec<String> {
    let lib = std::fs::read_to_string(root().join("src/lib.rs")).unwrap();
    entries(&lib, "//! - ", "//!   ")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_readme_layout_and_the_lib_rs_map_are_the_same_list() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme.split("## Repository layout").nth(1).expect("README has a Repository layout section");
    let section = section.split("\n## ").next().unwrap();
    let readme_map = entries(section, "  - ", "    ");
    let lib = lib_map();
    assert!(lib.len() >= 10, "the map in src/lib.rs is missing: {lib:?}");
    assert_eq!(readme_map, lib, "README.md's Repository layout and src/lib.rs's module map differ");
}

#[test]
fn the_map_names_everything_at_the_top_of_src_and_nothing_else() {
    let named: Vec<String> =
        lib_map().iter().map(|e| e.split('`').nth(1).expect("an entry starts with `name`").to_string()).collect();
    let mut present = Vec::new();
    let mut files = 0;
    for entry in std::fs::read_dir(root().join("src")).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() {
            present.push(format!("{name}/"));
        } else {
            files += 1;
            present.push(name);
        }
    }
    present.sort();
    let mut sorted = named.clone();
    sorted.sort();
    assert_eq!(sorted, present, "src/ and the module map in src/lib.rs disagree");
    assert!(files <= 6, "src/ holds {files} files; at most 6 (the rest belongs in a layer's folder)");
}

#[test]
fn no_source_file_is_over_800_lines() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let lines = std::fs::read_to_string(f).unwrap().lines().count();
            (lines > 800).then(|| format!("{} ({lines} lines)", f.strip_prefix(root()).unwrap().display()))
        })
        .collect();
    assert!(long.is_empty(), "split these: {long:?}");
}

#[test]
fn commands_do_not_talk_to_the_kubernetes_api_themselves() {
    let mut files = Vec::new();
    rust_files(&root().join("src/commands"), &mut files);
    assert!(files.len() > 10, "{files:?}");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for needle in ["kube::Api", "kube::api::", "k8s_openapi"] {
            assert!(!text.contains(needle), "{} uses {needle}: that is a k8s/ service's work", file.display());
        }
    }
}

#[test]
fn services_never_import_from_the_command_layer() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let top = ["src/commands", "src/cli", "src/main.rs", "src/lib.rs", "src/context.rs"];
    for file in files {
        let relative = file.strip_prefix(root()).unwrap().to_string_lossy().into_owned();
        if top.iter().any(|t| relative.starts_with(t)) {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for needle in ["crate::commands", "crate::cli", "crate::context"] {
            assert!(!text.contains(needle), "{relative} imports {needle}: services take explicit parts");
        }
    }
}

#[test]
fn the_lower_layers_import_only_what_lies_below_them() {
    // Each lower folder with the crate modules it may import (itself included).
    let layers: [(&str, &[&str]); 4] = [
        ("platform", &["platform"]),
        ("sops", &["sops"]),
        ("config", &["config", "platform"]),
        ("k8s", &["k8s", "config", "platform"]),
    ];
    let import = regex::Regex::new(r"crate::([a-z0-9_]+)").unwrap();
    for (folder, allowed) in layers {
        let mut files = Vec::new();
        rust_files(&root().join("src").join(folder), &mut files);
        assert!(!files.is_empty(), "src/{folder} is missing");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for found in import.captures_iter(&text) {
                let module = &found[1];
                assert!(
                    allowed.contains(&module),
                    "{} imports crate::{module}: src/{folder}/ may import only {allowed:?}",
                    file.strip_prefix(root()).unwrap().display()
                );
            }
        }
    }
}
