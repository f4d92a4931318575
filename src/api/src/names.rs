//! Names and label values kcp derives by hashing (`reference/kcp.md` §3.1, §3.2, §3.8, §3.9,
//! §4.5): the `internal.apis.kcp.io/export` label, default APIBinding names, initializer and
//! terminator labels, permission-claim labels, the legacy shard hash and the APIExport identity
//! hash. Cluster names live in [`crate::logicalcluster`].

use crate::hash;
use crate::logicalcluster::Path;

/// Kubernetes' maximum label value (and label name) length.
const LABEL_VALUE_MAX_LENGTH: usize = 63;
/// Kubernetes' maximum DNS-1123 subdomain length (object names).
const DNS1123_SUBDOMAIN_MAX_LENGTH: usize = 253;

/// Value of the `internal.apis.kcp.io/export` label on an APIBinding: base62(SHA-224 of
/// `<exportClusterName>:<exportName>`) (kcp `ToAPIBindingExportLabelValue`).
pub fn apibinding_export_label_value(export_cluster: &str, export_name: &str) -> String {
    let joined = Path::new(export_cluster).join(export_name);
    hash::base62_sha224(joined.as_str().as_bytes())
}

/// The name the `system:apibindings` initializer gives the APIBinding it creates in `cluster` for
/// the export `export_path:export_name`: the export name cut to 247 characters, `-`, and the
/// first five characters, lowercased, of base62(SHA-224(`cluster|exportPath|exportName`)).
pub fn default_apibinding_name(cluster: &str, export_path: &str, export_name: &str) -> String {
    let max_prefix = DNS1123_SUBDOMAIN_MAX_LENGTH - 1 - 5;
    let prefix: String = export_name.chars().take(max_prefix).collect();
    let digest = hash::base62_sha224(format!("{cluster}|{export_path}|{export_name}").as_bytes());
    let suffix: String = digest.chars().take(5).collect::<String>().to_lowercase();
    format!("{prefix}-{suffix}")
}

/// The label (key, value) marking a pending initializer on a LogicalCluster / Workspace: key
/// `initializer.internal.kcp.io/<hex SHA-224 cut to fit 63 characters>`, value the full hex hash.
pub fn initializer_label(initializer: &str) -> (String, String) {
    hashed_label(crate::keys::WORKSPACE_INITIALIZER_LABEL_PREFIX, initializer)
}

/// The label (key, value) marking a pending terminator (see [`initializer_label`]).
pub fn terminator_label(terminator: &str) -> (String, String) {
    hashed_label(crate::keys::WORKSPACE_TERMINATOR_LABEL_PREFIX, terminator)
}

fn hashed_label(prefix: &str, value: &str) -> (String, String) {
    let full = hash::hex_sha224(value.as_bytes());
    let keep = LABEL_VALUE_MAX_LENGTH - prefix.len();
    (format!("{prefix}{}", &full[..keep]), full)
}

/// The legacy `internal.tenancy.kcp.io/shard` annotation value: the first 8 characters of the
/// zero-padded base36 SHA-224 of the shard name.
pub fn shard_hash(shard_name: &str) -> String {
    let mut s = hash::base36_sha224_pad(shard_name.as_bytes());
    s.truncate(8);
    s
}

/// The APIExport identity hash: lowercase hex SHA-256 of the identity secret's `key` bytes.
pub fn identity_hash(key: &[u8]) -> String {
    hash::hex_sha256(key)
}

/// The label (key, value) that marks an object claimed by an APIExport's permission claim:
/// key `claimed.internal.apis.kcp.io/<base62 SHA-224 of "<exportCluster>:<exportName>">`,
/// value base62 SHA-224 of the claim's JSON without verbs and selectors (what Go's encoder
/// writes for `{group, resource, verbs: nil, identityHash}`), kcp `ToLabelKeyAndValue`.
pub fn permission_claim_label(
    export_cluster: &str,
    export_name: &str,
    group: &str,
    resource: &str,
    identity_hash: &str,
) -> (String, String) {
    // Field order and omitempty exactly as the Go struct encodes them.
    let mut json = String::from("{");
    if !group.is_empty() {
        json.push_str(&format!("\"group\":{},", json_string(group)));
    }
    json.push_str(&format!(
        "\"resource\":{},\"verbs\":null",
        json_string(resource)
    ));
    if !identity_hash.is_empty() {
        json.push_str(&format!(",\"identityHash\":{}", json_string(identity_hash)));
    }
    json.push('}');
    (
        claim_label_key(export_cluster, export_name),
        hash::base62_sha224(json.as_bytes()),
    )
}

