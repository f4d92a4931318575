//! `/openapi/v2` in protobuf: gnostic's `openapi_v2.Document`, made from the JSON document.
//!
//! kube-openapi answers a protobuf `Accept` with `proto.Marshal(openapi_v2.ParseDocument(json))`
//! (`ToProtoBinary`), so the protobuf form is a function of the JSON bytes. [`to_proto_binary`]
//! is that function: it reads the JSON and writes the message gnostic's parser would build,
//! field by field in field-number order, as Go's `proto.Marshal` writes it.
//!
//! gnostic's parser is generated from the OpenAPI 2.0 JSON schema; its rules, which this module
//! follows, are:
//! - each object type lists its fields; an object with a key that is neither a field nor matches
//!   the type's patterns (`^x-` for vendor extensions, `^/` for paths, a status code or
//!   `default` for responses) is an error, and so is a missing required key or a value of the
//!   wrong kind. An error anywhere fails the whole document.
//! - free-form values (vendor extensions, `default`, `example`, `enum` members) become an `Any`
//!   holding their YAML text (see [`super::goyaml`]).
//! - a `oneof` (a parameter is a body parameter or one of four non-body kinds, a response a
//!   response or a `$ref`, `additionalProperties` a schema or a boolean, …) tries each member
//!   in order and keeps the last one that parses.
//! - a scalar is read by its YAML type: a string field takes a string, an integer or `null`; an
//!   integer field only an integer; a number field an integer or a float.
//!
//! The message and field tables below are the interface facts of `OpenAPIv2.proto` and of
//! gnostic's parser (github.com/google/gnostic-models, `openapiv2`).
//!
//! Where the JSON is unusual, gnostic sees YAML that this module does not reproduce: a list
//! where an object is expected has its items read as key/value pairs by gnostic and is empty
//! here, and a raw NEL, LS or PS character inside a string is a line break to YAML (folded)
//! but kept here as the JSON means it. Our documents have neither; numbers are written back as
//! serde_json writes them, which is how the served JSON has them.

use std::fmt;

use serde_json::{Map, Value};

use super::goyaml;
use crate::protobuf::wire::Writer;

/// Why a JSON document has no protobuf form (gnostic's parser refuses it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtoError {
    /// Where, as gnostic names it: `$root.definitions.<name>.properties.<name>`.
    pub path: String,
    pub message: String,
}

impl fmt::Display for ProtoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.path, self.message)
    }
}

impl std::error::Error for ProtoError {}

type Result<T> = std::result::Result<T, ProtoError>;

fn error(message: impl Into<String>) -> ProtoError {
    ProtoError {
        path: String::new(),
        message: message.into(),
    }
}

/// Prefixes the path of an error raised inside `segment`.
fn within<T>(segment: &str, r: Result<T>) -> Result<T> {
    r.map_err(|mut e| {
        e.path = if e.path.is_empty() {
            segment.to_string()
        } else {
            format!("{segment}.{}", e.path)
        };
        e
    })
}

/// The protobuf bytes of the OpenAPI v2 document `json`, as kube-openapi's `ToProtoBinary`
/// makes them.
pub fn to_proto_binary(json: &[u8]) -> Result<Vec<u8>> {
    let text = std::str::from_utf8(json).map_err(|e| error(format!("invalid UTF-8: {e}")))?;
    // gnostic reads JSON as YAML, whose reader refuses these characters anywhere in the stream.
    if let Some(c) = text.chars().find(|&c| !yaml_stream_char(c)) {
        return Err(error(format!(
            "yaml: control characters are not allowed (U+{:04X})",
            u32::from(c)
        )));
    }
    let doc: Value = serde_json::from_str(text).map_err(|e| error(format!("invalid JSON: {e}")))?;
    within("$root", parse(Message::Document, &doc))
}

/// Characters YAML allows in a stream (JSON escapes the C0 controls, so only the others can
/// appear raw).
fn yaml_stream_char(c: char) -> bool {
    matches!(u32::from(c), 0x09 | 0x0a | 0x0d | 0x20..=0x7e | 0x85 | 0xa0..=0xd7ff | 0xe000..=0xfffd | 0x10000..)
}

/// The message types of `OpenAPIv2.proto` that a document can contain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Message {
    Document,
    Info,
    Contact,
    License,
    ExternalDocs,
    Tag,
    Paths,
    PathItem,
    Operation,
    ParametersItem,
    Parameter,
    BodyParameter,
    NonBodyParameter,
    HeaderParameterSubSchema,
    FormDataParameterSubSchema,
    QueryParameterSubSchema,
    PathParameterSubSchema,
    PrimitivesItems,
    JsonReference,
    Responses,
    ResponseValue,
    Response,
    SchemaItem,
    FileSchema,
    Headers,
    Header,
    Examples,
    Schema,
    AdditionalPropertiesItem,
    TypeItem,
    ItemsItem,
    Properties,
    Xml,
    Definitions,
    ParameterDefinitions,
    ResponseDefinitions,
    SecurityDefinitions,
    SecurityDefinitionsItem,
    BasicAuthenticationSecurity,
    ApiKeySecurity,
    Oauth2ImplicitSecurity,
    Oauth2PasswordSecurity,
    Oauth2ApplicationSecurity,
    Oauth2AccessCodeSecurity,
    Oauth2Scopes,
    SecurityRequirement,
    StringArray,
    /// A free-form value: its YAML text.
    Any,
    /// The value of a `NamedString` (OAuth2 scopes): a plain string field, not a message.
    String,
}

