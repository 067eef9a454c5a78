//! The audit chain: the canonical encoding of a row, its hash, and verification.
//!
//! `hash = SHA-256(TAG || prev_hash || encode(row))`, where `encode` is versioned and
//! length-prefixed, so no two different rows can encode to the same bytes. The first row's
//! `prev_hash` is 32 zero bytes. The golden vectors in the tests pin the encoding: if they
//! change, every existing data file stops verifying, so they must never be "updated".
//! Signed checkpoints (seq, hash, ts) sign the same `hash`, so they fit on top unchanged.

use sha2::{Digest, Sha256};

/// Domain separation: no other SHA-256 in the product starts with these bytes.
pub const HASH_TAG: &[u8] = b"ricolloca/audit-row\0";
/// Version of `encode`; a new layout gets a new number and both stay verifiable.
pub const ENCODING_VERSION: u8 = 1;
pub const GENESIS: [u8; 32] = [0; 32];

/// One row of `audit_log` without its hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub seq: i64,
    pub ts_ms: i64,
    pub actor_id: Option<i64>,
    pub actor_cf: String,
    pub actor_role: Option<String>,
    pub provider_id: Option<i64>,
    pub cert_sha256: Option<String>,
    pub client_ip: Option<String>,
    pub action: String,
    pub object: Option<String>,
    pub outcome: String,
    /// Canonical JSON (keys sorted, no spaces): serde_json's default map is ordered.
    pub detail: String,
}

fn put_int(buf: &mut Vec<u8>, v: i64) {
    buf.extend_from_slice(&v.to_be_bytes());
}

fn put_opt_int(buf: &mut Vec<u8>, v: Option<i64>) {
    match v {
        None => buf.push(0),
        Some(v) => {
            buf.push(1);
            put_int(buf, v);
        }
    }
}

fn put_str(buf: &mut Vec<u8>, s: &str) {
    // Rows are far below 4 GiB; saturate rather than wrap if one ever were not.
    let len = u32::try_from(s.len()).unwrap_or(u32::MAX);
    buf.extend_from_slice(&len.to_be_bytes());
    buf.extend_from_slice(s.as_bytes());
}

fn put_opt_str(buf: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => buf.push(0),
        Some(s) => {
            buf.push(1);
            put_str(buf, s);
        }
    }
}

/// The canonical, versioned encoding of a row (every field, in a fixed order).
pub fn encode(row: &AuditRow) -> Vec<u8> {
    let mut buf = Vec::with_capacity(128 + row.detail.len());
    buf.push(ENCODING_VERSION);
    put_int(&mut buf, row.seq);
    put_int(&mut buf, row.ts_ms);
    put_opt_int(&mut buf, row.actor_id);
    put_str(&mut buf, &row.actor_cf);
    put_opt_str(&mut buf, row.actor_role.as_deref());
    put_opt_int(&mut buf, row.provider_id);
    put_opt_str(&mut buf, row.cert_sha256.as_deref());
    put_opt_str(&mut buf, row.client_ip.as_deref());
    put_str(&mut buf, &row.action);
    put_opt_str(&mut buf, row.object.as_deref());
    put_str(&mut buf, &row.outcome);
    put_str(&mut buf, &row.detail);
    buf
}

pub fn chain_hash(prev_hash: &[u8; 32], row: &AuditRow) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(HASH_TAG);
    h.update(prev_hash);
    h.update(encode(row));
    h.finalize().into()
}

/// What is wrong at the first broken row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Break {
    /// The sequence skips numbers: rows were deleted before this one.
    Gap { expected: i64 },
    /// The row's `prev_hash` is not the previous row's hash: a row was inserted, deleted
    /// (and the rest renumbered) or the rows were reordered.
    Link,
    /// The row's content does not match its hash: it was edited.
    Content,
}

impl Break {
    pub fn describe(self) -> String {
        match self {
            Break::Gap { expected } => {
                format!("manca la riga {expected}: righe cancellate (row {expected} missing: rows deleted)")
            }
            Break::Link => "collegamento con la riga precedente interrotto: riga inserita, cancellata o riordinata (link broken: row inserted, deleted or reordered)".into(),
            Break::Content => "contenuto della riga alterato (row content edited)".into(),
        }
    }
}

/// The outcome of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Rows checked and found sound.
    pub intact_rows: u64,
    /// Seq and hash of the last sound row (0 and GENESIS for an empty chain).
    pub head_seq: i64,
    pub head_hash: [u8; 32],
    /// The first broken row, if any.
    pub broken: Option<(i64, Break)>,
}

/// Walks rows in seq order and stops at the first broken one.
pub struct ChainVerifier {
    report: ChainReport,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self::new()
    }
}

impl ChainVerifier {
    pub fn new() -> Self {
        Self::resume(0, GENESIS)
    }

    /// Continues a chain known sound up to `seq` with `hash`: after a prune (the signed
    /// anchor) or where an earlier verification stopped (incremental checks).
    pub fn resume(seq: i64, hash: [u8; 32]) -> Self {
        Self { report: ChainReport { intact_rows: 0, head_seq: seq, head_hash: hash, broken: None } }
    }

