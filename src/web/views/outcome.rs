//! How a programme outcome reads to people.

use crate::domain::italian::count;
use crate::domain::outcome::{Contract, OutcomeKind};
use crate::repo::outcomes::OutcomeRow;

/// "assunzione ... — tempo determinato, 12 mesi" for a history line.
pub fn describe(o: &OutcomeRow) -> String {
    let mut s = OutcomeKind::from_code(&o.kind).map_or_else(|| o.kind.clone(), |k| k.label().to_owned());
    if let Some(c) = o.contract.as_deref() {
        s.push_str(" — ");
        s.push_str(&Contract::from_code(c).map_or_else(|| c.to_owned(), |c| c.label().to_owned()));
        if let Some(m) = o.contract_months {
            s.push_str(&format!(", {}", count(m, "mese", "mesi")));
        }
    }
    s
}
