//! `conform derive`: parses a vendor API page (Markdown with HTML tables) into JSON Schemas
//! for the query and the response, and an OpenAPI 3.1 export.
//!
//! The stages, one submodule each: [`page`] (Markdown structure: sections, captions,
//! tables, code blocks) using [`html`] (table cells), then [`model`] (the operation: URI,
//! parameters, object tables, examples, linked value pages) using [`types`] (type words)
//! and [`prose`] (constraints in descriptions), or [`walkthrough`] for a page that
//! describes its requests in prose (one operation per GET request, inferred from its
//! examples), then [`schema`] (JSON Schemas), [`overlay`] (hand-written additions, each
//! citing its rule) and [`openapi`].

pub mod diff;
pub mod error;
pub mod html;
pub mod model;
pub mod openapi;
pub mod overlay;
pub mod page;
pub mod prose;
pub mod schema;
pub mod types;
pub mod walkthrough;

use std::path::{Path, PathBuf};

use serde_json::Value;

pub use error::{DeriveError, PageProblem, Warning};
pub use model::Operation;

/// Options of `conform derive`.
#[derive(Debug, clap::Args)]
pub struct DeriveArgs {
    /// The vendor's API page (Markdown with embedded HTML tables). Pages it links to for
    /// value lists are read relative to its folder. A walkthrough (requests in prose, no
    /// tables) gives the files of each of its GET requests, inferred from its examples.
    #[arg(required_unless_present = "diff")]
    pub page: Option<PathBuf>,
    /// Compare two revisions of a page as a contract instead of writing schemas: prints
    /// what changed; exit 0 when nothing breaking changed, 1 otherwise.
    #[arg(long, num_args = 2, value_names = ["OLD_PAGE", "NEW_PAGE"], conflicts_with = "page")]
    pub diff: Option<Vec<PathBuf>>,
    /// Output of --diff: `text` for people, `json` for machines.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text, requires = "diff")]
    pub format: DiffFormat,
    /// Folder to write the schemas and the OpenAPI document into [default: the folder
    /// above the page's when the page sits in a `source/` folder (schemas/v1.0/source/x.md
    /// → schemas/v1.0), else `schemas`].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Prefix of the output file names, for a page of one request [default: from the URI,
    /// e.g. `list-instances` for `GET …/instances`].
    #[arg(long)]
    pub name: Option<String>,
    /// Hand-written overlay to merge in, for a page of one request [default:
    /// `<OUT>/<NAME>.overlay.json` if it exists, for each request].
    #[arg(long, conflicts_with = "no_overlay")]
    pub overlay: Option<PathBuf>,
    /// Write the schemas exactly as derived from the page, without any overlay.
    #[arg(long)]
    pub no_overlay: bool,
}

/// Output format of `conform derive --diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    Text,
    Json,
}

/// How to derive: output name and overlay.
#[derive(Debug, Clone, Default)]
pub struct DeriveOptions {
    /// Prefix of the output file names; `None` derives it from the URI ([`default_name`]).
    pub name: Option<String>,
    /// Overlay file to merge in; `None` for none.
    pub overlay: Option<PathBuf>,
}

/// Everything derived from one page.
#[derive(Debug, Clone)]
pub struct Derived {
    /// Prefix of the output files, e.g. `list-instances`.
    pub name: String,
    /// What the page documents.
    pub operation: Operation,
    /// The effective response schema (derived + overlay).
    pub response_schema: Value,
    /// The effective query schema (derived + overlay).
    pub query_schema: Value,
    /// The OpenAPI 3.1 document.
    pub openapi: Value,
}

impl Derived {
    /// What derive read past, or read one way where the page says two (the schemas are
    /// written from the tables all the same).
    pub fn warnings(&self) -> &[Warning] {
        &self.operation.warnings
    }

    /// The output files: (file name, content). Pretty JSON with a final newline, keys in
    /// page order, so re-deriving an unchanged page gives identical bytes.
    pub fn files(&self) -> Vec<(String, String)> {
        let pretty = |v: &Value| {
            // Serialising a `Value` cannot fail (its keys are strings).
            let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
            s.push('\n');
            s
        };
        vec![
            (
                format!("{}.response.schema.json", self.name),
                pretty(&self.response_schema),
            ),
            (
                format!("{}.query.schema.json", self.name),
                pretty(&self.query_schema),
            ),
            (format!("{}.openapi.json", self.name), pretty(&self.openapi)),
        ]
    }

