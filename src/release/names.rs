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

pub const COMPONENTS: &[&str] = &[
    "db",
    "auth",
    "rest",
    "realtime",
    "storage",
    "kong",
    "studio",
    "meta",
    "functions",
    "analytics",
    "vector",
    "imgproxy",
    "minio",
];

/// The short name of a workload of `release`: the chart's `app.kubernetes.io/name: supabase-<c>`
/// label, else the chart's naming rule, else the name without the chart's prefix.
pub fn short_name(release: &str, workload: &str, name_label: Option<&str>) -> String {
    if let Some(c) = name_label.and_then(|l| l.strip_prefix("supabase-")) {
        return c.to_string();
    }
    if let Some(c) = COMPONENTS.iter().find(|c| component_fullname(release, c) == workload) {
        return c.to_string();
    }
    let prefix = format!("{}-", chart_fullname(release));
    workload.strip_prefix(&prefix).unwrap_or(workload).to_string()
}

/// The chart's naming rules for one release, as `ssp logs` resolves components with them.
pub struct ChartNames<'a> {
    pub release: &'a str,
}

impl crate::k8s::logs::Naming for ChartNames<'_> {
    fn release(&self) -> &str {
        self.release
    }
    fn short_name(&self, workload: &str, name_label: Option<&str>) -> String {
        short_name(self.release, workload, name_label)
    }
    fn workload_name(&self, short: &str) -> String {
        component_fullname(self.release, short)
    }
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

    #[test]
    fn short_names_follow_the_chart() {
        assert_eq!(short_name("supabase", "realtime-dev", Some("supabase-realtime")), "realtime");
        assert_eq!(short_name("supabase", "supabase-supabase-db", None), "db");
        assert_eq!(short_name("dev", "dev-supabase-auth", None), "auth");
        assert_eq!(short_name("dev", "dev-supabase-extra", None), "extra");
        assert_eq!(short_name("dev", "other", None), "other");
    }
}
