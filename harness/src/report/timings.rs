//! How long a run took: its wall time, each implementation's case times and timer lag,
//! the cases that broke a timing rule, and each golden vector's time.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::model::CaseLabel;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Timings {
    pub started_at: String,
    pub wall_ms: u64,
    /// Per `contract/implementation`.
    pub implementations: BTreeMap<String, ImplTimings>,
    /// Measured elapsed times of cases that broke the timing rule, by group.
    pub timing_violations: Vec<TimingViolation>,
    /// Each contract's wall time in ms: its cases, re-runs and shrinking.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub contracts_ms: BTreeMap<String, u64>,
    /// Each golden vector's elapsed time per implementation, as its adapter measured it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vectors: Vec<VectorTiming>,
}

/// How long one implementation took on one golden vector.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VectorTiming {
    pub contract: String,
    pub implementation: String,
    pub id: String,
    pub elapsed_ms: f64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImplTimings {
    pub elapsed_ms: Percentiles,
    pub timer_lag_ms: Percentiles,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Percentiles {
    pub samples: usize,
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

impl Percentiles {
    pub fn of(mut values: Vec<f64>) -> Percentiles {
        if values.is_empty() {
            return Percentiles::default();
        }
        values.sort_by(f64::total_cmp);
        let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
        let round = |v: f64| (v * 100.0).round() / 100.0;
        Percentiles {
            samples: values.len(),
            p50: round(at(0.5)),
            p99: round(at(0.99)),
            max: round(at(1.0)),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimingViolation {
    pub contract: String,
    pub implementation: String,
    pub case: CaseLabel,
    pub rule: String,
    pub elapsed_ms: f64,
    pub limit_ms: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_nearest_ranks() {
        let p = Percentiles::of((1..=100).map(f64::from).collect());
        assert_eq!((p.samples, p.p50, p.p99, p.max), (100, 51.0, 99.0, 100.0));
        assert_eq!(Percentiles::of(vec![]), Percentiles::default());
    }
}
