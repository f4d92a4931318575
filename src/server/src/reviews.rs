//! The review APIs, answered in memory: `SelfSubjectAccessReview`, `SubjectAccessReview`,
//! `LocalSubjectAccessReview` (`kubectl auth can-i`), `SelfSubjectRulesReview` and
//! `SelfSubjectReview` (`kubectl auth whoami`).

use std::collections::BTreeMap;

use bytes::Bytes;
use http::Response;
use serde_json::{Value, json};

use crate::authn::User;
use crate::authz::{self, Attributes, Decision};
use crate::catalog::ResourceDef;
use crate::errors::{ApiError, ApiResult, FieldError, FieldPath};
use crate::http::RequestInfo;
use crate::http::response::{self, Body};
use crate::server::Server;

fn user_info(u: &User) -> Value {
    let mut v = json!({"username": u.name, "groups": u.groups});
    if !u.uid.is_empty() {
        v["uid"] = json!(u.uid);
    }
    if !u.extra.is_empty() {
        v["extra"] = json!(u.extra);
    }
    v
}

fn attributes(spec: &Value) -> Option<Attributes> {
    if let Some(r) = spec.get("resourceAttributes").filter(|r| r.is_object()) {
        return Some(Attributes {
            verb: r["verb"].as_str().unwrap_or("").into(),
            resource_request: true,
            api_group: r["group"].as_str().unwrap_or("").into(),
            resource: r["resource"].as_str().unwrap_or("").into(),
            subresource: r["subresource"].as_str().unwrap_or("").into(),
            namespace: r["namespace"].as_str().unwrap_or("").into(),
            name: r["name"].as_str().unwrap_or("").into(),
            path: String::new(),
        });
    }
    spec.get("nonResourceAttributes")
        .filter(|r| r.is_object())
        .map(|r| Attributes {
            verb: r["verb"].as_str().unwrap_or("").into(),
            path: r["path"].as_str().unwrap_or("").into(),
            ..Attributes::default()
        })
}

/// Serves a POST to one of the review resources.
pub async fn create(
    server: &Server,
    def: &ResourceDef,
    cluster: &str,
    info: &RequestInfo,
    user: &User,
    headers: &http::HeaderMap,
    body: &Bytes,
) -> ApiResult<Response<Body>> {
    let mut obj = crate::registry::handler::decode_body(headers, body, def.kind)?;
    obj["apiVersion"] = json!(def.api_version());
    obj["kind"] = json!(def.kind);
    let spec = obj.get("spec").cloned().unwrap_or(json!({}));
    match def.resource {
        "tokenreviews" => {
            let token = spec["token"].as_str().unwrap_or("");
            let audiences: Vec<String> =
                serde_json::from_value(spec["audiences"].clone()).unwrap_or_default();
            obj["status"] = match server.tokens.verify(token, Some(&audiences)) {
                Some(s) => {
                    json!({"authenticated": true, "user": user_info(&s.user), "audiences": s.audiences})
                }
                None => {
                    json!({"authenticated": false, "user": {}, "error": "[invalid bearer token, token lookup failed]"})
                }
            };
        }
        "selfsubjectreviews" => {
            obj["status"] = json!({"userInfo": user_info(user)});
        }
        "selfsubjectrulesreviews" => {
            obj["status"] =
                json!({"resourceRules": [], "nonResourceRules": [], "incomplete": true});
        }
        _ => {
            let subject = if def.resource == "selfsubjectaccessreviews" {
                user.clone()
            } else {
                let extra: BTreeMap<String, Vec<String>> =
                    serde_json::from_value(spec["extra"].clone()).unwrap_or_default();
                User {
                    name: spec["user"].as_str().unwrap_or("").into(),
                    uid: spec["uid"].as_str().unwrap_or("").into(),
                    groups: serde_json::from_value(spec["groups"].clone()).unwrap_or_default(),
                    extra,
                }
            };
            let Some(mut attrs) = attributes(&spec) else {
                return Err(ApiError::invalid(
                    def.group,
                    def.kind,
                    "",
                    &[FieldError::invalid(
                        &FieldPath::new("spec").child("resourceAttributes"),
                        Value::Null,
                        "exactly one of nonResourceAttributes or resourceAttributes must be specified",
                    )],
                ));
            };
            if def.resource == "localsubjectaccessreviews" {
                attrs.namespace = info.namespace.clone();
            }
            // A bound resource's export policy applies to reviews too, as to requests.
            let catalog = server.catalogs.for_cluster(cluster);
            let bound = attrs
                .resource_request
                .then(|| {
                    catalog
                        .resources()
                        .iter()
                        .find(|d| d.group == attrs.api_group && d.resource == attrs.resource)
                })
                .flatten()
                .and_then(|d| d.bound.clone());
            let decision = authz::authorize_resource(
                &server.storage,
                &subject,
                cluster,
                &attrs,
                bound.as_deref(),
            )
            .await;
            obj["status"] = match decision {
                Decision::Allow => json!({"allowed": true, "reason": "allowed by RBAC"}),
                Decision::Deny(r) if r.is_empty() => json!({"allowed": false}),
                Decision::Deny(r) => json!({"allowed": false, "reason": r}),
            };
        }
    }
    if obj.get("metadata").is_none() {
        obj["metadata"] = json!({});
    }
    Ok(response::json(201, &obj))
}