/// The label (key, value) set on APIBindings to the export that did not accept a claim on
/// them (kcp `ToReflexiveAPIBindingLabelKeyAndValue`).
pub fn reflexive_apibinding_label(export_cluster: &str, export_name: &str) -> (String, String) {
    const FIXED: [u8; 28] = [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7,
    ];
    (
        claim_label_key(export_cluster, export_name),
        hash::encode(&FIXED, 62),
    )
}

fn claim_label_key(export_cluster: &str, export_name: &str) -> String {
    format!(
        "{}{}",
        crate::keys::APIEXPORT_PERMISSION_CLAIM_LABEL_PREFIX,
        apibinding_export_label_value(export_cluster, export_name)
    )
}

/// A JSON string literal as Go's encoder writes it (it also escapes `<`, `>` and `&`).
fn json_string(s: &str) -> String {
    serde_json::to_string(s)
        .unwrap_or_default()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values computed independently from kcp's algorithm descriptions.
    #[test]
    fn export_label() {
        assert_eq!(
            apibinding_export_label_value("root", "tenancy.kcp.io"),
            "bmCdly9xXiUpEHe3ypvDwvXMTfoVZUE92mqAQf"
        );
        assert_eq!(
            apibinding_export_label_value("2cynbfy2m0wtjqcs", "kubernetes"),
            "7u5KssLo5tHmQplCvMPV5AB9MN4OD0wswVAVff"
        );
    }

    #[test]
    fn binding_names() {
        assert_eq!(
            default_apibinding_name("2cynbfy2m0wtjqcs", "root", "tenancy.kcp.io"),
            "tenancy.kcp.io-4xer2"
        );
        assert_eq!(
            default_apibinding_name("2cynbfy2m0wtjqcs", "root", "topology.kcp.io"),
            "topology.kcp.io-ciinb"
        );
        let long = "a".repeat(300);
        assert_eq!(default_apibinding_name("c", "root", &long).len(), 253);
    }

    #[test]
    fn lifecycle_labels() {
        let (k, v) = initializer_label("root:universal");
        assert_eq!(
            v,
            "d1d6459a03641b6fd7560fc2849f6c66fa971a0afeded6ba2d2743f2"
        );
        assert_eq!(k, format!("initializer.internal.kcp.io/{}", &v[..35]));
        assert_eq!(k.len(), 63);
        let (k, v) = terminator_label("system:apibindings");
        assert_eq!(
            v,
            "dd58c810629ccc3e49c7d8225b9bcfaa42a4a2ecbb7e4a9be76614e3"
        );
        assert_eq!(k, format!("terminator.internal.kcp.io/{}", &v[..36]));
    }

    #[test]
    fn shard_and_identity() {
        assert_eq!(shard_hash("root"), "1pfxsevk");
        assert_eq!(
            identity_hash(b"s3cr3t-key"),
            "99ab9660c4e55f77fd420904b46180434242e63be70f6bb54084c9a4abccc941"
        );
    }

    #[test]
    fn claim_labels() {
        let (k, v) = permission_claim_label("root", "tenancy.kcp.io", "", "secrets", "");
        assert_eq!(
            k,
            "claimed.internal.apis.kcp.io/bmCdly9xXiUpEHe3ypvDwvXMTfoVZUE92mqAQf"
        );
        assert_eq!(v, "ctwrJRvMX7cX8wwk40Lz00UjJhYxPWE3TpN1lu");
        let (_, v) = permission_claim_label("root", "x", "wildwest.dev", "cowboys", "abc");
        assert_eq!(v, "5CW8Q499WEFkCE7PJUb8obgdee0FGmD9Nv7CVK");
        // kcp's own vectors (sdk permissionclaims TestToLabelKeyAndValue).
        let (_, v) = permission_claim_label("root", "tenancy.kcp.io", "", "configmaps", "");
        assert_eq!(v, "3QVjs6pfBjMpLEVYYhysJnroYGsQGlWm05E4qe");
        let (k, v) =
            permission_claim_label("abcd1234", "my-export", "apps", "deployments", "deadbeef");
        assert_eq!(
            k,
            "claimed.internal.apis.kcp.io/phGj1BkmdNY3LKTrtFc1KGLYTBs8Nt50p8PIU"
        );
        assert_eq!(v, "4CpOMiJ5JL9ZC4cG8ne7nGNQbSOEUiwZ89KHal");
        let (_, v) = reflexive_apibinding_label("root", "x");
        assert_eq!(v, "LstvmbbzVDDOn90ZbhzSQO5U3DMCf88h1pZ");
    }
}
