use super::ber::OID;
use super::cms::*;
use super::pades::*;
use super::signer::*;
use crate::domain::codice_fiscale::CodiceFiscale;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/signature/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn cf(s: &str) -> Option<CodiceFiscale> {
    Some(CodiceFiscale::parse(s).unwrap())
}

fn find(hay: &[u8], needle: &[u8]) -> usize {
    memchr::memmem::find(hay, needle).unwrap()
}

/// The one signer of a one-signature envelope.
fn only_signer(envelope: &Envelope) -> &Signer {
    assert_eq!(envelope.signers.len(), 1, "{:?}", envelope.signers);
    &envelope.signers[0]
}

#[test]
fn rsa_cades_envelope_verifies_and_names_the_signer() {
    let envelope = open_p7m(&fixture("rsa.p7m")).unwrap();
    assert_eq!(envelope.content, fixture("doc.pdf"));
    let signer = only_signer(&envelope);
    assert_eq!(signer.verification, Verification::Valid);
    assert_eq!(signer.name.as_deref(), Some("MARIO ROSSI"));
    assert_eq!(signer.codice_fiscale, cf("RSSMRA85T10A562S"));
    assert_eq!(signer.issuer.as_deref(), Some("CA Firma Qualificata di Prova"));
    assert!(signer.signing_time_ms.is_some_and(|t| t > 1_700_000_000_000));
    assert_eq!(signer.certificate_valid_at_signing, Some(true));
    assert!(signer.covers_whole_document);
    assert!(!signer.chain_checked);
}

#[test]
fn ecdsa_signer_found_by_key_identifier() {
    let envelope = open_p7m(&fixture("ecdsa.p7m")).unwrap();
    let signer = only_signer(&envelope);
    assert_eq!(signer.verification, Verification::Valid);
    assert_eq!(signer.name.as_deref(), Some("EMANUELA RICCI"));
    // serialNumber in the older "IT:" form.
    assert_eq!(signer.codice_fiscale, cf("RCCMNL83S18D969H"));
}

#[test]
fn cns_style_certificate_gives_the_codice_fiscale_from_the_cn() {
    let envelope = open_p7m(&fixture("cns.p7m")).unwrap();
    let signer = only_signer(&envelope);
    assert_eq!(signer.verification, Verification::Valid, "SHA-512");
    assert_eq!(signer.codice_fiscale, cf("RSSMRA85T10A562S"));
    // No givenName/surname, and a CNS CN names no one.
    assert_eq!(signer.name, None);
}

#[test]
fn other_algorithms_and_encodings() {
    for name in ["pss.p7m", "noattr.p7m", "ber.p7m"] {
        let envelope = open_p7m(&fixture(name)).unwrap();
        assert_eq!(envelope.content, fixture("doc.pdf"), "{name}");
        assert_eq!(only_signer(&envelope).verification, Verification::Valid, "{name}");
    }
    let noattr = open_p7m(&fixture("noattr.p7m")).unwrap();
    assert_eq!(only_signer(&noattr).signing_time_ms, None);
    assert_eq!(only_signer(&noattr).certificate_valid_at_signing, None);
    let sha1 = open_p7m(&fixture("sha1.p7m")).unwrap();
    assert!(matches!(&only_signer(&sha1).verification, Verification::Unsupported(r) if r.contains("SHA-1")));
    assert_eq!(only_signer(&sha1).codice_fiscale, cf("RSSMRA85T10A562S"));
}

#[test]
fn expired_certificate_at_signing_time_is_reported() {
    let envelope = open_p7m(&fixture("expired.p7m")).unwrap();
    let signer = only_signer(&envelope);
    // The signature itself matches; the certificate had expired in 2021.
    assert_eq!(signer.verification, Verification::Valid);
    assert_eq!(signer.certificate_valid_at_signing, Some(false));
}

#[test]
fn base64_with_and_without_armour() {
    let pem = open_p7m(&fixture("rsa.p7m.pem")).unwrap();
    assert!(String::from_utf8_lossy(&fixture("rsa.p7m.pem")).starts_with("-----BEGIN"));
    assert_eq!(pem.content, fixture("doc.pdf"));
    assert_eq!(only_signer(&pem).verification, Verification::Valid);

    use base64::Engine;
    let der = fixture("rsa.p7m");
    let plain = base64::engine::general_purpose::STANDARD.encode(&der);
    let wrapped: String = plain.as_bytes().chunks(64).map(|l| format!("{}\r\n", String::from_utf8_lossy(l))).collect();
    for text in [plain.clone(), wrapped, plain.trim_end_matches('=').to_string()] {
        let envelope = open_p7m(text.as_bytes()).unwrap();
        assert_eq!(only_signer(&envelope).verification, Verification::Valid);
    }
}

