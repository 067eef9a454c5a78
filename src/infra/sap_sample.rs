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

/// A UTF-8 SAP for `p`, with two work experiences, a diploma, a language and the policies.
pub fn sap_xml(p: &SamplePerson<'_>, sap_code: &str, updated_on: &str) -> String {
    let mut policies = String::new();
    for (tipo, proposta, inizio, fine, evento, data_evento) in p.policies {
        let _ = write!(
            policies,
            "    <politiche_attive>\n      <tipo_attivita>{tipo}</tipo_attivita>\n      <titolo_denominazione>{}</titolo_denominazione>\n      <data_proposta>{proposta}</data_proposta>\n{}{}      <titolo_progetto>01</titolo_progetto>\n      <codice_ente_promotore>G702C000681</codice_ente_promotore>\n      <ultimo_evento>\n        <evento>{evento}</evento>\n        <data_evento>{data_evento}</data_evento>\n      </ultimo_evento>\n    </politiche_attive>\n",
            if tipo.starts_with('C') { "Corso di logistica di magazzino" } else { "" },
            inizio.map(|d| format!("      <data>{d}</data>\n")).unwrap_or_default(),
            fine.map(|d| format!("      <data_fine>{d}</data_fine>\n")).unwrap_or_default(),
        );
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<lavoratore>
  <datiinvio>
    <identificativosap>{sap_code}</identificativosap>
    <codiceentetit>D612C000123</codiceentetit>
    <dataultimoagg>{updated_on}</dataultimoagg>
    <tipovariazione>02</tipovariazione>
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
      <codstatooccupazionale>B</codstatooccupazionale>
      <codstatus>D</codstatus>
      <anzianita>9</anzianita>
      <indiceprofiling>0.6830</indiceprofiling>
      <disponibilita>2026-01-15</disponibilita>
    </statoinanagrafe>
    <periodidisoccupazione><dataingresso>2026-01-15</dataingresso><tipoingresso>D</tipoingresso></periodidisoccupazione>
  </datiamministrativi>
  <esperienzelavoro_lst>
    <esperienzalavoro>
      <azienda><codicefiscale>01234567890</codicefiscale><datorelavoro>Magazzini Generali Fiorentini S.r.l.</datorelavoro><codateco>52.10.00</codateco></azienda>
      <datainizio>2019-03-01</datainizio>
      <datafine>2025-12-31</datafine>
      <codprofessione>8.1.3.1.0</codprofessione>
      <tiporapporto><tipocontratto>A.02.00</tipocontratto><livello>4</livello></tiporapporto>
      <luogolavoro><codcomune>D612</codcomune></luogolavoro>
    </esperienzalavoro>
    <esperienzalavoro>
      <azienda><codicefiscale>09876543210</codicefiscale><datorelavoro>Servizi Logistici Toscani S.p.A.</datorelavoro><codateco>49.41.00</codateco></azienda>
      <datainizio>2016-05-02</datainizio>
      <datafine>2018-12-31</datafine>
      <codprofessione>7.4.2.3.0</codprofessione>
      <tiporapporto><tipocontratto>A.03.00</tipocontratto></tiporapporto>
      <luogolavoro><codcomune>G999</codcomune></luogolavoro>
    </esperienzalavoro>
  </esperienzelavoro_lst>
  <allegato>
    <titolistudio_lst><titolostudio><codlivelloistruzione>40</codlivelloistruzione><annoconseguimento>2007</annoconseguimento></titolostudio></titolistudio_lst>
    <linguestraniere_lst><linguastraniera><codlingua>02</codlingua><codlivelloletto>B1</codlivelloletto><codlivelloscritto>A2</codlivelloscritto><codlivelloparlato>B1</codlivelloparlato></linguastraniera></linguestraniere_lst>
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
        let parsed = crate::infra::sap_xml::parse(sap_xml(&p, "AA0001", "2026-02-01").as_bytes()).unwrap();
        assert_eq!(parsed.codice_fiscale.as_str(), "RSSMRA85T10A562S");
        assert_eq!(parsed.sap.politiche_attive.len(), 1);
        assert_eq!(parsed.sap.dati_anagrafici.dati_personali.nome.as_deref(), Some("NICOLÒ"));
    }
}
