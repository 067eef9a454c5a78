//! The anomaly watch's rules, as pure functions over audit rows: thresholds come from the
//! `[anomalies]` configuration, rows from the trail, and each hit names the audit rows that
//! are its evidence. A hit never blocks anyone unless its rule has `auto_suspend`.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use serde::{Deserialize, Serialize};

use super::ids::{OperatorId, ProviderId};
use super::timestamp::{MS_PER_DAY, Timestamp};
use crate::domain::italian::count;
use crate::domain::operator::Refusal;
use crate::infra::clock::{datetime, italy_offset_ms, local_day_of};

const MINUTE: i64 = 60_000;

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
    pub ts: Timestamp,
    pub actor_id: Option<OperatorId>,
    pub actor_cf: String,
    pub role: Option<String>,
    pub provider_id: Option<ProviderId>,
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
    pub actor_id: Option<OperatorId>,
    pub actor_cf: String,
    pub provider_id: Option<ProviderId>,
    pub summary: String,
    pub evidence: Vec<i64>,
    pub first_ts: Timestamp,
    pub last_ts: Timestamp,
}

/// Evidence kept per hit: enough to judge, not the whole day.
const EVIDENCE_MAX: usize = 200;
/// Rows (or distinct values) kept per subject and rule, whatever the traffic: a scripted
/// burst of millions of rows must not make the watch hold them all. Above any threshold
/// that makes sense; a measure saturates here.
const WINDOW_CAP: usize = 10_000;

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

fn minutes(ms: i64) -> i64 {
    ms / MINUTE
}

/// Is this moment inside office hours (Italian local time)?
pub fn in_office(cfg: &AnomalyConfig, t: Timestamp) -> bool {
    let Some((start, end)) = cfg.office_minutes() else { return true };
    let local = datetime(t.plus_ms(italy_offset_ms(t)));
    let minute = u32::from(local.hour()) * 60 + u32::from(local.minute());
    let weekday = local.weekday().number_from_monday();
    cfg.office_days.contains(&weekday) && minute >= start && minute < end
}

/// One subject's rows inside a rule's window, oldest first: (ts, seq, note).
#[derive(Debug, Default)]
struct CountWindow {
    rows: VecDeque<(Timestamp, i64, Option<String>)>,
}

impl CountWindow {
    fn push(&mut self, row: &WatchRow, note: Option<String>, window_ms: i64) {
        self.rows.push_back((row.ts, row.seq, note));
        self.expire(row.ts, window_ms);
        if self.rows.len() > WINDOW_CAP {
            self.rows.pop_front();
        }
    }
}

/// The distinct values seen inside a rule's window, each with its latest row: a value counts
/// while its latest row is inside the window (the same measure as counting values over every
/// row in the window, without keeping every row).
#[derive(Debug, Default)]
struct DistinctWindow {
    latest: HashMap<String, (Timestamp, i64)>,
    by_time: BTreeMap<(Timestamp, i64), String>,
}

impl DistinctWindow {
    fn push(&mut self, row: &WatchRow, value: &str, window_ms: i64) {
        if let Some(old) = self.latest.insert(value.to_owned(), (row.ts, row.seq)) {
            self.by_time.remove(&old);
        }
        self.by_time.insert((row.ts, row.seq), value.to_owned());
        self.expire(row.ts, window_ms);
        if self.by_time.len() > WINDOW_CAP {
            self.pop_oldest();
        }
    }

    fn pop_oldest(&mut self) {
        if let Some((_, value)) = self.by_time.pop_first() {
            self.latest.remove(&value);
        }
    }
}

/// Either kind of window: rows older than the window leave it.
trait Window {
    fn expire(&mut self, now: Timestamp, window_ms: i64);
    fn is_empty(&self) -> bool;
}

