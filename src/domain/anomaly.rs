//! The anomaly watch's rules, as pure functions over audit rows: thresholds come from the
//! `[anomalies]` configuration, rows from the trail, and each hit names the audit rows that
//! are its evidence. A hit never blocks anyone unless its rule has `auto_suspend`.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::infra::clock::{datetime, italy_offset_ms, local_day_of};

const MINUTE: i64 = 60_000;
const DAY: i64 = 86_400_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleKind {
    /// Many distinct people's records opened by one operator within the window.
    ManyRecipients,
    /// Activity outside the configured office hours or days.
    OffHours,
    /// Repeated refused attempts: other providers' ids, unknown codici fiscali, revoked cards.
    RepeatedDenied,
    /// One certificate used from many IP addresses within the window.
    CertificateIps,
    /// An operator's first access after a long inactivity (threshold in days).
    AfterInactivity,
    /// Many downloads by one operator within the window.
    DownloadBurst,
}

impl RuleKind {
    pub const ALL: [RuleKind; 6] = [
        Self::ManyRecipients,
        Self::OffHours,
        Self::RepeatedDenied,
        Self::CertificateIps,
        Self::AfterInactivity,
        Self::DownloadBurst,
    ];

    /// Code stored in `anomaly.rule`, and the configuration key under `[anomalies]`.
    pub fn code(self) -> &'static str {
        match self {
            Self::ManyRecipients => "many_recipients",
            Self::OffHours => "off_hours",
            Self::RepeatedDenied => "repeated_denied",
            Self::CertificateIps => "certificate_ips",
            Self::AfterInactivity => "after_inactivity",
            Self::DownloadBurst => "download_burst",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::ManyRecipients => "molte persone consultate in poco tempo",
            Self::OffHours => "accesso fuori orario d'ufficio",
            Self::RepeatedDenied => "tentativi respinti ripetuti",
            Self::CertificateIps => "stessa carta da molti indirizzi IP",
            Self::AfterInactivity => "primo accesso dopo lunga inattività",
            Self::DownloadBurst => "molti scaricamenti in poco tempo",
        }
    }

    /// (threshold, window in minutes) when the configuration says nothing.
    fn defaults(self) -> (u32, u32) {
        match self {
            Self::ManyRecipients => (40, 60),
            Self::OffHours => (1, 0),
            Self::RepeatedDenied => (5, 60),
            Self::CertificateIps => (3, 24 * 60),
            Self::AfterInactivity => (60, 0),
            Self::DownloadBurst => (20, 10),
        }
    }
}

/// One rule's settings as written in the configuration; what is left out takes the default.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSettings {
    pub enabled: Option<bool>,
    /// How many rows (or distinct people / IPs) fire the rule; for `after_inactivity`, days.
    pub threshold: Option<u32>,
    pub window_minutes: Option<u32>,
    /// Disable the operator at once when the rule fires (only provider operators).
    pub auto_suspend: Option<bool>,
}

/// `[anomalies]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnomalyConfig {
    /// Minutes between evaluations of the new audit rows.
    #[serde(default = "default_check_minutes")]
    pub check_minutes: u32,
    /// Office hours, Italian local time, "HH:MM-HH:MM".
    #[serde(default = "default_office_hours")]
    pub office_hours: String,
    /// Office days, 1 = Monday ... 7 = Sunday.
    #[serde(default = "default_office_days")]
    pub office_days: Vec<u8>,
    #[serde(default)]
    pub many_recipients: RuleSettings,
    #[serde(default)]
    pub off_hours: RuleSettings,
    #[serde(default)]
    pub repeated_denied: RuleSettings,
    #[serde(default)]
    pub certificate_ips: RuleSettings,
    #[serde(default)]
    pub after_inactivity: RuleSettings,
    #[serde(default)]
    pub download_burst: RuleSettings,
}

fn default_check_minutes() -> u32 {
    5
}
fn default_office_hours() -> String {
    "07:00-20:00".into()
}
fn default_office_days() -> Vec<u8> {
    vec![1, 2, 3, 4, 5, 6]
}

impl Default for AnomalyConfig {
    fn default() -> Self {
        Self {
            check_minutes: default_check_minutes(),
            office_hours: default_office_hours(),
            office_days: default_office_days(),
            many_recipients: RuleSettings::default(),
            off_hours: RuleSettings::default(),
            repeated_denied: RuleSettings::default(),
            certificate_ips: RuleSettings::default(),
            after_inactivity: RuleSettings::default(),
            download_burst: RuleSettings::default(),
        }
    }
}

