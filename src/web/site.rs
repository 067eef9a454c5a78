//! Site-wide facts every page shows, and the per-installation secret of form tokens.

/// Site-wide facts the page layout shows.
#[derive(Debug, Clone)]
pub struct Site {
    pub region_name: String,
    /// First two characters of the identificativo politica (config `system_code`).
    pub system_code: String,
    /// Largest upload in bytes (config `upload_max_mb`).
    pub upload_max: usize,
    /// What one provider's uploads may occupy in all, in bytes (config `upload_quota_mb`).
    pub upload_quota: u64,
    pub training: bool,
}

/// The per-installation secret of form tokens.
pub struct FormSecret(pub Vec<u8>);
