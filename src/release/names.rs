//! The chart's naming rules: the names Helm gives the release's objects, used wherever ssp has to
//! find one of them (a Service to forward to, the Kong deployment, the stack's secrets).

/// The prefix the chart gives its objects (Helm's usual `fullname`): the release name when it
/// already contains the chart name, else `<release>-supabase`.
pub fn chart_fullname(release: &str) -> String {
    if release.contains("supabase") { release.to_string() } else { format!("{release}-supabase") }
}

/// The name the chart gives a component's objects (Deployment, Service): `supabase.<c>.fullname`,
/// i.e. `<release>-supabase-<c>` unless the release name already contains `supabase-<c>`.
pub fn component_fullname(release: &str, component: &str) -> String {
    let name = format!("supabase-{component}");
    if release.contains(&name) { release.to_string() } else { format!("{release}-{name}") }
}

/// The chart's components that `port-forward` accepts by their short name.
const FORWARDABLE: &[&str] = &["db", "kong", "studio", "auth", "rest", "realtime", "meta", "storage", "analytics"];

/// `db` → `<release>-supabase-db`, `kong` → `<release>-supabase-kong`, …; anything else is a Service name.
pub fn service_name(short: &str, release: &str) -> String {
    if FORWARDABLE.contains(&short) { component_fullname(release, short) } else { short.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fullname_follows_helm_convention() {
        assert_eq!(chart_fullname("supabase"), "supabase");
        assert_eq!(chart_fullname("dev"), "dev-supabase");
        assert_eq!(component_fullname("supabase", "db"), "supabase-supabase-db");
        assert_eq!(component_fullname("dev", "kong"), "dev-supabase-kong");
    }

    #[test]
    fn short_names_are_chart_components_else_service_names() {
        assert_eq!(service_name("db", "supabase"), "supabase-supabase-db");
        assert_eq!(service_name("kong", "dev"), "dev-supabase-kong");
        assert_eq!(service_name("my-svc", "dev"), "my-svc");
    }
}