/// A rule with its defaults applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub enabled: bool,
    pub threshold: u32,
    pub window_ms: i64,
    pub auto_suspend: bool,
}

impl AnomalyConfig {
    fn settings(&self, kind: RuleKind) -> &RuleSettings {
        match kind {
            RuleKind::ManyRecipients => &self.many_recipients,
            RuleKind::OffHours => &self.off_hours,
            RuleKind::RepeatedDenied => &self.repeated_denied,
            RuleKind::CertificateIps => &self.certificate_ips,
            RuleKind::AfterInactivity => &self.after_inactivity,
            RuleKind::DownloadBurst => &self.download_burst,
        }
    }

    pub fn rule(&self, kind: RuleKind) -> Rule {
        let s = self.settings(kind);
        let (threshold, window) = kind.defaults();
        Rule {
            enabled: s.enabled.unwrap_or(true),
            threshold: s.threshold.unwrap_or(threshold),
            window_ms: i64::from(s.window_minutes.unwrap_or(window)) * MINUTE,
            auto_suspend: s.auto_suspend.unwrap_or(false),
        }
    }

    /// Office hours as minutes after local midnight: [start, end).
    pub fn office_minutes(&self) -> Option<(u32, u32)> {
        let (a, b) = self.office_hours.split_once('-')?;
        let minutes = |t: &str| -> Option<u32> {
            let (h, m) = t.trim().split_once(':')?;
            let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
            (h <= 24 && m < 60 && h * 60 + m <= 24 * 60).then_some(h * 60 + m)
        };
        let (start, end) = (minutes(a)?, minutes(b)?);
        (start < end).then_some((start, end))
    }

    /// The longest window any rule looks back over (for the context rows to load).
    pub fn longest_window_ms(&self) -> i64 {
        RuleKind::ALL.into_iter().map(|k| self.rule(k).window_ms).max().unwrap_or(0)
    }

    /// The first wrong value, as (key, Italian message).
    pub fn validate(&self) -> Result<(), (String, String)> {
        if !(1..=1440).contains(&self.check_minutes) {
            return Err(("anomalies.check_minutes".into(), "deve essere tra 1 e 1440 minuti".into()));
        }
        if self.office_minutes().is_none() {
            return Err((
                "anomalies.office_hours".into(),
                format!("orario non valido: {:?} (atteso \"HH:MM-HH:MM\", inizio prima della fine)", self.office_hours),
            ));
        }
        if self.office_days.is_empty() || self.office_days.iter().any(|d| !(1..=7).contains(d)) {
            return Err(("anomalies.office_days".into(), "giorni da 1 (lunedì) a 7 (domenica), almeno uno".into()));
        }
        for kind in RuleKind::ALL {
            let s = self.settings(kind);
            if s.threshold == Some(0) {
                return Err((format!("anomalies.{}.threshold", kind.code()), "deve essere almeno 1".into()));
            }
            if let Some(w) = s.window_minutes
                && !(1..=7 * 1440).contains(&w)
            {
                return Err((
                    format!("anomalies.{}.window_minutes", kind.code()),
                    "deve essere tra 1 e 10080 minuti (una settimana)".into(),
                ));
            }
        }
        Ok(())
    }
}

/// What the rules read of an audit row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatchRow {
    pub seq: i64,
    pub ts: i64,
    pub actor_id: Option<i64>,
    pub actor_cf: String,
    pub role: Option<String>,
    pub provider_id: Option<i64>,
    pub cert: Option<String>,
    pub ip: Option<String>,
    pub action: String,
    pub object: Option<String>,
    pub outcome: String,
    /// The refusal reason of an `access.denied` row.
    pub reason: Option<String>,
}

/// One rule firing once for one person (or card) on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub rule: RuleKind,
    /// At most one hit per rule, subject and local day.
    pub dedup_key: String,
    pub actor_id: Option<i64>,
    pub actor_cf: String,
    pub provider_id: Option<i64>,
    pub summary: String,
    pub evidence: Vec<i64>,
    pub first_ts: i64,
    pub last_ts: i64,
}

/// Evidence kept per hit: enough to judge, not the whole day.
const EVIDENCE_MAX: usize = 200;

/// Reads of one person's record (object `recipient:<id>`).
const RECORD_VIEWS: [&str; 8] = [
    "recipient.view",
    "agenda.view",
    "sap.view",
    "programme.view",
    "document.download",
    "action.view",
    "action.list",
    "outcome.view",
];
const WATCHED_REFUSALS: [&str; 4] =
    ["foreign_or_unknown_object", "certificate_revoked", "unknown_operator", "invalid_codice_fiscale"];

