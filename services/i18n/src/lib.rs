//! borderflow's working languages, English and Russian: message catalogues
//! in Fluent (`locales/{en,ru}/*.ftl`, compiled in), the language a request
//! asks for (`Accept-Language`, gRPC metadata of the same name, a flag),
//! and rendering a catalogue [`Message`] — a key and named arguments,
//! carried on the wire so any client can render it in its own language.
//!
//! English is the default and the fallback: a message missing from the
//! Russian catalogue is shown in English (a test keeps both catalogues
//! with the same keys and the same arguments, so none is).

use std::sync::LazyLock;

use borderflow_proto::analytics::v1::message_arg::Value;
use borderflow_proto::analytics::v1::{CrossingName, Message, MessageArg, MessageList};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

mod lang;

pub use lang::Lang;

/// The catalogue files of each language, in the order they are loaded.
pub const CATALOGUES: [(Lang, &[(&str, &str)]); 2] = [
    (
        Lang::En,
        &[
            (
                "explanations.ftl",
                include_str!("../locales/en/explanations.ftl"),
            ),
            ("simulator.ftl", include_str!("../locales/en/simulator.ftl")),
        ],
    ),
    (
        Lang::Ru,
        &[
            (
                "explanations.ftl",
                include_str!("../locales/ru/explanations.ftl"),
            ),
            ("simulator.ftl", include_str!("../locales/ru/simulator.ftl")),
        ],
    ),
];

type Bundle = FluentBundle<FluentResource>;

static BUNDLES: LazyLock<Vec<(Lang, Bundle)>> = LazyLock::new(|| {
    CATALOGUES
        .iter()
        .map(|(lang, files)| {
            let id: LanguageIdentifier = lang.code().parse().expect("a language code");
            let mut bundle = Bundle::new_concurrent(vec![id]);
            // Explanations are plain text: no bidirectional isolation marks
            // around arguments.
            bundle.set_use_isolating(false);
            for (name, text) in files.iter() {
                let resource = FluentResource::try_new((*text).to_owned())
                    .unwrap_or_else(|(_, errors)| panic!("{lang:?}/{name}: {errors:?}"));
                bundle
                    .add_resource(resource)
                    .unwrap_or_else(|errors| panic!("{lang:?}/{name}: {errors:?}"));
            }
            (*lang, bundle)
        })
        .collect()
});

fn bundle(lang: Lang) -> &'static Bundle {
    let bundles = &*BUNDLES;
    &bundles
        .iter()
        .find(|(l, _)| *l == lang)
        .unwrap_or(&bundles[0])
        .1
}

/// `message` in `lang`: in English where the catalogue of `lang` lacks it,
/// its key where both do. Crossings show the name they were made with.
pub fn render(lang: Lang, message: &Message) -> String {
    render_with(lang, message, &|_, _| None)
}

/// [`render`], with crossings' names in `lang` from `names` (a registry):
/// `names(id, lang)`, or the name the message was made with.
pub fn render_with(
    lang: Lang,
    message: &Message,
    names: &dyn Fn(&str, Lang) -> Option<String>,
) -> String {
    let found = bundle(lang)
        .get_message(&message.key)
        .and_then(|m| m.value());
    let Some(pattern) = found else {
        return if lang == Lang::En {
            message.key.clone()
        } else {
            render_with(Lang::En, message, names)
        };
    };
    let mut args = FluentArgs::new();
    for arg in &message.args {
        let value = match &arg.value {
            Some(Value::Text(text)) => FluentValue::from(text.as_str()),
            Some(Value::Number(n)) => FluentValue::from(*n),
            Some(Value::Message(part)) => FluentValue::from(render_with(lang, part, names)),
            Some(Value::Crossing(c)) => {
                FluentValue::from(names(&c.id, lang).unwrap_or_else(|| c.name.clone()))
            }
            Some(Value::List(list)) => FluentValue::from(
                list.items
                    .iter()
                    .map(|part| render_with(lang, part, names))
                    .collect::<Vec<_>>()
                    .join(&list.separator),
            ),
            None => FluentValue::None,
        };
        args.set(arg.name.clone(), value);
    }
    let mut errors = Vec::new();
    bundle(lang)
        .format_pattern(pattern, Some(&args), &mut errors)
        .into_owned()
}

/// A catalogue message with no arguments yet.
pub fn message(key: &str) -> Message {
    Message {
        key: key.to_owned(),
        args: Vec::new(),
    }
}

/// Adding named arguments to a [`Message`].
pub trait Args: Sized {
    /// Shown as is (a name, a date, a figure already formatted).
    fn text(self, name: &str, value: impl Into<String>) -> Self;
    /// A count: it chooses the plural form.
    fn number(self, name: &str, value: f64) -> Self;
    /// A figure with `places` decimals, shown as is.
    fn fixed(self, name: &str, value: f64, places: usize) -> Self {
        self.text(name, format!("{value:.places$}"))
    }
    /// A part rendered in the same language.
    fn part(self, name: &str, part: Message) -> Self;
    /// Parts rendered in the same language, joined by `separator`.
    fn list(self, name: &str, parts: Vec<Message>, separator: &str) -> Self;
    /// A crossing by id, shown by its registry name in the reader's
    /// language (`name`, its name now, where the registry has none).
    fn crossing(self, name: &str, id: &str, shown: &str) -> Self;
}

impl Args for Message {
    fn text(self, name: &str, value: impl Into<String>) -> Self {
        with(self, name, Value::Text(value.into()))
    }

    fn number(self, name: &str, value: f64) -> Self {
        with(self, name, Value::Number(value))
    }

    fn part(self, name: &str, part: Message) -> Self {
        with(self, name, Value::Message(part))
    }

    fn crossing(self, name: &str, id: &str, shown: &str) -> Self {
        with(
            self,
            name,
            Value::Crossing(CrossingName {
                id: id.to_owned(),
                name: shown.to_owned(),
            }),
        )
    }

    fn list(self, name: &str, parts: Vec<Message>, separator: &str) -> Self {
        with(
            self,
            name,
            Value::List(MessageList {
                items: parts,
                separator: separator.to_owned(),
            }),
        )
    }
}

fn with(mut message: Message, name: &str, value: Value) -> Message {
    message.args.push(MessageArg {
        name: name.to_owned(),
        value: Some(value),
    });
    message
}

#[cfg(test)]
mod tests;
