//! Known failure signatures: text seen in pod events, log tails or tool errors, and the fix to
//! print. One table, so it grows in one place.

/// A known failure: any of `needles` (case-insensitive) in the evidence means `hint` applies.
pub struct Signature {
    pub needles: &'static [&'static str],
    pub hint: &'static str,
}

pub const SIGNATURES: &[Signature] = &[
    Signature {
        needles: &["tenant", "not found"],
        hint: "realtime cannot find its tenant: keep `realtime.fullnameOverride` in the values (the chart needs it, see supabase-kubernetes#74)",
    },
    Signature {
        needles: &["password authentication failed"],
        hint: "the database volume was initialised with another password than the current secret: delete the old volume (`ssp teardown` then `ssp setup-infra`) or restore the old `secret.db.password`",
    },
    Signature {
        needles: &["toomanyrequests"],
        hint: "the registry rate-limited the image pull: set SSP_REGISTRY_USER / SSP_REGISTRY_TOKEN so ssp creates the `regcred` pull secret, then re-run",
    },
    Signature {
        needles: &["unauthorized", "denied", "authentication required"],
        hint: "the registry refused the image pull: set SSP_REGISTRY_USER / SSP_REGISTRY_TOKEN (a token with read:packages for ghcr.io) so ssp creates the `regcred` pull secret",
    },
    Signature {
        needles: &["port is already allocated", "address already in use"],
        hint: "a host port of the cluster is taken: `ssp doctor` names what holds it; stop it or remap the port in ssp.toml [cluster] ports",
    },
    Signature {
        needles: &["errimageneverpull"],
        hint: "the image is not in the cluster and the pod may not pull it: import it (`ssp seed` does for the seed image) or set imagePullPolicy",
    },
];

/// The hints whose signature appears in `evidence`. A signature with several needles needs all of
/// them when its first needle is a word that is too common alone ("tenant … not found"), else any.
pub fn hints_for(evidence: &str) -> Vec<String> {
    let haystack = evidence.to_ascii_lowercase();
    let mut hints = Vec::new();
    for sig in SIGNATURES {
        let matched = if sig.needles.len() > 1 && sig.needles[0] == "tenant" {
            sig.needles.iter().all(|n| haystack.contains(n))
        } else {
            sig.needles.iter().any(|n| haystack.contains(n))
        };
        if matched && !hints.iter().any(|h: &String| h == sig.hint) {
            hints.push(sig.hint.to_string());
        }
    }
    hints
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_their_evidence() {
        assert_eq!(hints_for("Tenant not found: realtime-dev").len(), 1);
        assert!(hints_for("tenant ok").is_empty());
        assert!(
            hints_for("FATAL: password authentication failed for user \"postgres\"")[0].contains("database volume")
        );
        assert!(hints_for("failed to pull: 429 toomanyrequests")[0].contains("rate-limited"));
        assert!(hints_for("Bind for 0.0.0.0:80 failed: port is already allocated")[0].contains("ssp doctor"));
        assert!(hints_for("all good").is_empty());
    }
}
