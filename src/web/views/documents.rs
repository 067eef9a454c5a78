//! The signed programme on screen: the file field, what the signatures say, the list of
//! uploads and the upload form.

use maud::{Markup, html};
use serde_json::Value;

use crate::domain::ids::RecipientId;
use crate::error::FieldError;
use crate::infra::clock::{Timestamp, format_it};
use crate::repo::signed_programmes::Upload;
use crate::web::forms::{FILE_AGAIN, FormToken, error_summary, token_field};

/// The file input every form that takes the signed programme shows.
pub fn file_field(errors: &[FieldError], max: usize, required: bool) -> Markup {
    let error = errors.iter().find(|e| e.field == "file").map(|e| e.message.as_str());
    html! {
        div.field.has-error[error.is_some()] {
            label for="f-file" { "Programma firmato (PDF, PDF firmato PAdES o .p7m CAdES)" @if required { " " abbr title="obbligatorio" { "*" } } }
            input #f-file type="file" name="file" accept=".pdf,.p7m,application/pdf,application/pkcs7-mime"
                aria-describedby=(if error.is_some() { "f-file-aiuto f-file-errore" } else { "f-file-aiuto" })
                aria-invalid=[error.map(|_| "true")];
            p.hint id="f-file-aiuto" { "Al massimo " (max / (1024 * 1024)) " MB. Il tipo si riconosce dal contenuto, non dal nome. " (FILE_AGAIN) }
            @if let Some(msg) = error { p.field-error id="f-file-errore" { (msg) } }
        }
    }
}

fn field<'a>(v: &'a Value, key: &str) -> &'a Value {
    v.get(key).unwrap_or(&Value::Null)
}

/// What the signatures of one upload say, in words.
pub fn signature_report(r: &Value) -> Markup {
    html! {
        @if let Some(text) = r.pointer("/conformity/text").unwrap_or(&Value::Null).as_str() { p.ok { "✓ " (text) } }
        @if let Some(signers) = field(r, "signers").as_array() {
            @if !signers.is_empty() {
                ul {
                    @for s in signers {
                        li {
                            "Firmato da " strong { (field(s, "name").as_str().unwrap_or("—")) }
                            @if let Some(cf) = field(s, "codice_fiscale").as_str() { " (" code { (cf) } ")" }
                            @if let Some(t) = field(s, "signing_time").as_i64() { " il " (format_it(Timestamp::from_ms(t))) }
                            ": firma " (field(s, "verification").as_str().unwrap_or("")) "; " (field(s, "role").as_str().unwrap_or(""))
                        }
                    }
                }
                p.hint { (field(r, "chain_note").as_str().unwrap_or("")) }
            }
        }
        @if let Some(flags) = field(r, "flags").as_array() {
            @if !flags.is_empty() {
                ul.flags aria-label="Segnalazioni" { @for f in flags { li { "⚠ " (f.as_str().unwrap_or("")) } } }
            }
        }
    }
}

/// The uploads of a voucher: the newest is the one on file; older ones stay listed.
pub fn uploads_table(uploads: &[Upload]) -> Markup {
    html! {
        @if uploads.is_empty() { p { "Nessun programma firmato caricato." } } @else {
            table.data {
                caption { "Programmi firmati caricati (il primo è quello in vigore)" }
                thead { tr { th scope="col" { "Caricato il" } th scope="col" { "Da" } th scope="col" { "Tipo" } th scope="col" { "Verifica" } th scope="col" { "File" } } }
                tbody {
                    @for (i, u) in uploads.iter().enumerate() {
                        tr {
                            td { (format_it(u.uploaded_at)) @if i == 0 { br; strong { "in vigore" } } @else { br; "sostituito" } }
                            td { (u.uploaded_by) }
                            td { (u.kind.to_uppercase()) " · " (u.size / 1024) " KB" br; code.hash { (u.sha256) } }
                            td { (signature_report(&u.signature)) }
                            td { a href={ "/documenti/" (u.document_id) } { "scarica" } }
                        }
                    }
                }
            }
        }
    }
}

/// The upload form of the programme screen.
pub fn upload_form(id: RecipientId, errors: &[FieldError], token: &FormToken, max: usize) -> Markup {
    html! {
        h2 #firmato { "Carica il programma firmato" }
        (error_summary(errors))
        form.stack method="post" action={ "/destinatari/" (id) "/programma/firmato" } enctype="multipart/form-data" novalidate {
            (token_field(token))
            (file_field(errors, max, true))
            button.button type="submit" { "Carica" }
        }
    }
}
