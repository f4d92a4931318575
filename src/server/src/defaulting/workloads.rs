//! Defaults of the workload controllers' objects: apps/v1 Deployments, ReplicaSets,
//! StatefulSets and DaemonSets, batch/v1 Jobs and CronJobs, and core/v1
//! ReplicationControllers (`pkg/apis/{apps,batch,core}/v1/defaults.go`), each with the PodSpec
//! defaults of its template, and a Job's generated selector.

use serde_json::{Map, Value, json};

use super::pod::{pod_spec, pvc_spec, template_at};
use super::util::{default, default_str, each_mut, existing_mut, non_empty_map, obj_mut, path_mut};

/// `math.MaxInt32`: a Job's backoff limit when it limits backoff per index.
const MAX_INT32: i64 = 2_147_483_647;

fn spec_mut(obj: &mut Value) -> Option<&mut Map<String, Value>> {
    obj.as_object_mut().and_then(|o| obj_mut(o, "spec"))
}

/// `SetDefaults_Deployment`: one replica, RollingUpdate 25%/25%, 10 revisions, 600 s deadline.
pub fn deployment(obj: &mut Value) {
    if let Some(spec) = spec_mut(obj) {
        default(spec, "replicas", json!(1));
        if let Some(strategy) = obj_mut(spec, "strategy") {
            default_str(strategy, "type", "RollingUpdate");
            if strategy.get("type").and_then(Value::as_str) == Some("RollingUpdate")
                && let Some(ru) = obj_mut(strategy, "rollingUpdate")
            {
                default(ru, "maxUnavailable", json!("25%"));
                default(ru, "maxSurge", json!("25%"));
            }
        }
        default(spec, "revisionHistoryLimit", json!(10));
        default(spec, "progressDeadlineSeconds", json!(600));
    }
    template_at(obj, &["spec", "template"]);
}

/// `SetDefaults_ReplicaSet`: one replica.
pub fn replica_set(obj: &mut Value) {
    if let Some(spec) = spec_mut(obj) {
        default(spec, "replicas", json!(1));
    }
    template_at(obj, &["spec", "template"]);
}

/// `SetDefaults_StatefulSet`: OrderedReady pods, RollingUpdate from partition 0, claims
/// retained, one replica, 10 revisions; claim templates as PersistentVolumeClaims.
pub fn stateful_set(obj: &mut Value) {
    if let Some(spec) = spec_mut(obj) {
        default_str(spec, "podManagementPolicy", "OrderedReady");
        if let Some(strategy) = obj_mut(spec, "updateStrategy") {
            if super::util::unset_str(strategy, "type") {
                strategy.insert("type".into(), json!("RollingUpdate"));
                default(strategy, "rollingUpdate", json!({}));
            }
            if strategy.get("type").and_then(Value::as_str) == Some("RollingUpdate")
                && let Some(ru) = existing_mut(strategy, "rollingUpdate")
            {
                default(ru, "partition", json!(0));
            }
        }
        if let Some(policy) = obj_mut(spec, "persistentVolumeClaimRetentionPolicy") {
            default_str(policy, "whenDeleted", "Retain");
            default_str(policy, "whenScaled", "Retain");
        }
        default(spec, "replicas", json!(1));
        default(spec, "revisionHistoryLimit", json!(10));
        each_mut(spec, "volumeClaimTemplates", |claim| {
            // The v1 conversion gives each claim template its type meta.
            default_str(claim, "apiVersion", "v1");
            default_str(claim, "kind", "PersistentVolumeClaim");
            if let Some(s) = obj_mut(claim, "spec") {
                pvc_spec(s);
            }
            if let Some(status) = obj_mut(claim, "status") {
                default_str(status, "phase", "Pending");
            }
        });
    }
    template_at(obj, &["spec", "template"]);
}

/// `SetDefaults_DaemonSet`: RollingUpdate with maxUnavailable 1 and maxSurge 0, 10 revisions.
pub fn daemon_set(obj: &mut Value) {
    if let Some(spec) = spec_mut(obj) {
        if let Some(strategy) = obj_mut(spec, "updateStrategy") {
            default_str(strategy, "type", "RollingUpdate");
            if strategy.get("type").and_then(Value::as_str) == Some("RollingUpdate")
                && let Some(ru) = obj_mut(strategy, "rollingUpdate")
            {
                default(ru, "maxUnavailable", json!(1));
                default(ru, "maxSurge", json!(0));
            }
        }
        default(spec, "revisionHistoryLimit", json!(10));
    }
    template_at(obj, &["spec", "template"]);
}

/// `SetDefaults_ReplicationController`: selector and labels from the template, one replica.
pub fn replication_controller(obj: &mut Value) {
    let template_labels = obj
        .pointer("/spec/template/metadata/labels")
        .filter(|l| l.is_object())
        .cloned();
    if let Some(labels) = template_labels {
        if let Some(spec) = spec_mut(obj)
            && !non_empty_map(spec, "selector")
        {
            spec.insert("selector".into(), labels.clone());
        }
        if let Some(meta) = obj.as_object_mut().and_then(|o| obj_mut(o, "metadata"))
            && !non_empty_map(meta, "labels")
        {
            meta.insert("labels".into(), labels);
        }
    }
    if let Some(spec) = spec_mut(obj) {
        default(spec, "replicas", json!(1));
    }
    template_at(obj, &["spec", "template"]);
}

