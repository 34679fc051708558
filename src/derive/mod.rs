//! `conform derive`: parses a vendor API page (Markdown with HTML tables) into JSON Schemas
//! for the query and the response, and an OpenAPI 3.1 export.

use std::path::PathBuf;

/// Options of `conform derive`.
#[derive(Debug, clap::Args)]
pub struct DeriveArgs {
    /// The vendor's API page (Markdown with embedded HTML tables).
    pub page: PathBuf,
    /// Folder to write the schemas and the OpenAPI document into.
    #[arg(long, default_value = "schemas")]
    pub out: PathBuf,
}

/// Runs `conform derive`; returns the exit code.
pub fn command(_args: DeriveArgs) -> u8 {
    eprintln!("error: conform derive is not built yet");
    crate::exit::INPUT_INVALID
}
