//! The provider's agenda: the appointments of the scheda destinatario (`appointments`), the
//! calendar (`/agenda`), and the report of unjustified absences and refusals for the CPI
//! (`/agenda/segnalazioni`, printable and CSV). Operators only write for their own provider's
//! people; another provider's person or appointment is "not found", audited as a denied attempt.

mod appointments;
mod calendar;
mod report;

use rocket::Route;

pub fn routes() -> Vec<Route> {
    let mut r = appointments::routes();
    r.extend(calendar::routes());
    r.extend(report::routes());
    r
}
