//! `--roster`: who trains in which team, for the operators' score. Each
//! entry names an operator by the subject their token carries (what the
//! triage records as the actor) and the team they sit in:
//!
//! ```toml
//! [[operator]]
//! subject = "kz-duty-1"
//! team = "Korday shift A"
//! ```
//!
//! Errors name `operator[i].field`.

use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

use crate::score::Roster;

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    operator: Vec<Entry>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Entry {
    subject: String,
    team: String,
}

pub(super) fn load(path: &Path) -> anyhow::Result<Roster> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse(&text).with_context(|| format!("in {}", path.display()))
}

fn parse(text: &str) -> anyhow::Result<Roster> {
    let file: File = toml::from_str(text).context("parsing the roster")?;
    let mut roster = Roster::default();
    for (i, entry) in file.operator.into_iter().enumerate() {
        for (field, value) in [("subject", &entry.subject), ("team", &entry.team)] {
            if value.trim().is_empty() || value.chars().count() > 128 {
                anyhow::bail!("operator[{i}].{field}: from 1 to 128 characters");
            }
        }
        if roster.teams.contains_key(&entry.subject) {
            anyhow::bail!("operator[{i}].subject: {} is listed twice", entry.subject);
        }
        roster.teams.insert(entry.subject, entry.team);
    }
    Ok(roster)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_map_to_their_teams_and_errors_name_the_entry() {
        let roster = parse(
            "[[operator]]\nsubject = \"op-1\"\nteam = \"A\"\n[[operator]]\nsubject = \"op-2\"\nteam = \"B\"\n",
        )
        .unwrap();
        assert_eq!(roster.teams["op-2"], "B");
        let twice = parse("[[operator]]\nsubject = \"x\"\nteam = \"A\"\n[[operator]]\nsubject = \"x\"\nteam = \"B\"\n")
            .unwrap_err();
        assert_eq!(twice.to_string(), "operator[1].subject: x is listed twice");
        let blank = parse("[[operator]]\nsubject = \"x\"\nteam = \" \"\n").unwrap_err();
        assert_eq!(
            blank.to_string(),
            "operator[0].team: from 1 to 128 characters"
        );
        assert!(parse("[[operator]]\nname = \"x\"\n").is_err());
    }
}