/// `SetDefaults_Job`: completions and parallelism 1, backoff limit 6 (or unlimited per index),
/// NonIndexed, not suspended, pods replaced once terminated or failed, labels from the template.
pub fn job(obj: &mut Value) {
    let template_labels = obj
        .pointer("/spec/template/metadata/labels")
        .filter(|l| l.is_object())
        .cloned();
    if let Some(spec) = spec_mut(obj) {
        if super::util::unset(spec, "completions") && super::util::unset(spec, "parallelism") {
            spec.insert("completions".into(), json!(1));
            spec.insert("parallelism".into(), json!(1));
        }
        default(spec, "parallelism", json!(1));
        let per_index = !super::util::unset(spec, "backoffLimitPerIndex");
        default(
            spec,
            "backoffLimit",
            json!(if per_index { MAX_INT32 } else { 6 }),
        );
        default(spec, "completionMode", json!("NonIndexed"));
        default(spec, "suspend", json!(false));
        let has_failure_policy = !super::util::unset(spec, "podFailurePolicy");
        default(
            spec,
            "podReplacementPolicy",
            json!(if has_failure_policy {
                "Failed"
            } else {
                "TerminatingOrFailed"
            }),
        );
        if let Some(policy) = existing_mut(spec, "podFailurePolicy") {
            each_mut(policy, "rules", |rule| {
                each_mut(rule, "onPodConditions", |pattern| {
                    default_str(pattern, "status", "True");
                });
            });
        }
    }
    if let Some(labels) = template_labels
        && let Some(meta) = obj.as_object_mut().and_then(|o| obj_mut(o, "metadata"))
        && !non_empty_map(meta, "labels")
    {
        meta.insert("labels".into(), labels);
    }
    template_at(obj, &["spec", "template"]);
}

/// `SetDefaults_CronJob`: Allow, not suspended, keep 3 succeeded and 1 failed Job. The Job
/// template's own spec gets only the PodSpec defaults (`SetDefaults_Job` is for Jobs).
pub fn cron_job(obj: &mut Value) {
    if let Some(spec) = spec_mut(obj) {
        default_str(spec, "concurrencyPolicy", "Allow");
        default(spec, "suspend", json!(false));
        default(spec, "successfulJobsHistoryLimit", json!(3));
        default(spec, "failedJobsHistoryLimit", json!(1));
    }
    if let Some(spec) = path_mut(obj, &["spec", "jobTemplate", "spec", "template", "spec"]) {
        pod_spec(spec);
    }
}

