//! Typed ids from URL segments (anything that is not a positive integer is "no such page") and
//! from form and query values.

use rocket::form::{self, FromFormField, ValueField};
use rocket::request::FromParam;

use crate::domain::ids::{
    ActionId, AnomalyId, AppointmentId, CommunicationId, DocumentId, IdolExportId, InvalidId, OperatorId, ProviderId,
    RecipientId, SedeId, VoucherId,
};

macro_rules! from_param {
    ($($t:ty),*) => {$(
        impl<'a> FromParam<'a> for $t {
            type Error = InvalidId;
            fn from_param(param: &'a str) -> Result<Self, Self::Error> {
                param.parse()
            }
        }
    )*};
}

from_param!(ProviderId, OperatorId, SedeId, CommunicationId, RecipientId);
from_param!(AppointmentId, ActionId, DocumentId, AnomalyId, VoucherId, IdolExportId);

/// The same ids as form and query values: a value that is not a positive integer is a field
/// error, never an id.
macro_rules! from_form_field {
    ($($t:ty),*) => {$(
        impl<'v> FromFormField<'v> for $t {
            fn from_value(field: ValueField<'v>) -> form::Result<'v, Self> {
                field.value.trim().parse().map_err(|_: InvalidId| form::Error::validation("identificativo non valido").into())
            }
        }
    )*};
}

from_form_field!(ProviderId, OperatorId, SedeId, CommunicationId, RecipientId, AppointmentId, ActionId, DocumentId);
