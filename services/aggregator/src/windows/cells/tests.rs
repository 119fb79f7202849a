use super::*;

fn values(nationality: &str, age: Option<u32>) -> CellValues<'_> {
    CellValues {
        direction: 1,
        sex: 2,
        age_band: AgeBands::default().band(age),
        nationality,
        mode: 3,
        outcome: 2,
        refusal_reason: 9,
    }
}

#[test]
fn bands_cover_every_age_once() {
    let bands = AgeBands::default();
    let band = |age| bands.band(Some(age)).unwrap();
    assert_eq!(
        band(0),
        AgeBand {
            from: 0,
            to: Some(4)
        }
    );
    assert_eq!(
        band(4),
        AgeBand {
            from: 0,
            to: Some(4)
        }
    );
    assert_eq!(
        band(5),
        AgeBand {
            from: 5,
            to: Some(13)
        }
    );
    assert_eq!(
        band(17),
        AgeBand {
            from: 14,
            to: Some(17)
        }
    );
    assert_eq!(
        band(18),
        AgeBand {
            from: 18,
            to: Some(24)
        }
    );
    assert_eq!(
        band(59),
        AgeBand {
            from: 25,
            to: Some(59)
        }
    );
    assert_eq!(band(60), AgeBand { from: 60, to: None });
    assert_eq!(band(130), AgeBand { from: 60, to: None });
    assert_eq!(bands.band(None), None);
}

#[test]
fn bands_parse_and_name_what_is_wrong() {
    assert_eq!(
        "0, 18, 65".parse::<AgeBands>().unwrap().to_string(),
        "0,18,65"
    );
    assert!(
        "5,18"
            .parse::<AgeBands>()
            .unwrap_err()
            .contains("start at 0")
    );
    assert!(
        "0,18,18"
            .parse::<AgeBands>()
            .unwrap_err()
            .contains("ascend")
    );
    assert!("0,x".parse::<AgeBands>().unwrap_err().contains("\"x\""));
    assert!(
        "0,200"
            .parse::<AgeBands>()
            .unwrap_err()
            .contains("over 120")
    );
}

#[test]
fn a_key_gives_back_every_value() {
    for nationality in ["KAZ", "D<<", "XXA", "UZ", ""] {
        for age in [None, Some(3), Some(70)] {
            let v = values(nationality, age);
            let key = CellKey::new(&v);
            assert_eq!(key.direction(), 1);
            assert_eq!(key.sex(), 2);
            assert_eq!(key.age_band(), v.age_band);
            assert_eq!(key.nationality(), nationality);
            assert_eq!(key.mode(), 3);
            assert_eq!(key.outcome(), 2);
            assert_eq!(key.refusal_reason(), 9);
            assert_eq!(CellKey::from_proto(&key.to_proto(1)), key);
        }
    }
}

#[test]
fn out_of_range_values_read_as_unspecified() {
    let mut v = values("kaz", Some(30));
    v.direction = 7;
    v.refusal_reason = -1;
    let key = CellKey::new(&v);
    assert_eq!(key.direction(), 0);
    assert_eq!(key.refusal_reason(), 0);
    assert_eq!(key.nationality(), "", "lower case is not a 9303 code");
    assert_eq!(key.sex(), 2, "neighbours are untouched");
}

#[test]
fn a_projection_keeps_only_the_chosen_fields() {
    let key = CellKey::new(&values("KAZ", Some(30)));
    let p = key.project(&[Field::Sex, Field::AgeBand]);
    assert_eq!(p.sex(), 2);
    assert_eq!(
        p.age_band(),
        Some(AgeBand {
            from: 25,
            to: Some(59)
        })
    );
    assert_eq!((p.direction(), p.mode(), p.outcome()), (0, 0, 0));
    assert_eq!(p.nationality(), "");
    assert_eq!(key.project(&[Field::Nationality]).age_band(), None);
}

#[test]
fn cells_add_merge_and_subtract() {
    let a = CellKey::new(&values("KAZ", Some(30)));
    let b = CellKey::new(&values("UZB", Some(8)));
    let mut one = Cells::default();
    one.add(a, 2);
    one.add(b, 1);
    one.add(a, 1);
    assert_eq!(one.total(), 4);
    let mut sum = one.clone();
    sum.merge(&one);
    assert_eq!(sum.iter().collect::<Vec<_>>().len(), 2);
    assert_eq!(sum.total(), 8);
    sum.subtract(&one);
    assert_eq!(sum, one);
    sum.subtract(&one);
    assert!(sum.is_empty(), "cells counted down to zero are dropped");
}