/// Which keys a map field takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pattern {
    /// `^x-`: vendor extensions.
    Extension,
    /// `^/`: paths.
    Path,
    /// `^([0-9]{3})$|^(default)$`: response codes.
    ResponseCode,
}

impl Pattern {
    fn matches(self, key: &str) -> bool {
        match self {
            Pattern::Extension => key.starts_with("x-"),
            Pattern::Path => key.starts_with('/'),
            Pattern::ResponseCode => {
                key == "default" || (key.len() == 3 && key.bytes().all(|b| b.is_ascii_digit()))
            }
        }
    }
}

/// How a field's value is read and written.
#[derive(Clone, Copy, Debug)]
enum Kind {
    /// A string, optionally one of the listed values.
    String(Option<&'static [&'static str]>),
    Bool,
    Int64,
    Double,
    /// A list of strings (items of other types are skipped), optionally from the listed values.
    Strings(Option<&'static [&'static str]>),
    Message(Message),
    /// A list of messages; a value that is not a list is ignored.
    Messages(Message),
    /// The object's own keys that match (all of them with `None`), as `Named<Type>` pairs.
    Map(Option<Pattern>, Message),
}

#[derive(Clone, Copy, Debug)]
struct Field {
    number: u32,
    /// The JSON key (unused for [`Kind::Map`]).
    key: &'static str,
    kind: Kind,
}

/// An object type: its required keys, whether other keys are refused, and its fields in
/// field-number order.
struct Spec {
    required: &'static [&'static str],
    /// Keys other than the fields and the map fields' patterns are an error.
    closed: bool,
    fields: &'static [Field],
}

const fn f(number: u32, key: &'static str, kind: Kind) -> Field {
    Field { number, key, kind }
}

const STRING: Kind = Kind::String(None);
const EXTENSIONS: Kind = Kind::Map(Some(Pattern::Extension), Message::Any);
const SCHEMES: &[&str] = &["http", "https", "ws", "wss"];
const PRIMITIVE_TYPES: &[&str] = &["string", "number", "integer", "boolean", "array"];
const PARAMETER_TYPES: &[&str] = &["string", "number", "boolean", "integer", "array"];
const FORM_DATA_TYPES: &[&str] = &["string", "number", "boolean", "integer", "array", "file"];
const COLLECTION_FORMATS: &[&str] = &["csv", "ssv", "tsv", "pipes"];
const QUERY_COLLECTION_FORMATS: &[&str] = &["csv", "ssv", "tsv", "pipes", "multi"];

/// The validation keywords shared by parameters, headers and primitive items, from `format`
/// on, numbered from `first` (`items` is `first + 1`, …, `multipleOf` is `first + 15`).
macro_rules! primitive_fields {
    ($first:expr, $formats:expr) => {
        [
            f($first, "format", STRING),
            f($first + 1, "items", Kind::Message(Message::PrimitivesItems)),
            f($first + 2, "collectionFormat", Kind::String(Some($formats))),
            f($first + 3, "default", Kind::Message(Message::Any)),
            f($first + 4, "maximum", Kind::Double),
            f($first + 5, "exclusiveMaximum", Kind::Bool),
            f($first + 6, "minimum", Kind::Double),
            f($first + 7, "exclusiveMinimum", Kind::Bool),
            f($first + 8, "maxLength", Kind::Int64),
            f($first + 9, "minLength", Kind::Int64),
            f($first + 10, "pattern", STRING),
            f($first + 11, "maxItems", Kind::Int64),
            f($first + 12, "minItems", Kind::Int64),
            f($first + 13, "uniqueItems", Kind::Bool),
            f($first + 14, "enum", Kind::Messages(Message::Any)),
            f($first + 15, "multipleOf", Kind::Double),
        ]
    };
}

/// Concatenates field arrays into one static slice.
macro_rules! fields {
    ($($part:expr),* $(,)?) => {{
        const PARTS: &[&[Field]] = &[$(&$part),*];
        const LEN: usize = {
            let mut n = 0;
            let mut i = 0;
            while i < PARTS.len() {
                n += PARTS[i].len();
                i += 1;
            }
            n
        };
        const ALL: [Field; LEN] = {
            let mut out = [f(0, "", Kind::Bool); LEN];
            let (mut n, mut i) = (0, 0);
            while i < PARTS.len() {
                let mut j = 0;
                while j < PARTS[i].len() {
                    out[n] = PARTS[i][j];
                    n += 1;
                    j += 1;
                }
                i += 1;
            }
            out
        };
        &ALL
    }};
}

/// A non-body parameter of kind `in` (`query`, `path`, …): `required`, `in`, `description`,
/// `name`, [`allowEmptyValue`], `type`, then the shared keywords and the extensions.
macro_rules! parameter_spec {
    (required: $required:expr, in: $in:expr, types: $types:expr, formats: $formats:expr) => {
        Spec {
            required: $required,
            closed: true,
            fields: fields!(
                [
                    f(1, "required", Kind::Bool),
                    f(2, "in", Kind::String(Some(&[$in]))),
                    f(3, "description", STRING),
                    f(4, "name", STRING),
                    f(5, "type", Kind::String(Some($types))),
                ],
                primitive_fields!(6, $formats),
                [f(22, "", EXTENSIONS)],
            ),
        }
    };
    (allow_empty_value, in: $in:expr, types: $types:expr, formats: $formats:expr) => {
        Spec {
            required: &[],
            closed: true,
            fields: fields!(
                [
                    f(1, "required", Kind::Bool),
                    f(2, "in", Kind::String(Some(&[$in]))),
                    f(3, "description", STRING),
                    f(4, "name", STRING),
                    f(5, "allowEmptyValue", Kind::Bool),
                    f(6, "type", Kind::String(Some($types))),
                ],
                primitive_fields!(7, $formats),
                [f(23, "", EXTENSIONS)],
            ),
        }
    };
}

