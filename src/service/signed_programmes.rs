//! The signed Programma di ricerca intensiva: what an upload is (PDF, PAdES, CAdES .p7m),
//! who signed it and whether the signatures verify, whether its content is a programme this
//! system generated, and its storage with the audit row. Doubts are flagged, never refused:
//! offices must not lose days on "file non conforme all'originale".

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::access::{ProviderScope, RecipientScope};
use crate::domain::audit_changes::DocumentUploaded;
use crate::domain::audit_event::AuditEvent;
use crate::domain::document::{DocumentKind, safe_file_name, sniff};
use crate::domain::ids::{ActionId, DocumentId, RecipientId};
use crate::domain::timestamp::Timestamp;
use crate::error::{AppError, FieldError};
use crate::infra::clock::format_it;
use crate::infra::signature::{self, CHAIN_NOT_CHECKED, Signer, Verification};
use crate::repo::communications::{NewDocument, insert_document};
use crate::repo::signed_programmes::{self, NewSignedProgramme};
use crate::repo::{WriteTx, actions, audit};

/// An upload looked at, before anything is stored (done outside the write transaction:
/// hashing and verifying 20 MiB must not hold the writer).
#[derive(Debug, Clone)]
pub struct Inspected {
    pub kind: DocumentKind,
    pub bytes: Vec<u8>,
    pub sha256: String,
    /// The PDF the person signed: the upload itself, or what the .p7m wraps.
    content: Vec<u8>,
    signers: Vec<Signer>,
}

fn refuse(message: impl Into<String>) -> AppError {
    AppError::Invalid(vec![FieldError { field: "file".into(), message: message.into() }])
}

/// Decides what the upload is from its content and checks its signatures.
pub fn inspect(bytes: Vec<u8>, max: usize) -> Result<Inspected, AppError> {
    let kind = sniff(&bytes, max).map_err(refuse)?;
    let (content, signers) = match kind {
        DocumentKind::Pdf => (bytes.clone(), signature::pdf_signers(&bytes)),
        DocumentKind::P7m => {
            let envelope = signature::open_p7m(&bytes).map_err(refuse)?;
            super::uploads::enveloped_pdf(&envelope.content).map_err(refuse)?;
            (envelope.content, envelope.signers)
        }
    };
    let sha256 = hex::encode(Sha256::digest(&bytes));
    Ok(Inspected { kind, bytes, sha256, content, signers })
}

/// Which generated version the signed content is, if any: byte-identical ("identico"), or the
/// generated file followed by incremental updates ("seguito da aggiunte": a PAdES signature
/// adds one, but so can a change of the visible text, so that case is only "contains").
fn conformity(content: &[u8], generated: &[(i64, i64, Vec<u8>)]) -> Option<(i64, i64, &'static str)> {
    generated.iter().rev().find_map(|(version, at, pdf)| {
        if content == pdf.as_slice() {
            Some((*version, *at, IDENTICAL))
        } else if content.len() > pdf.len() && content.starts_with(pdf) {
            Some((*version, *at, APPENDED))
        } else {
            None
        }
    })
}

const IDENTICAL: &str = "identico";
const APPENDED: &str = "seguito da aggiunte";

fn verification_text(v: &Verification) -> String {
    match v {
        Verification::Valid => "valida".into(),
        Verification::Invalid(why) => format!("non valida: {why}"),
        Verification::Unsupported(why) => format!("non verificabile: {why}"),
    }
}