/// `POST serviceaccounts/<name>/token`: a TokenRequest answered with a signed token.
pub async fn token_request(
    server: &Server,
    def: &ResourceDef,
    cluster: &str,
    info: &RequestInfo,
    headers: &http::HeaderMap,
    body: &Bytes,
) -> ApiResult<Response<Body>> {
    let mut req = crate::registry::handler::decode_body(headers, body, "TokenRequest")?;
    let key = crate::storage::keys::object_key(
        "",
        "serviceaccounts",
        &def.space,
        cluster,
        Some(&info.namespace),
        &info.name,
    );
    let sa = server
        .storage
        .get(&key)
        .await?
        .ok_or_else(|| ApiError::not_found(&def.group_resource(), &info.name))?
        .value()?;
    let spec = req.get("spec").cloned().unwrap_or(json!({}));
    let audiences: Vec<String> =
        serde_json::from_value(spec["audiences"].clone()).unwrap_or_default();
    let expiration = spec["expirationSeconds"]
        .as_i64()
        .unwrap_or(crate::serviceaccount::DEFAULT_EXPIRATION_SECONDS);
    if expiration < 600 {
        return Err(ApiError::invalid(
            "authentication.k8s.io",
            "TokenRequest",
            &info.name,
            &[FieldError::invalid(
                &FieldPath::new("spec").child("expirationSeconds"),
                expiration,
                "may not specify a duration less than 10 minutes",
            )],
        ));
    }
    let uid = sa["metadata"]["uid"].as_str().unwrap_or("");
    let (token, exp) = server
        .tokens
        .issue(
            cluster,
            &info.namespace,
            &info.name,
            uid,
            &audiences,
            expiration,
        )
        .map_err(ApiError::internal)?;
    let expires = jiff::Timestamp::from_second(exp)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default();
    req["apiVersion"] = json!("authentication.k8s.io/v1");
    req["kind"] = json!("TokenRequest");
    req["metadata"] =
        json!({"name": info.name, "namespace": info.namespace, "creationTimestamp": null});
    let audiences = if audiences.is_empty() {
        vec![server.tokens.issuer().to_string()]
    } else {
        audiences
    };
    req["spec"]["audiences"] = json!(audiences);
    req["spec"]["expirationSeconds"] = json!(expiration);
    req["status"] = json!({"token": token, "expirationTimestamp": expires});
    Ok(response::json(201, &req))
}
