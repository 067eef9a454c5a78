//! Typed ids from URL segments: anything that is not a positive integer is "no such page".

use rocket::request::FromParam;

use crate::domain::ids::{AppointmentId, CommunicationId, InvalidId, OperatorId, ProviderId, RecipientId, SedeId};

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
from_param!(AppointmentId);
