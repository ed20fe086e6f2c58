//! `--mode cloudwatch`: what the CIS metric-filter + alarm pair would have said, replayed over
//! event time.
//!
//! Per control, a metric counts matched events per `period` (the metric filter's `value = 1`,
//! statistic `Sum`); periods without a match have no datapoint (missing data). At the end of each
//! period the alarm looks at the last `evaluation_periods` datapoints (N) and goes to ALARM when
//! at least `datapoints_to_alarm` (M) of them breach the threshold. Missing datapoints count as
//! the `treat_missing_data` setting says:
//!
//! | treatment | a missing datapoint | when all N are missing |
//! |---|---|---|
//! | `notBreaching` (CIS default) | good | OK |
//! | `breaching` | bad | ALARM (if M ≤ N) |
//! | `ignore` | not counted | the state is kept |
//! | `missing` | not counted | INSUFFICIENT_DATA |
//!
//! Otherwise the alarm is OK. Notifications (SNS actions) fire on state *transitions* only, which
//! is the point of the backtest: every matched event that fell while the alarm was already in
//! ALARM, or that did not reach M-of-N, was never announced by CloudWatch. Simplifications, stated:
//! periods are aligned to the Unix epoch, the alarm is evaluated once at each period's end (AWS
//! evaluates every minute over a sliding window; with the CIS 300 s/1-of-1 settings the outcome is
//! the same per period), and `ignore`/`missing` do not look back beyond N periods for older data.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

/// How a datapoint is compared to the threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Comparison {
    GreaterThanOrEqualToThreshold,
    GreaterThanThreshold,
    LessThanThreshold,
    LessThanOrEqualToThreshold,
}

impl Comparison {
    pub fn parse(s: &str) -> Option<Comparison> {
        use Comparison::*;
        Some(match s.to_ascii_lowercase().as_str() {
            "greaterthanorequaltothreshold" | ">=" | "gte" => GreaterThanOrEqualToThreshold,
            "greaterthanthreshold" | ">" | "gt" => GreaterThanThreshold,
            "lessthanthreshold" | "<" | "lt" => LessThanThreshold,
            "lessthanorequaltothreshold" | "<=" | "lte" => LessThanOrEqualToThreshold,
            _ => return None,
        })
    }

    fn breaches(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::GreaterThanOrEqualToThreshold => value >= threshold,
            Comparison::GreaterThanThreshold => value > threshold,
            Comparison::LessThanThreshold => value < threshold,
            Comparison::LessThanOrEqualToThreshold => value <= threshold,
        }
    }

    /// As in CloudWatch's state reasons ("was greater than or equal to the threshold").
    fn words(self) -> &'static str {
        match self {
            Comparison::GreaterThanOrEqualToThreshold => "greater than or equal to",
            Comparison::GreaterThanThreshold => "greater than",
            Comparison::LessThanThreshold => "less than",
            Comparison::LessThanOrEqualToThreshold => "less than or equal to",
        }
    }
}

/// `treat_missing_data`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum TreatMissing {
    NotBreaching,
    Breaching,
    Ignore,
    Missing,
}

impl TreatMissing {
    /// CloudWatch's spelling.
    pub fn name(self) -> &'static str {
        match self {
            TreatMissing::NotBreaching => "notBreaching",
            TreatMissing::Breaching => "breaching",
            TreatMissing::Ignore => "ignore",
            TreatMissing::Missing => "missing",
        }
    }

    pub fn parse(s: &str) -> Option<TreatMissing> {
        Some(match s.to_ascii_lowercase().as_str() {
            "notbreaching" | "not-breaching" => TreatMissing::NotBreaching,
            "breaching" => TreatMissing::Breaching,
            "ignore" => TreatMissing::Ignore,
            "missing" => TreatMissing::Missing,
            _ => return None,
        })
    }
}

/// One alarm's settings. [`Default`] is the CIS alarm (terraform-aws-modules `cis-alarms`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct AlarmConfig {
    /// Seconds per datapoint.
    pub period: i64,
    pub threshold: f64,
    pub comparison: Comparison,
    /// N.
    pub evaluation_periods: u32,
    /// M.
    pub datapoints_to_alarm: u32,
    pub treat_missing: TreatMissing,
}

impl Default for AlarmConfig {
    fn default() -> Self {
        AlarmConfig {
            period: 300,
            threshold: 1.0,
            comparison: Comparison::GreaterThanOrEqualToThreshold,
            evaluation_periods: 1,
            datapoints_to_alarm: 1,
            treat_missing: TreatMissing::NotBreaching,
        }
    }
}