#[test]
fn parallel_signatures_in_one_envelope() {
    let envelope = open_p7m(&fixture("parallel.p7m")).unwrap();
    // A DER SET OF: stored in encoding order, not signing order.
    let mut cfs: Vec<_> = envelope.signers.iter().map(|s| s.codice_fiscale.clone()).collect();
    cfs.sort();
    assert_eq!(cfs, [cf("RCCMNL83S18D969H"), cf("RSSMRA85T10A562S")]);
    assert!(envelope.signers.iter().all(|s| s.verification == Verification::Valid));
}

#[test]
fn nested_envelopes_collect_every_signer() {
    let envelope = open_p7m(&fixture("nested.p7m")).unwrap();
    assert_eq!(envelope.content, fixture("doc.pdf"));
    let names: Vec<_> = envelope.signers.iter().map(|s| s.name.as_deref()).collect();
    assert_eq!(names, [Some("EMANUELA RICCI"), Some("MARIO ROSSI")], "outermost first");
    assert!(envelope.signers.iter().all(|s| s.verification == Verification::Valid));
}

#[test]
fn content_changed_after_signing_is_invalid() {
    for name in ["rsa.p7m", "ecdsa.p7m", "noattr.p7m", "ber.p7m"] {
        let mut der = fixture(name);
        let at = find(&der, b"Programma di ricerca") + 3;
        der[at] ^= 0x01;
        let envelope = open_p7m(&der).unwrap();
        assert!(matches!(only_signer(&envelope).verification, Verification::Invalid(_)), "{name}");
    }
    let mut der = fixture("rsa.p7m");
    let at = find(&der, b"Programma di ricerca") + 3;
    der[at] ^= 0x01;
    assert_eq!(
        only_signer(&open_p7m(&der).unwrap()).verification,
        Verification::Invalid("il documento è stato modificato dopo la firma".into())
    );
}

#[test]
fn signed_attributes_changed_after_signing_are_invalid() {
    let mut der = fixture("rsa.p7m");
    // The last digit of the seconds of signingTime (UTCTime "YYMMDDHHMMSSZ").
    let oid = [&[OID, 9][..], OID_SIGNING_TIME].concat();
    let at = find(&der, &oid) + oid.len() + 2 + 2 + 11;
    assert!(der[at].is_ascii_digit() && der[at + 1] == b'Z');
    der[at] = if der[at] == b'0' { b'1' } else { b'0' };
    let envelope = open_p7m(&der).unwrap();
    let signer = only_signer(&envelope);
    assert!(matches!(&signer.verification, Verification::Invalid(r) if r.contains("attributi firmati")));
    // Still says who claims to have signed.
    assert_eq!(signer.codice_fiscale, cf("RSSMRA85T10A562S"));
}

#[test]
fn swapped_signer_certificate_is_invalid_under_cades() {
    // Change the subject of the signer certificate (its CN), as someone claiming another
    // identity with the same key would: signingCertificateV2 no longer matches.
    let mut der = fixture("rsa.p7m");
    let at = find(&der, b"ROSSI MARIO");
    der[at] = b'B';
    let envelope = open_p7m(&der).unwrap();
    assert!(
        matches!(&only_signer(&envelope).verification, Verification::Invalid(r) if r.contains("signingCertificate")),
        "{:?}",
        envelope.signers
    );
}

#[test]
fn unreadable_envelopes_are_refused_in_italian() {
    let der = fixture("rsa.p7m");
    let truncated = open_p7m(&der[..der.len() / 2]).unwrap_err();
    assert_eq!(truncated, "la busta firmata .p7m è danneggiata o incompleta");
    assert_eq!(open_p7m(b"").unwrap_err(), MSG_NOT_P7M);
    assert_eq!(open_p7m(b"%PDF-1.4 not an envelope").unwrap_err(), MSG_NOT_P7M);
    assert_eq!(open_p7m(&[0xFF; 100]).unwrap_err(), MSG_NOT_P7M);
    assert_eq!(open_p7m(b"-----BEGIN PKCS7-----\nQUJD\n-----END PKCS7-----\n").unwrap_err(), MSG_NOT_P7M);
    assert_eq!(open_p7m(&fixture("detached.p7m")).unwrap_err(), MSG_DETACHED);
    let pem = String::from_utf8(fixture("rsa.p7m.pem")).unwrap();
    assert!(open_p7m(&pem.as_bytes()[..pem.len() / 2]).is_err());
}

