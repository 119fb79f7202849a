//! The page and its scripts and styles, compiled into the binary: the
//! dashboard works without network access beyond the aggregator itself.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const INDEX: &str = include_str!("../../dashboard/index.html");

macro_rules! asset {
    ($name:literal, $type:literal) => {
        Asset {
            name: $name,
            content_type: $type,
            body: include_str!(concat!("../../dashboard/", $name)),
        }
    };
}

const ASSETS: &[Asset] = &[
    asset!("style.css", "text/css; charset=utf-8"),
    asset!("app.js", "text/javascript; charset=utf-8"),
    asset!("live.js", "text/javascript; charset=utf-8"),
    asset!("format.js", "text/javascript; charset=utf-8"),
    asset!("table.js", "text/javascript; charset=utf-8"),
    asset!("map.js", "text/javascript; charset=utf-8"),
    asset!("feed.js", "text/javascript; charset=utf-8"),
    asset!("chart.js", "text/javascript; charset=utf-8"),
    asset!("crossing.js", "text/javascript; charset=utf-8"),
    asset!("session.js", "text/javascript; charset=utf-8"),
    asset!("statistics.js", "text/javascript; charset=utf-8"),
    asset!("pair.js", "text/javascript; charset=utf-8"),
    asset!("triage.js", "text/javascript; charset=utf-8"),
    asset!("signin.js", "text/javascript; charset=utf-8"),
    asset!("i18n.js", "text/javascript; charset=utf-8"),
    asset!("messages.en.json", "application/json; charset=utf-8"),
    asset!("messages.ru.json", "application/json; charset=utf-8"),
];

/// Only this origin: no CDN, no fonts, no fetches elsewhere.
const POLICY: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

pub(crate) async fn index() -> Response {
    respond("text/html; charset=utf-8", INDEX)
}

pub(crate) async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(asset) => respond(asset.content_type, asset.body),
        None => (StatusCode::NOT_FOUND, "no such asset\n").into_response(),
    }
}

fn respond(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            // Small and versioned with the binary; revalidating is cheap.
            (header::CACHE_CONTROL, "no-cache"),
            (header::CONTENT_SECURITY_POLICY, POLICY),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_module_the_page_imports_is_embedded() {
        let mut sources: Vec<&str> = ASSETS.iter().map(|a| a.body).collect();
        sources.push(INDEX);
        for source in sources {
            for import in source
                .split(['\'', '"'])
                .filter(|s| s.starts_with("./") || s.starts_with("/assets/"))
            {
                let name = import
                    .trim_start_matches("./")
                    .trim_start_matches("/assets/");
                assert!(
                    ASSETS.iter().any(|a| a.name == name),
                    "{import} is not embedded"
                );
            }
        }
    }

    /// `{name}` placeholders of a message.
    fn placeholders(text: &str) -> std::collections::BTreeSet<&str> {
        text.split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .collect()
    }

    #[test]
    fn the_pages_words_are_in_both_languages_with_the_same_placeholders() {
        let catalogue = |name: &str| -> serde_json::Map<String, serde_json::Value> {
            let asset = ASSETS.iter().find(|a| a.name == name).unwrap();
            serde_json::from_str(asset.body).unwrap()
        };
        let (english, russian) = (catalogue("messages.en.json"), catalogue("messages.ru.json"));
        assert!(english.len() > 100);
        let keys = |m: &serde_json::Map<String, serde_json::Value>| {
            m.keys().cloned().collect::<std::collections::BTreeSet<_>>()
        };
        assert_eq!(keys(&english), keys(&russian));
        for (key, text) in &english {
            let (en, ru) = (text.as_str().unwrap(), russian[key].as_str().unwrap());
            assert_eq!(placeholders(en), placeholders(ru), "{key}");
            assert!(!ru.is_empty(), "{key}");
        }
        // Every word the page asks for is in the catalogue.
        let mut sources: Vec<&str> = ASSETS
            .iter()
            .filter(|a| a.name.ends_with(".js"))
            .map(|a| a.body)
            .collect();
        sources.push(INDEX);
        let mut asked = Vec::new();
        for source in &sources {
            // t('key' …) in the scripts (not set('…'), nor foo.t('…')).
            for (at, _) in source.match_indices("t('") {
                let before = source[..at].chars().next_back().unwrap_or(' ');
                if before.is_alphanumeric() || before == '_' || before == '.' {
                    continue;
                }
                asked.extend(source[at + 3..].split('\'').next());
            }
            // data-i18n…="key" in the page.
            asked.extend(
                source
                    .split("data-i18n")
                    .skip(1)
                    .filter_map(|p| p.split('"').nth(1)),
            );
        }
        assert!(asked.len() > 100, "{}", asked.len());
        for key in asked {
            assert!(english.contains_key(key), "{key} is not in the catalogue");
        }
    }

    #[test]
    fn nothing_is_fetched_from_elsewhere() {
        for asset in ASSETS {
            // The SVG namespace is a name, not an address anything is fetched from.
            let body = asset.body.replace("http://www.w3.org/2000/svg", "");
            for scheme in ["http://", "https://", "//fonts.", "@import"] {
                assert!(!body.contains(scheme), "{} mentions {scheme}", asset.name);
            }
        }
        assert!(!INDEX.contains("http://") && !INDEX.contains("https://"));
    }
}
