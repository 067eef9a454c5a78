//! Each rule fires on a crafted history and stays quiet on an ordinary day of work.

use super::*;

/// Tuesday 24 November 2026, 09:00 in Italy (08:00 UTC).
const TUESDAY_9: i64 = 1_795_507_200_000;
const MIN: i64 = 60_000;
const HOUR: i64 = 3_600_000;

fn op(n: i64) -> OperatorId {
    OperatorId::try_from(n).unwrap()
}

struct History {
    rows: Vec<WatchRow>,
}

impl History {
    fn new() -> Self {
        Self { rows: Vec::new() }
    }

    fn push(
        &mut self,
        ts: i64,
        actor: Option<i64>,
        action: &str,
        object: Option<String>,
        outcome: &str,
    ) -> &mut WatchRow {
        let seq = self.rows.len() as i64 + 1;
        self.rows.push(WatchRow {
            seq,
            ts: Timestamp::from_ms(ts),
            actor_id: actor.map(op),
            actor_cf: actor.map_or("RSSMRA85T10A562S".into(), |a| format!("CF{a}")),
            role: actor.map(|_| "operatore".into()),
            provider_id: actor.map(|_| ProviderId::try_from(1).unwrap()),
            cert: Some(format!("cert{}", actor.unwrap_or(0))),
            ip: Some("10.0.0.5".into()),
            action: action.into(),
            object,
            outcome: outcome.into(),
            reason: None,
        });
        self.rows.last_mut().unwrap()
    }

    fn view(&mut self, ts: i64, actor: i64, recipient: i64, action: &str) {
        self.push(ts, Some(actor), action, Some(format!("recipient:{recipient}")), "ok");
    }

    fn denied(&mut self, ts: i64, actor: Option<i64>, reason: &str) {
        self.push(ts, actor, "access.denied", None, "denied").reason = Some(reason.into());
    }

    /// An ordinary working day: login at 9, 25 people opened (scheda, SAP, programme) over
    /// the day, a few documents downloaded, one mistyped id refused, a change or two.
    fn ordinary_day(&mut self, actor: i64, day_start: i64) {
        self.push(day_start, Some(actor), "access.login", None, "ok");
        for i in 0..25 {
            let t = day_start + 10 * MIN + i * 18 * MIN;
            self.view(t, actor, 100 + i, "recipient.view");
            self.view(t + MIN, actor, 100 + i, "sap.view");
            if i % 3 == 0 {
                self.view(t + 2 * MIN, actor, 100 + i, "programme.view");
                self.push(t + 3 * MIN, Some(actor), "programme.update", Some(format!("recipient:{}", 100 + i)), "ok");
            }
            if i % 8 == 0 {
                self.view(t + 4 * MIN, actor, 100 + i, "document.download");
            }
        }
        self.denied(day_start + 3 * HOUR, Some(actor), "foreign_or_unknown_object");
    }

    fn hits(&self, cfg: &AnomalyConfig, first_new: i64, previous: Option<i64>) -> Vec<Hit> {
        evaluate(cfg, &self.rows, first_new, &mut |_| previous.map(Timestamp::from_ms))
    }
}

fn rules(hits: &[Hit]) -> Vec<RuleKind> {
    let mut r: Vec<RuleKind> = hits.iter().map(|h| h.rule).collect();
    r.dedup();
    r
}

#[test]
fn an_ordinary_day_of_work_fires_nothing() {
    let mut h = History::new();
    h.ordinary_day(7, TUESDAY_9);
    h.ordinary_day(8, TUESDAY_9 + 5 * MIN);
    h.ordinary_day(7, TUESDAY_9 + 24 * HOUR);
    let cfg = AnomalyConfig::default();
    // Last activity yesterday evening.
    let hits = h.hits(&cfg, 1, Some(TUESDAY_9 - 14 * HOUR));
    assert!(hits.is_empty(), "{hits:#?}");
}

