//! The shape every kcp kind shares: `apiVersion`, `kind`, `metadata` (Kubernetes' `ObjectMeta`
//! from `k8s-openapi`), then the kind's own fields. [`kcp_resource!`] declares such a struct and
//! implements `k8s_openapi::Resource`, `ListableResource` and `Metadata` for it, so kube-rs'
//! `Api<Workspace>` works without kube-derive. Also the small serde predicates that reproduce Go's
//! `omitempty`.

/// Go's `omitempty` for `bool`.
pub(crate) fn is_false(b: &bool) -> bool {
    !*b
}

/// Go's `omitempty` for numbers.
pub(crate) fn is_zero_u64(n: &u64) -> bool {
    *n == 0
}

/// Declares a cluster-scoped kcp kind.
macro_rules! kcp_resource {
    (
        $(#[$meta:meta])*
        pub struct $name:ident ($group:literal, $version:literal, $kind:literal, $plural:literal) {
            $( $(#[$fmeta:meta])* pub $field:ident : $fty:ty, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            /// Always `<group>/<version>` on objects this crate builds.
            #[serde(default)]
            pub api_version: String,
            /// Always the kind on objects this crate builds.
            #[serde(default)]
            pub kind: String,
            #[serde(default)]
            pub metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
            $( $(#[$fmeta])* pub $field: $fty, )*
        }

        impl Default for $name {
            fn default() -> Self {
                $name {
                    api_version: <$name as k8s_openapi::Resource>::API_VERSION.to_owned(),
                    kind: $kind.to_owned(),
                    metadata: Default::default(),
                    $( $field: Default::default(), )*
                }
            }
        }

        impl $name {
            /// Group of the kind.
            pub const GROUP: &'static str = $group;
            /// Version of this struct.
            pub const VERSION: &'static str = $version;
            /// Kind.
            pub const KIND: &'static str = $kind;
            /// Resource (plural).
            pub const RESOURCE: &'static str = $plural;

            /// An empty object named `name`, with apiVersion and kind set.
            pub fn named(name: &str) -> Self {
                let mut o = Self::default();
                o.metadata.name = Some(name.to_owned());
                o
            }

            /// The object's name ("" when unset).
            pub fn name(&self) -> &str {
                self.metadata.name.as_deref().unwrap_or_default()
            }

            /// An annotation's value.
            pub fn annotation(&self, key: &str) -> Option<&str> {
                self.metadata.annotations.as_ref()?.get(key).map(String::as_str)
            }

            /// A label's value.
            pub fn label(&self, key: &str) -> Option<&str> {
                self.metadata.labels.as_ref()?.get(key).map(String::as_str)
            }

            /// The logical cluster the object was read from (`kcp.io/cluster`).
            pub fn cluster(&self) -> Option<&str> {
                self.annotation($crate::CLUSTER_ANNOTATION)
            }
        }

        impl k8s_openapi::Resource for $name {
            const API_VERSION: &'static str = concat!($group, "/", $version);
            const GROUP: &'static str = $group;
            const KIND: &'static str = $kind;
            const VERSION: &'static str = $version;
            const URL_PATH_SEGMENT: &'static str = $plural;
            type Scope = k8s_openapi::ClusterResourceScope;
        }

        impl k8s_openapi::ListableResource for $name {
            const LIST_KIND: &'static str = concat!($kind, "List");
        }

        impl k8s_openapi::Metadata for $name {
            type Ty = k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
            fn metadata(&self) -> &Self::Ty {
                &self.metadata
            }
            fn metadata_mut(&mut self) -> &mut Self::Ty {
                &mut self.metadata
            }
        }
    };
}

/// Declares a string enum with kcp's spellings, `as_str`, `Display` and serde.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $s:literal, )* }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $s)] $variant, )*
        }

        impl $name {
            /// Every value, in kcp's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The wire string.
            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $s, )* }
            }

            /// The value spelled `s`.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $( $s => Some($name::$variant), )* _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
