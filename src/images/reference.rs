//! Image references as Docker reads them: `[REGISTRY/]PATH[:TAG][@DIGEST]`, where the first
//! component is a registry only when it holds a `.` or a `:` or is `localhost`; no registry means
//! Docker Hub (`docker.io`), whose one-component names live under `library/`. Two spellings of one
//! image (`kong:2.8.1`, `docker.io/library/kong:2.8.1`) compare equal through [`ImageRef::canonical`],
//! which is how containerd names images on a node (`Node.status.images`).

use std::fmt;

/// Docker Hub, as containerd and the distribution API name it.
pub const DOCKER_HUB: &str = "docker.io";

/// A parsed image reference.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ImageRef {
    /// `docker.io`, `ghcr.io`, `127.0.0.1:5000`, … (always set).
    pub registry: String,
    /// The path inside the registry, `library/kong` for Docker Hub's official images.
    pub path: String,
    pub tag: Option<String>,
    /// `sha256:…` when the reference pins a digest.
    pub digest: Option<String>,
}

/// Why a reference could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{reference}` is not an image reference: {why}")]
pub struct ReferenceError {
    pub reference: String,
    pub why: &'static str,
}

impl ImageRef {
    pub fn parse(reference: &str) -> Result<ImageRef, ReferenceError> {
        let error = |why| ReferenceError { reference: reference.to_string(), why };
        let text = reference.trim();
        if text.is_empty() {
            return Err(error("it is empty"));
        }
        if text.chars().any(char::is_whitespace) {
            return Err(error("it holds white space"));
        }
        let (name, digest) = match text.split_once('@') {
            Some((name, digest)) => {
                if !digest.starts_with("sha256:") && !digest.starts_with("sha512:") {
                    return Err(error("the digest after `@` must start with sha256: or sha512:"));
                }
                (name, Some(digest.to_string()))
            }
            None => (text, None),
        };
        // A tag is after the last `:` that follows the last `/` (a registry's port comes before).
        let last_slash = name.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match name[last_slash..].rfind(':') {
            Some(i) => (&name[..last_slash + i], Some(name[last_slash + i + 1..].to_string())),
            None => (name, None),
        };
        if tag.as_deref() == Some("") {
            return Err(error("the tag after `:` is empty"));
        }
        let (registry, path) = match name.split_once('/') {
            Some((first, rest)) if first.contains('.') || first.contains(':') || first == "localhost" => {
                (first.to_string(), rest.to_string())
            }
            _ => (DOCKER_HUB.to_string(), name.to_string()),
        };
        let registry = if registry == "index.docker.io" { DOCKER_HUB.to_string() } else { registry };
        let path = if registry == DOCKER_HUB && !path.contains('/') { format!("library/{path}") } else { path };
        if path.is_empty() || path.split('/').any(str::is_empty) {
            return Err(error("the repository name is empty"));
        }
        if path.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(error("repository names are lower-case"));
        }
        Ok(ImageRef { registry, path, tag, digest })
    }

    /// The tag, or `latest` when neither tag nor digest is given (as Docker pulls it).
    pub fn tag_or_latest(&self) -> Option<&str> {
        match (&self.tag, &self.digest) {
            (Some(tag), _) => Some(tag),
            (None, Some(_)) => None,
            (None, None) => Some("latest"),
        }
    }

    /// The full form containerd uses: `docker.io/library/kong:2.8.1`, `ghcr.io/a/b@sha256:…`.
    pub fn canonical(&self) -> String {
        let mut text = format!("{}/{}", self.registry, self.path);
        if let Some(tag) = self.tag_or_latest() {
            text.push(':');
            text.push_str(tag);
        }
        if let Some(digest) = &self.digest {
            text.push('@');
            text.push_str(digest);
        }
        text
    }

    /// The repository as Docker shows it: `kong`, `supabase/postgres`, `ghcr.io/a/b`.
    pub fn familiar_repository(&self) -> String {
        if self.registry == DOCKER_HUB {
            self.path.strip_prefix("library/").unwrap_or(&self.path).to_string()
        } else {
            format!("{}/{}", self.registry, self.path)
        }
    }

    /// The repository path a mirror keeps: the path without Docker Hub's `library/`
    /// (`kong`, `supabase/postgres`, `uw-thinklab/supabase-db`).
    pub fn mirror_path(&self) -> &str {
        if self.registry == DOCKER_HUB { self.path.strip_prefix("library/").unwrap_or(&self.path) } else { &self.path }
    }

    /// The same image under `prefix` (`REGISTRY[/PATH]`), same repository path and tag/digest.
    pub fn under(&self, prefix: &str) -> Result<ImageRef, ReferenceError> {
        let prefix = prefix.trim_end_matches('/');
        let mut text = format!("{prefix}/{}", self.mirror_path());
        if let Some(tag) = &self.tag {
            text.push(':');
            text.push_str(tag);
        }
        if let Some(digest) = &self.digest {
            text.push('@');
            text.push_str(digest);
        }
        ImageRef::parse(&text)
    }

    /// True for a registry reached over plain HTTP: loopback, as Docker allows without
    /// configuration (`127.0.0.0/8`, `localhost`, `[::1]`).
    pub fn is_loopback_registry(&self) -> bool {
        let host = self.registry.rsplit_once(':').map_or(self.registry.as_str(), |(h, _)| h);
        host == "localhost" || host.starts_with("127.") || host == "[::1]"
    }
}