impl Window for CountWindow {
    fn expire(&mut self, now: Timestamp, window_ms: i64) {
        while self.rows.front().is_some_and(|(ts, _, _)| now.ms_since(*ts) > window_ms) {
            self.rows.pop_front();
        }
    }
    fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

impl Window for DistinctWindow {
    fn expire(&mut self, now: Timestamp, window_ms: i64) {
        while self.by_time.first_key_value().is_some_and(|((ts, _), _)| now.ms_since(*ts) > window_ms) {
            self.pop_oldest();
        }
    }
    fn is_empty(&self) -> bool {
        self.latest.is_empty()
    }
}

/// Drops the subjects whose window is empty at `now`.
fn forget_idle<W: Window>(windows: &mut HashMap<String, W>, now: Timestamp, window_ms: i64) {
    windows.retain(|_, w| {
        w.expire(now, window_ms);
        !w.is_empty()
    });
}

/// One operator's rows outside office hours on one local day.
#[derive(Debug)]
struct OffHoursDay {
    count: usize,
    first_ts: Timestamp,
    evidence: Vec<i64>,
    last: WatchRow,
}

/// The rules' memory, fed the audit rows in seq order, one at a time. It keeps only what the
/// windows need (per subject, at most `WINDOW_CAP` entries), so the watch's cost is one pass
/// over the trail and its memory does not grow with a busy day. The anomaly job keeps one
/// between runs and rebuilds it from the trail after a restart.
#[derive(Debug)]
pub struct Watch {
    cfg: AnomalyConfig,
    /// The last seq fed (0: none yet).
    covered_to: i64,
    last_ts: Timestamp,
    many_recipients: HashMap<String, DistinctWindow>,
    certificate_ips: HashMap<String, DistinctWindow>,
    repeated_denied: HashMap<String, CountWindow>,
    download_burst: HashMap<String, CountWindow>,
    off_hours: BTreeMap<(OperatorId, i64), OffHoursDay>,
    /// (rule, subject, local day) already reported: at most one hit each.
    fired: HashSet<(RuleKind, String, i64)>,
    hits: Vec<Hit>,
}

fn person(r: &WatchRow) -> Option<String> {
    r.actor_id.map(|id| format!("op:{id}"))
}

impl Watch {
    pub fn new(cfg: &AnomalyConfig) -> Self {
        Self {
            cfg: cfg.clone(),
            covered_to: 0,
            last_ts: Timestamp::from_ms(i64::MIN),
            many_recipients: HashMap::new(),
            certificate_ips: HashMap::new(),
            repeated_denied: HashMap::new(),
            download_burst: HashMap::new(),
            off_hours: BTreeMap::new(),
            fired: HashSet::new(),
            hits: Vec::new(),
        }
    }

    /// The last seq this state has seen.
    pub fn covered_to(&self) -> i64 {
        self.covered_to
    }