impl AlarmConfig {
    /// Rejects settings CloudWatch rejects.
    pub fn validate(&self) -> Result<(), String> {
        if !([10, 20, 30].contains(&self.period) || (self.period >= 60 && self.period % 60 == 0)) {
            return Err(format!(
                "alarm period {} s: must be 10, 20, 30 or a multiple of 60",
                self.period
            ));
        }
        if self.evaluation_periods == 0 || self.datapoints_to_alarm == 0 {
            return Err("evaluation periods and datapoints to alarm must be at least 1".into());
        }
        if self.datapoints_to_alarm > self.evaluation_periods {
            return Err(format!(
                "datapoints to alarm ({}) cannot exceed evaluation periods ({})",
                self.datapoints_to_alarm, self.evaluation_periods
            ));
        }
        Ok(())
    }
}

/// An alarm state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum State {
    Ok,
    Alarm,
    InsufficientData,
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            State::Ok => "OK",
            State::Alarm => "ALARM",
            State::InsufficientData => "INSUFFICIENT_DATA",
        })
    }
}

/// A state change, i.e. a notification CloudWatch would send.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Transition {
    /// Unix seconds: the end of the period whose evaluation changed the state.
    pub at: i64,
    pub from: State,
    pub to: State,
    /// CloudWatch-style reason.
    pub reason: String,
}

/// The replay of one alarm.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Timeline {
    pub transitions: Vec<Transition>,
    /// Matched events.
    pub events: u64,
    /// Events in a period whose evaluation sent the alarm to ALARM (a notification went out then).
    pub announced: u64,
    /// Events in periods evaluated while the alarm was already in ALARM: no notification.
    pub silent_in_alarm: u64,
    /// Events in periods that did not bring the alarm to ALARM (e.g. 1 of 2-of-3).
    pub below_alarm: u64,
}

impl Timeline {
    /// Events no notification was sent for.
    pub fn unannounced(&self) -> u64 {
        self.silent_in_alarm + self.below_alarm
    }
}

