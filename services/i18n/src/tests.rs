use std::collections::{BTreeMap, BTreeSet};

use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};

use super::*;

/// Every message of a language's catalogues with the arguments it uses.
fn catalogue(lang: Lang) -> BTreeMap<String, BTreeSet<String>> {
    let (_, files) = CATALOGUES.iter().find(|(l, _)| *l == lang).unwrap();
    let mut messages = BTreeMap::new();
    for (name, text) in files.iter() {
        let resource = fluent_syntax::parser::parse(*text)
            .unwrap_or_else(|(_, errors)| panic!("{lang:?}/{name}: {errors:?}"));
        for entry in resource.body {
            if let Entry::Message(message) = entry {
                let mut args = BTreeSet::new();
                if let Some(pattern) = &message.value {
                    variables(pattern, &mut args);
                }
                let id = message.id.name.to_owned();
                assert!(
                    messages.insert(id.clone(), args).is_none(),
                    "{lang:?}: {id} twice"
                );
            }
        }
    }
    messages
}

fn variables(pattern: &Pattern<&str>, out: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let PatternElement::Placeable { expression } = element {
            expression_variables(expression, out);
        }
    }
}

fn expression_variables(expression: &Expression<&str>, out: &mut BTreeSet<String>) {
    match expression {
        Expression::Inline(inline) => inline_variables(inline, out),
        Expression::Select { selector, variants } => {
            inline_variables(selector, out);
            for variant in variants {
                variables(&variant.value, out);
            }
        }
    }
}

fn inline_variables(inline: &InlineExpression<&str>, out: &mut BTreeSet<String>) {
    match inline {
        InlineExpression::VariableReference { id } => {
            out.insert(id.name.to_owned());
        }
        InlineExpression::Placeable { expression } => expression_variables(expression, out),
        _ => {}
    }
}

#[test]
fn every_message_is_in_both_languages_with_the_same_arguments() {
    let english = catalogue(Lang::En);
    let russian = catalogue(Lang::Ru);
    assert!(english.len() > 50, "{}", english.len());
    let only_english: Vec<_> = english
        .keys()
        .filter(|k| !russian.contains_key(*k))
        .collect();
    let only_russian: Vec<_> = russian
        .keys()
        .filter(|k| !english.contains_key(*k))
        .collect();
    assert!(only_english.is_empty(), "not in Russian: {only_english:?}");
    assert!(only_russian.is_empty(), "not in English: {only_russian:?}");
    for (key, args) in &english {
        assert_eq!(&russian[key], args, "the arguments of {key}");
    }
}

#[test]
fn every_message_renders_without_errors_in_both_languages() {
    for lang in Lang::ALL {
        for (key, args) in catalogue(lang) {
            let mut m = message(&key);
            for name in &args {
                m = m.number(name, 3.0);
            }
            let text = render(lang, &m);
            assert!(
                !text.contains('{') && !text.is_empty(),
                "{lang:?} {key}: {text}"
            );
            assert!(!text.contains('\u{2068}'), "no isolation marks: {text:?}");
        }
    }
}

#[test]
fn counts_take_the_plural_form_of_the_language() {
    let refusals = |n: f64| {
        message("repeated-refusal")
            .text("place", "Korday")
            .text("day", "2026-05-06")
            .number("earlier", n)
            .number("days", 30.0)
    };
    assert_eq!(
        render(Lang::En, &refusals(1.0)),
        "Refused at Korday on 2026-05-06 after 1 refusal in the previous 30 days"
    );
    assert_eq!(
        render(Lang::En, &refusals(2.0)),
        "Refused at Korday on 2026-05-06 after 2 refusals in the previous 30 days"
    );
    let ru: Vec<String> = [1.0, 2.0, 5.0, 21.0]
        .iter()
        .map(|n| render(Lang::Ru, &refusals(*n)))
        .collect();
    assert!(ru[0].contains("после 1 отказа "), "{}", ru[0]);
    assert!(ru[1].contains("после 2 отказов "), "{}", ru[1]);
    assert!(ru[2].contains("после 5 отказов "), "{}", ru[2]);
    assert!(ru[3].contains("после 21 отказа "), "{}", ru[3]);
    let surge = |n: f64| {
        message("flow-surge")
            .fixed("ratio", 2.5, 1)
            .number("travellers", n)
            .number("minutes", 15.0)
            .number("expected", 40.0)
    };
    assert_eq!(
        render(Lang::Ru, &surge(3.0)),
        "Поток в 2.5 раза выше обычного: 3 путешественника за 15 мин при ожидаемых 40"
    );
    assert!(render(Lang::Ru, &surge(11.0)).contains(" 11 путешественников "));
    assert!(render(Lang::Ru, &surge(101.0)).contains(" 101 путешественник "));
}

#[test]
fn parts_and_lists_render_in_the_same_language() {
    let outcome = message("outcome-refused-at").text("place", "Dostuk");
    let failed = message("mrz-check-failed")
        .list(
            "fields",
            vec![
                message("mrz-field-birth-date-check"),
                message("mrz-field-name"),
            ],
            ", ",
        )
        .part("outcome", outcome);
    assert_eq!(
        render(Lang::En, &failed),
        "Machine-readable zone failed checks (birth date check digit, name); traveller refused at Dostuk"
    );
    assert_eq!(
        render(Lang::Ru, &failed),
        "Машиносчитываемая зона не прошла проверку (контрольная цифра даты рождения, имя); \
         путешественнику отказано в пропуске, пункт пропуска Dostuk"
    );
}

#[test]
fn an_unknown_message_shows_its_key() {
    assert_eq!(
        render(Lang::Ru, &message("no-such-message")),
        "no-such-message"
    );
}

#[test]
fn the_request_chooses_the_language() {
    for (header, lang) in [
        ("ru", Lang::Ru),
        ("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", Lang::Ru),
        ("en-GB,en;q=0.9,ru;q=0.8", Lang::En),
        ("kk-KZ, ru;q=0.5", Lang::Ru),
        ("kk-KZ", Lang::En),
        ("", Lang::En),
        ("*", Lang::En),
        ("ru;q=0", Lang::En),
        ("en;q=0.4, RU;q=0.6", Lang::Ru),
        ("ru;q=abc, en", Lang::En),
    ] {
        assert_eq!(Lang::negotiate(header), lang, "{header:?}");
    }
    assert_eq!(Lang::parse("ru_KZ"), Some(Lang::Ru));
    assert_eq!(Lang::parse("de"), None);
}

#[test]
fn crossings_are_named_as_the_registry_names_them_in_the_language() {
    let outcome = message("outcome-admitted-at").crossing("place", "KG-DOSTUK", "Dostuk");
    let registry =
        |id: &str, lang: Lang| (id == "KG-DOSTUK" && lang == Lang::Ru).then(|| "Достук".to_owned());
    assert_eq!(render(Lang::En, &outcome), "traveller admitted at Dostuk");
    assert_eq!(
        render_with(Lang::Ru, &outcome, &registry),
        "путешественник пропущен, пункт пропуска Достук"
    );
    // Without a name in the language, the name it was made with.
    assert_eq!(
        render(Lang::Ru, &outcome),
        "путешественник пропущен, пункт пропуска Dostuk"
    );
}
