//! The language a call asks for, and anomalies as a reader in it sees
//! them. Kinds, values and ids stay machine-readable; only the
//! explanation follows the language, rendered from the anomaly's catalogue
//! message (README: Languages).

use borderflow_i18n::Lang;
use borderflow_proto::analytics::v1::Anomaly;

use crate::detect::References;
use tonic::Request;

/// The metadata a call names its language in: an `Accept-Language` value
/// (the JSON API and the dashboard forward the browser's header).
pub const ACCEPT_LANGUAGE: &str = "accept-language";

/// The language `request` asks for; English when it asks for none of ours.
pub fn of<T>(request: &Request<T>) -> Lang {
    request
        .metadata()
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map_or(Lang::En, Lang::negotiate)
}

/// `anomaly` with its explanation in `lang`, crossings named as the
/// registry `refs` names them in `lang` (as stored for English, or for an
/// anomaly published before explanations carried their message).
pub fn localised(anomaly: &Anomaly, lang: Lang, refs: &dyn References) -> Anomaly {
    let mut out = anomaly.clone();
    if lang != Lang::En
        && let Some(message) = &anomaly.message
    {
        let names = |id: &str, lang: Lang| {
            refs.crossing(id)
                .and_then(|c| c.names.get(lang.code()).cloned())
        };
        out.explanation = borderflow_i18n::render_with(lang, message, &names);
    }
    out
}