static DOCUMENT: Spec = Spec {
    required: &["info", "paths", "swagger"],
    closed: true,
    fields: &[
        f(1, "swagger", Kind::String(Some(&["2.0"]))),
        f(2, "info", Kind::Message(Message::Info)),
        f(3, "host", STRING),
        f(4, "basePath", STRING),
        f(5, "schemes", Kind::Strings(Some(SCHEMES))),
        f(6, "consumes", Kind::Strings(None)),
        f(7, "produces", Kind::Strings(None)),
        f(8, "paths", Kind::Message(Message::Paths)),
        f(9, "definitions", Kind::Message(Message::Definitions)),
        f(
            10,
            "parameters",
            Kind::Message(Message::ParameterDefinitions),
        ),
        f(11, "responses", Kind::Message(Message::ResponseDefinitions)),
        f(12, "security", Kind::Messages(Message::SecurityRequirement)),
        f(
            13,
            "securityDefinitions",
            Kind::Message(Message::SecurityDefinitions),
        ),
        f(14, "tags", Kind::Messages(Message::Tag)),
        f(15, "externalDocs", Kind::Message(Message::ExternalDocs)),
        f(16, "", EXTENSIONS),
    ],
};

static INFO: Spec = Spec {
    required: &["title", "version"],
    closed: true,
    fields: &[
        f(1, "title", STRING),
        f(2, "version", STRING),
        f(3, "description", STRING),
        f(4, "termsOfService", STRING),
        f(5, "contact", Kind::Message(Message::Contact)),
        f(6, "license", Kind::Message(Message::License)),
        f(7, "", EXTENSIONS),
    ],
};

static CONTACT: Spec = Spec {
    required: &[],
    closed: true,
    fields: &[
        f(1, "name", STRING),
        f(2, "url", STRING),
        f(3, "email", STRING),
        f(4, "", EXTENSIONS),
    ],
};

static LICENSE: Spec = Spec {
    required: &["name"],
    closed: true,
    fields: &[
        f(1, "name", STRING),
        f(2, "url", STRING),
        f(3, "", EXTENSIONS),
    ],
};

static EXTERNAL_DOCS: Spec = Spec {
    required: &["url"],
    closed: true,
    fields: &[
        f(1, "description", STRING),
        f(2, "url", STRING),
        f(3, "", EXTENSIONS),
    ],
};

static TAG: Spec = Spec {
    required: &["name"],
    closed: true,
    fields: &[
        f(1, "name", STRING),
        f(2, "description", STRING),
        f(3, "externalDocs", Kind::Message(Message::ExternalDocs)),
        f(4, "", EXTENSIONS),
    ],
};

static PATHS: Spec = Spec {
    required: &[],
    closed: true,
    fields: &[
        f(1, "", EXTENSIONS),
        f(2, "", Kind::Map(Some(Pattern::Path), Message::PathItem)),
    ],
};

static PATH_ITEM: Spec = Spec {
    required: &[],
    closed: true,
    fields: &[
        f(1, "$ref", STRING),
        f(2, "get", Kind::Message(Message::Operation)),
        f(3, "put", Kind::Message(Message::Operation)),
        f(4, "post", Kind::Message(Message::Operation)),
        f(5, "delete", Kind::Message(Message::Operation)),
        f(6, "options", Kind::Message(Message::Operation)),
        f(7, "head", Kind::Message(Message::Operation)),
        f(8, "patch", Kind::Message(Message::Operation)),
        f(9, "parameters", Kind::Messages(Message::ParametersItem)),
        f(10, "", EXTENSIONS),
    ],
};

static OPERATION: Spec = Spec {
    required: &["responses"],
    closed: true,
    fields: &[
        f(1, "tags", Kind::Strings(None)),
        f(2, "summary", STRING),
        f(3, "description", STRING),
        f(4, "externalDocs", Kind::Message(Message::ExternalDocs)),
        f(5, "operationId", STRING),
        f(6, "produces", Kind::Strings(None)),
        f(7, "consumes", Kind::Strings(None)),
        f(8, "parameters", Kind::Messages(Message::ParametersItem)),
        f(9, "responses", Kind::Message(Message::Responses)),
        f(10, "schemes", Kind::Strings(Some(SCHEMES))),
        f(11, "deprecated", Kind::Bool),
        f(12, "security", Kind::Messages(Message::SecurityRequirement)),
        f(13, "", EXTENSIONS),
    ],
};

static BODY_PARAMETER: Spec = Spec {
    required: &["in", "name", "schema"],
    closed: true,
    fields: &[
        f(1, "description", STRING),
        f(2, "name", STRING),
        f(3, "in", Kind::String(Some(&["body"]))),
        f(4, "required", Kind::Bool),
        f(5, "schema", Kind::Message(Message::Schema)),
        f(6, "", EXTENSIONS),
    ],
};

static HEADER_PARAMETER: Spec = parameter_spec!(
    required: &[], in: "header", types: PARAMETER_TYPES, formats: COLLECTION_FORMATS
);
static FORM_DATA_PARAMETER: Spec = parameter_spec!(
    allow_empty_value, in: "formData", types: FORM_DATA_TYPES, formats: QUERY_COLLECTION_FORMATS
);
static QUERY_PARAMETER: Spec = parameter_spec!(
    allow_empty_value, in: "query", types: PARAMETER_TYPES, formats: QUERY_COLLECTION_FORMATS
);
static PATH_PARAMETER: Spec = parameter_spec!(
    required: &["required"], in: "path", types: PARAMETER_TYPES, formats: COLLECTION_FORMATS
);