#[test]
fn no_prefix_or_single_byte_change_panics() {
    for name in ["rsa.p7m", "ber.p7m", "nested.p7m"] {
        let der = fixture(name);
        for len in 0..der.len() {
            let _ = open_p7m(&der[..len]);
        }
        let original = open_p7m(&der).unwrap();
        for at in 0..der.len() {
            let mut changed = der.clone();
            changed[at] ^= 0x80;
            let Ok(envelope) = open_p7m(&changed) else { continue };
            // Unsigned parts (versions, the CA certificate...) may change; the content never
            // changes unnoticed, and with signingCertificateV2 (rsa.p7m) neither does the signer.
            for (signer, before) in envelope.signers.iter().zip(&original.signers) {
                if signer.verification == Verification::Valid {
                    assert_eq!(envelope.content, original.content, "{name} byte {at}");
                    if name == "rsa.p7m" {
                        assert_eq!(signer, before, "{name} byte {at}");
                    }
                }
            }
        }
    }
}

#[test]
fn too_deep_nesting_is_refused() {
    // Indefinite lengths nested past the limit.
    let mut deep = vec![0x30, 0x80];
    deep.extend_from_slice(&[0x06, 0x09]);
    deep.extend_from_slice(OID_SIGNED_DATA);
    for _ in 0..10_000 {
        deep.extend_from_slice(&[0xA0, 0x80]);
    }
    assert_eq!(open_p7m(&deep).unwrap_err(), MSG_DAMAGED);
    // Length fields larger than the input.
    let mut long = vec![0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x06, 0x09];
    long.extend_from_slice(OID_SIGNED_DATA);
    assert_eq!(open_p7m(&long).unwrap_err(), MSG_DAMAGED);
}

#[test]
fn pades_signature_verifies() {
    let pdf = fixture("pades.pdf");
    let signers = pdf_signers(&pdf);
    assert_eq!(signers.len(), 1);
    let signer = &signers[0];
    assert_eq!(signer.verification, Verification::Valid);
    assert_eq!(signer.codice_fiscale, cf("RSSMRA85T10A562S"));
    assert_eq!(signer.name.as_deref(), Some("MARIO ROSSI"));
    assert!(signer.covers_whole_document);
    assert!(!signer.chain_checked);
}

#[test]
fn two_pades_signatures_in_incremental_updates() {
    let signers = pdf_signers(&fixture("pades2.pdf"));
    assert_eq!(signers.len(), 2);
    assert!(signers.iter().all(|s| s.verification == Verification::Valid), "{signers:?}");
    assert_eq!(signers[0].codice_fiscale, cf("RSSMRA85T10A562S"));
    assert!(!signers[0].covers_whole_document, "the second signature was added after the first");
    assert_eq!(signers[1].codice_fiscale, cf("RCCMNL83S18D969H"));
    assert!(signers[1].covers_whole_document);
}

#[test]
fn pdf_without_signatures_has_none() {
    assert!(pdf_signers(&fixture("doc.pdf")).is_empty());
    assert!(pdf_signers(b"").is_empty());
    assert!(pdf_signers(b"%PDF-1.7\n/ByteRange").is_empty());
}

#[test]
fn pdf_changed_inside_the_signed_range_is_invalid() {
    let mut pdf = fixture("pades.pdf");
    let at = find(&pdf, b"ricerca intensiva - firmato");
    pdf[at] = b'R';
    let signers = pdf_signers(&pdf);
    assert_eq!(signers[0].verification, Verification::Invalid("il documento è stato modificato dopo la firma".into()));
}

#[test]
fn bytes_added_after_the_signature_are_reported() {
    let mut pdf = fixture("pades.pdf");
    pdf.extend_from_slice(b"\n4 0 obj\n<</Length 10>>\nstream\nBT ET\nendstream\nendobj\n");
    let signers = pdf_signers(&pdf);
    assert_eq!(signers[0].verification, Verification::Valid);
    assert!(!signers[0].covers_whole_document);
    // Trailing white space alone does not count.
    let mut pdf = fixture("pades.pdf");
    pdf.extend_from_slice(b"\r\n");
    assert!(pdf_signers(&pdf)[0].covers_whole_document);
}

