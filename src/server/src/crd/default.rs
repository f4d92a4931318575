//! Defaulting: kube-apiserver fills in a schema's `default`s after pruning, on every decode
//! (requests and reads from storage). A property that is missing, or `null` where the schema
//! is not `nullable`, gets its default; `null` items of arrays and `null` values of maps do
//! too. Defaults are deep copies and are themselves defaulted further down.

use serde_json::Value;

use super::schema::Schema;

fn is_non_nullable_null(v: &Value, s: &Schema) -> bool {
    v.is_null() && !s.nullable
}

pub(crate) fn apply_defaults(x: &mut Value, s: &Schema) {
    match x {
        Value::Object(m) => {
            for (k, prop) in &s.properties {
                let Some(d) = &prop.default else { continue };
                match m.get(k) {
                    Some(v) if !is_non_nullable_null(v, prop) => {}
                    _ => {
                        m.insert(k.clone(), d.clone());
                    }
                }
            }
            for (k, v) in m.iter_mut() {
                if let Some(p) = s.property(k) {
                    apply_defaults(v, p);
                } else if let Some(a) = s.additional_schema() {
                    if is_non_nullable_null(v, a)
                        && let Some(d) = &a.default
                    {
                        *v = d.clone();
                    }
                    apply_defaults(v, a);
                }
            }
        }
        Value::Array(items) => {
            let Some(is) = s.items.as_deref() else { return };
            for v in items.iter_mut() {
                if is_non_nullable_null(v, is)
                    && let Some(d) = &is.default
                {
                    *v = d.clone();
                }
                apply_defaults(v, is);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(schema: Value, mut obj: Value) -> Value {
        apply_defaults(&mut obj, &Schema::parse(&schema));
        obj
    }

    #[test]
    fn defaults_missing_fields_and_recurses_into_defaults() {
        // The CronTab example from the Kubernetes documentation.
        let schema = json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
            "cronSpec": {"type": "string", "pattern": "^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$", "default": "5 0 * * *"},
            "image": {"type": "string"},
            "replicas": {"type": "integer", "minimum": 1, "maximum": 10, "default": 1}}}}});
        assert_eq!(
            run(schema, json!({"spec": {"image": "my-awesome-cron-image"}})),
            json!({"spec": {"image": "my-awesome-cron-image", "cronSpec": "5 0 * * *", "replicas": 1}})
        );
    }

    #[test]
    fn default_object_is_defaulted_further() {
        let schema = json!({"type": "object", "properties": {"spec": {"type": "object", "default": {},
            "properties": {"a": {"type": "integer", "default": 3}}}}});
        assert_eq!(run(schema, json!({})), json!({"spec": {"a": 3}}));
    }

    #[test]
    fn nullable_null_is_kept_and_non_nullable_null_is_defaulted() {
        let schema = json!({"type": "object", "properties": {
            "a": {"type": "string", "nullable": true, "default": "x"},
            "b": {"type": "string", "default": "y"}}});
        assert_eq!(
            run(schema, json!({"a": null, "b": null})),
            json!({"a": null, "b": "y"})
        );
    }

    #[test]
    fn items_and_additional_properties() {
        let schema = json!({"type": "object", "properties": {
            "list": {"type": "array", "items": {"type": "object", "default": {"k": "d"},
                "properties": {"k": {"type": "string"}, "n": {"type": "integer", "default": 0}}}},
            "map": {"type": "object", "additionalProperties": {"type": "string", "default": "v"}}}});
        assert_eq!(
            run(
                schema,
                json!({"list": [{"k": "a"}, null], "map": {"x": null, "y": "z"}})
            ),
            json!({"list": [{"k": "a", "n": 0}, {"k": "d", "n": 0}], "map": {"x": "v", "y": "z"}})
        );
    }
}