static PRIMITIVES_ITEMS: Spec = Spec {
    required: &[],
    closed: true,
    fields: fields!(
        [f(1, "type", Kind::String(Some(PRIMITIVE_TYPES)))],
        primitive_fields!(2, COLLECTION_FORMATS),
        [f(18, "", EXTENSIONS)],
    ),
};

static HEADER: Spec = Spec {
    required: &["type"],
    closed: true,
    fields: fields!(
        [f(1, "type", Kind::String(Some(PRIMITIVE_TYPES)))],
        primitive_fields!(2, COLLECTION_FORMATS),
        [f(18, "description", STRING), f(19, "", EXTENSIONS)],
    ),
};

static JSON_REFERENCE: Spec = Spec {
    required: &["$ref"],
    closed: false,
    fields: &[f(1, "$ref", STRING), f(2, "description", STRING)],
};

static RESPONSES: Spec = Spec {
    required: &[],
    closed: true,
    fields: &[
        f(
            1,
            "",
            Kind::Map(Some(Pattern::ResponseCode), Message::ResponseValue),
        ),
        f(2, "", EXTENSIONS),
    ],
};

static RESPONSE: Spec = Spec {
    required: &["description"],
    closed: true,
    fields: &[
        f(1, "description", STRING),
        f(2, "schema", Kind::Message(Message::SchemaItem)),
        f(3, "headers", Kind::Message(Message::Headers)),
        f(4, "examples", Kind::Message(Message::Examples)),
        f(5, "", EXTENSIONS),
    ],
};

static FILE_SCHEMA: Spec = Spec {
    required: &["type"],
    closed: true,
    fields: &[
        f(1, "format", STRING),
        f(2, "title", STRING),
        f(3, "description", STRING),
        f(4, "default", Kind::Message(Message::Any)),
        f(5, "required", Kind::Strings(None)),
        f(6, "type", Kind::String(Some(&["file"]))),
        f(7, "readOnly", Kind::Bool),
        f(8, "externalDocs", Kind::Message(Message::ExternalDocs)),
        f(9, "example", Kind::Message(Message::Any)),
        f(10, "", EXTENSIONS),
    ],
};

static SCHEMA: Spec = Spec {
    required: &[],
    closed: true,
    fields: &[
        f(1, "$ref", STRING),
        f(2, "format", STRING),
        f(3, "title", STRING),
        f(4, "description", STRING),
        f(5, "default", Kind::Message(Message::Any)),
        f(6, "multipleOf", Kind::Double),
        f(7, "maximum", Kind::Double),
        f(8, "exclusiveMaximum", Kind::Bool),
        f(9, "minimum", Kind::Double),
        f(10, "exclusiveMinimum", Kind::Bool),
        f(11, "maxLength", Kind::Int64),
        f(12, "minLength", Kind::Int64),
        f(13, "pattern", STRING),
        f(14, "maxItems", Kind::Int64),
        f(15, "minItems", Kind::Int64),
        f(16, "uniqueItems", Kind::Bool),
        f(17, "maxProperties", Kind::Int64),
        f(18, "minProperties", Kind::Int64),
        f(19, "required", Kind::Strings(None)),
        f(20, "enum", Kind::Messages(Message::Any)),
        f(
            21,
            "additionalProperties",
            Kind::Message(Message::AdditionalPropertiesItem),
        ),
        f(22, "type", Kind::Message(Message::TypeItem)),
        f(23, "items", Kind::Message(Message::ItemsItem)),
        f(24, "allOf", Kind::Messages(Message::Schema)),
        f(25, "properties", Kind::Message(Message::Properties)),
        f(26, "discriminator", STRING),
        f(27, "readOnly", Kind::Bool),
        f(28, "xml", Kind::Message(Message::Xml)),
        f(29, "externalDocs", Kind::Message(Message::ExternalDocs)),
        f(30, "example", Kind::Message(Message::Any)),
        f(31, "", EXTENSIONS),
    ],
};

static XML: Spec = Spec {
    required: &[],
    closed: true,
    fields: &[
        f(1, "name", STRING),
        f(2, "namespace", STRING),
        f(3, "prefix", STRING),
        f(4, "attribute", Kind::Bool),
        f(5, "wrapped", Kind::Bool),
        f(6, "", EXTENSIONS),
    ],
};

static BASIC_AUTHENTICATION_SECURITY: Spec = Spec {
    required: &["type"],
    closed: true,
    fields: &[
        f(1, "type", Kind::String(Some(&["basic"]))),
        f(2, "description", STRING),
        f(3, "", EXTENSIONS),
    ],
};

static API_KEY_SECURITY: Spec = Spec {
    required: &["in", "name", "type"],
    closed: true,
    fields: &[
        f(1, "type", Kind::String(Some(&["apiKey"]))),
        f(2, "name", STRING),
        f(3, "in", Kind::String(Some(&["header", "query"]))),
        f(4, "description", STRING),
        f(5, "", EXTENSIONS),
    ],
};

/// An OAuth2 flow: `type`, `flow`, `scopes`, then the URLs the flow has, `description`.
macro_rules! oauth2_spec {
    ($flow:expr, required: $required:expr, urls: [$($url:expr),*]) => {
        Spec {
            required: $required,
            closed: true,
            fields: fields!(
                [
                    f(1, "type", Kind::String(Some(&["oauth2"]))),
                    f(2, "flow", Kind::String(Some(&[$flow]))),
                    f(3, "scopes", Kind::Message(Message::Oauth2Scopes)),
                ],
                oauth2_tail!(4; $($url),*),
            ),
        }
    };
}