    /// Feeds the next row; returns false once the chain is broken (stop feeding).
    pub fn push(&mut self, row: &AuditRow, prev_hash: &[u8], hash: &[u8]) -> bool {
        if self.report.broken.is_some() {
            return false;
        }
        let expected = self.report.head_seq + 1;
        let fault = if row.seq != expected {
            Some(Break::Gap { expected })
        } else if prev_hash != self.report.head_hash {
            Some(Break::Link)
        } else {
            let computed = chain_hash(&self.report.head_hash, row);
            if computed.as_slice() != hash {
                Some(Break::Content)
            } else {
                self.report.head_seq = row.seq;
                self.report.head_hash = computed;
                self.report.intact_rows += 1;
                None
            }
        };
        match fault {
            Some(kind) => {
                self.report.broken = Some((row.seq, kind));
                false
            }
            None => true,
        }
    }

    pub fn finish(self) -> ChainReport {
        self.report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(seq: i64) -> AuditRow {
        AuditRow {
            seq,
            ts_ms: 1_795_701_900_000 + seq,
            actor_id: Some(7),
            actor_cf: "RSSMRA85T10A562S".into(),
            actor_role: Some("operatore".into()),
            provider_id: Some(3),
            cert_sha256: Some("ab".repeat(32)),
            client_ip: Some("127.0.0.1".into()),
            action: "sap.view".into(),
            object: Some(format!("recipient:{seq}")),
            outcome: "ok".into(),
            detail: r#"{"a":1}"#.into(),
        }
    }

    /// Golden vectors: these bytes are in every data file ever written. Never edit them.
    #[test]
    fn golden_encoding_and_hashes() {
        let r = AuditRow {
            seq: 1,
            ts_ms: 1_795_701_900_000,
            actor_id: None,
            actor_cf: "SISTEMA".into(),
            actor_role: None,
            provider_id: None,
            cert_sha256: None,
            client_ip: None,
            action: "operator.create".into(),
            object: Some("operator:1".into()),
            outcome: "ok".into(),
            detail: "{}".into(),
        };
        assert_eq!(
            hex::encode(encode(&r)),
            "010000000000000001000001a2182c82e0000000000753495354454d41000000000000000f6f7065\
             7261746f722e637265617465010000000a6f70657261746f723a31000000026f6b000000027b7d"
        );
        let h1 = chain_hash(&GENESIS, &r);
        assert_eq!(hex::encode(h1), GOLDEN_H1);
        let h2 = chain_hash(&h1, &row(2));
        assert_eq!(hex::encode(h2), GOLDEN_H2);
    }

    // Computed by an independent implementation (a few lines of Python with hashlib/struct).
    const GOLDEN_H1: &str = "5ce37480d3565be6b3bd987a50638b8f6d2d1da053a69e16b898b651941e13cb";
    const GOLDEN_H2: &str = "53fecaab57f39e6dff23d405492821a730bc57767a2ef858a5c3c48c500d2c5d";

    /// Rows as stored: (row, prev_hash, hash).
    fn chain(n: i64) -> Vec<(AuditRow, [u8; 32], [u8; 32])> {
        let mut prev = GENESIS;
        (1..=n)
            .map(|seq| {
                let r = row(seq);
                let h = chain_hash(&prev, &r);
                let out = (r, prev, h);
                prev = h;
                out
            })
            .collect()
    }

    fn verify(rows: &[(AuditRow, [u8; 32], [u8; 32])]) -> ChainReport {
        let mut v = ChainVerifier::new();
        for (r, p, h) in rows {
            if !v.push(r, p, h) {
                break;
            }
        }
        v.finish()
    }

    #[test]
    fn an_untouched_chain_is_intact() {
        let rep = verify(&chain(10));
        assert_eq!((rep.intact_rows, rep.head_seq, rep.broken), (10, 10, None));
        assert_eq!(verify(&[]).head_seq, 0);
    }

    #[test]
    fn detects_an_edited_row() {
        let mut rows = chain(10);
        rows[4].0.outcome = "denied".into();
        assert_eq!(verify(&rows).broken, Some((5, Break::Content)));
        assert_eq!(verify(&rows).intact_rows, 4);
    }

    #[test]
    fn detects_a_deleted_row() {
        let mut rows = chain(10);
        rows.remove(6);
        assert_eq!(verify(&rows).broken, Some((8, Break::Gap { expected: 7 })));
        // Deleted and the tail renumbered to hide the gap: the link breaks instead.
        let mut rows = chain(10);
        rows.remove(6);
        for (r, _, _) in rows.iter_mut().skip(6) {
            r.seq -= 1;
        }
        assert_eq!(verify(&rows).broken, Some((7, Break::Link)));
    }

    #[test]
    fn detects_an_inserted_row() {
        let mut rows = chain(10);
        // A forged row 4 that links correctly to row 3, pushing the real tail down by one.
        let mut forged = row(4);
        forged.action = "operator.create".into();
        let h = chain_hash(&rows[2].2, &forged);
        rows.insert(3, (forged, rows[2].2, h));
        for (r, _, _) in rows.iter_mut().skip(4) {
            r.seq += 1;
        }
        assert_eq!(verify(&rows).broken, Some((5, Break::Link)));
    }

    #[test]
    fn detects_reordered_rows() {
        let mut rows = chain(10);
        rows.swap(2, 3);
        let (a, b) = (rows[2].0.seq, rows[3].0.seq);
        rows[2].0.seq = b;
        rows[3].0.seq = a;
        assert_eq!(verify(&rows).broken, Some((3, Break::Link)));
    }
}