    /// Takes the next row (seq order). `report` is false for context rows, which an earlier
    /// run already evaluated: they fill the windows but fire nothing. `previous_activity`
    /// answers when the row's actor last did anything before it.
    pub fn feed(
        &mut self,
        r: &WatchRow,
        report: bool,
        previous_activity: &mut dyn FnMut(&WatchRow) -> Option<Timestamp>,
    ) {
        self.covered_to = r.seq;
        self.last_ts = self.last_ts.max(r.ts);
        let rule_of = |k: RuleKind| self.cfg.rule(k);
        let [many, denied, ips, downloads, off_hours, inactivity] = [
            RuleKind::ManyRecipients,
            RuleKind::RepeatedDenied,
            RuleKind::CertificateIps,
            RuleKind::DownloadBurst,
            RuleKind::OffHours,
            RuleKind::AfterInactivity,
        ]
        .map(rule_of);

        let rule = many;
        if rule.enabled
            && r.outcome == "ok"
            && RECORD_VIEWS.contains(&r.action.as_str())
            && let Some(object) = r.object.as_deref().filter(|o| o.starts_with("recipient:"))
            && let Some(subject) = person(r)
        {
            let quiet = !report || self.fired_today(RuleKind::ManyRecipients, &subject, r.ts);
            let w = self.many_recipients.entry(subject.clone()).or_default();
            w.push(r, object, rule.window_ms);
            if !quiet && w.latest.len() >= rule.threshold as usize {
                let first_ts = w.by_time.first_key_value().map_or(r.ts, |((ts, _), _)| *ts);
                let summary = format!(
                    "{} in {}",
                    count(w.latest.len(), "persona diversa consultata", "persone diverse consultate"),
                    count(minutes(r.ts.ms_since(first_ts)).max(1), "minuto", "minuti")
                );
                let evidence = w.by_time.keys().map(|(_, seq)| *seq).collect();
                self.fire(RuleKind::ManyRecipients, &subject, r, first_ts, evidence, summary);
            }
        }

        let rule = denied;
        if rule.enabled
            && r.outcome == "denied"
            && let Some(reason) = r.reason.as_deref().filter(|x| WATCHED_REFUSALS.contains(x))
        {
            let subject = person(r)
                .or_else(|| r.cert.as_ref().map(|c| format!("cert:{c}")))
                .unwrap_or_else(|| format!("cf:{}", r.actor_cf));
            let quiet = !report || self.fired_today(RuleKind::RepeatedDenied, &subject, r.ts);
            let w = self.repeated_denied.entry(subject.clone()).or_default();
            w.push(r, Some(reason.to_owned()), rule.window_ms);
            if !quiet && w.rows.len() >= rule.threshold as usize {
                let mut reasons: Vec<&str> = w
                    .rows
                    .iter()
                    .filter_map(|(_, _, x)| x.as_deref())
                    .map(|code| match Refusal::from_code(code) {
                        Some(r) => r.label(),
                        None => code,
                    })
                    .collect();
                reasons.sort_unstable();
                reasons.dedup();
                let summary = format!(
                    "{} ({})",
                    count(w.rows.len(), "tentativo respinto", "tentativi respinti"),
                    reasons.join(", ")
                );
                let first_ts = w.rows.front().map_or(r.ts, |(ts, _, _)| *ts);
                let evidence = w.rows.iter().map(|(_, seq, _)| *seq).collect();
                self.fire(RuleKind::RepeatedDenied, &subject, r, first_ts, evidence, summary);
            }
        }

        let rule = ips;
        if rule.enabled
            && let (Some(cert), Some(ip)) = (r.cert.as_deref(), r.ip.as_deref())
        {
            let subject = format!("cert:{cert}");
            let quiet = !report || self.fired_today(RuleKind::CertificateIps, &subject, r.ts);
            let w = self.certificate_ips.entry(subject.clone()).or_default();
            w.push(r, ip, rule.window_ms);
            if !quiet && w.latest.len() >= rule.threshold as usize {
                let mut ips: Vec<&str> = w.latest.keys().map(String::as_str).collect();
                ips.sort_unstable();
                let summary =
                    format!("stessa carta da {}: {}", count(ips.len(), "indirizzo IP", "indirizzi IP"), ips.join(", "));
                let first_ts = w.by_time.first_key_value().map_or(r.ts, |((ts, _), _)| *ts);
                let evidence = w.by_time.keys().map(|(_, seq)| *seq).collect();
                self.fire(RuleKind::CertificateIps, &subject, r, first_ts, evidence, summary);
            }
        }

        let rule = downloads;
        if rule.enabled
            && r.outcome == "ok"
            && (r.action == "document.download" || r.action.ends_with(".export"))
            && let Some(subject) = person(r)
        {
            let quiet = !report || self.fired_today(RuleKind::DownloadBurst, &subject, r.ts);
            let w = self.download_burst.entry(subject.clone()).or_default();
            w.push(r, None, rule.window_ms);
            if !quiet && w.rows.len() >= rule.threshold as usize {
                let first_ts = w.rows.front().map_or(r.ts, |(ts, _, _)| *ts);
                let summary = format!(
                    "{} in {}",
                    count(w.rows.len(), "scaricamento", "scaricamenti"),
                    count(minutes(r.ts.ms_since(first_ts)).max(1), "minuto", "minuti")
                );
                let evidence = w.rows.iter().map(|(_, seq, _)| *seq).collect();
                self.fire(RuleKind::DownloadBurst, &subject, r, first_ts, evidence, summary);
            }
        }

        // Counted over the reported rows of a day; reported when the batch is taken.
        if off_hours.enabled
            && report
            && r.outcome == "ok"
            && let Some(actor) = r.actor_id
            && !in_office(&self.cfg, r.ts)
        {
            let day = self.off_hours.entry((actor, local_day_of(r.ts))).or_insert_with(|| OffHoursDay {
                count: 0,
                first_ts: r.ts,
                evidence: Vec::new(),
                last: r.clone(),
            });
            day.count += 1;
            if day.evidence.len() < EVIDENCE_MAX {
                day.evidence.push(r.seq);
            }
            day.last = r.clone();
        }

        let rule = inactivity;
        if rule.enabled
            && report
            && r.action == "access.login"
            && let Some(actor) = r.actor_id
            && let Some(prev) = previous_activity(r)
            && r.ts.ms_since(prev) >= i64::from(rule.threshold) * MS_PER_DAY
        {
            let days = r.ts.ms_since(prev) / MS_PER_DAY;
            let summary = format!(
                "primo accesso dopo {days} giorni di inattività (ultima attività il {})",
                crate::infra::clock::format_it(prev)
            );
            self.fire(RuleKind::AfterInactivity, &format!("op:{actor}"), r, r.ts, vec![r.seq], summary);
        }
    }