#[test]
fn many_distinct_people_in_an_hour() {
    let mut h = History::new();
    h.ordinary_day(8, TUESDAY_9);
    for i in 0..45 {
        h.view(TUESDAY_9 + 2 * HOUR + i * 40_000, 7, 500 + i, "sap.view");
    }
    let hits = h.hits(&AnomalyConfig::default(), 1, None);
    assert_eq!(rules(&hits), vec![RuleKind::ManyRecipients]);
    assert_eq!(hits[0].actor_id, Some(op(7)));
    assert_eq!(hits[0].evidence.len(), 40, "the window that reached the threshold");
    assert!(hits[0].summary.contains("40 persone"), "{}", hits[0].summary);
    // Viewing the same few people over and over is not "many people".
    let mut h = History::new();
    for i in 0..200 {
        h.view(TUESDAY_9 + i * 10_000, 7, 500 + i % 5, "sap.view");
    }
    assert!(h.hits(&AnomalyConfig::default(), 1, None).is_empty());
}

#[test]
fn access_outside_office_hours_or_days() {
    let mut h = History::new();
    h.view(TUESDAY_9 + 14 * HOUR + 30 * MIN, 7, 1, "recipient.view"); // 23:30 local
    h.view(TUESDAY_9 + 14 * HOUR + 35 * MIN, 7, 2, "recipient.view");
    h.view(TUESDAY_9 - 2 * 24 * HOUR, 9, 3, "recipient.view"); // Sunday 09:00
    let hits = h.hits(&AnomalyConfig::default(), 1, None);
    assert_eq!(rules(&hits), vec![RuleKind::OffHours]);
    assert_eq!(hits.len(), 2, "one per person and day: {hits:#?}");
    let late = hits.iter().find(|x| x.actor_id == Some(op(7))).unwrap();
    assert_eq!(late.evidence, vec![1, 2]);
    // With Sunday an office day and longer hours, nothing.
    let cfg = AnomalyConfig {
        office_hours: "06:00-24:00".into(),
        office_days: vec![1, 2, 3, 4, 5, 6, 7],
        ..Default::default()
    };
    assert!(h.hits(&cfg, 1, None).is_empty());
}

#[test]
fn repeated_refusals_by_an_operator_or_an_unknown_card() {
    let mut h = History::new();
    h.ordinary_day(7, TUESDAY_9);
    for i in 0..5 {
        h.denied(TUESDAY_9 + 4 * HOUR + i * MIN, Some(7), "foreign_or_unknown_object");
    }
    for i in 0..5 {
        h.denied(
            TUESDAY_9 + 5 * HOUR + i * MIN,
            None,
            if i % 2 == 0 { "unknown_operator" } else { "certificate_revoked" },
        );
    }
    // Wrong-role refusals (a menu link followed by mistake) are not watched.
    for i in 0..10 {
        h.denied(TUESDAY_9 + 6 * HOUR + i * MIN, Some(8), "wrong_role");
    }
    let hits = h.hits(&AnomalyConfig::default(), 1, None);
    assert_eq!(rules(&hits), vec![RuleKind::RepeatedDenied]);
    assert_eq!(hits.len(), 2, "{hits:#?}");
    assert!(hits.iter().any(|x| x.actor_id == Some(op(7)) && x.evidence.len() == 5));
    assert!(hits.iter().any(|x| x.actor_id.is_none() && x.summary.contains("certificato revocato")));
}

#[test]
fn one_certificate_from_many_addresses() {
    let mut h = History::new();
    h.ordinary_day(7, TUESDAY_9);
    for (i, ip) in ["192.0.2.1", "198.51.100.7", "203.0.113.9"].into_iter().enumerate() {
        h.push(TUESDAY_9 + 4 * HOUR + i as i64 * 20 * MIN, Some(7), "recipient.list", None, "ok").ip = Some(ip.into());
    }
    let hits = h.hits(&AnomalyConfig::default(), 1, None);
    assert_eq!(rules(&hits), vec![RuleKind::CertificateIps]);
    // The office address and two more reach the threshold of three.
    assert!(hits[0].summary.contains("10.0.0.5") && hits[0].summary.contains("198.51.100.7"), "{}", hits[0].summary);
}

