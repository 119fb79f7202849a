//! The OpenAPI 3 description of the JSON API, generated from the same
//! descriptors and routes the API serves: paths from the `google.api.http`
//! annotations, parameters from the request messages, schemas from every
//! message reachable from them (proto3 JSON mapping: 64-bit integers and
//! bytes as strings, enums by name, timestamps as RFC 3339), the permission
//! each operation needs from the access table.

use std::collections::BTreeMap;

use borderflow_access::{Permission, Role};
use prost_reflect::{FieldDescriptor, Kind, MessageDescriptor};
use serde_json::{Value, json};

use super::routes::Route;
use crate::access::methods;

const TIMESTAMP: &str = "google.protobuf.Timestamp";

/// The whole document.
pub fn document(routes: &[Route]) -> Value {
    let mut schemas = BTreeMap::new();
    let mut paths: BTreeMap<String, serde_json::Map<String, Value>> = BTreeMap::new();
    for route in routes {
        let input = route.method.input();
        let output = route.method.output();
        collect(&input, &mut schemas);
        collect(&output, &mut schemas);
        let operation = operation(route, &input, &output);
        paths
            .entry(openapi_path(&route.template))
            .or_default()
            .insert(route.verb.as_str().to_ascii_lowercase(), operation);
    }
    schemas.insert(
        "Problem".into(),
        json!({
            "type": "object",
            "description": "Every failed call: the gRPC status code, its name, a message and, for invalid arguments, the field.",
            "properties": {
                "code": {"type": "integer", "format": "int32"},
                "status": {"type": "string", "example": "PERMISSION_DENIED"},
                "message": {"type": "string"},
                "field": {"type": "string"}
            },
            "required": ["code", "status", "message"]
        }),
    );
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "borderflow JSON API",
            "version": "v1",
            "description": "The aggregator's gRPC API (borderflow.analytics.v1, borderflow.reference.v1, borderflow.audit.v1, borderflow.statistics.v1) as JSON over HTTP, transcoded from the contract's google.api.http annotations. Authenticate with a bearer JWT; every call needs the permission its operation names, answers within the caller's country scope and is audited. Streams answer newline-delimited JSON."
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
            "schemas": schemas
        }
    })
}

/// `{crossing_id}` stays; OpenAPI paths use the same braces.
fn openapi_path(template: &str) -> String {
    template.to_owned()
}

fn operation(route: &Route, input: &MessageDescriptor, output: &MessageDescriptor) -> Value {
    let grpc = route.grpc_path();
    let rule = methods::find(&grpc);
    let permission = rule.map(|r| r.permission);
    let service = route.method.parent_service();
    let mut parameters: Vec<Value> = route
        .variables()
        .map(|name| {
            let field = input.get_field_by_name(name);
            json!({
                "name": name,
                "in": "path",
                "required": true,
                "schema": field.as_ref().map_or(json!({"type": "string"}), field_schema),
            })
        })
        .collect();
    if route.body.is_empty() {
        let bound: Vec<&str> = route.variables().collect();
        query_parameters(input, "", &bound, &mut parameters, 0);
    }
    let streaming = route.method.is_server_streaming();
    let answer = json!({"$ref": format!("#/components/schemas/{}", output.full_name())});
    let content = if streaming {
        json!({"application/x-ndjson": {"schema": answer}})
    } else {
        json!({"application/json": {"schema": answer}})
    };
    let problem = json!({"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}});
    let mut op = json!({
        "operationId": format!("{}_{}", service.name(), route.method.name()),
        "tags": [service.name()],
        "summary": format!("{} ({})", route.method.name(), grpc),
        "description": describe(permission, streaming),
        "parameters": parameters,
        "responses": {
            "200": {"description": if streaming { "One JSON object per line, as they come" } else { "The answer" }, "content": content},
            "400": {"description": "Invalid argument (the field is named)", "content": problem},
            "401": {"description": "No valid credential", "content": problem},
            "403": {"description": "The role lacks the permission, or the resource is outside the caller's country scope", "content": problem},
            "404": {"description": "Not found", "content": problem},
            "503": {"description": "Unavailable (the broker or the audit trail)", "content": problem}
        }
    });
    if let Some(permission) = permission {
        op["x-borderflow-permission"] = json!(permission.name());
    }
    if route.body == "*" {
        op["requestBody"] = json!({
            "required": true,
            "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{}", input.full_name())}}}
        });
    }
    op
}

fn describe(permission: Option<Permission>, streaming: bool) -> String {
    let needs = permission.map_or_else(String::new, |p| {
        let roles: Vec<&str> = Role::ALL
            .iter()
            .filter(|r| r.grants().contains(&p))
            .map(|r| r.name())
            .collect();
        format!(
            "Needs the {} permission (roles: {}).",
            p.name(),
            roles.join(", ")
        )
    });
    if streaming {
        format!("{needs} A stream: newline-delimited JSON until the client disconnects.")
    } else {
        needs
    }
}