/// The report kept with the upload and shown on screen.
fn report(up: &Inspected, recipient_cf: &str, operators: &[String], generated: &[(i64, i64, Vec<u8>)]) -> Value {
    let mut flags: Vec<String> = Vec::new();
    let mut signers = Vec::new();
    for s in &up.signers {
        let who = s
            .name
            .clone()
            .or_else(|| s.codice_fiscale.as_ref().map(|c| c.to_string()))
            .unwrap_or_else(|| "firmatario sconosciuto".into());
        let cf = s.codice_fiscale.as_ref().map(|c| c.to_string());
        let role = match cf.as_deref() {
            Some(c) if c == recipient_cf => "destinatario",
            Some(c) if operators.iter().any(|o| o == c) => "operatore",
            _ => "estraneo",
        };
        if role == "estraneo" {
            flags.push(format!(
                "{who} ({}) non è né la persona né un operatore del soggetto accreditato",
                cf.as_deref().unwrap_or("codice fiscale non presente nel certificato")
            ));
        }
        match &s.verification {
            Verification::Valid => {}
            other => flags.push(format!("la firma di {who} è {}", verification_text(other))),
        }
        if !s.covers_whole_document {
            flags.push(format!("il PDF è stato modificato dopo la firma di {who}"));
        }
        if s.certificate_valid_at_signing == Some(false) {
            flags.push(format!("il certificato di {who} non era valido alla data dichiarata di firma"));
        }
        signers.push(json!({
            "name": s.name, "codice_fiscale": cf, "issuer": s.issuer, "signing_time": s.signing_time_ms,
            "verification": verification_text(&s.verification), "valid": s.verification == Verification::Valid,
            "role": role,
        }));
    }
    let signed_by_recipient = signers.iter().any(|s| s["role"] == "destinatario");
    if up.signers.is_empty() {
        flags.push("nessuna firma digitale: se firmato a mano e scansionato, conservare l'originale cartaceo".into());
    } else if !signed_by_recipient {
        flags.push("manca la firma digitale della persona destinataria".into());
    }
    let conform = conformity(&up.content, generated);
    match conform {
        None => flags.push("il contenuto non coincide con alcuna versione del programma generata da Ricolloca".into()),
        Some((version, _, APPENDED)) => flags.push(format!(
            "il PDF contiene la versione {version} generata, seguita da aggiunte (la firma PAdES o modifiche successive): \
             controllare che il testo visualizzato sia quello generato"
        )),
        Some(_) => {}
    }
    json!({
        "signers": signers,
        "chain_checked": false,
        "chain_note": CHAIN_NOT_CHECKED,
        "conformity": conform.map(|(version, at, how)| json!({
            "version": version, "generated_at": at, "how": how,
            "text": if how == IDENTICAL {
                format!("conforme alla versione {version} generata il {}", format_it(Timestamp::from_ms(at)))
            } else {
                format!("contiene la versione {version} generata il {}, seguita da aggiunte", format_it(Timestamp::from_ms(at)))
            },
        })),
        "flags": flags,
    })
}

/// What was stored, for the screens and the API.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Stored {
    pub id: DocumentId,
    pub sha256: String,
    pub kind: &'static str,
    pub size: usize,
    pub report: Value,
}