#[test]
fn first_access_after_a_long_inactivity() {
    let mut h = History::new();
    h.push(TUESDAY_9, Some(7), "access.login", None, "ok");
    let hits = h.hits(&AnomalyConfig::default(), 1, Some(TUESDAY_9 - 90 * 24 * HOUR));
    assert_eq!(rules(&hits), vec![RuleKind::AfterInactivity]);
    assert!(hits[0].summary.contains("90 giorni"));
    // Back after a month's holiday: below the 60-day default.
    assert!(h.hits(&AnomalyConfig::default(), 1, Some(TUESDAY_9 - 30 * 24 * HOUR)).is_empty());
    // A new operator's very first access is not "after inactivity".
    assert!(h.hits(&AnomalyConfig::default(), 1, None).is_empty());
}

#[test]
fn a_burst_of_downloads() {
    let mut h = History::new();
    h.ordinary_day(7, TUESDAY_9);
    for i in 0..20 {
        h.view(TUESDAY_9 + 4 * HOUR + i * 20_000, 7, 100 + i % 4, "document.download");
    }
    let hits = h.hits(&AnomalyConfig::default(), 1, None);
    assert_eq!(rules(&hits), vec![RuleKind::DownloadBurst]);
    assert_eq!(hits[0].evidence.len(), 20);
}

#[test]
fn only_new_rows_fire_and_disabled_rules_never_do() {
    let mut h = History::new();
    for i in 0..25 {
        h.view(TUESDAY_9 + i * 10_000, 7, 100 + i % 4, "document.download");
    }
    let cfg = AnomalyConfig::default();
    // The burst is all context (already evaluated on a previous run).
    assert!(h.hits(&cfg, 26, None).is_empty());
    // One more download after it: the window still holds 20+, and it ends at a new row.
    h.view(TUESDAY_9 + 25 * 10_000, 7, 100, "document.download");
    assert_eq!(rules(&h.hits(&cfg, 26, None)), vec![RuleKind::DownloadBurst]);
    let off = AnomalyConfig {
        download_burst: RuleSettings { enabled: Some(false), ..Default::default() },
        ..Default::default()
    };
    assert!(h.hits(&off, 1, None).is_empty());
}

#[test]
fn configuration_is_validated_naming_the_key() {
    let bad = AnomalyConfig { office_days: vec![0], ..Default::default() };
    assert_eq!(bad.validate().unwrap_err().0, "anomalies.office_days");
    let bad = AnomalyConfig {
        many_recipients: RuleSettings { window_minutes: Some(0), ..Default::default() },
        ..Default::default()
    };
    assert_eq!(bad.validate().unwrap_err().0, "anomalies.many_recipients.window_minutes");
    assert!(AnomalyConfig::default().validate().is_ok());
    assert_eq!(AnomalyConfig::default().office_minutes(), Some((420, 1200)));
}

/// Everything the other tests crafted, in one trail.
fn busy_history() -> History {
    let mut h = History::new();
    h.ordinary_day(8, TUESDAY_9);
    for i in 0..45 {
        h.view(TUESDAY_9 + 2 * HOUR + i * 40_000, 7, 500 + i, "sap.view");
    }
    for i in 0..6 {
        h.denied(TUESDAY_9 + 4 * HOUR + i * MIN, Some(9), "foreign_or_unknown_object");
    }
    for (i, ip) in ["192.0.2.1", "198.51.100.7", "203.0.113.9"].into_iter().enumerate() {
        h.push(TUESDAY_9 + 5 * HOUR + i as i64 * 20 * MIN, Some(8), "recipient.list", None, "ok").ip = Some(ip.into());
    }
    for i in 0..25 {
        h.view(TUESDAY_9 + 6 * HOUR + i * 20_000, 10, 100 + i % 4, "document.download");
    }
    h.view(TUESDAY_9 + 14 * HOUR + 30 * MIN, 11, 1, "recipient.view");
    h.view(TUESDAY_9 + 14 * HOUR + 40 * MIN, 11, 2, "recipient.view");
    h.ordinary_day(8, TUESDAY_9 + 24 * HOUR);
    // As the trail has them: in time order.
    h.rows.sort_by_key(|r| (r.ts, r.seq));
    for (n, r) in h.rows.iter_mut().enumerate() {
        r.seq = n as i64 + 1;
    }
    h
}