/// The URL fields from number `n` on, then `description` and the extensions.
macro_rules! oauth2_tail {
    ($n:expr; $a:expr) => {
        [
            f($n, $a, STRING),
            f($n + 1, "description", STRING),
            f($n + 2, "", EXTENSIONS),
        ]
    };
    ($n:expr; $a:expr, $b:expr) => {
        [
            f($n, $a, STRING),
            f($n + 1, $b, STRING),
            f($n + 2, "description", STRING),
            f($n + 3, "", EXTENSIONS),
        ]
    };
}

static OAUTH2_IMPLICIT_SECURITY: Spec = oauth2_spec!(
    "implicit", required: &["authorizationUrl", "flow", "type"], urls: ["authorizationUrl"]
);
static OAUTH2_PASSWORD_SECURITY: Spec =
    oauth2_spec!("password", required: &["flow", "tokenUrl", "type"], urls: ["tokenUrl"]);
static OAUTH2_APPLICATION_SECURITY: Spec =
    oauth2_spec!("application", required: &["flow", "tokenUrl", "type"], urls: ["tokenUrl"]);
static OAUTH2_ACCESS_CODE_SECURITY: Spec = oauth2_spec!(
    "accessCode",
    required: &["authorizationUrl", "flow", "tokenUrl", "type"],
    urls: ["authorizationUrl", "tokenUrl"]
);

/// A type that is only a map of named values, without a key check.
macro_rules! map_spec {
    ($value:expr) => {
        Spec {
            required: &[],
            closed: false,
            fields: &[f(1, "", Kind::Map(None, $value))],
        }
    };
}

static HEADERS: Spec = map_spec!(Message::Header);
static EXAMPLES: Spec = map_spec!(Message::Any);
static PROPERTIES: Spec = map_spec!(Message::Schema);
static DEFINITIONS: Spec = map_spec!(Message::Schema);
static PARAMETER_DEFINITIONS: Spec = map_spec!(Message::Parameter);
static RESPONSE_DEFINITIONS: Spec = map_spec!(Message::Response);
static SECURITY_DEFINITIONS: Spec = map_spec!(Message::SecurityDefinitionsItem);
static OAUTH2_SCOPES: Spec = map_spec!(Message::String);
static SECURITY_REQUIREMENT: Spec = map_spec!(Message::StringArray);

/// The members of each oneof, in the order gnostic tries them (the last that parses wins).
fn oneof_members(ty: Message) -> Option<&'static [(u32, Message)]> {
    Some(match ty {
        Message::ParametersItem => &[(1, Message::Parameter), (2, Message::JsonReference)],
        Message::Parameter => &[(1, Message::BodyParameter), (2, Message::NonBodyParameter)],
        Message::NonBodyParameter => &[
            (1, Message::HeaderParameterSubSchema),
            (2, Message::FormDataParameterSubSchema),
            (3, Message::QueryParameterSubSchema),
            (4, Message::PathParameterSubSchema),
        ],
        Message::ResponseValue => &[(1, Message::Response), (2, Message::JsonReference)],
        Message::SchemaItem => &[(1, Message::Schema), (2, Message::FileSchema)],
        Message::SecurityDefinitionsItem => &[
            (1, Message::BasicAuthenticationSecurity),
            (2, Message::ApiKeySecurity),
            (3, Message::Oauth2ImplicitSecurity),
            (4, Message::Oauth2PasswordSecurity),
            (5, Message::Oauth2ApplicationSecurity),
            (6, Message::Oauth2AccessCodeSecurity),
        ],
        _ => return None,
    })
}

fn spec(ty: Message) -> Option<&'static Spec> {
    Some(match ty {
        Message::Document => &DOCUMENT,
        Message::Info => &INFO,
        Message::Contact => &CONTACT,
        Message::License => &LICENSE,
        Message::ExternalDocs => &EXTERNAL_DOCS,
        Message::Tag => &TAG,
        Message::Paths => &PATHS,
        Message::PathItem => &PATH_ITEM,
        Message::Operation => &OPERATION,
        Message::BodyParameter => &BODY_PARAMETER,
        Message::HeaderParameterSubSchema => &HEADER_PARAMETER,
        Message::FormDataParameterSubSchema => &FORM_DATA_PARAMETER,
        Message::QueryParameterSubSchema => &QUERY_PARAMETER,
        Message::PathParameterSubSchema => &PATH_PARAMETER,
        Message::PrimitivesItems => &PRIMITIVES_ITEMS,
        Message::JsonReference => &JSON_REFERENCE,
        Message::Responses => &RESPONSES,
        Message::Response => &RESPONSE,
        Message::FileSchema => &FILE_SCHEMA,
        Message::Headers => &HEADERS,
        Message::Header => &HEADER,
        Message::Examples => &EXAMPLES,
        Message::Schema => &SCHEMA,
        Message::Properties => &PROPERTIES,
        Message::Xml => &XML,
        Message::Definitions => &DEFINITIONS,
        Message::ParameterDefinitions => &PARAMETER_DEFINITIONS,
        Message::ResponseDefinitions => &RESPONSE_DEFINITIONS,
        Message::SecurityDefinitions => &SECURITY_DEFINITIONS,
        Message::BasicAuthenticationSecurity => &BASIC_AUTHENTICATION_SECURITY,
        Message::ApiKeySecurity => &API_KEY_SECURITY,
        Message::Oauth2ImplicitSecurity => &OAUTH2_IMPLICIT_SECURITY,
        Message::Oauth2PasswordSecurity => &OAUTH2_PASSWORD_SECURITY,
        Message::Oauth2ApplicationSecurity => &OAUTH2_APPLICATION_SECURITY,
        Message::Oauth2AccessCodeSecurity => &OAUTH2_ACCESS_CODE_SECURITY,
        Message::Oauth2Scopes => &OAUTH2_SCOPES,
        Message::SecurityRequirement => &SECURITY_REQUIREMENT,
        _ => return None,
    })
}