/// Stores an inspected upload as the recipient's signed programme (with the action it came
/// with, if any): a new upload supersedes the previous one, which stays.
pub fn store(
    tx: &WriteTx<'_>,
    now: Timestamp,
    scope: &ProviderScope,
    recipient: RecipientId,
    policy: Option<ActionId>,
    up: &Inspected,
    quota: u64,
) -> Result<Stored, AppError> {
    let recipient_scope = RecipientScope::Provider(scope.clone());
    // With an action, its own voucher (the person may hold a newer one); else the latest.
    let facts = match policy {
        Some(p) => {
            let action = actions::get(tx.conn(), &recipient_scope, p)?.ok_or(AppError::NotFound)?;
            if action.recipient != recipient {
                return Err(AppError::NotFound);
            }
            actions::voucher_facts(tx.conn(), &action.scoped.voucher())?
        }
        None => actions::voucher(tx.conn(), &recipient_scope, recipient)?,
    }
    .ok_or(AppError::NotFound)?;
    // The provider's storage, under the write lock: two uploads at once cannot both slip in.
    let used = signed_programmes::provider_storage(tx.conn(), facts.provider_id)?;
    if used.saturating_add(up.bytes.len() as u64) > quota {
        const MIB: u64 = 1024 * 1024;
        return Err(refuse(format!(
            "lo spazio per i documenti del soggetto accreditato è esaurito: ne sono già occupati {} MB su {} MB. \
             Nulla è stato salvato. Per aumentarlo rivolgersi alla Regione.",
            used.div_ceil(MIB),
            quota / MIB
        )));
    }
    let operators: Vec<String> =
        actions::operator_cfs(tx.conn(), facts.provider_id)?.into_iter().map(|(cf, _)| cf).collect();
    let generated = signed_programmes::generated(tx, &facts.voucher)?;
    let report = report(up, &facts.recipient_cf, &operators, &generated);
    let matches_version = report.pointer("/conformity/version").and_then(Value::as_i64);
    let actor = scope.actor();
    let file_name = safe_file_name(&format!("programma_firmato_{}", facts.voucher_code), up.kind);
    let document = insert_document(
        tx,
        now,
        &NewDocument {
            sha256: &up.sha256,
            kind: up.kind,
            file_name: &file_name,
            content: &up.bytes,
            uploaded_by: actor.id,
        },
    )?;
    signed_programmes::insert(
        tx,
        &NewSignedProgramme {
            voucher: &facts.voucher,
            document,
            action: policy,
            matches_version,
            signature: &report.to_string(),
            at: now,
            by: actor.id,
        },
    )?;
    let signed = signed_programmes::mark_signed(tx, &facts.voucher, now)?;
    let uploaded = DocumentUploaded {
        recipient,
        document,
        sha256: &up.sha256,
        kind: up.kind.code(),
        size: up.bytes.len(),
        action: policy,
        voucher: &facts.voucher_code,
        cf: &facts.recipient_cf,
        matches_version,
        signers: report.get("signers"),
        flags: report.get("flags"),
        voucher_state: signed.then_some("signed"),
    };
    audit::append(tx, now, actor, &AuditEvent::of_change(&uploaded).map_err(AppError::internal)?)?;
    Ok(Stored { id: document, sha256: up.sha256.clone(), kind: up.kind.code(), size: up.bytes.len(), report })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_pdf_is_recognised_whole_or_followed_by_a_pades_update() {
        let generated = vec![(1, 10, b"%PDF-1.7 v1".to_vec()), (2, 20, b"%PDF-1.7 v2".to_vec())];
        assert_eq!(conformity(b"%PDF-1.7 v2", &generated), Some((2, 20, IDENTICAL)));
        assert_eq!(conformity(b"%PDF-1.7 v1\n% update", &generated), Some((1, 10, APPENDED)));
        assert_eq!(conformity(b"%PDF-1.7 v3", &generated), None);
        assert_eq!(conformity(b"%PDF-1.7 v", &generated), None);
    }

    #[test]
    fn anything_but_a_pdf_or_a_p7m_is_refused_by_content() {
        for (bytes, why) in [
            (&b""[..], "vuoto"),
            (b"<html><body>%PDF-</body></html>", "formato"),
            (b"PK\x03\x04 zip", "formato"),
            (b"\x30\x82\x01\x00 truncated", "formato"),
        ] {
            let Err(AppError::Invalid(e)) = inspect(bytes.to_vec(), 1024) else { panic!("{bytes:?} accepted") };
            assert_eq!(e[0].field, "file");
            assert!(e[0].message.contains(why), "{}", e[0].message);
        }
        let Err(AppError::Invalid(e)) = inspect(vec![b'%'; 2048], 1024) else { panic!("oversized accepted") };
        assert!(e[0].message.contains("dimensione massima"));
        let plain = inspect(crate::domain::document::minimal_pdf(), 1024).unwrap();
        assert_eq!(plain.kind, DocumentKind::Pdf);
        let r = report(&plain, "RSSMRA85T10A562S", &[], &[]);
        assert_eq!(r["flags"].as_array().unwrap().len(), 2, "{r}");
    }
}
