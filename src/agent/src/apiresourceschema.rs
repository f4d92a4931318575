//! The APIResourceSchema the agent creates in kcp for a projected CRD, and its name
//! (`reference/api-syncagent.md` §4.3, §13 item 11).
//!
//! The name is `v<first 8 hex digits of SHA-1>.<plural>.<group>`, where the SHA-1 is taken over
//! what Go's `json.NewEncoder(h).Encode(crd.Spec)` writes for the typed apiextensions/v1 spec with
//! `spec.conversion` cleared. [`spec_json`] writes those bytes: struct fields in Go's declaration
//! order with Go's `omitempty`, map keys sorted, HTML-escaped strings, Go number formatting, free
//! JSON values (`default`, `example`, `enum`) compacted with sorted keys (as the API server
//! returns them), and the encoder's trailing newline. The names agree with the Go agent's on
//! real-world CRDs (`testdata/arshash/`), so an agent replaced by this one keeps its schemas.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use base64::Engine as _;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceColumnDefinition, CustomResourceConversion, CustomResourceDefinition,
    CustomResourceDefinitionNames, CustomResourceDefinitionSpec, CustomResourceDefinitionVersion,
    CustomResourceSubresources, JSONSchemaProps, JSONSchemaPropsOrArray, JSONSchemaPropsOrBool,
    JSONSchemaPropsOrStringArray, SelectableField, ValidationRule,
};
use kcp_api::apis::v1alpha1;
use sha1::{Digest, Sha1};

use kcp_api::gojson::{self, Object, write_array};

/// Label on every schema the agent creates: the agent's name.
pub const AGENT_NAME_LABEL: &str = "syncagent.kcp.io/agent-name";
/// Annotation on every schema the agent creates: the agent's name.
pub const AGENT_NAME_ANNOTATION: &str = "syncagent.kcp.io/agent-name";
/// Annotation: `metadata.generation` of the source CRD.
pub const SOURCE_GENERATION_ANNOTATION: &str = "syncagent.kcp.io/source-generation";

/// Why a CRD does not convert into an APIResourceSchema (kcp's `CRDToAPIResourceSchema`
/// messages, behind the agent's prefix).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    /// The CRD name does not make a DNS-1123 subdomain.
    #[error("failed to convert CRD: {0}")]
    InvalidName(String),
    /// More than one version without `spec.conversion`.
    #[error(
        "failed to convert CRD: multiple versions specified for {0} but no conversion strategy"
    )]
    NoConversionStrategy(String),
    /// A conversion webhook that refers to a Service.
    #[error(
        "failed to convert CRD: webhooks that refer to services are not supported, please use URL instead"
    )]
    WebhookService,
    /// A conversion webhook without URL.
    #[error("failed to convert CRD: webhooks URL must be set")]
    WebhookUrl,
}

/// The schema name for a (projected) CRD: `v<8 hex>.<plural>.<group>`.
pub fn schema_name(crd: &CustomResourceDefinition) -> String {
    let checksum = spec_checksum(&crd.spec);
    format!(
        "v{}.{}.{}",
        &checksum[..8],
        crd.spec.names.plural,
        crd.spec.group
    )
}

