//! The languages borderflow speaks and which one a request asks for.

/// A working language.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    En,
    Ru,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ru];

    /// The language's code (BCP 47): `en`, `ru`.
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Ru => "ru",
        }
    }

    /// A language tag (`ru`, `ru-KZ`, `EN-gb`) as one of ours, by its
    /// primary subtag.
    pub fn parse(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Self::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// The language an `Accept-Language` value prefers among ours: the
    /// highest weight wins, the earlier on a tie; English when it names
    /// none of ours (or `*` first). Malformed entries are skipped.
    pub fn negotiate(accept: &str) -> Self {
        let mut best: Option<(f32, Self)> = None;
        for entry in accept.split(',') {
            let mut parts = entry.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let mut weight = 1.0_f32;
            for param in parts {
                if let Some(q) = param.trim().strip_prefix("q=") {
                    weight = q.trim().parse().unwrap_or(-1.0);
                }
            }
            if !(weight > 0.0 && weight <= 1.0) {
                continue;
            }
            let lang = if tag == "*" {
                Some(Self::En)
            } else {
                Self::parse(tag)
            };
            if let Some(lang) = lang
                && best.is_none_or(|(w, _)| weight > w)
            {
                best = Some((weight, lang));
            }
        }
        best.map_or(Self::En, |(_, lang)| lang)
    }
}