/// Replays the alarm over the event times (Unix seconds, any order), starting in `initial`.
pub fn replay(config: &AlarmConfig, times: &[i64], initial: State) -> Timeline {
    let p = config.period.max(1);
    let mut counts: BTreeMap<i64, u64> = BTreeMap::new();
    for t in times {
        *counts.entry(t.div_euclid(p)).or_default() += 1;
    }
    let mut timeline = Timeline {
        events: times.len() as u64,
        ..Timeline::default()
    };
    let (Some(&first), Some(&last)) = (counts.keys().next(), counts.keys().next_back()) else {
        return timeline;
    };
    let n = i64::from(config.evaluation_periods);
    let m = config.datapoints_to_alarm as usize;
    let mut state = initial;
    // Evaluate until every datapoint has left the window, so the alarm can recover.
    for k in first..=last + n {
        let mut bad = 0usize;
        let mut present = 0usize;
        let mut shown = Vec::new();
        for j in k + 1 - n..=k {
            match counts.get(&j) {
                Some(&c) => {
                    present += 1;
                    if config.comparison.breaches(c as f64, config.threshold) {
                        bad += 1;
                    }
                    shown.push(format!("{:.1} ({})", c as f64, crate::time::format(j * p)));
                }
                None => match config.treat_missing {
                    TreatMissing::NotBreaching => present += 1,
                    TreatMissing::Breaching => {
                        present += 1;
                        bad += 1;
                    }
                    TreatMissing::Ignore | TreatMissing::Missing => {}
                },
            }
        }
        let next = if bad >= m {
            State::Alarm
        } else if present == 0 {
            match config.treat_missing {
                TreatMissing::Missing => State::InsufficientData,
                _ => state,
            }
        } else {
            State::Ok
        };
        let here = counts.get(&k).copied().unwrap_or(0);
        if next == State::Alarm && state != State::Alarm {
            timeline.announced += here;
        } else if next == State::Alarm {
            timeline.silent_in_alarm += here;
        } else {
            timeline.below_alarm += here;
        }
        if next != state {
            let reason = if next == State::InsufficientData {
                format!("Insufficient Data: {n} datapoint(s) were unknown.")
            } else {
                format!(
                    "Threshold Crossed: {bad} out of the last {n} datapoints [{}] {} {} the threshold ({:.1}) (minimum {m} datapoint(s) for OK -> ALARM transition).",
                    if shown.is_empty() {
                        format!("no datapoints; missing data treated as {}", config.treat_missing.name())
                    } else {
                        shown.join(", ")
                    },
                    if next == State::Alarm { "were" } else { "were not" },
                    config.comparison.words(),
                    config.threshold,
                )
            };
            timeline.transitions.push(Transition {
                at: (k + 1) * p,
                from: state,
                to: next,
                reason,
            });
            state = next;
        }
    }
    timeline
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(t: &Timeline) -> Vec<(i64, State)> {
        t.transitions.iter().map(|x| (x.at, x.to)).collect()
    }

    #[test]
    fn cis_defaults_burst_and_quiet_gap() {
        let c = AlarmConfig::default();
        // A burst of 3 in period [0,300), one more in [300,600), quiet, then one at 1000.
        let t = replay(&c, &[10, 20, 290, 310, 1000], State::Ok);
        assert_eq!(
            steps(&t),
            vec![
                (300, State::Alarm),
                (900, State::Ok),
                (1200, State::Alarm),
                (1500, State::Ok)
            ]
        );
        assert_eq!(t.events, 5);
        // The first burst and the one at 1000 were announced; 310 fell while already in ALARM.
        assert_eq!((t.announced, t.silent_in_alarm, t.below_alarm), (4, 1, 0));
        assert!(t.transitions[1]
            .reason
            .contains("[no datapoints; missing data treated as notBreaching] were not"));
        assert!(t.transitions[0].reason.starts_with(
            "Threshold Crossed: 1 out of the last 1 datapoints [3.0 (1970-01-01T00:00:00Z)] were greater than or equal to"
        ));
    }

    #[test]
    fn two_of_three() {
        let c = AlarmConfig {
            evaluation_periods: 3,
            datapoints_to_alarm: 2,
            ..AlarmConfig::default()
        };
        // Datapoints in periods 0 and 2: the window [0,1,2] has 2 → ALARM at 900.
        // Windows [1,2,3] → 1 bad → OK at 1200.
        let t = replay(&c, &[5, 650], State::Ok);
        assert_eq!(steps(&t), vec![(900, State::Alarm), (1200, State::Ok)]);
        assert_eq!((t.announced, t.silent_in_alarm, t.below_alarm), (1, 0, 1));
        // A lone event never reaches 2 of 3.
        let t = replay(&c, &[5], State::Ok);
        assert!(t.transitions.is_empty());
        assert_eq!(t.below_alarm, 1);
    }

    #[test]
    fn missing_data_treatments() {
        let base = AlarmConfig {
            evaluation_periods: 2,
            datapoints_to_alarm: 2,
            ..AlarmConfig::default()
        };
        let events = [5];
        // notBreaching: the missing neighbour is good → never 2 of 2.
        assert!(replay(&base, &events, State::Ok).transitions.is_empty());
        // breaching: the missing neighbour is bad → ALARM at once, and it stays there while
        // every datapoint is missing (all missing are bad).
        let c = AlarmConfig {
            treat_missing: TreatMissing::Breaching,
            ..base
        };
        let t = replay(&c, &events, State::Ok);
        assert_eq!(steps(&t), vec![(300, State::Alarm)]);
        // missing: one present datapoint, not 2 → OK; then nothing present → INSUFFICIENT_DATA.
        let c = AlarmConfig {
            treat_missing: TreatMissing::Missing,
            ..base
        };
        assert_eq!(
            steps(&replay(&c, &events, State::Ok)),
            vec![(900, State::InsufficientData)]
        );
        // ignore: the state is kept when nothing is present.
        let c = AlarmConfig {
            treat_missing: TreatMissing::Ignore,
            ..base
        };
        assert!(replay(&c, &events, State::Ok).transitions.is_empty());
        let c1 = AlarmConfig {
            treat_missing: TreatMissing::Ignore,
            ..AlarmConfig::default()
        };
        // 1-of-1 with ignore: ALARM, and it stays in ALARM through the quiet periods.
        assert_eq!(
            steps(&replay(&c1, &events, State::Ok)),
            vec![(300, State::Alarm)]
        );
    }

    #[test]
    fn thresholds_and_validation() {
        let c = AlarmConfig {
            threshold: 3.0,
            ..AlarmConfig::default()
        };
        let t = replay(&c, &[1, 2, 400, 401, 402], State::Ok);
        assert_eq!(steps(&t), vec![(600, State::Alarm), (900, State::Ok)]);
        assert_eq!((t.announced, t.below_alarm), (3, 2));
        assert!(AlarmConfig {
            datapoints_to_alarm: 2,
            ..AlarmConfig::default()
        }
        .validate()
        .is_err());
        assert!(AlarmConfig {
            period: 90,
            ..AlarmConfig::default()
        }
        .validate()
        .is_err());
        assert!(AlarmConfig::default().validate().is_ok());
        assert_eq!(
            Comparison::parse(">="),
            Some(Comparison::GreaterThanOrEqualToThreshold)
        );
        assert_eq!(
            TreatMissing::parse("notBreaching"),
            Some(TreatMissing::NotBreaching)
        );
    }
}