/// Lowercase hex SHA-1 of [`spec_json`] (the spec with `conversion` cleared).
pub fn spec_checksum(spec: &CustomResourceDefinitionSpec) -> String {
    let digest = Sha1::digest(spec_json(spec).as_bytes());
    let mut hex = String::with_capacity(40);
    for b in digest {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// What Go's `json.NewEncoder(w).Encode(spec)` writes for `spec` with `spec.conversion = nil`
/// (the bytes the name hashes), trailing newline included.
pub fn spec_json(spec: &CustomResourceDefinitionSpec) -> String {
    let mut out = String::new();
    write_spec(&mut out, spec, false);
    out.push('\n');
    out
}

/// What Go's `json.NewEncoder(w).Encode(spec)` writes for `spec` as it is, trailing newline
/// included.
pub fn encode_spec(spec: &CustomResourceDefinitionSpec) -> String {
    let mut out = String::new();
    write_spec(&mut out, spec, true);
    out.push('\n');
    out
}

/// Builds the APIResourceSchema for a projected CRD (the Go agent's `CreateAPIResourceSchema`):
/// group, names, scope and versions from the CRD, `conversion: {strategy: None}` when there is
/// more than one version, the agent-name label and annotation, and the CRD's generation as
/// `syncagent.kcp.io/source-generation`.
pub fn create_api_resource_schema(
    crd: &CustomResourceDefinition,
    name: &str,
    agent_name: &str,
) -> Result<v1alpha1::APIResourceSchema, SchemaError> {
    check_convertible(crd)?;

    let mut ars = v1alpha1::APIResourceSchema::named(name);
    ars.metadata.labels = Some(BTreeMap::from([(
        AGENT_NAME_LABEL.to_owned(),
        agent_name.to_owned(),
    )]));
    ars.metadata.annotations = Some(BTreeMap::from([
        (
            SOURCE_GENERATION_ANNOTATION.to_owned(),
            crd.metadata.generation.unwrap_or(0).to_string(),
        ),
        (AGENT_NAME_ANNOTATION.to_owned(), agent_name.to_owned()),
    ]));

    let spec = &crd.spec;
    ars.spec.group = spec.group.clone();
    ars.spec.names = spec.names.clone();
    ars.spec.scope = spec.scope.clone();
    ars.spec.versions = spec
        .versions
        .iter()
        .map(|v| v1alpha1::APIResourceVersion {
            name: v.name.clone(),
            served: v.served,
            storage: v.storage,
            deprecated: v.deprecated.unwrap_or(false),
            deprecation_warning: v.deprecation_warning.clone(),
            schema: v
                .schema
                .as_ref()
                .and_then(|s| s.open_api_v3_schema.as_ref())
                .map(|s| serde_json::to_value(s).expect("JSONSchemaProps serialises"))
                .unwrap_or(serde_json::Value::Null),
            subresources: v.subresources.clone().unwrap_or_default(),
            additional_printer_columns: v.additional_printer_columns.clone().unwrap_or_default(),
            selectable_fields: v.selectable_fields.clone().unwrap_or_default(),
        })
        .collect();
    if ars.spec.versions.len() > 1 {
        ars.spec.conversion = Some(v1alpha1::CustomResourceConversion {
            strategy: "None".to_owned(),
            webhook: None,
        });
    }
    Ok(ars)
}

/// The checks of kcp's `CRDToAPIResourceSchema` (whose result the agent otherwise only partly
/// uses): `irrelevant.<crd name>` must be a DNS-1123 subdomain, several versions need a
/// conversion strategy, and a webhook conversion needs a URL and no Service.
fn check_convertible(crd: &CustomResourceDefinition) -> Result<(), SchemaError> {
    let crd_name = crd.metadata.name.as_deref().unwrap_or_default();
    let name = format!("irrelevant.{crd_name}");
    let problems = dns1123_subdomain_problems(&name);
    if !problems.is_empty() {
        let errors: Vec<String> = problems
            .iter()
            .map(|p| {
                let mut quoted = String::new();
                gojson::write_string(&mut quoted, &name);
                format!("metadata.name: Invalid value: {quoted}: {p}")
            })
            .collect();
        return Err(SchemaError::InvalidName(if errors.len() == 1 {
            errors.into_iter().next().unwrap_or_default()
        } else {
            format!("[{}]", errors.join(", "))
        }));
    }
    let spec = &crd.spec;
    if spec.versions.len() > 1 && spec.conversion.is_none() {
        return Err(SchemaError::NoConversionStrategy(crd_name.to_owned()));
    }
    if let Some(conversion) = &spec.conversion
        && conversion.strategy == "Webhook"
        && let Some(config) = conversion
            .webhook
            .as_ref()
            .and_then(|w| w.client_config.as_ref())
    {
        if config.service.is_some() {
            return Err(SchemaError::WebhookService);
        }
        if config.url.is_none() {
            return Err(SchemaError::WebhookUrl);
        }
    }
    Ok(())
}

/// apimachinery's `IsDNS1123Subdomain` messages.
fn dns1123_subdomain_problems(value: &str) -> Vec<&'static str> {
    let mut problems = Vec::new();
    if value.len() > 253 {
        problems.push("must be no more than 253 characters");
    }
    let label_ok = |label: &str| {
        let b = label.as_bytes();
        let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
        !b.is_empty()
            && alnum(&b[0])
            && alnum(&b[b.len() - 1])
            && b.iter().all(|c| alnum(c) || *c == b'-')
    };
    if !value.split('.').all(label_ok) {
        problems.push(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \
             '-' or '.', and must start and end with an alphanumeric character (e.g. \
             'example.com', regex used for validation is \
             '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        );
    }
    problems
}

// The Go encoder, one function per apiextensions/v1 struct, fields in declaration order.

fn write_spec(out: &mut String, spec: &CustomResourceDefinitionSpec, with_conversion: bool) {
    let mut o = Object::new(out);
    o.string("group", &spec.group);
    write_names(o.key("names"), &spec.names);
    o.string("scope", &spec.scope);
    let versions = o.key("versions");
    versions.push('[');
    for (i, v) in spec.versions.iter().enumerate() {
        if i > 0 {
            versions.push(',');
        }
        write_version(versions, v);
    }
    versions.push(']');
    if with_conversion && let Some(c) = &spec.conversion {
        write_conversion(o.key("conversion"), c);
    }
    o.bool_omitempty("preserveUnknownFields", spec.preserve_unknown_fields);
    o.end();
}

fn write_names(out: &mut String, names: &CustomResourceDefinitionNames) {
    let mut o = Object::new(out);
    o.string("plural", &names.plural);
    o.string_omitempty("singular", names.singular.as_deref());
    o.strings_omitempty("shortNames", names.short_names.as_deref());
    o.string("kind", &names.kind);
    o.string_omitempty("listKind", names.list_kind.as_deref());
    o.strings_omitempty("categories", names.categories.as_deref());
    o.end();
}

fn write_conversion(out: &mut String, c: &CustomResourceConversion) {
    let mut o = Object::new(out);
    o.string("strategy", &c.strategy);
    if let Some(webhook) = &c.webhook {
        let mut w = Object::new(o.key("webhook"));
        if let Some(config) = &webhook.client_config {
            let mut cc = Object::new(w.key("clientConfig"));
            cc.string_ptr("url", config.url.as_deref());
            if let Some(service) = &config.service {
                let mut s = Object::new(cc.key("service"));
                s.string("namespace", &service.namespace);
                s.string("name", &service.name);
                s.string_ptr("path", service.path.as_deref());
                s.int_ptr("port", service.port.map(i64::from));
                s.end();
            }
            if let Some(ca) = config.ca_bundle.as_ref().filter(|ca| !ca.0.is_empty()) {
                let encoded = base64::engine::general_purpose::STANDARD.encode(&ca.0);
                cc.string("caBundle", &encoded);
            }
            cc.end();
        }
        // not omitempty: an empty list is `[]` here (Go would write `null` for a nil one)
        gojson::write_strings(
            w.key("conversionReviewVersions"),
            &webhook.conversion_review_versions,
        );
        w.end();
    }
    o.end();
}

fn write_version(out: &mut String, v: &CustomResourceDefinitionVersion) {
    let mut o = Object::new(out);
    o.string("name", &v.name);
    o.bool("served", v.served);
    o.bool("storage", v.storage);
    o.bool_omitempty("deprecated", v.deprecated);
    o.string_ptr("deprecationWarning", v.deprecation_warning.as_deref());
    if let Some(schema) = &v.schema {
        let mut s = Object::new(o.key("schema"));
        if let Some(props) = &schema.open_api_v3_schema {
            write_props(s.key("openAPIV3Schema"), props);
        }
        s.end();
    }
    if let Some(sub) = &v.subresources {
        write_subresources(o.key("subresources"), sub);
    }
    if let Some(columns) = v
        .additional_printer_columns
        .as_ref()
        .filter(|c| !c.is_empty())
    {
        write_array(o.key("additionalPrinterColumns"), columns, write_column);
    }
    if let Some(fields) = v.selectable_fields.as_ref().filter(|f| !f.is_empty()) {
        write_array(
            o.key("selectableFields"),
            fields,
            |out, f: &SelectableField| {
                let mut o = Object::new(out);
                o.string("jsonPath", &f.json_path);
                o.end();
            },
        );
    }
    o.end();
}

fn write_subresources(out: &mut String, sub: &CustomResourceSubresources) {
    let mut o = Object::new(out);
    if sub.status.is_some() {
        // an empty Go struct, whatever the Rust value holds
        o.key("status").push_str("{}");
    }
    if let Some(scale) = &sub.scale {
        let mut s = Object::new(o.key("scale"));
        s.string("specReplicasPath", &scale.spec_replicas_path);
        s.string("statusReplicasPath", &scale.status_replicas_path);
        s.string_ptr("labelSelectorPath", scale.label_selector_path.as_deref());
        s.end();
    }
    o.end();
}

fn write_column(out: &mut String, c: &CustomResourceColumnDefinition) {
    let mut o = Object::new(out);
    o.string("name", &c.name);
    o.string("type", &c.type_);
    o.string_omitempty("format", c.format.as_deref());
    o.string_omitempty("description", c.description.as_deref());
    if let Some(p) = c.priority.filter(|p| *p != 0) {
        o.int_ptr("priority", Some(i64::from(p)));
    }
    o.string("jsonPath", &c.json_path);
    o.end();
}

fn write_props_map(out: &mut String, map: &BTreeMap<String, JSONSchemaProps>) {
    // BTreeMap<String, _> iterates in byte order, as Go sorts map keys
    let mut o = Object::new(out);
    for (k, v) in map {
        write_props(o.key(k), v);
    }
    o.end();
}

fn write_props_or_bool(out: &mut String, v: &JSONSchemaPropsOrBool) {
    match v {
        JSONSchemaPropsOrBool::Schema(s) => write_props(out, s),
        JSONSchemaPropsOrBool::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
    }
}

/// `JSONSchemaProps` in declaration order, with Go's `omitempty` per field kind: strings and
/// bools and slices and maps are left out when empty, pointers only when absent.
fn write_props(out: &mut String, p: &JSONSchemaProps) {
    let mut o = Object::new(out);
    o.string_omitempty("id", p.id.as_deref());
    o.string_omitempty("$schema", p.schema.as_deref());
    o.string_ptr("$ref", p.ref_path.as_deref());
    o.string_omitempty("description", p.description.as_deref());
    o.string_omitempty("type", p.type_.as_deref());
    o.string_omitempty("format", p.format.as_deref());
    o.string_omitempty("title", p.title.as_deref());
    if let Some(d) = &p.default {
        gojson::write_value(o.key("default"), &d.0, true);
    }
    o.float_ptr("maximum", p.maximum);
    o.bool_omitempty("exclusiveMaximum", p.exclusive_maximum);
    o.float_ptr("minimum", p.minimum);
    o.bool_omitempty("exclusiveMinimum", p.exclusive_minimum);
    o.int_ptr("maxLength", p.max_length);
    o.int_ptr("minLength", p.min_length);
    o.string_omitempty("pattern", p.pattern.as_deref());
    o.int_ptr("maxItems", p.max_items);
    o.int_ptr("minItems", p.min_items);
    o.bool_omitempty("uniqueItems", p.unique_items);
    o.float_ptr("multipleOf", p.multiple_of);
    if let Some(values) = p.enum_.as_ref().filter(|e| !e.is_empty()) {
        write_array(o.key("enum"), values, |out, v| {
            gojson::write_value(out, &v.0, true)
        });
    }
    o.int_ptr("maxProperties", p.max_properties);
    o.int_ptr("minProperties", p.min_properties);
    o.strings_omitempty("required", p.required.as_deref());
    if let Some(items) = &p.items {
        let out = o.key("items");
        match items {
            JSONSchemaPropsOrArray::Schema(s) => write_props(out, s),
            JSONSchemaPropsOrArray::Schemas(list) if !list.is_empty() => {
                write_array(out, list, write_props)
            }
            // Go marshals the (nil) single schema when the list is empty
            JSONSchemaPropsOrArray::Schemas(_) => out.push_str("null"),
        }
    }
    for (key, list) in [
        ("allOf", &p.all_of),
        ("oneOf", &p.one_of),
        ("anyOf", &p.any_of),
    ] {
        if let Some(list) = list.as_ref().filter(|l| !l.is_empty()) {
            write_array(o.key(key), list, write_props);
        }
    }
    if let Some(not) = &p.not {
        write_props(o.key("not"), not);
    }
    if let Some(map) = p.properties.as_ref().filter(|m| !m.is_empty()) {
        write_props_map(o.key("properties"), map);
    }
    if let Some(v) = &p.additional_properties {
        write_props_or_bool(o.key("additionalProperties"), v);
    }
    if let Some(map) = p.pattern_properties.as_ref().filter(|m| !m.is_empty()) {
        write_props_map(o.key("patternProperties"), map);
    }
    if let Some(deps) = p.dependencies.as_ref().filter(|m| !m.is_empty()) {
        let mut d = Object::new(o.key("dependencies"));
        for (k, v) in deps {
            let out = d.key(k);
            match v {
                JSONSchemaPropsOrStringArray::Strings(s) if !s.is_empty() => {
                    gojson::write_strings(out, s)
                }
                JSONSchemaPropsOrStringArray::Schema(s) => write_props(out, s),
                JSONSchemaPropsOrStringArray::Strings(_) => out.push_str("null"),
            }
        }
        d.end();
    }
    if let Some(v) = &p.additional_items {
        write_props_or_bool(o.key("additionalItems"), v);
    }
    if let Some(map) = p.definitions.as_ref().filter(|m| !m.is_empty()) {
        write_props_map(o.key("definitions"), map);
    }
    if let Some(docs) = &p.external_docs {
        let mut d = Object::new(o.key("externalDocs"));
        d.string_omitempty("description", docs.description.as_deref());
        d.string_omitempty("url", docs.url.as_deref());
        d.end();
    }
    if let Some(e) = &p.example {
        gojson::write_value(o.key("example"), &e.0, true);
    }
    o.bool_omitempty("nullable", p.nullable);
    o.bool_ptr(
        "x-kubernetes-preserve-unknown-fields",
        p.x_kubernetes_preserve_unknown_fields,
    );
    o.bool_omitempty(
        "x-kubernetes-embedded-resource",
        p.x_kubernetes_embedded_resource,
    );
    o.bool_omitempty("x-kubernetes-int-or-string", p.x_kubernetes_int_or_string);
    o.strings_omitempty(
        "x-kubernetes-list-map-keys",
        p.x_kubernetes_list_map_keys.as_deref(),
    );
    o.string_ptr(
        "x-kubernetes-list-type",
        p.x_kubernetes_list_type.as_deref(),
    );
    o.string_ptr("x-kubernetes-map-type", p.x_kubernetes_map_type.as_deref());
    if let Some(rules) = p
        .x_kubernetes_validations
        .as_ref()
        .filter(|r| !r.is_empty())
    {
        write_array(o.key("x-kubernetes-validations"), rules, write_rule);
    }
    o.end();
}

fn write_rule(out: &mut String, r: &ValidationRule) {
    let mut o = Object::new(out);
    o.string("rule", &r.rule);
    o.string_omitempty("message", r.message.as_deref());
    o.string_omitempty("messageExpression", r.message_expression.as_deref());
    o.string_ptr("reason", r.reason.as_deref());
    o.string_omitempty("fieldPath", r.field_path.as_deref());
    o.bool_ptr("optionalOldSelf", r.optional_old_self);
    o.end();
}

#[cfg(test)]
mod tests;