    /// Writes the output files into `dir` (created if missing), each atomically; returns
    /// the paths written.
    pub fn write_to(&self, dir: &Path) -> Result<Vec<PathBuf>, DeriveError> {
        let write_err = |path: &Path, source| DeriveError::Write {
            path: path.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(|e| write_err(dir, e))?;
        let mut written = Vec::new();
        for (file, content) in self.files() {
            let path = dir.join(&file);
            // Whole files, readable by others like any file a user saves (a schema is
            // committed and served); never a half-written one.
            crate::atomic::write_with(
                &path,
                ".conform-derive-",
                |w| w.write_all(content.as_bytes()),
                || Ok(()),
            )
            .map_err(|e| write_err(&path, e))?;
            written.push(path);
        }
        Ok(written)
    }
}

/// Derives a page of one operation as it is, without an overlay, naming the output after
/// the URI.
pub fn derive_page(page: &Path) -> Result<Derived, DeriveError> {
    derive_page_with(page, &DeriveOptions::default())
}

/// Derives a page of one operation with options. A walkthrough that describes several
/// GET requests is refused with [`DeriveError::SeveralRequests`]: [`derive_all`] derives
/// each.
pub fn derive_page_with(page: &Path, options: &DeriveOptions) -> Result<Derived, DeriveError> {
    only_one(page, derive_all(page, options)?)
}

/// Derives every operation a page documents: the one of a reference page, or each GET
/// request of a walkthrough (inferred from its examples), in page order.
pub fn derive_all(page: &Path, options: &DeriveOptions) -> Result<Vec<Derived>, DeriveError> {
    let bytes = std::fs::read(page).map_err(|source| DeriveError::Read {
        path: page.to_path_buf(),
        source,
    })?;
    derive_bytes_all(page, &bytes, options)
}

/// Derives a page of one operation held in memory, as if read from `page` (see
/// [`derive_bytes_all`]).
pub fn derive_bytes(
    page: &Path,
    bytes: &[u8],
    options: &DeriveOptions,
) -> Result<Derived, DeriveError> {
    only_one(page, derive_bytes_all(page, bytes, options)?)
}

/// Derives every operation of a page held in memory, as if read from `page` (pages it
/// links to are still read relative to that path's folder). The entry point of the
/// `derive` fuzz target: whatever the bytes, the answer is a non-empty list of
/// [`Derived`] or a [`DeriveError`], never a panic. `options.name` and `options.overlay`
/// name the output of one operation, so a page of several is refused with them.
pub fn derive_bytes_all(
    page: &Path,
    bytes: &[u8],
    options: &DeriveOptions,
) -> Result<Vec<Derived>, DeriveError> {
    let parsed = page::from_bytes(page, bytes)?;
    let operations = operations(&parsed)?;
    let names = output_names(&operations);
    if operations.len() > 1 && (options.name.is_some() || options.overlay.is_some()) {
        return Err(several(page, names, NAME_OR_OVERLAY));
    }
    operations
        .into_iter()
        .zip(names)
        .map(|(operation, default)| {
            let name = options.name.clone().unwrap_or(default);
            derive_operation(operation, name, options.overlay.as_deref())
        })
        .collect()
}

/// What asked for one operation of a page of several, and what to do instead.
type Wanted = (&'static str, &'static str);

const NAME_OR_OVERLAY: Wanted = (
    "--name and --overlay name the output of one",
    "leave them out: each request is written under its own name, and picks up `<OUT>/<NAME>.overlay.json` when there is one",
);

const ONE_OPERATION: Wanted = (
    "`derive_page` returns one operation",
    "`derive_all` derives each (`conform derive` writes the files of every GET request)",
);

fn several(page: &Path, names: Vec<String>, (wanted, hint): Wanted) -> DeriveError {
    DeriveError::SeveralRequests {
        path: page.to_path_buf(),
        names,
        wanted,
        hint,
    }
}

fn only_one(page: &Path, mut all: Vec<Derived>) -> Result<Derived, DeriveError> {
    if all.len() == 1 {
        if let Some(one) = all.pop() {
            return Ok(one);
        }
    }
    let names = all.into_iter().map(|d| d.name).collect();
    Err(several(page, names, ONE_OPERATION))
}

/// The schemas and the OpenAPI document of one operation, named `name`, with the overlay
/// file merged in when one is given.
fn derive_operation(
    operation: Operation,
    name: String,
    overlay: Option<&Path>,
) -> Result<Derived, DeriveError> {
    let mut response_schema = schema::response(&operation, &name);
    let mut query_schema = schema::query(&operation, &name);
    if let Some(path) = overlay {
        let o = overlay::load(path)?;
        overlay::apply(
            &o,
            path,
            &operation.page_file,
            &mut response_schema,
            &mut query_schema,
        )?;
    }
    let openapi = openapi::document(&operation, &name, &response_schema, &query_schema);
    Ok(Derived {
        name,
        operation,
        response_schema,
        query_schema,
        openapi,
    })
}

/// The output names of a page's operations: [`default_name`] of each, with `-2`, `-3`, …
/// after a name an earlier request of the page already writes (two paths that end
/// alike, such as `/v1/…/instances` and `/v2/…/instances`).
fn output_names(operations: &[Operation]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for op in operations {
        let base = default_name(op);
        let mut name = base.clone();
        let mut n = 1;
        while names.contains(&name) {
            n += 1;
            name = format!("{base}-{n}");
        }
        names.push(name);
    }
    names
}

/// The output name from the method and the path: `GET …/instances` → `list-instances`,
/// `GET …/instances/{id}` → `show-instance`, `POST …/instances` → `create-instances`.
pub fn default_name(op: &Operation) -> String {
    let segments: Vec<&str> = op.path.split('/').filter(|s| !s.is_empty()).collect();
    let ends_in_param = segments.last().is_some_and(|s| s.starts_with('{'));
    let resource = segments
        .iter()
        .rev()
        .find(|s| !s.starts_with('{'))
        .map(|s| kebab(s))
        .unwrap_or_else(|| "root".to_string());
    let verb = match (op.method.as_str(), ends_in_param) {
        ("GET", false) => "list",
        ("GET", true) => "show",
        ("POST", _) => "create",
        ("PUT" | "PATCH", _) => "update",
        ("DELETE", _) => "delete",
        _ => "call",
    };
    let resource = if ends_in_param {
        resource
            .strip_suffix('s')
            .map(str::to_string)
            .unwrap_or(resource)
    } else {
        resource
    };
    format!("{verb}-{resource}")
}

/// `instanceList` / `instance_list` → `instance-list`.
fn kebab(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else if c == '_' || c == '.' {
            out.push('-');
        } else {
            out.push(c);
        }
    }
    out
}

