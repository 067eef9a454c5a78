//! The SQL that keeps a recipient query inside what its scope may see.

/// The policy rows that count for a recipient: the latest SAP's, plus the actions recorded by
/// providers — each provider's own only, unless the viewer is the Region (`provider_param`
/// is the SQL parameter holding the scope's provider, NULL for the Region).
/// A SAP row that is a provider's own action coming back from IDOL (same identificativo) is
/// shown once, as the provider's.
pub(super) fn current_policy(provider_param: &str) -> String {
    format!(
        "((pl.origin = 'provider' AND ({provider_param} IS NULL OR pl.provider_id = {provider_param}))
          OR (pl.origin = 'sap' AND pl.sap_version_id =
              (SELECT max(sv.id) FROM sap_version sv WHERE sv.recipient_id = pl.recipient_id)
              AND NOT EXISTS (SELECT 1 FROM policy own WHERE own.origin = 'provider'
                  AND own.identificativo_politica = pl.identificativo_politica
                  AND ({provider_param} IS NULL OR own.provider_id = {provider_param}))))"
    )
}

/// What a scope may see of a recipient, as SQL over `?1` (recipient id) and `?2` (provider).
pub(super) const VISIBLE: &str =
    "(?2 IS NULL OR EXISTS(SELECT 1 FROM voucher v WHERE v.recipient_id = ?1 AND v.provider_id = ?2))";
