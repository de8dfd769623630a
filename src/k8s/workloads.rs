//! The workloads of a release and their readiness, listed once (not watched): `ssp status`'s
//! table.

use ::kube::api::{Api, ListParams};
use ::kube::{Client, ResourceExt};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;

use crate::k8s::readiness::{self, Kind, Readiness};

/// One workload: its kind, name and readiness.
pub struct Workload {
    pub kind: Kind,
    pub name: String,
    pub readiness: Readiness,
}

/// Every Deployment, StatefulSet, DaemonSet and Job matching `selector` in `namespace`.
pub async fn list(client: &Client, namespace: &str, selector: &str) -> Result<Vec<Workload>, ::kube::Error> {
    let params = ListParams::default().labels(selector);
    let mut out = Vec::new();
    for d in Api::<Deployment>::namespaced(client.clone(), namespace).list(&params).await? {
        out.push(Workload { kind: Kind::Deployment, name: d.name_any(), readiness: readiness::deployment(&d) });
    }
    for s in Api::<StatefulSet>::namespaced(client.clone(), namespace).list(&params).await? {
        out.push(Workload { kind: Kind::StatefulSet, name: s.name_any(), readiness: readiness::statefulset(&s) });
    }
    for d in Api::<DaemonSet>::namespaced(client.clone(), namespace).list(&params).await? {
        out.push(Workload { kind: Kind::DaemonSet, name: d.name_any(), readiness: readiness::daemonset(&d) });
    }
    for j in Api::<Job>::namespaced(client.clone(), namespace).list(&params).await? {
        out.push(Workload { kind: Kind::Job, name: j.name_any(), readiness: readiness::job(&j) });
    }
    Ok(out)
}
