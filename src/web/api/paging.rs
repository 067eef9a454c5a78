//! One way to page every `/api/v1` list: `?page=1&per_page=25` (pages count from 1,
//! `per_page` from 1 to 200), answered as `{"items":[...],"total":N,"page":P,"per_page":S}`.

use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use crate::error::{AppError, FieldError};

pub const DEFAULT_PER_PAGE: i64 = 25;
pub const MAX_PER_PAGE: i64 = 200;

/// A checked page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub page: i64,
    pub per_page: i64,
}

impl Paging {
    /// Absent values take the defaults; out-of-range ones are a 422 naming the parameter.
    pub fn new(page: Option<i64>, per_page: Option<i64>) -> Result<Self, AppError> {
        let mut errors = Vec::new();
        let page = page.unwrap_or(1);
        if !(1..=1_000_000).contains(&page) {
            errors.push(FieldError { field: "page".into(), message: "le pagine si contano da 1".into() });
        }
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            errors.push(FieldError {
                field: "per_page".into(),
                message: format!("elementi per pagina: da 1 a {MAX_PER_PAGE}"),
            });
        }
        if errors.is_empty() { Ok(Self { page, per_page }) } else { Err(AppError::Invalid(errors)) }
    }

    /// Rows to skip.
    pub fn offset(self) -> i64 {
        (self.page - 1).saturating_mul(self.per_page)
    }

    /// The page of a list that is small by nature (a provider's sedi, the backups on disk),
    /// already read whole.
    pub fn of<T>(self, all: Vec<T>) -> Page<T> {
        let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
        let skip = usize::try_from(self.offset()).unwrap_or(usize::MAX);
        let take = usize::try_from(self.per_page).unwrap_or(0);
        Page { items: all.into_iter().skip(skip).take(take).collect(), total, page: self.page, per_page: self.per_page }
    }

    /// A page read with LIMIT/OFFSET, with the count of the whole list.
    pub fn page<T>(self, items: Vec<T>, total: i64) -> Page<T> {
        Page { items, total, page: self.page, per_page: self.per_page }
    }
}

/// Una pagina di un elenco.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Page<T> {
    /// Gli elementi della pagina.
    pub items: Vec<T>,
    /// Quanti elementi in tutto, su tutte le pagine.
    pub total: i64,
    /// La pagina (da 1).
    pub page: i64,
    /// Elementi per pagina.
    pub per_page: i64,
}

/// The paging parameters, as the description shows them (the handlers read them one by one).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(dead_code, reason = "documentation shape of the page and per_page query parameters")]
pub struct PagingParams {
    /// La pagina, da 1 (predefinita 1).
    #[param(minimum = 1)]
    page: Option<i64>,
    /// Elementi per pagina, da 1 a 200 (predefinito 25); oltre: 422 su `per_page`.
    #[param(minimum = 1, maximum = 200)]
    per_page: Option<i64>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            page: self.page,
            per_page: self.per_page,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_bounds_and_slices() {
        assert_eq!(Paging::new(None, None).unwrap(), Paging { page: 1, per_page: 25 });
        assert!(Paging::new(Some(0), None).is_err());
        assert!(Paging::new(None, Some(201)).is_err());
        assert!(Paging::new(None, Some(0)).is_err());
        let p = Paging::new(Some(2), Some(3)).unwrap();
        assert_eq!(p.offset(), 3);
        let page = p.of((1..=7).collect::<Vec<_>>());
        assert_eq!((page.items, page.total), (vec![4, 5, 6], 7));
        let page = Paging::new(Some(4), Some(3)).unwrap().of((1..=7).collect::<Vec<_>>());
        assert!(page.items.is_empty());
    }
}
