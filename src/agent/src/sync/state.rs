//! The last-known state of each synced object (`reference/api-syncagent.md` §5.7), in the Go
//! agent's format so that an installation moves from it without losing state: one Secret per
//! primary object in the agent's namespace, `obj-state-<cluster>-<hash>`, labelled with the
//! primary's key labels and `syncagent.kcp.io/object-state: "true"`; one data entry per object
//! (the primary and its related objects), keyed by the SHA-1 of the object's key, holding the
//! object as last written (metadata stripped, subresources removed), as Go encodes it.

use std::collections::BTreeMap;
use std::sync::Mutex;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, PostParams};
use serde_json::{Value, json};

use super::meta::{self, OBJECT_STATE_LABEL, ObjectKey};
use kcp_api::gojson;

/// The state Secret's name for a primary kcp object: `obj-state-<cluster>-<first 20 hex of
/// SHA-1 of {"apiVersion","kind","name","namespace"} as Go encodes it, plus "\n">`.
pub fn secret_name(cluster_name: &str, primary: &Value) -> String {
    let ident = json!({
        "apiVersion": primary["apiVersion"].as_str().unwrap_or_default(),
        "kind": primary["kind"].as_str().unwrap_or_default(),
        "name": primary["metadata"]["name"].as_str().unwrap_or_default(),
        "namespace": primary["metadata"]["namespace"].as_str().unwrap_or_default(),
    });
    let hash = meta::sha1_hex(format!("{}\n", gojson::to_string_sorted(&ident)).as_bytes());
    format!("obj-state-{cluster_name}-{}", &hash[..20])
}

/// The data key of an object: SHA-1 of `{"ClusterName","WorkspacePath":"","Namespace","Name"}`
/// (Go's struct encoding, field order kept) plus "\n".
pub fn data_key(key: &ObjectKey) -> String {
    let text = format!(
        "{{\"ClusterName\":{},\"WorkspacePath\":\"\",\"Namespace\":{},\"Name\":{}}}\n",
        gojson::string(&key.cluster_name),
        gojson::string(&key.namespace),
        gojson::string(&key.name)
    );
    meta::sha1_hex(text.as_bytes())
}

/// What is stored of an object: stripped of metadata and of its subresources' fields.
pub fn snapshot(obj: &Value, subresources: &[&str]) -> Value {
    let mut o = obj.clone();
    meta::strip_metadata(&mut o);
    if let Some(m) = o.as_object_mut() {
        for s in subresources {
            m.remove(*s);
        }
    }
    o
}

/// The state Secret as this store last read or wrote it.
enum Known {
    /// Not read yet.
    Unknown,
    Absent,
    Present(Box<Secret>),
}

/// The state Secret of one primary object, for one reconcile: the Secret read or written last
/// is kept, so a reconcile reads it at most once and a write needs no read before it.
pub struct StateStore {
    pub api: Api<Secret>,
    pub secret: String,
    /// The primary's key labels, written on the Secret.
    pub labels: BTreeMap<String, String>,
    known: Mutex<Known>,
}

impl StateStore {
    pub fn new(api: Api<Secret>, primary_key: &ObjectKey, primary: &Value) -> Self {
        let mut labels = primary_key.labels();
        labels.insert(OBJECT_STATE_LABEL.to_string(), "true".to_string());
        StateStore {
            api,
            secret: secret_name(&primary_key.cluster_name, primary),
            labels,
            known: Mutex::new(Known::Unknown),
        }
    }

    fn known(&self) -> std::sync::MutexGuard<'_, Known> {
        self.known.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The Secret, read once.
    async fn secret(&self) -> kube::Result<Option<Secret>> {
        match &*self.known() {
            Known::Present(s) => return Ok(Some((**s).clone())),
            Known::Absent => return Ok(None),
            Known::Unknown => {}
        }
        let secret = self.api.get_opt(&self.secret).await?;
        *self.known() = match &secret {
            Some(s) => Known::Present(Box::new(s.clone())),
            None => Known::Absent,
        };
        Ok(secret)
    }

    /// The last-known state of `key`; `None` when there is none or it does not parse.
    pub async fn get(&self, key: &ObjectKey) -> kube::Result<Option<Value>> {
        let Some(secret) = self.secret().await? else {
            return Ok(None);
        };
        Ok(secret
            .data
            .as_ref()
            .and_then(|d| d.get(&data_key(key)))
            .and_then(|v| serde_json::from_slice(&v.0).ok()))
    }

    /// Records `state` (already a [`snapshot`]) as the last-known state of `key`. Where the
    /// Secret is not known yet it is created, and read only when it exists; a Secret changed
    /// since it was read is read again once.
    pub async fn put(&self, key: &ObjectKey, state: &Value) -> kube::Result<()> {
        let bytes = ByteString(gojson::to_string_sorted(state).trim().as_bytes().to_vec());
        let secret = match self.write(key, &bytes).await {
            // There already, or changed since read: read it, then write again.
            Err(kube::Error::Api(e)) if e.code == 409 => {
                self.secret().await?;
                self.write(key, &bytes).await?
            }
            written => written?,
        };
        *self.known() = Known::Present(Box::new(secret));
        Ok(())
    }

    /// Writes `bytes` as the entry of `key` into the Secret as known (created when not known).
    async fn write(&self, key: &ObjectKey, bytes: &ByteString) -> kube::Result<Secret> {
        let known = std::mem::replace(&mut *self.known(), Known::Unknown);
        match known {
            Known::Present(mut secret) => {
                secret.metadata.labels = Some(self.labels.clone());
                secret
                    .data
                    .get_or_insert_with(Default::default)
                    .insert(data_key(key), bytes.clone());
                self.api
                    .replace(&self.secret, &PostParams::default(), &secret)
                    .await
            }
            Known::Absent | Known::Unknown => {
                let secret = Secret {
                    metadata: kube::api::ObjectMeta {
                        name: Some(self.secret.clone()),
                        labels: Some(self.labels.clone()),
                        ..Default::default()
                    },
                    data: Some(BTreeMap::from([(data_key(key), bytes.clone())])),
                    ..Default::default()
                };
                self.api.create(&PostParams::default(), &secret).await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_keys_are_the_go_agent_s() {
        let primary = json!({"apiVersion": "kcp.example.com/v1", "kind": "CronTab",
                             "metadata": {"name": "my-crontab", "namespace": "default"}});
        assert_eq!(
            secret_name("c1", &primary),
            "obj-state-c1-3d62e88a9631d524a143"
        );
        let key = ObjectKey::of("1084s8ceexsehjm2", &primary);
        assert_eq!(data_key(&key), "6317fcfeb159f6f07b3fe330be431f5d1bdeb358");
    }

    #[test]
    fn snapshots_are_stripped_and_sorted() {
        let thing = json!({"apiVersion": "remote.example.corp/v1alpha1", "kind": "RemoteThing",
            "metadata": {"name": "my-test-thing", "resourceVersion": "7"},
            "spec": {"username": "Colonel Mustard", "kink": ""}, "status": {"x": 1}});
        assert_eq!(
            gojson::to_string_sorted(&snapshot(&thing, &["status"])),
            r#"{"apiVersion":"remote.example.corp/v1alpha1","kind":"RemoteThing","metadata":{"name":"my-test-thing"},"spec":{"kink":"","username":"Colonel Mustard"}}"#
        );
    }
}