/// Derives two revisions of a page (without overlays) and compares them.
pub fn diff_pages(old: &Path, new: &Path) -> Result<diff::Report, DeriveError> {
    let old = model::operation(&page::read(old)?)?;
    let new = model::operation(&page::read(new)?)?;
    Ok(diff::diff(&old, &new))
}

/// Where `derive` writes when `--out` is not given: the contract's folder for a page in
/// its `source/` folder (`schemas/v1.0/source/page.md` → `schemas/v1.0`), else `schemas`.
pub fn default_out(page: &Path) -> PathBuf {
    match page.parent() {
        Some(dir) if dir.file_name().is_some_and(|n| n == "source") => dir
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
        _ => PathBuf::from("schemas"),
    }
}

/// Runs `conform derive`; returns the exit code.
pub fn command(args: DeriveArgs) -> u8 {
    if let Some([old, new]) = args.diff.as_deref() {
        return match diff_pages(old, new) {
            Ok(report) => {
                match args.format {
                    DiffFormat::Text => print!("{}", report.text()),
                    DiffFormat::Json => print!("{}", report.json()),
                }
                if report.breaking {
                    crate::exit::CONTRACT_BROKEN
                } else {
                    crate::exit::SUCCESS
                }
            }
            Err(e) => {
                eprintln!("error: {e}");
                crate::exit::INPUT_INVALID
            }
        };
    }
    match run(&args) {
        Ok((warnings, written)) => {
            for w in warnings {
                eprintln!("warning: {w}");
            }
            for path in written {
                println!("wrote {}", path.display());
            }
            crate::exit::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            // A page that cannot be derived is wrong input; so is an unwritable folder
            // for this command (nothing was sent anywhere).
            crate::exit::INPUT_INVALID
        }
    }
}