fn first_reason(pdf: &[u8]) -> String {
    match pdf_signers(pdf).first().map(|s| s.verification.clone()) {
        Some(Verification::Invalid(r) | Verification::Unsupported(r)) => r,
        other => panic!("{other:?}"),
    }
}

#[test]
fn hostile_byte_ranges_do_not_panic() {
    let with_range = |range: &str| {
        let mut pdf = b"%PDF-1.7\n1 0 obj <</Type/Sig/ByteRange ".to_vec();
        pdf.extend_from_slice(range.as_bytes());
        pdf.extend_from_slice(b"/Contents <3082AB>>> endobj\n%%EOF\n");
        pdf
    };
    assert_eq!(first_reason(&with_range("[0 10 5000 10]")), MSG_PDF_RANGE);
    assert_eq!(first_reason(&with_range("[0 999999999999999 999999999999999 999999999999999]")), MSG_PDF_RANGE);
    assert_eq!(first_reason(&with_range("[0 30 20 10]")), MSG_PDF_RANGE);
    assert_eq!(first_reason(&with_range("[5 10 20 10]")), MSG_PDF_RANGE);
    // The gap is not a hex string: missing or misplaced /Contents.
    assert_eq!(first_reason(&with_range("[0 10 20 10]")), MSG_PDF_CONTENTS);
    // Numbers too long, negative or not numbers: not a signature at all.
    for range in ["[0 9999999999999999999999 1 1]", "[0 -10 20 10]", "[0 1 2]", "[0 a b c]", "[", "0 1 2 3"] {
        assert!(pdf_signers(&with_range(range)).is_empty(), "{range}");
    }
    // The gap is exactly a hex string, but not a CMS.
    let mut pdf = b"%PDF ".to_vec();
    let start = pdf.len() + b"/ByteRange [0 xxxxx yyyyy 0]".len();
    let range = format!("/ByteRange [0 {start:05} {:05} 0]", start + 8);
    pdf.extend_from_slice(range.as_bytes());
    pdf.extend_from_slice(b"<3082FF>");
    assert_eq!(pdf.len(), start + 8);
    assert_eq!(first_reason(&pdf), MSG_PDF_CONTENTS);
}

#[test]
fn pdf_byte_changes_never_panic_nor_verify() {
    let pdf = fixture("pades.pdf");
    let contents = find(&pdf, b"/Contents <") + b"/Contents ".len();
    for at in (0..pdf.len()).step_by(7) {
        let mut changed = pdf.clone();
        changed[at] ^= 0x01;
        for signer in pdf_signers(&changed) {
            // Only a change inside the hex gap (the unsigned padding) may leave it valid.
            if signer.verification == Verification::Valid {
                assert!(at > contents, "byte {at} changed and still valid");
            }
        }
    }
}

#[test]
fn many_ranges_are_bounded() {
    let mut pdf = Vec::new();
    for i in 0..100_000 {
        pdf.extend_from_slice(format!("/ByteRange [0 {i} {} 0]\n", i + 1).as_bytes());
    }
    assert!(pdf_signers(&pdf).len() <= MAX_SIGNERS);
    // 20 MiB with the key repeated: one pass, no signature.
    let big = b"/ByteRange".repeat(2 * 1024 * 1024);
    assert!(pdf_signers(&big).is_empty());
}

#[test]
fn codice_fiscale_in_the_serial_number() {
    for value in ["TINIT-RSSMRA85T10A562S", "tinit-rssmra85t10a562s", "IT:RSSMRA85T10A562S", " RSSMRA85T10A562S "] {
        assert_eq!(codice_fiscale_from_serial_number(value), cf("RSSMRA85T10A562S"), "{value}");
    }
    for value in ["TINIT-RSSMRA85T10A562T", "PNOIT-AA1234567", "IDCIT-CA12345AB", "12345678", ""] {
        assert_eq!(codice_fiscale_from_serial_number(value), None, "{value}");
    }
}

#[test]
fn hex_strings() {
    assert_eq!(decode_hex_string(b"<30 8 >"), Some(vec![0x30, 0x80]));
    assert_eq!(decode_hex_string(b"<3g>"), None);
    assert_eq!(decode_hex_string(b"3082"), None);
}