/// The Job strategy's generated selector: unless `manualSelector` is true, the template gets
/// the `job-name` and `controller-uid` labels (legacy and `batch.kubernetes.io/` forms) and the
/// selector matches `batch.kubernetes.io/controller-uid`. Needs the name and uid set.
pub fn generate_job_selector(obj: &mut Value) {
    if obj.pointer("/spec/manualSelector").and_then(Value::as_bool) == Some(true) {
        return;
    }
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let uid = obj
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let Some(spec) = spec_mut(obj) else {
        return;
    };
    if let Some(template) = obj_mut(spec, "template")
        && let Some(meta) = obj_mut(template, "metadata")
        && let Some(labels) = obj_mut(meta, "labels")
    {
        for key in ["job-name", "batch.kubernetes.io/job-name"] {
            labels.entry(key).or_insert_with(|| json!(name));
        }
        for key in ["controller-uid", "batch.kubernetes.io/controller-uid"] {
            labels.entry(key).or_insert_with(|| json!(uid));
        }
    }
    if let Some(selector) = obj_mut(spec, "selector")
        && let Some(match_labels) = obj_mut(selector, "matchLabels")
    {
        match_labels
            .entry("batch.kubernetes.io/controller-uid")
            .or_insert_with(|| json!(uid));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What kube-apiserver 1.36 stores for `kubectl create deployment web --image=nginx`
    /// (the body kubectl sends, then `kubectl get deployment web -o json`).
    #[test]
    fn kubectl_create_deployment_matches_kube() {
        let mut d = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                "strategy": {},
                "template": {"metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "nginx", "image": "nginx", "resources": {}}]}}},
            "status": {}});
        deployment(&mut d);
        assert_eq!(
            d["spec"],
            json!({"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
                "template": {"metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "nginx", "image": "nginx", "resources": {},
                        "imagePullPolicy": "Always",
                        "terminationMessagePath": "/dev/termination-log",
                        "terminationMessagePolicy": "File"}],
                        "dnsPolicy": "ClusterFirst", "restartPolicy": "Always", "securityContext": {},
                        "terminationGracePeriodSeconds": 30, "schedulerName": "default-scheduler"}},
                "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600})
        );
    }

    #[test]
    fn recreate_gets_no_rolling_update() {
        let mut d = json!({"spec": {"strategy": {"type": "Recreate"}, "template": {"spec": {}}}});
        deployment(&mut d);
        assert_eq!(d["spec"]["strategy"], json!({"type": "Recreate"}));
    }

    #[test]
    fn stateful_set_defaults() {
        let mut s = json!({"spec": {"serviceName": "web", "selector": {"matchLabels": {"app": "w"}},
            "template": {"metadata": {"labels": {"app": "w"}}, "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}},
            "volumeClaimTemplates": [{"metadata": {"name": "www"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]}});
        stateful_set(&mut s);
        let spec = &s["spec"];
        assert_eq!(spec["podManagementPolicy"], "OrderedReady");
        assert_eq!(
            spec["updateStrategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})
        );
        assert_eq!(
            spec["persistentVolumeClaimRetentionPolicy"],
            json!({"whenDeleted": "Retain", "whenScaled": "Retain"})
        );
        assert_eq!(spec["replicas"], 1);
        assert_eq!(spec["revisionHistoryLimit"], 10);
        let claim = &spec["volumeClaimTemplates"][0];
        assert_eq!(claim["apiVersion"], "v1");
        assert_eq!(claim["kind"], "PersistentVolumeClaim");
        assert_eq!(claim["spec"]["volumeMode"], "Filesystem");
        assert_eq!(claim["status"], json!({"phase": "Pending"}));
        assert_eq!(
            spec["template"]["spec"]["containers"][0]["imagePullPolicy"],
            "IfNotPresent"
        );
    }

    #[test]
    fn on_delete_stateful_set_has_no_partition() {
        let mut s = json!({"spec": {"updateStrategy": {"type": "OnDelete"}}});
        stateful_set(&mut s);
        assert_eq!(s["spec"]["updateStrategy"], json!({"type": "OnDelete"}));
    }

    #[test]
    fn daemon_set_defaults() {
        let mut d =
            json!({"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "x"}]}}}});
        daemon_set(&mut d);
        assert_eq!(
            d["spec"]["updateStrategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}})
        );
        assert_eq!(d["spec"]["revisionHistoryLimit"], 10);
    }

    #[test]
    fn job_defaults_and_selector() {
        let mut j = json!({"metadata": {"name": "pi", "uid": "u-1"},
            "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "pi", "image": "perl:5.34.0"}]}}}});
        job(&mut j);
        generate_job_selector(&mut j);
        let spec = &j["spec"];
        assert_eq!(spec["completions"], 1);
        assert_eq!(spec["parallelism"], 1);
        assert_eq!(spec["backoffLimit"], 6);
        assert_eq!(spec["completionMode"], "NonIndexed");
        assert_eq!(spec["suspend"], false);
        assert_eq!(spec["podReplacementPolicy"], "TerminatingOrFailed");
        assert_eq!(
            spec["selector"],
            json!({"matchLabels": {"batch.kubernetes.io/controller-uid": "u-1"}})
        );
        assert_eq!(
            spec["template"]["metadata"]["labels"],
            json!({"job-name": "pi", "batch.kubernetes.io/job-name": "pi",
                "controller-uid": "u-1", "batch.kubernetes.io/controller-uid": "u-1"})
        );
        // Parallelism alone leaves completions unset.
        let mut j = json!({"spec": {"parallelism": 3, "backoffLimitPerIndex": 1, "podFailurePolicy": {"rules": []}}});
        job(&mut j);
        assert!(j["spec"].get("completions").is_none());
        assert_eq!(j["spec"]["backoffLimit"], MAX_INT32);
        assert_eq!(j["spec"]["podReplacementPolicy"], "Failed");
    }

    #[test]
    fn cron_job_defaults_leave_the_job_spec_alone() {
        let mut c = json!({"spec": {"schedule": "*/1 * * * *", "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "OnFailure", "containers": [{"name": "c", "image": "busybox"}]}}}}}});
        cron_job(&mut c);
        assert_eq!(c["spec"]["concurrencyPolicy"], "Allow");
        assert_eq!(c["spec"]["suspend"], false);
        assert_eq!(c["spec"]["successfulJobsHistoryLimit"], 3);
        assert_eq!(c["spec"]["failedJobsHistoryLimit"], 1);
        assert!(
            c["spec"]["jobTemplate"]["spec"]
                .get("backoffLimit")
                .is_none()
        );
        assert_eq!(
            c["spec"]["jobTemplate"]["spec"]["template"]["spec"]["dnsPolicy"],
            "ClusterFirst"
        );
    }

    #[test]
    fn replication_controller_takes_template_labels() {
        let mut rc = json!({"metadata": {"name": "rc"}, "spec": {"template": {"metadata": {"labels": {"app": "a"}}, "spec": {}}}});
        replication_controller(&mut rc);
        assert_eq!(rc["spec"]["selector"], json!({"app": "a"}));
        assert_eq!(rc["metadata"]["labels"], json!({"app": "a"}));
        assert_eq!(rc["spec"]["replicas"], 1);
    }
}
