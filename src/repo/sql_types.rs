//! How the typed values of the other layers cross into SQL and back: a moment is stored as
//! milliseconds since the epoch, a row id as its INTEGER (read back with the crate-private
//! `from_db`, so only the repository mints ids from rows).

use rusqlite::ToSql;
use rusqlite::types::{FromSql, FromSqlResult, ToSqlOutput, ValueRef};

use crate::domain::ids::{
    ActionId, AnomalyId, AppointmentId, CommunicationId, DocumentId, IdolExportId, OperatorId, OutcomeId, ProviderId,
    RecipientId, SedeId, VoucherId,
};
use crate::domain::timestamp::Timestamp;

impl ToSql for Timestamp {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_ms()))
    }
}

impl FromSql for Timestamp {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        i64::column_result(value).map(Timestamp::from_ms)
    }
}

macro_rules! sql_id {
    ($($t:ty),*) => {$(
        impl ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.get()))
            }
        }

        impl FromSql for $t {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                i64::column_result(value).map(<$t>::from_db)
            }
        }
    )*};
}

sql_id!(
    ActionId,
    AnomalyId,
    AppointmentId,
    CommunicationId,
    DocumentId,
    IdolExportId,
    OperatorId,
    OutcomeId,
    ProviderId,
    RecipientId,
    SedeId,
    VoucherId
);
