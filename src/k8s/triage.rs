//! Known failure signatures: text seen in pod events, log tails or tool errors, and the fix to
//! print. One table, so it grows in one place.

/// A known failure: `needles` (case-insensitive) found in the evidence as `matches` says means
/// `hint` applies.
pub struct Signature {
    pub needles: &'static [&'static str],
    pub matches: Matches,
    pub hint: &'static str,
}

/// How many of a signature's needles the evidence must contain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Matches {
    /// Any one needle: each is telling alone.
    Any,
    /// Every needle: one alone is too common a word ("tenant", "not found").
    All,
}

pub const SIGNATURES: &[Signature] = &[
    Signature {
        needles: &["tenant", "not found"],
        matches: Matches::All,
        hint: "realtime cannot find its tenant: keep `realtime.fullnameOverride` in the values (the chart needs it, see supabase-kubernetes#74)",
    },
    Signature {
        needles: &["password authentication failed"],
        matches: Matches::Any,
        hint: "the database volume was initialised with another password than the current secret: delete the old volume (`ssp teardown` then `ssp setup-infra`) or restore the old `secret.db.password`",
    },
    Signature {
        needles: &["toomanyrequests"],
        matches: Matches::Any,
        hint: "the registry rate-limited the image pull: set SSP_REGISTRY_USER / SSP_REGISTRY_TOKEN so ssp creates the `regcred` pull secret, then re-run",
    },
    Signature {
        needles: &["unauthorized", "denied", "authentication required"],
        matches: Matches::Any,
        hint: "the registry refused the image pull: set SSP_REGISTRY_USER / SSP_REGISTRY_TOKEN (a token with read:packages for ghcr.io) so ssp creates the `regcred` pull secret",
    },
    Signature {
        needles: &["port is already allocated", "address already in use"],
        matches: Matches::Any,
        hint: "a host port of the cluster is taken: `ssp doctor` names what holds it; stop it or remap the port in ssp.toml [cluster] ports",
    },
    Signature {
        needles: &["errimageneverpull"],
        matches: Matches::Any,
        hint: "the image is not in the cluster and the pod may not pull it: import it (`ssp seed` does for the seed image) or set imagePullPolicy",
    },
];

/// The hints whose signature appears in `evidence`, each once, in table order.
pub fn hints_for(evidence: &str) -> Vec<String> {
    let haystack = evidence.to_ascii_lowercase();
    let mut hints = Vec::new();
    for sig in SIGNATURES {
        let matched = match sig.matches {
            Matches::Any => sig.needles.iter().any(|n| haystack.contains(n)),
            Matches::All => sig.needles.iter().all(|n| haystack.contains(n)),
        };
        if matched && !hints.iter().any(|h: &String| h == sig.hint) {
            hints.push(sig.hint.to_string());
        }
    }
    hints
}

/// Why an image pull failed, when waiting cannot help.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PermanentPull {
    /// 401/403, `denied`, `authentication required`: the registry wants credentials ssp did not give.
    Credentials,
    /// `not found`, `manifest unknown`, `name unknown`: the repository or tag does not exist.
    NotFound,
    /// `invalid reference format`: the image name itself cannot be parsed.
    InvalidReference,
}

/// What a pull-failure text says about the future.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PullVerdict {
    /// Waiting cannot help: fail now.
    Permanent(PermanentPull),
    /// May heal (timeouts, 429, 5xx, TLS handshake, a plain back-off): keep the grace period.
    Transient,
}

/// Texts that mean "try again later". Checked before the permanent ones: when a text has both
/// (a 503 page that says "not found" somewhere), waiting is the safe side.
const TRANSIENT_PULL: &[&str] = &[
    "429 too many requests",
    "toomanyrequests",
    "too many requests",
    "timeout",
    "deadline exceeded",
    "tls handshake",
    "connection reset",
    "connection refused",
    "no such host",
    "network is unreachable",
    "temporary failure",
    "unexpected eof",
    "500 internal server error",
    "502 bad gateway",
    "503 service unavailable",
    "504 gateway timeout",
];

const CREDENTIALS_PULL: &[&str] =
    &["401 unauthorized", "403 forbidden", "unauthorized:", "denied", "authentication required", "insufficient_scope"];