#[test]
fn batch_by_batch_finds_what_one_pass_finds() {
    let h = busy_history();
    let cfg = AnomalyConfig::default();
    let whole = h.hits(&cfg, 1, None);
    assert_eq!(whole.len(), 6, "{whole:#?}");
    for batch in [1, 7, 50, 333] {
        let mut watch = Watch::new(&cfg);
        let mut found = Vec::new();
        for chunk in h.rows.chunks(batch) {
            for r in chunk {
                watch.feed(r, true, &mut |_| None);
            }
            found.extend(watch.take_hits());
            assert_eq!(watch.covered_to(), chunk.last().unwrap().seq);
        }
        found.sort_by_key(|x| x.dedup_key.clone());
        let mut expected = whole.clone();
        expected.sort_by_key(|x| x.dedup_key.clone());
        let keys = |v: &[Hit]| v.iter().map(|x| x.dedup_key.clone()).collect::<Vec<_>>();
        assert_eq!(keys(&found), keys(&expected), "batches of {batch}");
        // Off-hours counts the rows seen when it fires; the windowed rules are exact.
        let windowed = |v: &[Hit]| v.iter().filter(|x| x.rule != RuleKind::OffHours).cloned().collect::<Vec<_>>();
        assert_eq!(windowed(&found), windowed(&expected), "batches of {batch}");
    }
}

#[test]
fn a_scripted_flood_is_one_hit_in_bounded_memory() {
    let cfg = AnomalyConfig::default();
    let mut watch = Watch::new(&cfg);
    let mut h = History::new();
    let mut hits = Vec::new();
    // 50,000 refusals from one unknown card and 50,000 distinct people read by one operator
    // within the hour.
    for i in 0..50_000 {
        h.rows.clear();
        h.denied(TUESDAY_9 + i, None, "unknown_operator");
        h.view(TUESDAY_9 + i, 7, i, "sap.view");
        for (n, r) in h.rows.iter_mut().enumerate() {
            r.seq = 2 * i + n as i64 + 1;
            watch.feed(r, true, &mut |_| None);
        }
        if i % 10_000 == 9_999 {
            hits.extend(watch.take_hits());
        }
    }
    assert_eq!(rules(&hits), vec![RuleKind::ManyRecipients, RuleKind::RepeatedDenied], "{hits:#?}");
    assert!(hits.iter().all(|x| x.evidence.len() <= EVIDENCE_MAX));
    let kept = |w: &Watch| {
        w.repeated_denied.values().map(|x| x.rows.len()).sum::<usize>()
            + w.many_recipients.values().map(|x| x.latest.len()).sum::<usize>()
    };
    assert!(kept(&watch) <= 2 * WINDOW_CAP, "{}", kept(&watch));
    // Two days later the windows are empty and forgotten.
    h.rows.clear();
    h.view(TUESDAY_9 + 50 * HOUR, 8, 1, "sap.view");
    h.rows[0].seq = 100_001;
    watch.feed(&h.rows[0], true, &mut |_| None);
    assert!(watch.take_hits().is_empty());
    assert!(watch.repeated_denied.is_empty() && watch.many_recipients.len() == 1 && watch.fired.is_empty());
}