fn run(args: &DeriveArgs) -> Result<(Vec<Warning>, Vec<PathBuf>), DeriveError> {
    // clap requires the page unless --diff is given.
    let Some(page_path) = &args.page else {
        return Ok((Vec::new(), Vec::new()));
    };
    let out = args.out.clone().unwrap_or_else(|| default_out(page_path));
    let parsed = page::read(page_path)?;
    let operations = operations(&parsed)?;
    let names = output_names(&operations);
    if operations.len() > 1 && (args.name.is_some() || args.overlay.is_some()) {
        return Err(several(page_path, names, NAME_OR_OVERLAY));
    }
    // Every operation is derived before anything is written, so a page that fails on its
    // third request leaves no files of the first two behind.
    let mut all = Vec::new();
    for (operation, default) in operations.into_iter().zip(names) {
        let name = args.name.clone().unwrap_or(default);
        let overlay = if args.no_overlay {
            None
        } else {
            args.overlay.clone().or_else(|| {
                let default = out.join(format!("{name}.overlay.json"));
                default.is_file().then_some(default)
            })
        };
        match &overlay {
            Some(o) => println!("overlay {}", o.display()),
            // Said, not silent: a user who moved --out may expect the overlay to follow.
            None if !args.no_overlay => println!(
                "overlay: none ({} does not exist; the schemas are the page's alone; --overlay FILE merges one)",
                out.join(format!("{name}.overlay.json")).display()
            ),
            None => {}
        }
        all.push(derive_operation(operation, name, overlay.as_deref())?);
    }
    let mut warnings = Vec::new();
    let mut written = Vec::new();
    for derived in all {
        written.extend(derived.write_to(&out)?);
        warnings.extend(derived.operation.warnings);
    }
    Ok((warnings, written))
}

/// Above the model and the walkthrough reader, which both build operations: the model
/// holds the types, the walkthrough reads prose into them, and neither calls the other.
/// The operations a page documents: the one its URI section and tables describe, or, on
/// a page with neither a URI section nor field tables (a walkthrough, the
/// authentication page), each GET request it describes in prose, inferred from its
/// examples by [`walkthrough`]. A page with tables is always read from them, so a
/// table page that lost its URI heading is refused rather than guessed from examples.
fn operations(page: &page::Page) -> Result<Vec<model::Operation>, DeriveError> {
    let has_field_tables = page
        .blocks
        .iter()
        .any(|(_, b)| matches!(b, page::Block::Table(t) if model::is_field_table(t)));
    if page.heading_line(page::Section::Uri).is_some() || has_field_tables {
        return model::operation(page).map(|op| vec![op]);
    }
    walkthrough::operations(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_requests_that_would_write_the_same_files_get_apart_names() {
        let text = "# 示例\n\n## 步骤1\n\nGET /v1/\\{project\\_id\\}/instances\n\n```\n{\"a\": 1}\n```\n\n## 步骤2\n\nGET /v2/\\{project\\_id\\}/instances\n\n```\n{\"b\": 2}\n```\n\n## 步骤3\n\nGET /v3/\\{project\\_id\\}/instances\n\n```\n{\"c\": 3}\n```\n";
        let all = derive_bytes_all(
            Path::new("walk.md"),
            text.as_bytes(),
            &DeriveOptions::default(),
        )
        .expect("derives");
        let names: Vec<&str> = all.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(
            names,
            ["list-instances", "list-instances-2", "list-instances-3"]
        );
        let files: Vec<String> = all
            .iter()
            .flat_map(super::Derived::files)
            .map(|(f, _)| f)
            .collect();
        let mut distinct = files.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 9, "{files:?}");
    }

    #[test]
    fn a_name_or_an_overlay_for_a_page_of_several_requests_is_refused() {
        let text = "# 示例\n\n## 步骤1\n\nGET /v2/things\n\n```\n{}\n```\n\n## 步骤2\n\nGET /v2/others\n\n```\n{}\n```\n";
        let options = DeriveOptions {
            name: Some("things".into()),
            overlay: None,
        };
        let err =
            derive_bytes_all(Path::new("walk.md"), text.as_bytes(), &options).expect_err("refused");
        assert_eq!(
            err.to_string().lines().next(),
            Some("walk.md: the page documents 2 GET requests (list-things, list-others); --name and --overlay name the output of one")
        );
        // One operation: the name applies.
        let one = "# 示例\n\n## 步骤1\n\nGET /v2/things\n\n```\n{}\n```\n";
        let derived =
            derive_bytes(Path::new("walk.md"), one.as_bytes(), &options).expect("derives");
        assert_eq!(derived.name, "things");
    }
}