const NOT_FOUND_PULL: &[&str] = &["manifest unknown", "name unknown", "not found"];
const INVALID_REFERENCE_PULL: &[&str] = &["invalid reference format", "couldn't parse image name"];

/// Classifies what the kubelet or containerd wrote about a failed pull (an event's message, a
/// container's waiting message). `None`: the text is not about a failed pull at all. A plain
/// `Back-off pulling image "…"` says nothing about the cause, so it is transient.
pub fn classify_pull_failure(text: &str) -> Option<PullVerdict> {
    let t = text.to_ascii_lowercase();
    let about_pull = t.contains("pull") || t.contains("image") || t.contains("reference") || t.contains("manifest");
    if !about_pull {
        return None;
    }
    if TRANSIENT_PULL.iter().any(|n| t.contains(n)) {
        return Some(PullVerdict::Transient);
    }
    if INVALID_REFERENCE_PULL.iter().any(|n| t.contains(n)) {
        return Some(PullVerdict::Permanent(PermanentPull::InvalidReference));
    }
    if CREDENTIALS_PULL.iter().any(|n| t.contains(n)) {
        return Some(PullVerdict::Permanent(PermanentPull::Credentials));
    }
    if NOT_FOUND_PULL.iter().any(|n| t.contains(n)) {
        return Some(PullVerdict::Permanent(PermanentPull::NotFound));
    }
    if t.contains("failed to pull") || t.contains("back-off pulling") || t.contains("errimagepull") {
        return Some(PullVerdict::Transient);
    }
    None
}

/// The registry host of an image reference, as containerd resolves it (`nginx` → `docker.io`).
pub fn image_registry(image: &str) -> &str {
    match image.split_once('/') {
        Some((first, _)) if first.contains('.') || first.contains(':') || first == "localhost" => first,
        _ => "docker.io",
    }
}

