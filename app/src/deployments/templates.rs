//! Ring templates: the safe-deployment shapes people start a plan from. Pure,
//! so the plan editor, the API and "approve with buildout" share them.

/// A template's name and what it does, for the plan editor.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "canary-zone-rest",
        "canary 1 cluster → the rest of its zone → the rest",
    ),
    ("canary-rest", "canary 1 cluster → the rest"),
    ("one-ring", "everything in one ring"),
];

/// Bake times of the template's rings (canary, zone, rest), in minutes.
const BAKES: [i64; 3] = [60, 120, 0];

/// Splits targets (each with its zone) into rings by `template`: a list of
/// (ring name, bake minutes, targets). Targets keep their order; an empty ring
/// is left out.
pub fn rings<T: Clone>(
    template: &str,
    targets: &[(i64, T)],
) -> Result<Vec<(String, i64, Vec<T>)>, String> {
    let Some((first, rest)) = targets.split_first() else {
        return Err("a plan needs at least one target".into());
    };
    let mut out: Vec<(String, i64, Vec<T>)> = match template {
        "one-ring" => vec![(
            "all".into(),
            0,
            targets.iter().map(|t| t.1.clone()).collect(),
        )],
        "canary-rest" => vec![
            ("canary".into(), BAKES[0], vec![first.1.clone()]),
            (
                "rest".into(),
                BAKES[2],
                rest.iter().map(|t| t.1.clone()).collect(),
            ),
        ],
        "canary-zone-rest" => {
            let (zone, others): (Vec<_>, Vec<_>) = rest.iter().partition(|t| t.0 == first.0);
            vec![
                ("canary".into(), BAKES[0], vec![first.1.clone()]),
                (
                    format!("zone {}", first.0),
                    BAKES[1],
                    zone.iter().map(|t| t.1.clone()).collect(),
                ),
                (
                    "rest".into(),
                    BAKES[2],
                    others.iter().map(|t| t.1.clone()).collect(),
                ),
            ]
        }
        other => {
            return Err(format!(
                "'{}' is not a template (one of canary-zone-rest, canary-rest, one-ring)",
                crate::shared::text::bounded(other, 40)
            ))
        }
    };
    out.retain(|(_, _, ts)| !ts.is_empty());
    Ok(out)
}

/// `units` split into clusters of at most `size`, spread over `zones` in turn.
pub fn split_units(units: i64, size: i64, zones: &[i64]) -> Vec<(i64, i64)> {
    let size = size.max(1);
    let n = (units + size - 1) / size;
    (0..n)
        .map(|i| {
            let take = if i == n - 1 {
                units - size * (n - 1)
            } else {
                size
            };
            (zones[i as usize % zones.len().max(1)], take)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canary_then_its_zone_then_the_rest() {
        let targets = [(1, "a"), (2, "b"), (1, "c"), (3, "d"), (1, "e")];
        let r = rings("canary-zone-rest", &targets).unwrap();
        assert_eq!(r[0], ("canary".into(), 60, vec!["a"]));
        assert_eq!(r[1], ("zone 1".into(), 120, vec!["c", "e"]));
        assert_eq!(r[2], ("rest".into(), 0, vec!["b", "d"]));
        assert_eq!(
            rings("canary-zone-rest", &[(1, "a")]).unwrap().len(),
            1,
            "empty rings are left out"
        );
        assert!(rings::<&str>("canary-rest", &[]).is_err());
        assert!(rings("yolo", &targets).is_err());
    }

    #[test]
    fn units_split_into_clusters_across_zones() {
        assert_eq!(
            split_units(2500, 1000, &[1, 2, 3]),
            vec![(1, 1000), (2, 1000), (3, 500)]
        );
        assert_eq!(split_units(300, 1000, &[2]), vec![(2, 300)]);
        let split = split_units(12_345, 700, &[1, 2]);
        assert_eq!(
            split.iter().map(|s| s.1).sum::<i64>(),
            12_345,
            "units are conserved"
        );
        assert!(split.iter().all(|s| s.1 > 0 && s.1 <= 700));
    }
}