/// Scalar fields as query parameters; message fields by dotted names, two
/// levels deep (`filter.crossing_ids`).
fn query_parameters(
    desc: &MessageDescriptor,
    prefix: &str,
    bound: &[&str],
    out: &mut Vec<Value>,
    depth: usize,
) {
    for field in desc.fields() {
        let name = format!("{prefix}{}", field.name());
        if bound.contains(&name.as_str()) {
            continue;
        }
        match field.kind() {
            Kind::Message(inner) if inner.full_name() != TIMESTAMP => {
                if depth < 1 && !field.is_list() {
                    query_parameters(&inner, &format!("{name}."), bound, out, depth + 1);
                }
            }
            _ => out.push(json!({
                "name": name,
                "in": "query",
                "required": false,
                "schema": field_schema(&field),
                "explode": true,
            })),
        }
    }
}

fn collect(desc: &MessageDescriptor, schemas: &mut BTreeMap<String, Value>) {
    if desc.full_name() == TIMESTAMP || schemas.contains_key(desc.full_name()) {
        return;
    }
    schemas.insert(desc.full_name().to_owned(), Value::Null);
    let mut properties = serde_json::Map::new();
    for field in desc.fields() {
        if let Kind::Message(inner) = field.kind() {
            collect(&inner, schemas);
        }
        properties.insert(field.json_name().to_owned(), field_schema(&field));
    }
    schemas.insert(
        desc.full_name().to_owned(),
        json!({"type": "object", "properties": properties}),
    );
}

fn field_schema(field: &FieldDescriptor) -> Value {
    let one = kind_schema(&field.kind());
    if field.is_list() {
        json!({"type": "array", "items": one})
    } else {
        one
    }
}

fn kind_schema(kind: &Kind) -> Value {
    match kind {
        Kind::Double => json!({"type": "number", "format": "double"}),
        Kind::Float => json!({"type": "number", "format": "float"}),
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => {
            json!({"type": "integer", "format": "int32"})
        }
        Kind::Uint32 | Kind::Fixed32 => json!({"type": "integer", "format": "int64", "minimum": 0}),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => json!({"type": "string", "format": "int64"}),
        Kind::Uint64 | Kind::Fixed64 => json!({"type": "string", "format": "uint64"}),
        Kind::Bool => json!({"type": "boolean"}),
        Kind::String => json!({"type": "string"}),
        Kind::Bytes => json!({"type": "string", "format": "byte"}),
        Kind::Enum(e) => json!({
            "type": "string",
            "enum": e.values().map(|v| v.name().to_owned()).collect::<Vec<_>>(),
        }),
        Kind::Message(m) if m.full_name() == TIMESTAMP => {
            json!({"type": "string", "format": "date-time"})
        }
        Kind::Message(m) => json!({"$ref": format!("#/components/schemas/{}", m.full_name())}),
    }
}

#[cfg(test)]
mod tests {
    use prost_reflect::DescriptorPool;

    use super::*;

    fn generated() -> Value {
        let pool = DescriptorPool::decode(borderflow_proto::FILE_DESCRIPTOR_SET).unwrap();
        document(&super::super::routes::routes(&pool, crate::SERVICES))
    }

    /// The checked-in description (`docs/api/openapi.json`) is what the
    /// aggregator serves; `BORDERFLOW_BLESS=1` rewrites it after a change to
    /// the contract.
    #[test]
    fn the_checked_in_document_is_the_served_one() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/api/openapi.json");
        let text = serde_json::to_string_pretty(&generated()).unwrap() + "\n";
        if std::env::var_os("BORDERFLOW_BLESS").is_some() {
            std::fs::write(&path, &text).unwrap();
        }
        let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            checked_in == text,
            "docs/api/openapi.json is stale: run `BORDERFLOW_BLESS=1 cargo test -p borderflow-aggregator openapi` and commit it"
        );
    }

    #[test]
    fn every_reference_resolves_and_every_operation_names_its_permission() {
        let doc = generated();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        let text = doc.to_string();
        for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = &reference[..reference.find('"').unwrap()];
            assert!(
                schemas.contains_key(name),
                "{name} is referenced but not described"
            );
        }
        let mut operations = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (verb, op) in item.as_object().unwrap() {
                operations += 1;
                assert!(op["x-borderflow-permission"].is_string(), "{verb} {path}");
            }
        }
        assert_eq!(operations, methods::METHODS.len());
        let list = &doc["paths"]["/v1/anomalies"]["get"]["parameters"];
        assert!(
            list.as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "filter.crossing_ids")
        );
    }
}
