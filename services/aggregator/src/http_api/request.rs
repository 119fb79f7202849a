//! An HTTP request as the gRPC request message it stands for: the JSON
//! body (for `body: "*"` routes), path variables and query parameters
//! (`filter.crossing_ids=KG-01&page_size=20`, repeated by repetition),
//! read with the proto3 JSON mapping. Errors name the field.

use prost_reflect::{DynamicMessage, Kind, MessageDescriptor};
use serde_json::{Map, Number, Value};

/// Builds the request message of `desc`.
pub fn build(
    desc: &MessageDescriptor,
    body: Option<&[u8]>,
    path: &[(String, String)],
    query: &[(String, String)],
) -> Result<DynamicMessage, String> {
    let mut json = match body {
        Some(bytes) if !bytes.is_empty() => match serde_json::from_slice(bytes) {
            Ok(Value::Object(map)) => map,
            Ok(_) => return Err("body: must be a JSON object".into()),
            Err(err) => return Err(format!("body: {err}")),
        },
        _ => Map::new(),
    };
    for (name, value) in path {
        set(desc, &mut json, name, value, false)?;
    }
    for (name, value) in query {
        set(desc, &mut json, name, value, true)?;
    }
    DynamicMessage::deserialize(desc.clone(), Value::Object(json)).map_err(|e| e.to_string())
}

/// Puts `text` at the dotted `name` of `json`, typed by the field it names.
fn set(
    desc: &MessageDescriptor,
    json: &mut Map<String, Value>,
    name: &str,
    text: &str,
    repeat: bool,
) -> Result<(), String> {
    let (head, rest) = match name.split_once('.') {
        Some((head, rest)) => (head, Some(rest)),
        None => (name, None),
    };
    let field = desc
        .get_field_by_name(head)
        .or_else(|| desc.get_field_by_json_name(head))
        .ok_or_else(|| format!("{name}: no such field"))?;
    let key = field.name().to_owned();
    match (field.kind(), rest) {
        (Kind::Message(inner), Some(rest)) if !field.is_list() => {
            let entry = json.entry(key).or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(map) = entry else {
                return Err(format!("{name}: given twice"));
            };
            set(&inner, map, rest, text, repeat).map_err(|e| format!("{head}.{e}"))
        }
        (_, Some(_)) => Err(format!("{name}: {head} has no fields")),
        (kind, None) => {
            let value = scalar(&kind, text).map_err(|e| format!("{name}: {e}"))?;
            if field.is_list() {
                match json.entry(key).or_insert_with(|| Value::Array(Vec::new())) {
                    Value::Array(items) if repeat || items.is_empty() => items.push(value),
                    _ => return Err(format!("{name}: given twice")),
                }
            } else if json.insert(key, value).is_some() {
                return Err(format!("{name}: given twice"));
            }
            Ok(())
        }
    }
}

/// A query or path value as JSON of the field's kind.
fn scalar(kind: &Kind, text: &str) -> Result<Value, String> {
    Ok(match kind {
        Kind::Bool => match text {
            "true" | "1" => Value::Bool(true),
            "false" | "0" => Value::Bool(false),
            _ => return Err(format!("{text:?} is not true or false")),
        },
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 | Kind::Uint32 | Kind::Fixed32 => {
            Value::Number(Number::from(
                text.parse::<i64>()
                    .map_err(|_| format!("{text:?} is not a whole number"))?,
            ))
        }
        Kind::Double | Kind::Float => Number::from_f64(
            text.parse::<f64>()
                .map_err(|_| format!("{text:?} is not a number"))?,
        )
        .map(Value::Number)
        .ok_or_else(|| format!("{text:?} is not a finite number"))?,
        Kind::Message(inner) if inner.full_name() != "google.protobuf.Timestamp" => {
            return Err("a message cannot be given as one value; name its fields".into());
        }
        // 64-bit integers, strings, bytes (base64), enums (by name or
        // number) and timestamps (RFC 3339) are strings in the mapping.
        _ => Value::String(text.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use prost_reflect::{DescriptorPool, ReflectMessage};

    use super::*;

    fn desc(name: &str) -> MessageDescriptor {
        DescriptorPool::decode(borderflow_proto::FILE_DESCRIPTOR_SET)
            .unwrap()
            .get_message_by_name(name)
            .unwrap()
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn query_path_and_body_fill_the_request() {
        let list = desc("borderflow.analytics.v1.ListAnomaliesRequest");
        let query = pairs(&[
            ("filter.crossing_ids", "KG-01"),
            ("filter.crossingIds", "KG-02"),
            ("filter.kinds", "ANOMALY_KIND_WATCHLIST_HIT"),
            ("filter.from", "2026-05-04T00:00:00Z"),
            ("filter.include_retracted", "true"),
            ("page_size", "20"),
        ]);
        let message = build(&list, None, &[], &query).unwrap();
        let decoded: borderflow_proto::analytics::v1::ListAnomaliesRequest =
            message.transcode_to().unwrap();
        let filter = decoded.filter.unwrap();
        assert_eq!(filter.crossing_ids, ["KG-01", "KG-02"]);
        assert_eq!(filter.kinds, [4]);
        assert_eq!(filter.from.unwrap().seconds, 1_777_852_800);
        assert!(filter.include_retracted);
        assert_eq!(decoded.page_size, 20);

        let stats = desc("borderflow.analytics.v1.GetCrossingStatsRequest");
        let message = build(&stats, None, &pairs(&[("crossing_id", "KG-01")]), &[]).unwrap();
        assert_eq!(message.descriptor().full_name(), stats.full_name());

        let upsert = desc("borderflow.reference.v1.UpsertEntriesRequest");
        let body = br#"{"entries": [{"list": "REFERENCE_LIST_WATCHLIST", "key": "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=", "source": "national"}]}"#;
        let decoded: borderflow_proto::reference::v1::UpsertEntriesRequest =
            build(&upsert, Some(body), &[], &[])
                .unwrap()
                .transcode_to()
                .unwrap();
        assert_eq!(decoded.entries[0].source, "national");
        assert_eq!(decoded.entries[0].list, 1);
    }

    #[test]
    fn bad_values_name_their_field() {
        let list = desc("borderflow.analytics.v1.ListAnomaliesRequest");
        let err = |query: &[(&str, &str)]| build(&list, None, &[], &pairs(query)).unwrap_err();
        assert!(err(&[("page_size", "many")]).starts_with("page_size:"));
        assert!(err(&[("filter.nope", "1")]).starts_with("filter.nope: no such field"));
        assert!(err(&[("page_size", "1"), ("page_size", "2")]).contains("given twice"));
        assert!(
            err(&[("filter.include_retracted", "maybe")]).starts_with("filter.include_retracted")
        );
        assert!(
            build(&list, Some(b"[1]"), &[], &[])
                .unwrap_err()
                .starts_with("body:")
        );
    }
}