/// The encoded message of type `ty` read from `v`.
fn parse(ty: Message, v: &Value) -> Result<Vec<u8>> {
    if let Some(spec) = spec(ty) {
        return object(spec, v);
    }
    if let Some(members) = oneof_members(ty) {
        return oneof(ty, members, v);
    }
    let mut w = Writer::new();
    match ty {
        // `Any.yaml` is field 2; field 1 (a `google.protobuf.Any`) is never set.
        Message::Any => w.string(2, &goyaml::marshal(v)),
        Message::TypeItem => match v {
            Value::Array(items) => {
                for item in items {
                    let s = scalar_text(item)
                        .ok_or_else(|| error("has unexpected value for string array element"))?;
                    w.repeated_string(1, &s);
                }
            }
            Value::Object(_) => return Err(error("has unexpected value for string array")),
            scalar => w.repeated_string(1, &scalar_text(scalar).unwrap_or_default()),
        },
        // A single schema (a list of schemas is read as one schema without keywords).
        Message::ItemsItem => w.message(1, &parse(Message::Schema, v)?),
        Message::AdditionalPropertiesItem => {
            // A schema, unless the value is a boolean (gnostic tries both; the second wins).
            if let Value::Bool(b) = v {
                w.oneof_bool(2, *b);
            } else {
                w.message(1, &parse(Message::Schema, v)?);
            }
        }
        Message::StringArray => match v {
            Value::Array(items) => {
                for item in items {
                    w.repeated_string(1, &string_of(item).unwrap_or_default());
                }
            }
            // gnostic walks the node's children, which for a mapping are keys and values.
            Value::Object(map) => {
                for (k, item) in map {
                    w.repeated_string(1, k);
                    w.repeated_string(1, &string_of(item).unwrap_or_default());
                }
            }
            _ => {}
        },
        _ => return Err(error(format!("no parser for {ty:?}"))),
    }
    Ok(w.into_bytes())
}

/// A oneof: every member is tried in order and the last that parses is kept.
fn oneof(ty: Message, members: &[(u32, Message)], v: &Value) -> Result<Vec<u8>> {
    let mut chosen = None;
    for &(number, member) in members {
        if let Ok(bytes) = parse(member, v) {
            chosen = Some((number, bytes));
        }
    }
    let (number, bytes) = chosen.ok_or_else(|| error(format!("contains an invalid {ty:?}")))?;
    let mut w = Writer::new();
    w.message(number, &bytes);
    Ok(w.into_bytes())
}

fn object(spec: &Spec, v: &Value) -> Result<Vec<u8>> {
    // gnostic reads any node as an object; only a mapping has keys.
    let empty = Map::new();
    let map = v.as_object().unwrap_or(&empty);
    let missing: Vec<&str> = spec
        .required
        .iter()
        .copied()
        .filter(|k| !map.contains_key(*k))
        .collect();
    if !missing.is_empty() {
        return Err(error(format!(
            "is missing required {}: {}",
            plural(missing.len()),
            missing.join(", ")
        )));
    }
    if spec.closed {
        let invalid: Vec<&str> = map
            .keys()
            .map(String::as_str)
            .filter(|k| !allowed_key(spec, k))
            .collect();
        if !invalid.is_empty() {
            return Err(error(format!(
                "has invalid {}: {}",
                plural(invalid.len()),
                invalid.join(", ")
            )));
        }
    }
    let mut w = Writer::new();
    for field in spec.fields {
        if let Kind::Map(pattern, value_type) = field.kind {
            for (key, value) in map {
                if pattern.is_none_or(|p| p.matches(key)) {
                    w.message(field.number, &within(key, named(key, value_type, value))?);
                }
            }
        } else if let Some(value) = map.get(field.key) {
            within(field.key, write_field(&mut w, field, value))?;
        }
    }
    Ok(w.into_bytes())
}

fn allowed_key(spec: &Spec, key: &str) -> bool {
    spec.fields.iter().any(|f| match f.kind {
        Kind::Map(Some(pattern), _) => pattern.matches(key),
        Kind::Map(None, _) => true,
        _ => f.key == key,
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "property" } else { "properties" }
}

/// A `Named<Type>` pair: `name` (1) and `value` (2).
fn named(key: &str, ty: Message, value: &Value) -> Result<Vec<u8>> {
    let mut w = Writer::new();
    w.string(1, key);
    if ty == Message::String {
        w.string(2, &string_of(value).unwrap_or_default());
    } else {
        w.message(2, &parse(ty, value)?);
    }
    Ok(w.into_bytes())
}

fn write_field(w: &mut Writer, field: &Field, value: &Value) -> Result<()> {
    let unexpected = || error(format!("has unexpected value for {}", field.key));
    match field.kind {
        Kind::String(allowed) => {
            let s = string_of(value).ok_or_else(unexpected)?;
            if allowed.is_some_and(|a| !a.contains(&s.as_str())) {
                return Err(unexpected());
            }
            w.string(field.number, &s);
        }
        Kind::Bool => w.bool(field.number, value.as_bool().ok_or_else(unexpected)?),
        Kind::Int64 => w.int64(field.number, int_of(value).ok_or_else(unexpected)?),
        Kind::Double => w.double(field.number, value.as_f64().ok_or_else(unexpected)?),
        Kind::Strings(allowed) => {
            let items = value.as_array().ok_or_else(unexpected)?;
            let strings: Vec<String> = items.iter().filter_map(string_of).collect();
            if let Some(allowed) = allowed
                && !strings.iter().all(|s| allowed.contains(&s.as_str()))
            {
                return Err(unexpected());
            }
            for s in &strings {
                w.repeated_string(field.number, s);
            }
        }
        Kind::Message(ty) => w.message(field.number, &parse(ty, value)?),
        Kind::Messages(ty) => {
            for item in value.as_array().into_iter().flatten() {
                w.message(field.number, &parse(ty, item)?);
            }
        }
        Kind::Map(..) => {}
    }
    Ok(())
}

/// A string field's value: a string, an integer's text, or empty for `null` (gnostic's
/// `StringForScalarNode`); floats and booleans are refused.
fn string_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) if !n.is_f64() => Some(n.to_string()),
        Value::Null => Some(String::new()),
        _ => None,
    }
}

