//! kube-rs talks to the server as it would to kube-apiserver: typed CRUD, patches, paged lists
//! and kube-runtime's watcher (which needs resourceVersions on lists and in-stream 410s).

use futures::TryStreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::watcher;

use e2e::Kcp;

async fn client(kcp: &Kcp) -> kube::Client {
    let kubeconfig = Kubeconfig::read_from(kcp.kubeconfig()).expect("kubeconfig");
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .expect("config");
    kube::Client::try_from(config).expect("client")
}

fn configmap(name: &str) -> ConfigMap {
    serde_json::from_value(serde_json::json!({
        "metadata": {"name": name, "labels": {"app": "kube-rs"}},
        "data": {"k": "v"},
    }))
    .expect("configmap")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_crud_paging_and_watcher() {
    let kcp = Kcp::start();
    let client = client(&kcp).await;
    let cms: Api<ConfigMap> = Api::namespaced(client, "default");

    // The watcher sees objects created after it started.
    let events = watcher(
        cms.clone(),
        watcher::Config::default().labels("app=kube-rs"),
    );
    let mut applied = Box::pin(kube::runtime::WatchStreamExt::applied_objects(events));

    for i in 0..7 {
        cms.create(&PostParams::default(), &configmap(&format!("cm-{i}")))
            .await
            .expect("create");
    }
    let got = cms.get("cm-3").await.expect("get");
    assert_eq!(
        got.data.unwrap_or_default().get("k").map(String::as_str),
        Some("v")
    );
    assert!(
        got.metadata
            .annotations
            .unwrap_or_default()
            .get("kcp.io/cluster")
            .is_some_and(|c| c == "root")
    );

    let patch = serde_json::json!({"data": {"k": "patched"}});
    let patched = cms
        .patch("cm-3", &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .expect("patch");
    assert_eq!(patched.data.unwrap_or_default()["k"], "patched");
    let patched = cms
        .patch(
            "cm-3",
            &PatchParams::default(),
            &Patch::Strategic(&serde_json::json!({"metadata": {"labels": {"s": "1"}}})),
        )
        .await
        .expect("strategic patch");
    assert_eq!(patched.metadata.labels.unwrap_or_default()["s"], "1");

    // Paged list.
    let mut names = Vec::new();
    let mut lp = ListParams::default().limit(3);
    loop {
        let page = cms.list(&lp).await.expect("list");
        assert!(page.metadata.resource_version.is_some());
        names.extend(page.items.into_iter().filter_map(|c| c.metadata.name));
        match page.metadata.continue_ {
            Some(c) if !c.is_empty() => lp = lp.continue_token(&c),
            _ => break,
        }
    }
    assert_eq!(names.len(), 7, "{names:?}");

    let mut seen = std::collections::BTreeSet::new();
    while seen.len() < 7 {
        let cm = tokio::time::timeout(std::time::Duration::from_secs(20), applied.try_next())
            .await
            .expect("watch event in time")
            .expect("watch ok")
            .expect("stream open");
        seen.insert(cm.metadata.name.unwrap_or_default());
    }

    let missing = cms.get_opt("nope").await.expect("get_opt");
    assert!(missing.is_none());
    cms.delete("cm-0", &DeleteParams::default())
        .await
        .expect("delete");
    let left = cms
        .list(&ListParams::default())
        .await
        .expect("list")
        .items
        .len();
    assert_eq!(left, 6);
}
