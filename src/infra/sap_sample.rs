//! Realistic, fake SAP XML documents in the national layout, for the demo, the tests and the
//! benchmarks. Nothing here is used by `serve`.

use std::fmt::Write as _;

/// (tipo_attivita, data_proposta, data inizio, data fine, evento, data evento)
pub type SamplePolicy<'a> = (&'a str, &'a str, Option<&'a str>, Option<&'a str>, &'a str, &'a str);

/// A fake worker and the policies on their SAP.
pub struct SamplePerson<'a> {
    pub codice_fiscale: &'a str,
    pub cognome: &'a str,
    pub nome: &'a str,
    pub sesso: &'a str,
    pub data_nascita: &'a str,
    pub comune: &'a str,
    pub email: &'a str,
    pub policies: &'a [SamplePolicy<'a>],
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('\'', "&apos;").replace('"', "&quot;")
}

/// A UTF-8 SAP for `p`, written to the national schema (revision 009): two work
/// experiences, a diploma, a language, and the policies.
pub fn sap_xml(p: &SamplePerson<'_>, sap_code: &str, updated_on: &str) -> String {
    let mut policies = String::new();
    for (i, (tipo, proposta, inizio, fine, evento, data_evento)) in p.policies.iter().enumerate() {
        let _ = write!(
            policies,
            "    <politiche_attive>\n      <tipo_attivita>{tipo}</tipo_attivita>\n{}      <data_proposta>{proposta}</data_proposta>\n{}{}      <descrizione>{}</descrizione>\n      <titolo_progetto>01</titolo_progetto>\n      <codice_ente_promotore>D612C000123</codice_ente_promotore>\n      <identificativo_politica>09{:08X}{}</identificativo_politica>\n      <ultimo_evento>\n        <evento>{evento}</evento>\n        <data_evento>{data_evento}</data_evento>\n      </ultimo_evento>\n    </politiche_attive>\n",
            if tipo.starts_with('C') {
                "      <titolo_denominazione>Corso di logistica di magazzino</titolo_denominazione>\n"
            } else {
                ""
            },
            inizio.map(|d| format!("      <data>{d}</data>\n")).unwrap_or_default(),
            fine.map(|d| format!("      <data_fine>{d}</data_fine>\n")).unwrap_or_default(),
            match *tipo {
                "A02" => "Patto di servizio personalizzato",
                "H03" => "Assegno di ricollocazione",
                _ => "Politica attiva del CPI",
            },
            // Issued by another system (09): never one of ours.
            0x00A0_0000 + i,
            char::from(b'A' + (i % 26) as u8),
        );
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<lavoratore>
  <datiinvio>
    <dataultimoagg>{updated_on}</dataultimoagg>
    <identificativosap>{sap_code}</identificativosap>
    <codiceentetit>D612C000123</codiceentetit>
    <tipovariazione>02</tipovariazione>
    <datadinascita>{nascita}</datadinascita>
  </datiinvio>
  <datianagrafici>
    <datipersonali>
      <codicefiscale>{cf}</codicefiscale>
      <cognome>{cognome}</cognome>
      <nome>{nome}</nome>
      <sesso>{sesso}</sesso>
      <datanascita>{nascita}</datanascita>
      <codcomune>{comune}</codcomune>
      <codcittadinanza>000</codcittadinanza>
    </datipersonali>
    <residenza><codcomune>{comune}</codcomune><cap>50122</cap><indirizzo>Via Ghibellina 10</indirizzo></residenza>
    <domicilio><codcomune>{comune}</codcomune><cap>50122</cap><indirizzo>Via Ghibellina 10</indirizzo></domicilio>
    <recapiti><cellulare>333 1234567</cellulare><email>{email}</email></recapiti>
  </datianagrafici>
  <datiamministrativi>
    <statoinanagrafe>
      <codstatooccupazionale>DI</codstatooccupazionale>
      <codstatus>DO</codstatus>
      <anzianita>9</anzianita>
      <indiceprofiling>0.6830</indiceprofiling>
      <dataevento>2026-01-15</dataevento>
      <disponibilita>2026-01-15</disponibilita>
    </statoinanagrafe>
    <periodidisoccupazione><dataingresso>2026-01-15</dataingresso><tipoingresso>D</tipoingresso></periodidisoccupazione>
  </datiamministrativi>
  <esperienzelavoro_lst>
    <esperienzalavoro>
      <azienda><codicefiscale>01234567897</codicefiscale><datorelavoro>Magazzini Generali Fiorentini S.r.l.</datorelavoro><codateco>52.10.10</codateco></azienda>
      <datainizio>2019-03-01</datainizio>
      <datafine>2025-12-31</datafine>
      <codprofessione>8.1.3.1.0</codprofessione>
      <tiporapporto><tipocontratto>A.01.00</tipocontratto><categoriainquadramento>4</categoriainquadramento><assunzioneLegge68>NO</assunzioneLegge68><lavInMobilita>NO</lavInMobilita><lavoroStagionale>NO</lavoroStagionale><lavoroInAgricoltura>NO</lavoroInAgricoltura></tiporapporto>
      <modalitalavoro><codmodalitalavoro>FT</codmodalitalavoro></modalitalavoro>
      <luogolavoro><indirizzo>Via Pratese 120</indirizzo><codcomune>D612</codcomune></luogolavoro>
    </esperienzalavoro>
    <esperienzalavoro>
      <azienda><codicefiscale>80001234568</codicefiscale><datorelavoro>Servizi Logistici Toscani S.p.A.</datorelavoro><codateco>49.41.00</codateco></azienda>
      <datainizio>2016-05-02</datainizio>
      <datafine>2018-12-31</datafine>
      <codprofessione>7.4.2.3.0</codprofessione>
      <tiporapporto><tipocontratto>A.02.00</tipocontratto><assunzioneLegge68>NO</assunzioneLegge68><lavInMobilita>NO</lavInMobilita><lavoroStagionale>NO</lavoroStagionale><lavoroInAgricoltura>NO</lavoroInAgricoltura></tiporapporto>
      <modalitalavoro><codmodalitalavoro>FT</codmodalitalavoro></modalitalavoro>
      <luogolavoro><indirizzo>Via di Novoli 3</indirizzo><codcomune>G999</codcomune></luogolavoro>
    </esperienzalavoro>
  </esperienzelavoro_lst>
  <allegato>
    <titolistudio_lst><titolostudio><codlivelloistruzione>40</codlivelloistruzione><annotermine>2007</annotermine></titolostudio></titolistudio_lst>
    <linguestraniere_lst><linguastraniera><codlingua>ENG</codlingua><codlivelloletto>B1</codlivelloletto><codlivelloscritto>A2</codlivelloscritto><codlivelloparlato>B1</codlivelloparlato></linguastraniera></linguestraniere_lst>
    <conoscenzeinformatiche_lst><conoscenzainformatica><codconoscenzainformatica>011</codconoscenzainformatica><codgrado>2</codgrado></conoscenzainformatica></conoscenzeinformatiche_lst>
  </allegato>
  <politiche_attive_lst>
{policies}  </politiche_attive_lst>
</lavoratore>
"#,
        cf = p.codice_fiscale,
        cognome = escape(&p.cognome.to_uppercase()),
        nome = escape(&p.nome.to_uppercase()),
        sesso = p.sesso,
        nascita = p.data_nascita,
        comune = p.comune,
        email = escape(p.email),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_parse() {
        let p = SamplePerson {
            codice_fiscale: "RSSMRA85T10A562S",
            cognome: "D'Antò",
            nome: "Nicolò",
            sesso: "M",
            data_nascita: "1985-12-10",
            comune: "D612",
            email: "n@example.it",
            policies: &[("A02", "2026-01-15", Some("2026-01-15"), None, "02", "2026-01-15")],
        };
        let xml = sap_xml(&p, "AA00000001B", "2026-02-01");
        // Written to the national schema: the strict check finds nothing.
        assert_eq!(crate::infra::sap_schema::validate(xml.as_bytes()), Vec::new());
        let parsed = crate::infra::sap_xml::parse(xml.as_bytes()).unwrap();
        assert_eq!(parsed.findings, Vec::new());
        assert_eq!(parsed.codice_fiscale.as_str(), "RSSMRA85T10A562S");
        assert_eq!(parsed.sap.politiche_attive.len(), 1);
        assert_eq!(parsed.sap.dati_anagrafici.dati_personali.nome.as_deref(), Some("NICOLÒ"));
    }
}