fn hit(rule: RuleKind, subject: &str, rows: &[&WatchRow], summary: String) -> Option<Hit> {
    let (first, last) = (rows.first()?, rows.last()?);
    Some(Hit {
        rule,
        dedup_key: format!("{}:{subject}:{}", rule.code(), local_day_of(last.ts)),
        actor_id: last.actor_id,
        actor_cf: last.actor_cf.clone(),
        provider_id: last.provider_id,
        summary,
        evidence: rows.iter().take(EVIDENCE_MAX).map(|r| r.seq).collect(),
        first_ts: first.ts,
        last_ts: last.ts,
    })
}

/// Slides a time window over one subject's rows; reports each local day on which the
/// measure (rows, or distinct values of `distinct`) reaches the threshold at a new row.
fn sliding(
    rule: RuleKind,
    cfg: Rule,
    subject: &str,
    rows: &[&WatchRow],
    first_new: i64,
    distinct: Option<fn(&WatchRow) -> Option<&str>>,
    summary: impl Fn(usize, &[&WatchRow]) -> String,
) -> Vec<Hit> {
    let mut out = Vec::new();
    let mut days = HashSet::new();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut start = 0;
    for (end, row) in rows.iter().enumerate() {
        if let Some(value) = distinct.and_then(|f| f(row)) {
            *counts.entry(value).or_default() += 1;
        }
        while rows.get(start).is_some_and(|r| row.ts - r.ts > cfg.window_ms) {
            if let Some(value) = rows.get(start).and_then(|r| distinct.and_then(|f| f(r)))
                && let Some(n) = counts.get_mut(value)
            {
                *n -= 1;
                if *n == 0 {
                    counts.remove(value);
                }
            }
            start += 1;
        }
        let measure = if distinct.is_some() { counts.len() } else { end + 1 - start };
        if measure >= cfg.threshold as usize && row.seq >= first_new && days.insert(local_day_of(row.ts)) {
            let window = rows.get(start..=end).unwrap_or_default();
            out.extend(hit(rule, subject, window, summary(measure, window)));
        }
    }
    out
}

fn group_by<'a>(
    rows: &[&'a WatchRow],
    key: impl Fn(&WatchRow) -> Option<String>,
) -> BTreeMap<String, Vec<&'a WatchRow>> {
    let mut groups: BTreeMap<String, Vec<&WatchRow>> = BTreeMap::new();
    for r in rows {
        if let Some(k) = key(r) {
            groups.entry(k).or_default().push(r);
        }
    }
    groups
}

fn minutes(ms: i64) -> i64 {
    ms / MINUTE
}

/// Is this moment inside office hours (Italian local time)?
pub fn in_office(cfg: &AnomalyConfig, ts: i64) -> bool {
    let Some((start, end)) = cfg.office_minutes() else { return true };
    let local = datetime(ts + italy_offset_ms(ts));
    let minute = u32::from(local.hour()) * 60 + u32::from(local.minute());
    let weekday = local.weekday().number_from_monday();
    cfg.office_days.contains(&weekday) && minute >= start && minute < end
}

