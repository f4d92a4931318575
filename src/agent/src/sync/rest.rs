//! Requests for objects as JSON values. The sync works on `serde_json::Value`s; kube's
//! `Api<DynamicObject>` would convert each object to a `DynamicObject` and back and decode
//! every answer's metadata into a typed `ObjectMeta` (its managed fields too): about a fifth of
//! the agent's CPU in an initial sync. Errors are kube's, as `Api`'s are.

use kube::api::{
    ApiResource, DeleteParams, DynamicObject, GetParams, ListParams, Patch, PatchParams,
    PostParams, Resource,
};
use kube::core::Request;
use serde_json::Value;

/// The objects of one resource, in one namespace or cluster-wide.
pub struct ObjectApi {
    client: kube::Client,
    request: Request,
}

impl ObjectApi {
    /// The resource `ar` in namespace `ns` (none: cluster-scoped, or every namespace).
    pub fn new(client: &kube::Client, ar: &ApiResource, ns: Option<&str>) -> Self {
        Self {
            client: client.clone(),
            request: Request::new(DynamicObject::url_path(ar, ns)),
        }
    }

    /// The object, whole (managed fields too: a replace of it keeps them).
    pub async fn get(&self, name: &str) -> kube::Result<Value> {
        let req = self
            .request
            .get(name, &GetParams::default())
            .map_err(kube::Error::BuildRequest)?;
        self.client.request(req).await
    }

    /// The object, or `None` where there is none.
    pub async fn get_opt(&self, name: &str) -> kube::Result<Option<Value>> {
        match self.get(name).await {
            Ok(obj) => Ok(Some(obj)),
            Err(kube::Error::Api(e)) if e.code == 404 => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The objects a label selector selects.
    pub async fn list(&self, label_selector: &str) -> kube::Result<Vec<Value>> {
        let req = self
            .request
            .list(&ListParams::default().labels(label_selector))
            .map_err(kube::Error::BuildRequest)?;
        let mut list: Value = self.client.request(req).await?;
        Ok(match list.get_mut("items").map(Value::take) {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        })
    }

    pub async fn create(&self, obj: &Value) -> kube::Result<Value> {
        let req = self
            .request
            .create(&PostParams::default(), body(obj)?)
            .map_err(kube::Error::BuildRequest)?;
        self.written(req).await
    }

    pub async fn replace(&self, name: &str, obj: &Value) -> kube::Result<Value> {
        let req = self
            .request
            .replace(name, &PostParams::default(), body(obj)?)
            .map_err(kube::Error::BuildRequest)?;
        self.written(req).await
    }

    pub async fn replace_status(&self, name: &str, obj: &Value) -> kube::Result<Value> {
        let req = self
            .request
            .replace_subresource("status", name, &PostParams::default(), body(obj)?)
            .map_err(kube::Error::BuildRequest)?;
        self.written(req).await
    }

    /// A JSON merge patch.
    pub async fn merge_patch(&self, name: &str, patch: &Value) -> kube::Result<Value> {
        let req = self
            .request
            .patch(name, &PatchParams::default(), &Patch::Merge(patch))
            .map_err(kube::Error::BuildRequest)?;
        self.written(req).await
    }

    /// Deletes the object; the object while finalizers keep it, `None` once it is gone (the
    /// server answers with a Status).
    pub async fn delete(&self, name: &str, params: &DeleteParams) -> kube::Result<Option<Value>> {
        let req = self
            .request
            .delete(name, params)
            .map_err(kube::Error::BuildRequest)?;
        let answer = self.written(req).await?;
        Ok((answer["kind"] != "Status").then_some(answer))
    }

    /// A write's answer, without its managed fields (nothing reads them, and the caches keep
    /// objects without them).
    async fn written(&self, req: http::Request<Vec<u8>>) -> kube::Result<Value> {
        let mut obj: Value = self.client.request(req).await?;
        if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("managedFields");
        }
        Ok(obj)
    }
}

fn body(obj: &Value) -> kube::Result<Vec<u8>> {
    serde_json::to_vec(obj).map_err(kube::Error::SerdeError)
}
