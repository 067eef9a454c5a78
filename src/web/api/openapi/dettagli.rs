//! The `dettagli` of each action type, described from the same table the rules read
//! (`domain::policy_action::detail_fields`), so the description cannot drift from validation.

use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type};
use utoipa::openapi::{OpenApi, Ref, RefOr};

use crate::domain::policy_action::{ActionType, DetailField, Kind, detail_fields};

/// The component name of one type's `dettagli`.
fn name(t: ActionType) -> String {
    format!("Dettagli{}", t.code())
}

/// `dettagli` in a request or an action: one of the four shapes, chosen by `tipo_attivita`.
pub fn any_of_types() -> RefOr<Schema> {
    let mut one_of = OneOfBuilder::new().description(Some(
        "I campi del tipo di attività: lo schema `DettagliA06`, `DettagliB03`, `DettagliC06` o \
         `DettagliC07` secondo `tipo_attivita`. Numeri e testi sono accettati allo stesso modo; \
         un campo non previsto per il tipo è un errore (422 su `dettagli.<campo>`).",
    ));
    for t in ActionType::ALL {
        one_of = one_of.item(Ref::from_schema_name(name(t)));
    }
    RefOr::T(Schema::OneOf(one_of.build()))
}

fn field_schema(f: &DetailField) -> Schema {
    let described = ObjectBuilder::new().description(Some(f.label));
    let built = match f.kind {
        Kind::Text(max) | Kind::LongText(max) => described.schema_type(Type::String).max_length(Some(max)),
        Kind::Hours(max) => described
            .schema_type(SchemaType::Array(vec![Type::Number, Type::String]))
            .description(Some(format!("{} (al massimo {max}, con al più un decimale: 1.5 o \"1,5\")", f.label)))
            .minimum(Some(0))
            .maximum(Some(max)),
        Kind::Count(min, max) => described
            .schema_type(SchemaType::Array(vec![Type::Integer, Type::String]))
            .minimum(Some(min))
            .maximum(Some(max)),
        Kind::Date => {
            described.schema_type(Type::String).description(Some(format!("{} (aaaa-mm-gg o gg/mm/aaaa)", f.label)))
        }
        Kind::Choice(choices) => described
            .schema_type(Type::String)
            .enum_values(Some(choices.iter().map(|(code, _)| *code)))
            .description(Some(format!(
                "{}: {}",
                f.label,
                choices.iter().map(|(code, label)| format!("`{code}` ({label})")).collect::<Vec<_>>().join(", ")
            ))),
        Kind::Operator => described.schema_type(Type::String).description(Some(format!(
            "{} (codice fiscale di un operatore abilitato del proprio soggetto accreditato)",
            f.label
        ))),
        Kind::Company => described
            .schema_type(Type::String)
            .description(Some(format!("{} (16 caratteri, o partita IVA di 11 cifre)", f.label))),
    };
    Schema::Object(built.build())
}

/// Registers `DettagliA06` ... `DettagliC07` as components.
pub fn register(api: &mut OpenApi) {
    let components = api.components.get_or_insert_with(Default::default);
    for t in ActionType::ALL {
        let mut object = ObjectBuilder::new()
            .schema_type(Type::Object)
            .title(Some(format!("dettagli di {}", t.code())))
            .description(Some(format!("I campi di `dettagli` quando `tipo_attivita` è `{}`.", t.code())))
            .additional_properties(Some(AdditionalProperties::FreeForm(false)));
        for f in detail_fields(t) {
            object = object.property(f.name, field_schema(f));
            if f.required {
                object = object.required(f.name);
            }
        }
        components.schemas.insert(name(t), RefOr::T(Schema::Object(object.build())));
    }
}
