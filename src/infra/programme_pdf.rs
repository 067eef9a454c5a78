//! The Programma di ricerca intensiva as an A4 PDF to print and sign. Helvetica (one of the
//! 14 standard fonts, nothing to embed) with WinAnsi encoding covers Italian text. The output
//! is deterministic for the same input, so a signed copy can be compared byte for byte.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

use crate::domain::programme::{ProgrammeFields, ProgrammeHeader};

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 56.0;
const BODY: f32 = 10.0;
const LEADING: f32 = 14.0;

/// Text to WinAnsi bytes (what Helvetica's WinAnsiEncoding expects); characters it cannot
/// hold (e.g. Polish or Romanian letters) become '?', never HTML entities.
fn win_ansi(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut buf = [0u8; 4];
    for c in text.chars() {
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(c.encode_utf8(&mut buf));
        if unmappable {
            out.push(b'?');
        } else {
            out.extend_from_slice(&bytes);
        }
    }
    out
}

/// Greedy word wrap at a conservative Helvetica width (0.6 em per character covers capitals
/// and wide letters); words longer than a line are broken.
fn wrap(text: &str, size: f32) -> Vec<String> {
    let max_chars = (((PAGE_W - 2.0 * MARGIN) / (size * 0.6)) as usize).max(10);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let words = paragraph.split_whitespace().flat_map(|w| {
            let chars: Vec<char> = w.chars().collect();
            chars.chunks(max_chars).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>()
        });
        for word in words {
            let word = word.as_str();
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > max_chars {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
    }
    lines
}

/// One drawing instruction, laid out top to bottom.
enum Item {
    Text { size: f32, bold: bool, text: String },
    Gap(f32),
    SignatureBoxes,
}

struct Pages {
    done: Vec<Content>,
    page: Content,
    y: f32,
}

impl Pages {
    fn new() -> Self {
        Self { done: Vec::new(), page: Content::new(), y: PAGE_H - MARGIN }
    }

    fn current(&mut self) -> &mut Content {
        &mut self.page
    }

    fn ensure(&mut self, height: f32) {
        if self.y - height < MARGIN {
            self.done.push(std::mem::replace(&mut self.page, Content::new()));
            self.y = PAGE_H - MARGIN;
        }
    }

    fn finish(mut self) -> Vec<Content> {
        self.done.push(self.page);
        self.done
    }

    fn text(&mut self, size: f32, bold: bool, line: &str) {
        self.ensure(LEADING.max(size * 1.3));
        let font = if bold { Name(b"F2") } else { Name(b"F1") };
        let y = self.y - size;
        let bytes = win_ansi(line);
        self.current().begin_text().set_font(font, size).next_line(MARGIN, y).show(Str(&bytes)).end_text();
        self.y -= LEADING.max(size * 1.3);
    }

    fn signature_boxes(&mut self) {
        self.ensure(110.0);
        let width = (PAGE_W - 2.0 * MARGIN - 20.0) / 2.0;
        let top = self.y - 10.0;
        for (i, label) in ["Firma della persona", "Firma del tutor per il soggetto accreditato"].iter().enumerate() {
            let x = MARGIN + i as f32 * (width + 20.0);
            let bytes = win_ansi(label);
            let c = self.current();
            c.rect(x, top - 80.0, width, 80.0).stroke();
            c.begin_text().set_font(Name(b"F1"), 9.0).next_line(x + 6.0, top - 14.0).show(Str(&bytes)).end_text();
        }
        self.y = top - 90.0;
    }
}

pub fn render(header: &ProgrammeHeader, fields: &ProgrammeFields) -> Vec<u8> {
    let mut items = vec![
        Item::Text { size: 9.0, bold: false, text: header.region.clone() },
        Item::Text { size: 16.0, bold: true, text: "Programma di ricerca intensiva".into() },
        Item::Text { size: 10.0, bold: false, text: "Assegno di Ricollocazione".into() },
        Item::Gap(8.0),
    ];
    for (label, value) in [
        ("Destinatario", format!("{} — {}", header.recipient, header.codice_fiscale)),
        ("Assegno", header.voucher.clone()),
        ("Soggetto accreditato", header.provider.clone()),
        ("Sede", header.sede.clone()),
        ("Tutor", header.tutor.clone()),
        ("Periodo", header.period.clone()),
    ] {
        let lines = wrap(&format!("{label}: {value}"), BODY);
        items.extend(lines.into_iter().map(|text| Item::Text { size: BODY, bold: false, text }));
    }
    items.push(Item::Gap(8.0));
    for (title, value) in [
        ("Figure professionali obiettivo", &fields.target_jobs),
        ("Area territoriale della ricerca", &fields.search_area),
        ("Attività concordate", &fields.activities),
        ("Calendario", &fields.calendar),
        ("Impegni della persona (condizionalità)", &fields.duties),
        ("Note", &fields.notes),
    ] {
        if value.is_empty() {
            continue;
        }
        items.push(Item::Text { size: 11.0, bold: true, text: title.into() });
        items.extend(wrap(value, BODY).into_iter().map(|line| Item::Text { size: BODY, bold: false, text: line }));
        items.push(Item::Gap(6.0));
    }
    items.push(Item::Text { size: BODY, bold: false, text: "Luogo e data: ______________________________".into() });
    items.push(Item::SignatureBoxes);
    items.push(Item::Text {
        size: 8.0,
        bold: false,
        text: format!("Versione {} del {} — generato da Ricolloca", header.version, header.saved_at),
    });

    let mut pages = Pages::new();
    for item in items {
        match item {
            Item::Text { size, bold, text } => pages.text(size, bold, &text),
            Item::Gap(h) => pages.y -= h,
            Item::SignatureBoxes => pages.signature_boxes(),
        }
    }

    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let (regular, bold) = (Ref::new(3), Ref::new(4));
    let contents = pages.finish();
    let count = contents.len();
    let page_ids: Vec<Ref> = (0..count).map(|i| Ref::new(5 + 2 * i as i32)).collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(page_ids.iter().copied()).count(count as i32);
    pdf.type1_font(regular).base_font(Name(b"Helvetica")).encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold).base_font(Name(b"Helvetica-Bold")).encoding_predefined(Name(b"WinAnsiEncoding"));
    for (i, content) in contents.into_iter().enumerate() {
        let page_id = Ref::new(5 + 2 * i as i32);
        let content_id = Ref::new(6 + 2 * i as i32);
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
        page.parent(tree);
        page.contents(content_id);
        page.resources().fonts().pair(Name(b"F1"), regular).pair(Name(b"F2"), bold);
        page.finish();
        pdf.stream(content_id, &content.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> ProgrammeHeader {
        ProgrammeHeader {
            region: "Regione Toscana".into(),
            recipient: "Nicolò Rossi".into(),
            codice_fiscale: "RSSMRA85T10A562S".into(),
            voucher: "ADR-1".into(),
            provider: "Lavoro Futuro".into(),
            sede: "Via dei Servi 12, Firenze".into(),
            tutor: "Mario Rossi".into(),
            period: "dal 01/03/2026 al 31/08/2026".into(),
            version: 1,
            saved_at: "26/11/2026 15:05".into(),
        }
    }

    #[test]
    fn renders_a_deterministic_pdf_with_italian_text() {
        let fields = ProgrammeFields {
            target_jobs: "Magazziniere, addetto alla logistica".into(),
            search_area: "Firenze e Prato".into(),
            activities: "Colloquio individuale\n".repeat(200),
            duties: crate::domain::programme::DEFAULT_DUTIES.into(),
            ..Default::default()
        };
        let a = render(&header(), &fields);
        let b = render(&header(), &fields);
        assert!(a.starts_with(b"%PDF-"));
        assert_eq!(a, b, "same input, same bytes");
        // "Nicolò" in WinAnsi (ò = 0xF2) is in the content, as a hex string.
        let text = String::from_utf8_lossy(&a).to_lowercase();
        assert!(text.contains("4e69636f6cf2"), "WinAnsi-encoded name missing");
        // Long content flows onto more pages ("/Type /Pages" is the tree, not a page).
        let pages = a.windows(12).filter(|w| w.starts_with(b"/Type /Page") && w[11] != b's').count();
        assert!(pages >= 2, "{pages} pages");
        // A name outside Windows-1252 prints with '?' in place of the letter, not an entity.
        assert_eq!(win_ansi("Wiśniewski"), b"Wi?niewski");
    }

    #[test]
    fn wraps_long_lines() {
        let lines = wrap(&"parola ".repeat(100), 10.0);
        assert!(lines.len() > 3);
        assert!(lines.iter().all(|l| l.chars().count() <= 81));
        let long = wrap(&"X".repeat(300), 10.0);
        assert!(long.len() >= 4 && long.iter().all(|l| l.chars().count() <= 80));
    }
}