/// The fix for a permanent pull failure of `image`.
pub fn pull_hint(kind: PermanentPull, image: &str) -> String {
    let registry = image_registry(image);
    match kind {
        PermanentPull::Credentials => format!(
            "{registry} refused to serve {image} without credentials: set SSP_REGISTRY_USER / SSP_REGISTRY_TOKEN (for ghcr.io a token with read:packages) so ssp creates the `regcred` pull secret, or run `docker login {registry}`, then re-run"
        ),
        PermanentPull::NotFound => format!(
            "{registry} has no image {image}: check the repository and tag in the values file (deployment/values.<env>.yaml, or `ssp edit-cloud-values`), then re-run"
        ),
        PermanentPull::InvalidReference => format!(
            "{image:?} is not a valid image reference (lowercase repository, `name:tag` or `name@sha256:…`): fix it in the values file, then re-run"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_their_evidence() {
        assert_eq!(hints_for("Tenant not found: realtime-dev").len(), 1);
        assert!(hints_for("tenant ok").is_empty());
        assert!(hints_for("manifest not found").is_empty(), "an All signature needs every needle");
        assert!(
            hints_for("FATAL: password authentication failed for user \"postgres\"")[0].contains("database volume")
        );
        assert!(hints_for("failed to pull: 429 toomanyrequests")[0].contains("rate-limited"));
        assert!(hints_for("Bind for 0.0.0.0:80 failed: port is already allocated")[0].contains("ssp doctor"));
        assert!(hints_for("all good").is_empty());
    }

    use PermanentPull::*;
    use PullVerdict::*;

    /// The texts containerd 1.7 and the kubelet (event `Failed` / waiting message) write.
    #[test]
    fn permanent_pull_failures_are_told_from_transient_ones() {
        let img = "ghcr.io/uw-thinklab/supabase-db:15.8.1.060";
        let cases: &[(String, Option<PullVerdict>)] = &[
            (
                format!("Failed to pull image \"{img}\": failed to pull and unpack image \"{img}\": failed to resolve reference \"{img}\": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://ghcr.io/token?scope=repository%3Auw-thinklab%2Fsupabase-db%3Apull&service=ghcr.io: 401 Unauthorized"),
                Some(Permanent(Credentials)),
            ),
            (
                format!("Failed to pull image \"{img}\": rpc error: code = Unknown desc = failed to pull and unpack image \"{img}\": failed to resolve reference \"{img}\": failed to authorize: failed to fetch oauth token: unexpected status from GET request to https://ghcr.io/token: 403 Forbidden"),
                Some(Permanent(Credentials)),
            ),
            (
                "Failed to pull image \"private/app:1\": failed to pull and unpack image \"docker.io/private/app:1\": failed to resolve reference \"docker.io/private/app:1\": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed".into(),
                Some(Permanent(Credentials)),
            ),
            (
                format!("Failed to pull image \"{img}\": rpc error: code = NotFound desc = failed to pull and unpack image \"{img}\": failed to resolve reference \"{img}\": {img}: not found"),
                Some(Permanent(NotFound)),
            ),
            (
                "Failed to pull image \"nginx:nope\": Error response from daemon: manifest for nginx:nope not found: manifest unknown: manifest unknown".into(),
                Some(Permanent(NotFound)),
            ),
            (
                "Failed to apply default image tag \"Supabase/DB:15\": couldn't parse image name \"Supabase/DB:15\": invalid reference format: repository name must be lowercase".into(),
                Some(Permanent(InvalidReference)),
            ),
            // Kubelet 1.31+ repeats the pull error in the back-off message.
            (
                format!("Back-off pulling image \"{img}\": ErrImagePull: failed to pull and unpack image \"{img}\": failed to resolve reference \"{img}\": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://ghcr.io/token?scope=x: 401 Unauthorized"),
                Some(Permanent(Credentials)),
            ),
            (format!("Back-off pulling image \"{img}\""), Some(Transient)),
            (
                format!("Failed to pull image \"{img}\": failed to pull and unpack image \"{img}\": failed to resolve reference \"{img}\": unexpected status from HEAD request to https://ghcr.io/v2/uw-thinklab/supabase-db/manifests/15.8.1.060: 429 Too Many Requests"),
                Some(Transient),
            ),
            (format!("Failed to pull image \"{img}\": 429 toomanyrequests: retry-after: 60"), Some(Transient)),
            (
                format!("Failed to pull image \"{img}\": failed to pull and unpack image \"{img}\": failed to resolve reference \"{img}\": failed to do request: Head \"https://ghcr.io/v2/uw-thinklab/supabase-db/manifests/15.8.1.060\": dial tcp: lookup ghcr.io: i/o timeout"),
                Some(Transient),
            ),
            (
                format!("Failed to pull image \"{img}\": failed to pull and unpack image \"{img}\": failed to resolve reference \"{img}\": failed to do request: Head \"https://ghcr.io/v2/x/manifests/y\": net/http: TLS handshake timeout"),
                Some(Transient),
            ),
            (
                format!("Failed to pull image \"{img}\": failed to pull and unpack image \"{img}\": failed to copy: httpReadSeeker: failed open: unexpected status code https://ghcr.io/v2/x/blobs/sha256:ab: 503 Service Unavailable"),
                Some(Transient),
            ),
            (
                format!("Failed to pull image \"{img}\": failed to pull and unpack image \"{img}\": failed to resolve reference \"{img}\": unexpected status from HEAD request to https://ghcr.io/v2/x/manifests/y: 502 Bad Gateway"),
                Some(Transient),
            ),
            ("Started container postgres".into(), None),
            ("0/1 nodes are available: 1 Insufficient memory.".into(), None),
        ];
        for (text, want) in cases {
            assert_eq!(classify_pull_failure(text), *want, "{text}");
        }
    }

    #[test]
    fn pull_hints_name_the_registry_and_the_fix() {
        assert_eq!(image_registry("ghcr.io/a/b:1"), "ghcr.io");
        assert_eq!(image_registry("nginx:1"), "docker.io");
        assert_eq!(image_registry("library/nginx"), "docker.io");
        assert_eq!(image_registry("localhost:5000/a"), "localhost:5000");
        let h = pull_hint(Credentials, "ghcr.io/a/b:1");
        assert!(h.contains("SSP_REGISTRY_TOKEN") && h.contains("docker login ghcr.io"), "{h}");
        assert!(pull_hint(NotFound, "ghcr.io/a/b:1").contains("tag in the values file"));
        assert!(pull_hint(InvalidReference, "A/B").contains("not a valid image reference"));
    }
}