/// An integer field's value: a JSON integer that fits in 64 signed bits.
fn int_of(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) if !n.is_f64() => n.as_i64(),
        _ => None,
    }
}

/// The text of a scalar as the YAML node holds it (`type: null` is the type `"null"`).
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some("null".into()),
        Value::Array(_) | Value::Object(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protobuf::wire::{Reader, WireValue};

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn encode(json: &str) -> Vec<u8> {
        to_proto_binary(json.as_bytes()).unwrap()
    }

    /// The fields of a message.
    fn fields(bytes: &[u8]) -> Vec<(u32, WireValue<'_>)> {
        let mut r = Reader::new(bytes);
        let mut out = Vec::new();
        while let Some(f) = r.next_field().unwrap() {
            out.push(f);
        }
        out
    }

    /// The bytes of the first field `number` (a message or a string).
    fn field(bytes: &[u8], number: u32) -> &[u8] {
        fields(bytes)
            .into_iter()
            .find_map(|(n, v)| match v {
                WireValue::Bytes(b) if n == number => Some(b),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no field {number}"))
    }

    /// The value of the `Named*` entry called `name` among the fields `number`.
    fn named_value<'a>(bytes: &'a [u8], number: u32, name: &str) -> &'a [u8] {
        fields(bytes)
            .into_iter()
            .find_map(|(n, v)| match v {
                WireValue::Bytes(pair) if n == number && field(pair, 1) == name.as_bytes() => {
                    Some(field(pair, 2))
                }
                _ => None,
            })
            .unwrap_or_else(|| panic!("no entry {name}"))
    }

    const HEAD: &str = r#""swagger":"2.0","info":{"title":"t","version":"v"}"#;

    #[test]
    fn minimal_document() {
        let bytes = encode(&format!(r#"{{{HEAD},"paths":{{}}}}"#));
        // swagger (1), info (2) with title and version, and an empty but present paths (8).
        assert_eq!(bytes, hex("0a03322e3012060a01741201764200"));
    }

    // The expected bytes below are what gnostic's ParseDocument and Go's proto.Marshal give
    // for the same JSON.

    #[test]
    fn schema_constructs() {
        let json = format!(
            r##"{{{HEAD},"paths":{{}},"definitions":{{"A":{{"type":["string","null"],"additionalProperties":false,"x-kubernetes-list-type":"map","enum":["a","1"],"default":{{"k":[1,"two"]}},"example":true}},"B":{{"$ref":"#/definitions/A","items":{{"type":"integer","format":"int32","maximum":1.5,"minLength":-1}},"additionalProperties":{{"type":"string"}},"properties":{{"p":{{}}}},"required":["p"]}}}}}}"##
        );
        let bytes = encode(&json);
        assert_eq!(
            bytes,
            hex(
                "0a03322e3012060a017412017642004ad5010a710a0141126c2a1712156b3a0a202020202d20310a202020202d2074776f0aa201041202610aa2010612042231220aaa01021000b2010e0a06737472696e670a046e756c6cf201071205747275650afa01200a16782d6b756265726e657465732d6c6973742d74797065120612046d61700a0a600a0142125b0a0f232f646566696e6974696f6e732f419a010170aa010d0a0bb201080a06737472696e67ba01290a271205696e74333239000000000000f83f60ffffffffffffffffff01b201090a07696e7465676572ca01070a050a01701200"
            )
        );
        // Decoded back: the schema `A` and its free-form values as YAML text.
        let a = named_value(field(&bytes, 9), 1, "A");
        let any_yaml = |number| std::str::from_utf8(field(field(a, number), 2)).unwrap();
        assert_eq!(any_yaml(5), "k:\n    - 1\n    - two\n");
        assert_eq!(any_yaml(30), "true\n");
        let enums: Vec<&[u8]> = fields(a)
            .into_iter()
            .filter_map(|(n, v)| match v {
                WireValue::Bytes(b) if n == 20 => Some(field(b, 2)),
                _ => None,
            })
            .collect();
        // "1" is quoted: plain it would read back as a number.
        assert_eq!(enums, [b"a\n".as_slice(), b"\"1\"\n"]);
        // additionalProperties: false is the oneof's boolean, written although false.
        assert_eq!(fields(field(a, 21)), [(2, WireValue::Varint(0))]);
        // type: the TypeItem's strings.
        assert_eq!(
            fields(field(a, 22)),
            [
                (1, WireValue::Bytes(b"string")),
                (1, WireValue::Bytes(b"null"))
            ]
        );
        let ext = named_value(a, 31, "x-kubernetes-list-type");
        assert_eq!(field(ext, 2), b"map\n");
    }

    #[test]
    fn parameters_and_responses() {
        let json = format!(
            r##"{{{HEAD},"paths":{{"/a":{{"patch":{{"consumes":["application/json"],"parameters":[{{"name":"body","in":"body","required":true,"schema":{{"$ref":"#/definitions/A"}}}},{{"name":"q","in":"query","type":"boolean","uniqueItems":true}}],"responses":{{"200":{{"description":"OK","schema":{{"$ref":"#/definitions/A"}}}},"401":{{"description":"Unauthorized"}}}},"x-kubernetes-action":"patch"}},"parameters":[{{"name":"n","in":"path","required":true,"type":"string"}}]}}}}}}"##
        );
        let bytes = encode(&json);
        assert_eq!(
            bytes,
            hex(
                "0a03322e3012060a017412017642df0112dc010a022f6112d50142b7013a106170706c69636174696f6e2f6a736f6e42250a230a211204626f64791a04626f647920012a110a0f232f646566696e6974696f6e732f41421c0a1a12181a16120571756572792201713207626f6f6c65616ea001014a3d0a220a03323030121b0a190a024f4b12130a110a0f232f646566696e6974696f6e732f410a170a0334303112100a0e0a0c556e617574686f72697a65646a1f0a13782d6b756265726e657465732d616374696f6e1208120670617463680a4a190a1712152213080112047061746822016e2a06737472696e67"
            )
        );
        // The body parameter is Parameter.body_parameter (1); the query parameter is
        // Parameter.non_body_parameter (2) → query_parameter_sub_schema (3).
        let patch = field(named_value(field(&bytes, 8), 2, "/a"), 8);
        let params: Vec<&[u8]> = fields(patch)
            .into_iter()
            .filter_map(|(n, v)| match v {
                WireValue::Bytes(b) if n == 8 => Some(field(b, 1)),
                _ => None,
            })
            .collect();
        assert_eq!(fields(params[0])[0].0, 1);
        assert_eq!(fields(field(params[1], 2))[0].0, 3);
    }

    #[test]
    fn security() {
        let json = format!(
            r#"{{{HEAD},"paths":{{}},"securityDefinitions":{{"BearerToken":{{"description":"Bearer Token authentication","type":"apiKey","name":"authorization","in":"header"}}}},"security":[{{"BearerToken":[]}}]}}"#
        );
        assert_eq!(
            encode(&json),
            hex(
                "0a03322e3012060a0174120176420062110a0f0a0b426561726572546f6b656e12006a4f0a4d0a0b426561726572546f6b656e123e123c0a066170694b6579120d617574686f72697a6174696f6e1a06686561646572221b42656172657220546f6b656e2061757468656e7469636174696f6e"
            )
        );
    }

    #[test]
    fn refusals_name_where_they_happen() {
        let doc = |definitions: &str| {
            to_proto_binary(
                format!(r#"{{{HEAD},"paths":{{}},"definitions":{definitions}}}"#).as_bytes(),
            )
        };
        let err = doc(r#"{"A":{"properties":{"b":{"nullable":true}}}}"#).unwrap_err();
        assert_eq!(err.path, "$root.definitions.A.properties.b");
        assert_eq!(err.message, "has invalid property: nullable");
        let err = doc(r#"{"A":{"maxLength":1.5}}"#).unwrap_err();
        assert_eq!(err.message, "has unexpected value for maxLength");
        assert!(doc(r#"{"A":{"uniqueItems":"true"}}"#).is_err());
        assert!(doc(r#"{"A":{"type":{"a":1}}}"#).is_err());
        // A non-body parameter that none of the four kinds accepts.
        let cookie = format!(
            r#"{{{HEAD},"paths":{{"/a":{{"get":{{"responses":{{}},"parameters":[{{"name":"q","in":"cookie","type":"string"}}]}}}}}}}}"#
        );
        assert!(to_proto_binary(cookie.as_bytes()).is_err());
        let missing = to_proto_binary(br#"{"swagger":"2.0","paths":{}}"#).unwrap_err();
        assert_eq!(missing.message, "is missing required property: info");
        // YAML refuses DEL in the stream, so gnostic refuses the document.
        assert!(doc("{\"A\":{\"description\":\"a\u{7f}\"}}").is_err());
        // …but a string field takes an integer or null.
        assert!(doc(r#"{"A":{"description":15,"format":null}}"#).is_ok());
    }

    #[test]
    fn served_document_round_trips() {
        use crate::schema::{GroupVersionKind, ServedResource, openapi_v2};
        let doc = openapi_v2(&[ServedResource::builtin(
            &GroupVersionKind::new("apps", "v1", "Deployment"),
            "deployments",
            true,
            &["get", "list", "patch"],
        )]);
        let bytes = doc.protobuf().unwrap();
        let definitions = field(bytes, 9);
        let deployment = named_value(definitions, 1, "io.k8s.api.apps.v1.Deployment");
        let gvk = named_value(deployment, 31, "x-kubernetes-group-version-kind");
        assert_eq!(
            std::str::from_utf8(field(gvk, 2)).unwrap(),
            "- group: apps\n  kind: Deployment\n  version: v1\n"
        );
        let pod_spec = named_value(definitions, 1, "io.k8s.api.core.v1.PodSpec");
        let containers = named_value(field(pod_spec, 25), 1, "containers");
        assert_eq!(
            field(
                named_value(containers, 31, "x-kubernetes-patch-merge-key"),
                2
            ),
            b"name\n"
        );
    }
}