/// Evaluates every enabled rule. `rows` are in seq order and include, before `first_new`, the
/// context the windows need; only hits ending at a row with seq >= `first_new` are reported.
/// `previous_activity` answers when the row's actor last did anything before it.
pub fn evaluate(
    cfg: &AnomalyConfig,
    rows: &[WatchRow],
    first_new: i64,
    previous_activity: &mut dyn FnMut(&WatchRow) -> Option<i64>,
) -> Vec<Hit> {
    let all: Vec<&WatchRow> = rows.iter().collect();
    let person = |r: &WatchRow| r.actor_id.map(|id| format!("op:{id}"));
    let mut hits = Vec::new();

    let rule = cfg.rule(RuleKind::ManyRecipients);
    if rule.enabled {
        let views: Vec<&WatchRow> = all
            .iter()
            .copied()
            .filter(|r| r.outcome == "ok" && RECORD_VIEWS.contains(&r.action.as_str()))
            .filter(|r| r.object.as_deref().is_some_and(|o| o.starts_with("recipient:")))
            .collect();
        for (subject, group) in group_by(&views, person) {
            hits.extend(sliding(
                RuleKind::ManyRecipients,
                rule,
                &subject,
                &group,
                first_new,
                Some(|r| r.object.as_deref()),
                |n, w| {
                    let span = w.last().map_or(0, |l| l.ts) - w.first().map_or(0, |f| f.ts);
                    format!("{n} persone diverse consultate in {} minuti", minutes(span).max(1))
                },
            ));
        }
    }

    let rule = cfg.rule(RuleKind::RepeatedDenied);
    if rule.enabled {
        let denied: Vec<&WatchRow> = all
            .iter()
            .copied()
            .filter(|r| r.outcome == "denied" && r.reason.as_deref().is_some_and(|x| WATCHED_REFUSALS.contains(&x)))
            .collect();
        let who = |r: &WatchRow| {
            person(r)
                .or_else(|| r.cert.as_ref().map(|c| format!("cert:{c}")))
                .or_else(|| Some(format!("cf:{}", r.actor_cf)))
        };
        for (subject, group) in group_by(&denied, who) {
            hits.extend(sliding(RuleKind::RepeatedDenied, rule, &subject, &group, first_new, None, |n, w| {
                let mut reasons: Vec<&str> = w.iter().filter_map(|r| r.reason.as_deref()).collect();
                reasons.sort_unstable();
                reasons.dedup();
                format!("{n} tentativi respinti ({})", reasons.join(", "))
            }));
        }
    }

    let rule = cfg.rule(RuleKind::CertificateIps);
    if rule.enabled {
        let with_ip: Vec<&WatchRow> = all.iter().copied().filter(|r| r.cert.is_some() && r.ip.is_some()).collect();
        let card = |r: &WatchRow| r.cert.as_ref().map(|c| format!("cert:{c}"));
        for (subject, group) in group_by(&with_ip, card) {
            hits.extend(sliding(
                RuleKind::CertificateIps,
                rule,
                &subject,
                &group,
                first_new,
                Some(|r| r.ip.as_deref()),
                |n, w| {
                    let mut ips: Vec<&str> = w.iter().filter_map(|r| r.ip.as_deref()).collect();
                    ips.sort_unstable();
                    ips.dedup();
                    format!("stessa carta da {n} indirizzi IP: {}", ips.join(", "))
                },
            ));
        }
    }

    let rule = cfg.rule(RuleKind::DownloadBurst);
    if rule.enabled {
        let downloads: Vec<&WatchRow> = all
            .iter()
            .copied()
            .filter(|r| r.outcome == "ok" && (r.action == "document.download" || r.action.ends_with(".export")))
            .collect();
        for (subject, group) in group_by(&downloads, person) {
            hits.extend(sliding(RuleKind::DownloadBurst, rule, &subject, &group, first_new, None, |n, w| {
                let span = w.last().map_or(0, |l| l.ts) - w.first().map_or(0, |f| f.ts);
                format!("{n} scaricamenti in {} minuti", minutes(span).max(1))
            }));
        }
    }

    let rule = cfg.rule(RuleKind::OffHours);
    if rule.enabled {
        let outside: Vec<&WatchRow> = all
            .iter()
            .copied()
            .filter(|r| r.seq >= first_new && r.actor_id.is_some() && r.outcome == "ok" && !in_office(cfg, r.ts))
            .collect();
        let per_day = |r: &WatchRow| r.actor_id.map(|id| format!("op:{id}:{}", local_day_of(r.ts)));
        for (_, group) in group_by(&outside, per_day) {
            if group.len() >= rule.threshold as usize
                && let Some(first) = group.first()
            {
                let subject = format!("op:{}", first.actor_id.unwrap_or_default());
                let when = crate::infra::clock::format_it(first.ts);
                let summary = format!("{} operazioni fuori orario d'ufficio, la prima il {when}", group.len());
                hits.extend(hit(RuleKind::OffHours, &subject, &group, summary));
            }
        }
    }

    let rule = cfg.rule(RuleKind::AfterInactivity);
    if rule.enabled {
        for r in all.iter().filter(|r| r.seq >= first_new && r.action == "access.login" && r.actor_id.is_some()) {
            if let Some(prev) = previous_activity(r)
                && r.ts - prev >= i64::from(rule.threshold) * DAY
            {
                let subject = format!("op:{}", r.actor_id.unwrap_or_default());
                let days = (r.ts - prev) / DAY;
                let summary = format!(
                    "primo accesso dopo {days} giorni di inattività (ultima attività il {})",
                    crate::infra::clock::format_it(prev)
                );
                hits.extend(hit(RuleKind::AfterInactivity, &subject, &[*r], summary));
            }
        }
    }
    hits
}

#[cfg(test)]
#[path = "anomaly_tests.rs"]
mod tests;
