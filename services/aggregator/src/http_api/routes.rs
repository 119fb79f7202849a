//! The JSON API's routes, read from the contract: every method of the
//! served services with a `google.api.http` option becomes a route, its
//! path template matched segment by segment (`{field}` binds one segment,
//! a `:verb` suffix is part of the last literal).

use prost_reflect::{DescriptorPool, MethodDescriptor, Value};

/// One HTTP binding of a gRPC method.
#[derive(Clone, Debug)]
pub struct Route {
    pub verb: http::Method,
    pub template: String,
    segments: Vec<Segment>,
    /// `*`: the whole body is the request; empty: no body.
    pub body: String,
    pub method: MethodDescriptor,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Field(String),
}

impl Route {
    /// The gRPC path of the method: `/package.Service/Method`.
    pub fn grpc_path(&self) -> String {
        format!(
            "/{}/{}",
            self.method.parent_service().full_name(),
            self.method.name()
        )
    }

    /// The path variables of `path` when it matches this route.
    pub fn matches(&self, verb: &http::Method, path: &str) -> Option<Vec<(String, String)>> {
        if *verb != self.verb {
            return None;
        }
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        if parts.len() != self.segments.len() {
            return None;
        }
        let mut bound = Vec::new();
        for (segment, part) in self.segments.iter().zip(parts) {
            match segment {
                Segment::Literal(literal) if literal == part => {}
                Segment::Field(name) if !part.is_empty() && !part.contains(':') => {
                    bound.push((name.clone(), percent_decode(part)?));
                }
                _ => return None,
            }
        }
        Some(bound)
    }

    /// The template's variables, in order.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Field(name) => Some(name.as_str()),
            Segment::Literal(_) => None,
        })
    }
}

/// Every route of `services` in `pool`.
pub fn routes(pool: &DescriptorPool, services: &[&str]) -> Vec<Route> {
    let Some(http) = pool.get_extension_by_name("google.api.http") else {
        return Vec::new();
    };
    let mut routes = Vec::new();
    for name in services {
        let Some(service) = pool.get_service_by_name(name) else {
            continue;
        };
        for method in service.methods() {
            let options = method.options();
            if !options.has_extension(&http) {
                continue;
            }
            let rule = options.get_extension(&http);
            let Value::Message(rule) = rule.as_ref() else {
                continue;
            };
            let text = |field: &str| {
                rule.get_field_by_name(field)
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            };
            let binding = [
                (http::Method::GET, "get"),
                (http::Method::POST, "post"),
                (http::Method::PUT, "put"),
                (http::Method::DELETE, "delete"),
                (http::Method::PATCH, "patch"),
            ]
            .into_iter()
            .map(|(verb, field)| (verb, text(field)))
            .find(|(_, template)| !template.is_empty());
            let Some((verb, template)) = binding else {
                continue;
            };
            routes.push(Route {
                verb,
                segments: parse(&template),
                template,
                body: text("body"),
                method,
            });
        }
    }
    routes
}

fn parse(template: &str) -> Vec<Segment> {
    template
        .trim_start_matches('/')
        .split('/')
        .map(
            |part| match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some(field) => Segment::Field(field.to_owned()),
                None => Segment::Literal(part.to_owned()),
            },
        )
        .collect()
}

/// `%XX` escapes decoded; `None` for a malformed or non-UTF-8 segment.
fn percent_decode(part: &str) -> Option<String> {
    let bytes = part.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = part.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool() -> DescriptorPool {
        DescriptorPool::decode(borderflow_proto::FILE_DESCRIPTOR_SET).unwrap()
    }

    #[test]
    fn every_served_method_has_a_route_and_paths_bind_their_fields() {
        let routes = routes(&pool(), crate::SERVICES);
        let methods: usize = crate::SERVICES
            .iter()
            .map(|s| pool().get_service_by_name(s).unwrap().methods().len())
            .sum();
        assert_eq!(routes.len(), methods, "one JSON route per gRPC method");
        let stats = routes
            .iter()
            .find(|r| r.template == "/v1/crossings/{crossing_id}/stats")
            .unwrap();
        assert_eq!(
            stats.matches(&http::Method::GET, "/v1/crossings/KG%2D01/stats"),
            Some(vec![("crossing_id".to_owned(), "KG-01".to_owned())])
        );
        assert_eq!(
            stats.matches(&http::Method::POST, "/v1/crossings/X/stats"),
            None
        );
        assert_eq!(stats.matches(&http::Method::GET, "/v1/crossings/X"), None);
        let watch = routes
            .iter()
            .find(|r| r.template == "/v1/anomalies:watch")
            .unwrap();
        assert!(watch.method.is_server_streaming());
        assert_eq!(
            watch.matches(&http::Method::GET, "/v1/anomalies:watch"),
            Some(vec![])
        );
        let by_id = routes
            .iter()
            .find(|r| r.template == "/v1/anomalies/{id}")
            .unwrap();
        assert_eq!(
            by_id.matches(&http::Method::GET, "/v1/anomalies:watch"),
            None
        );
        assert_eq!(
            by_id.grpc_path(),
            "/borderflow.analytics.v1.AnalyticsService/GetAnomaly"
        );
    }
}