impl fmt::Display for ImageRef {
    /// The familiar form (`kong:2.8.1`, `ghcr.io/a/b:1@sha256:…`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.familiar_repository())?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> ImageRef {
        ImageRef::parse(s).unwrap()
    }

    #[test]
    fn docker_hub_names_get_registry_and_library() {
        let kong = parse("kong:2.8.1");
        assert_eq!(
            (kong.registry.as_str(), kong.path.as_str(), kong.tag.as_deref()),
            ("docker.io", "library/kong", Some("2.8.1"))
        );
        assert_eq!(kong.canonical(), "docker.io/library/kong:2.8.1");
        assert_eq!(kong.to_string(), "kong:2.8.1");
        assert_eq!(parse("supabase/postgres:15.1").canonical(), "docker.io/supabase/postgres:15.1");
        assert_eq!(parse("docker.io/library/kong:2.8.1"), kong);
        assert_eq!(parse("index.docker.io/library/kong:2.8.1"), kong);
        assert_eq!(parse("busybox").canonical(), "docker.io/library/busybox:latest");
    }

    #[test]
    fn registries_ports_tags_and_digests() {
        let r = parse("127.0.0.1:5000/team/app:1.0");
        assert_eq!(
            (r.registry.as_str(), r.path.as_str(), r.tag.as_deref()),
            ("127.0.0.1:5000", "team/app", Some("1.0"))
        );
        assert!(r.is_loopback_registry());
        let d = parse("ghcr.io/a/b@sha256:abc");
        assert_eq!((d.tag.as_deref(), d.digest.as_deref()), (None, Some("sha256:abc")));
        assert_eq!(d.canonical(), "ghcr.io/a/b@sha256:abc");
        assert!(!d.is_loopback_registry());
        let both = parse("localhost/x:1@sha256:abc");
        assert_eq!(both.canonical(), "localhost/x:1@sha256:abc");
        assert_eq!(parse("localhost:5000/x").registry, "localhost:5000");
    }

    #[test]
    fn malformed_references_are_refused() {
        for bad in ["", "a b", "x:", "ghcr.io//x", "Upper/Case", "x@md5:1"] {
            assert!(ImageRef::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_mirror_keeps_the_path_and_tag() {
        assert_eq!(
            parse("kong:2.8.1").under("ghcr.io/team/mirror").unwrap().to_string(),
            "ghcr.io/team/mirror/kong:2.8.1"
        );
        assert_eq!(
            parse("ghcr.io/uw-thinklab/supabase-db:2024.12.23").under("127.0.0.1:5000/m/").unwrap().canonical(),
            "127.0.0.1:5000/m/uw-thinklab/supabase-db:2024.12.23"
        );
        assert_eq!(parse("supabase/postgres:15").under("registry.example.org").unwrap().path, "supabase/postgres");
    }
}