    /// Has the rule already fired for the subject on that local day? (Then the window's
    /// evidence need not be gathered again, row after row of a flood.)
    fn fired_today(&self, rule: RuleKind, subject: &str, ts: Timestamp) -> bool {
        self.fired.contains(&(rule, subject.to_owned(), local_day_of(ts)))
    }

    /// Records a hit ending at `last`, unless the rule already fired for the subject that day.
    fn fire(
        &mut self,
        rule: RuleKind,
        subject: &str,
        last: &WatchRow,
        first_ts: Timestamp,
        evidence: Vec<i64>,
        summary: String,
    ) {
        let day = local_day_of(last.ts);
        if !self.fired.insert((rule, subject.to_owned(), day)) {
            return;
        }
        self.hits.push(Hit {
            rule,
            dedup_key: format!("{}:{subject}:{day}", rule.code()),
            actor_id: last.actor_id,
            actor_cf: last.actor_cf.clone(),
            provider_id: last.provider_id,
            summary,
            evidence: evidence.into_iter().take(EVIDENCE_MAX).collect(),
            first_ts,
            last_ts: last.ts,
        });
    }

    /// The hits found since the last call (rule by rule), then forgets what no window needs.
    pub fn take_hits(&mut self) -> Vec<Hit> {
        let off = self.cfg.rule(RuleKind::OffHours);
        let days: Vec<(OperatorId, i64)> = self.off_hours.keys().copied().collect();
        for key in days {
            let Some(d) = self.off_hours.get(&key).filter(|d| d.count >= off.threshold as usize) else { continue };
            let when = crate::infra::clock::format_it(d.first_ts);
            let summary =
                format!("{} fuori orario d'ufficio, la prima il {when}", count(d.count, "operazione", "operazioni"));
            let (last, first_ts, evidence) = (d.last.clone(), d.first_ts, d.evidence.clone());
            self.fire(RuleKind::OffHours, &format!("op:{}", key.0), &last, first_ts, evidence, summary);
        }
        let mut hits = std::mem::take(&mut self.hits);
        hits.sort_by_key(|h| (RuleKind::ALL.iter().position(|k| *k == h.rule), h.dedup_key.clone()));
        self.forget();
        hits
    }

    /// Drops empty windows, and days before yesterday (rows arrive in time order, give or take
    /// a clock step).
    fn forget(&mut self) {
        let now = self.last_ts;
        let cfg = &self.cfg;
        let window = |k: RuleKind| cfg.rule(k).window_ms;
        forget_idle(&mut self.many_recipients, now, window(RuleKind::ManyRecipients));
        forget_idle(&mut self.certificate_ips, now, window(RuleKind::CertificateIps));
        forget_idle(&mut self.repeated_denied, now, window(RuleKind::RepeatedDenied));
        forget_idle(&mut self.download_burst, now, window(RuleKind::DownloadBurst));
        let yesterday = local_day_of(now) - 1;
        self.off_hours.retain(|(_, day), _| *day >= yesterday);
        self.fired.retain(|(_, _, day)| *day >= yesterday);
    }
}

/// Evaluates every enabled rule over `rows` (seq order), which include, before `first_new`,
/// the context the windows need; only hits ending at a row with seq >= `first_new` are
/// reported.
pub fn evaluate(
    cfg: &AnomalyConfig,
    rows: &[WatchRow],
    first_new: i64,
    previous_activity: &mut dyn FnMut(&WatchRow) -> Option<Timestamp>,
) -> Vec<Hit> {
    let mut watch = Watch::new(cfg);
    for r in rows {
        watch.feed(r, r.seq >= first_new, previous_activity);
    }
    watch.take_hits()
}

#[cfg(test)]
#[path = "anomaly_tests.rs"]
mod tests;
