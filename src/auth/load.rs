//! Loading credentials from the environment and from files.
//!
//! Input: where the user said the credentials are (an environment variable, a file) and
//! an [`Env`] to read variables from (the process environment, or a map in tests).
//! Output: [`Credentials`], or a [`LoadError`] that names the variable or file at fault
//! and never contains a credential value.
//!
//! Sources, chosen to match what users of the vendor's SDKs already have:
//!
//! - a token: any environment variable, or a file holding it on one line;
//! - AK/SK from the environment: `HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK` and the
//!   optional `HUAWEICLOUD_SDK_SECURITY_TOKEN` (the names the official SDKs read);
//! - AK/SK from a file, either the SDKs' INI credentials file (section `[basic]`, keys
//!   `ak`, `sk`, optional `security_token`; by default `~/.huaweicloud/credentials` or
//!   the path in `HUAWEICLOUD_SDK_CREDENTIALS_FILE`), or the `credentials.csv` the
//!   console downloads when an access key is created (header
//!   `User Name,Access Key Id,Secret Access Key`, one row).

use std::collections::{BTreeMap, HashMap};
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

use super::Credentials;
use crate::secret::Secret;

pub const ENV_ACCESS_KEY: &str = "HUAWEICLOUD_SDK_AK";
pub const ENV_SECRET_KEY: &str = "HUAWEICLOUD_SDK_SK";
pub const ENV_SECURITY_TOKEN: &str = "HUAWEICLOUD_SDK_SECURITY_TOKEN";
pub const ENV_CREDENTIALS_FILE: &str = "HUAWEICLOUD_SDK_CREDENTIALS_FILE";
/// The INI section the SDKs read for project-scoped (regional) services such as DCS.
pub const PROFILE: &str = "basic";
/// Relative to the home folder, as in the SDKs.
pub const DEFAULT_CREDENTIALS_FILE: &str = ".huaweicloud/credentials";

/// Where environment variables come from; a context value rather than a global, so tests
/// never touch the process environment.
pub trait Env {
    fn var_os(&self, name: &str) -> Option<OsString>;
}

/// The real process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var_os(&self, name: &str) -> Option<OsString> {
        std::env::var_os(name)
    }
}

impl Env for HashMap<String, String> {
    fn var_os(&self, name: &str) -> Option<OsString> {
        self.get(name).map(OsString::from)
    }
}

impl Env for BTreeMap<String, String> {
    fn var_os(&self, name: &str) -> Option<OsString> {
        self.get(name).map(OsString::from)
    }
}

/// Where a token is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// The name of an environment variable.
    Env(String),
    /// A file holding the token on one line (a trailing newline is fine).
    File(PathBuf),
}

/// Where a value came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Env(String),
    File(PathBuf),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Env(name) => write!(f, "environment variable {name}"),
            Origin::File(path) => write!(f, "file {}", path.display()),
        }
    }
}

/// Why credentials could not be loaded. No variant holds a credential value.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("environment variable {0} is not set")]
    EnvMissing(String),
    #[error("environment variable {0} is not valid UTF-8")]
    EnvNotUnicode(String),
    #[error("cannot read file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0} is empty")]
    Empty(Origin),
    #[error("{0} holds more than one line; a token is a single line")]
    MultiLine(Origin),
    #[error("{ENV_ACCESS_KEY} is set but {ENV_SECRET_KEY} is not")]
    SecretKeyMissing,
    #[error("{ENV_SECRET_KEY} is set but {ENV_ACCESS_KEY} is not")]
    AccessKeyMissing,
    #[error(
        "no access key found: set {ENV_ACCESS_KEY} and {ENV_SECRET_KEY}, \
         or write them to {ENV_CREDENTIALS_FILE} or ~/{DEFAULT_CREDENTIALS_FILE}"
    )]
    NoAccessKey,
    #[error("credentials file {}: line {line}: {problem}", path.display())]
    Syntax {
        path: PathBuf,
        line: usize,
        problem: &'static str,
    },
    #[error("credentials file {} has no [{PROFILE}] section", path.display())]
    NoProfile { path: PathBuf },
    #[error("credentials file {} has no {key}", path.display())]
    KeyMissing { path: PathBuf, key: &'static str },
    #[error("credentials file {} sets {key} to an empty value", path.display())]
    KeyEmpty { path: PathBuf, key: &'static str },
    #[error(
        "file {} is not a credentials file: expected an INI file with a [{PROFILE}] section \
         or the console's CSV with an `Access Key Id` column",
        path.display()
    )]
    UnknownFormat { path: PathBuf },
}

/// Loads a token. Surrounding whitespace, such as the newline an editor or `echo` leaves
/// at the end of a file, is removed; a token never contains whitespace itself.
pub fn token(source: &TokenSource, env: &dyn Env) -> Result<Credentials, LoadError> {
    let (origin, raw) = match source {
        TokenSource::Env(name) => (Origin::Env(name.clone()), env_var(env, name)?),
        TokenSource::File(path) => (Origin::File(path.clone()), read_file(path)?),
    };
    Ok(Credentials::Token(single_line(raw, origin)?))
}

/// Loads AK/SK from `HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK` and the optional
/// `HUAWEICLOUD_SDK_SECURITY_TOKEN`.
///
/// An empty security token counts as unset. (The Python SDK would send an empty
/// `X-Security-Token` header, which the gateway rejects.)
pub fn ak_sk_from_env(env: &dyn Env) -> Result<Credentials, LoadError> {
    let ak = optional_env(env, ENV_ACCESS_KEY)?;
    let sk = optional_env(env, ENV_SECRET_KEY)?;
    let (ak, sk) = match (ak, sk) {
        (Some(ak), Some(sk)) => (ak, sk),
        (Some(_), None) => return Err(LoadError::SecretKeyMissing),
        (None, Some(_)) => return Err(LoadError::AccessKeyMissing),
        (None, None) => return Err(LoadError::NoAccessKey),
    };
    let access_key = single_line(ak, Origin::Env(ENV_ACCESS_KEY.into()))?;
    let secret_key = single_line(sk, Origin::Env(ENV_SECRET_KEY.into()))?;
    let security_token = match optional_env(env, ENV_SECURITY_TOKEN)? {
        Some(t) if !t.trim().is_empty() => {
            Some(single_line(t, Origin::Env(ENV_SECURITY_TOKEN.into()))?)
        }
        _ => None,
    };
    Ok(Credentials::AkSk {
        access_key,
        secret_key,
        security_token,
    })
}

/// Loads AK/SK from a file: the SDKs' INI credentials file or the console's CSV, told
/// apart by content (an INI file starts with a `[section]` line).
pub fn ak_sk_from_file(path: &Path) -> Result<Credentials, LoadError> {
    let text = read_file(path)?;
    // The console's CSV may start with a UTF-8 byte order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with(';'));
    match first {
        Some(l) if l.starts_with('[') => parse_ini(text, path),
        Some(l) if l.to_ascii_lowercase().contains("access key id") => parse_csv(text, path),
        Some(_) => Err(LoadError::UnknownFormat { path: path.into() }),
        None => Err(LoadError::Empty(Origin::File(path.into()))),
    }
}

/// Finds AK/SK the way the SDKs' default chain does for these two sources: the
/// environment when `HUAWEICLOUD_SDK_AK` or `HUAWEICLOUD_SDK_SK` is set, otherwise the
/// file named by `HUAWEICLOUD_SDK_CREDENTIALS_FILE`, otherwise
/// `~/.huaweicloud/credentials` if it exists.
pub fn ak_sk_default(env: &dyn Env) -> Result<Credentials, LoadError> {
    if env.var_os(ENV_ACCESS_KEY).is_some() || env.var_os(ENV_SECRET_KEY).is_some() {
        return ak_sk_from_env(env);
    }
    if let Some(path) = optional_env(env, ENV_CREDENTIALS_FILE)? {
        return ak_sk_from_file(Path::new(path.trim()));
    }
    let home = optional_env(env, "HOME")?.or(optional_env(env, "USERPROFILE")?);
    match home {
        Some(home) => {
            let path = Path::new(&home).join(DEFAULT_CREDENTIALS_FILE);
            if path.is_file() {
                ak_sk_from_file(&path)
            } else {
                Err(LoadError::NoAccessKey)
            }
        }
        None => Err(LoadError::NoAccessKey),
    }
}

fn env_var(env: &dyn Env, name: &str) -> Result<String, LoadError> {
    optional_env(env, name)?.ok_or_else(|| LoadError::EnvMissing(name.to_owned()))
}

fn optional_env(env: &dyn Env, name: &str) -> Result<Option<String>, LoadError> {
    env.var_os(name)
        .map(|v| {
            v.into_string()
                .map_err(|_| LoadError::EnvNotUnicode(name.to_owned()))
        })
        .transpose()
}

fn read_file(path: &Path) -> Result<String, LoadError> {
    std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: path.into(),
        source,
    })
}

/// Trims `raw` and checks it is one non-empty line.
fn single_line(raw: String, origin: Origin) -> Result<Secret, LoadError> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(LoadError::Empty(origin));
    }
    // A line break or other control character inside would make an invalid header, or
    // mean the file holds something other than one token.
    if value.chars().any(char::is_control) {
        return Err(LoadError::MultiLine(origin));
    }
    Ok(Secret::new(value))
}

/// The subset of Python's `configparser` the SDKs' files use: `[section]` lines,
/// `key = value` or `key: value`, `#` and `;` comment lines, case-insensitive keys.
fn parse_ini(text: &str, path: &Path) -> Result<Credentials, LoadError> {
    let mut section: Option<&str> = None;
    let mut seen_profile = false;
    let mut values: HashMap<String, &str> = HashMap::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let name = rest.strip_suffix(']').ok_or(LoadError::Syntax {
                path: path.into(),
                line: index + 1,
                problem: "a section line must end with `]`",
            })?;
            section = Some(name.trim());
            seen_profile |= section == Some(PROFILE);
            continue;
        }
        let split = line.find(['=', ':']).ok_or(LoadError::Syntax {
            path: path.into(),
            line: index + 1,
            problem: "expected `key = value`",
        })?;
        if section == Some(PROFILE) {
            let key = line[..split].trim().to_ascii_lowercase();
            values.insert(key, line[split + 1..].trim());
        }
    }
    if !seen_profile {
        return Err(LoadError::NoProfile { path: path.into() });
    }
    let required = |key: &'static str| -> Result<Secret, LoadError> {
        match values.get(key) {
            None => Err(LoadError::KeyMissing {
                path: path.into(),
                key,
            }),
            Some(&"") => Err(LoadError::KeyEmpty {
                path: path.into(),
                key,
            }),
            Some(v) => Ok(Secret::new(*v)),
        }
    };
    Ok(Credentials::AkSk {
        access_key: required("ak")?,
        secret_key: required("sk")?,
        security_token: values
            .get("security_token")
            .filter(|v| !v.is_empty())
            .map(|v| Secret::new(*v)),
    })
}

/// The console's `credentials.csv`: a header row naming the columns, then one row.
/// Columns are found by name, so a `User Name` column or column order does not matter.
fn parse_csv(text: &str, path: &Path) -> Result<Credentials, LoadError> {
    let mut rows = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let header: Vec<String> = rows
        .next()
        .map(|h| split_csv(h).map(str::to_ascii_lowercase).collect())
        .unwrap_or_default();
    let column = |name: &'static str| {
        header
            .iter()
            .position(|c| c == name)
            .ok_or(LoadError::KeyMissing {
                path: path.into(),
                key: name,
            })
    };
    let (ak_col, sk_col) = (column("access key id")?, column("secret access key")?);
    let row: Vec<&str> = match (rows.next(), rows.next()) {
        (Some(row), None) => split_csv(row).collect(),
        (None, _) => {
            return Err(LoadError::Syntax {
                path: path.into(),
                line: 2,
                problem: "expected a row with the access key under the header",
            })
        }
        (Some(_), Some(_)) => {
            return Err(LoadError::Syntax {
                path: path.into(),
                line: 3,
                problem: "more than one access key; keep the one to use",
            })
        }
    };
    let cell = |col: usize, key: &'static str| match row.get(col) {
        Some(v) if !v.is_empty() => Ok(Secret::new(*v)),
        _ => Err(LoadError::KeyEmpty {
            path: path.into(),
            key,
        }),
    };
    Ok(Credentials::AkSk {
        access_key: cell(ak_col, "access key id")?,
        secret_key: cell(sk_col, "secret access key")?,
        security_token: None,
    })
}

/// Splits one CSV line. Quoted cells lose their quotes; access keys never contain commas
/// or quotes, so embedded ones are not supported.
fn split_csv(line: &str) -> impl Iterator<Item = &str> {
    line.split(',').map(|c| c.trim().trim_matches('"'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn env(vars: &[(&str, &str)]) -> HashMap<String, String> {
        vars.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn file(content: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(content.as_bytes()).unwrap();
        f
    }

    fn ak_sk(c: &Credentials) -> (&str, &str, Option<&str>) {
        match c {
            Credentials::AkSk {
                access_key,
                secret_key,
                security_token,
            } => (
                access_key.expose(),
                secret_key.expose(),
                security_token.as_ref().map(Secret::expose),
            ),
            other => panic!("expected AK/SK, got {other:?}"),
        }
    }

    #[test]
    fn token_from_env_and_file_is_trimmed() {
        let e = env(&[("CONFORM_TOKEN", "  tok-abc\n")]);
        let c = token(&TokenSource::Env("CONFORM_TOKEN".into()), &e).unwrap();
        assert_eq!(c, Credentials::Token(Secret::new("tok-abc")));

        let f = file("tok-from-file\r\n");
        let c = token(&TokenSource::File(f.path().into()), &e).unwrap();
        assert_eq!(c, Credentials::Token(Secret::new("tok-from-file")));
    }

    #[test]
    fn token_errors_name_the_source_and_never_the_value() {
        let e = env(&[("EMPTY", " \n"), ("TWO", "secret-one\nsecret-two")]);
        let err = |s: TokenSource| token(&s, &e).unwrap_err().to_string();
        assert_eq!(
            err(TokenSource::Env("NOPE".into())),
            "environment variable NOPE is not set"
        );
        assert_eq!(
            err(TokenSource::Env("EMPTY".into())),
            "environment variable EMPTY is empty"
        );
        let two = err(TokenSource::Env("TWO".into()));
        assert_eq!(
            two,
            "environment variable TWO holds more than one line; a token is a single line"
        );
        assert!(!two.contains("secret-one"));

        let missing = err(TokenSource::File("/nonexistent/conform-token".into()));
        assert!(
            missing.starts_with("cannot read file /nonexistent/conform-token: "),
            "{missing}"
        );
        let f = file("\n");
        assert_eq!(
            err(TokenSource::File(f.path().into())),
            format!("file {} is empty", f.path().display())
        );
    }

    #[test]
    fn ak_sk_from_the_sdk_environment_variables() {
        let e = env(&[
            ("HUAWEICLOUD_SDK_AK", "AKEXAMPLE"),
            ("HUAWEICLOUD_SDK_SK", "SKEXAMPLE\n"),
            ("HUAWEICLOUD_SDK_SECURITY_TOKEN", "STS"),
        ]);
        let c = ak_sk_from_env(&e).unwrap();
        assert_eq!(ak_sk(&c), ("AKEXAMPLE", "SKEXAMPLE", Some("STS")));

        let e = env(&[
            ("HUAWEICLOUD_SDK_AK", "AKEXAMPLE"),
            ("HUAWEICLOUD_SDK_SK", "SKEXAMPLE"),
            ("HUAWEICLOUD_SDK_SECURITY_TOKEN", ""),
        ]);
        assert_eq!(
            ak_sk(&ak_sk_from_env(&e).unwrap()),
            ("AKEXAMPLE", "SKEXAMPLE", None)
        );
    }

    #[test]
    fn ak_sk_env_errors_say_which_half_is_missing() {
        let only_ak = env(&[("HUAWEICLOUD_SDK_AK", "AKEXAMPLE")]);
        assert_eq!(
            ak_sk_from_env(&only_ak).unwrap_err().to_string(),
            "HUAWEICLOUD_SDK_AK is set but HUAWEICLOUD_SDK_SK is not"
        );
        let only_sk = env(&[("HUAWEICLOUD_SDK_SK", "SKEXAMPLE")]);
        assert!(matches!(
            ak_sk_from_env(&only_sk),
            Err(LoadError::AccessKeyMissing)
        ));
        let empty_sk = env(&[("HUAWEICLOUD_SDK_AK", "AK"), ("HUAWEICLOUD_SDK_SK", "")]);
        assert_eq!(
            ak_sk_from_env(&empty_sk).unwrap_err().to_string(),
            "environment variable HUAWEICLOUD_SDK_SK is empty"
        );
        assert!(matches!(
            ak_sk_from_env(&env(&[])),
            Err(LoadError::NoAccessKey)
        ));
    }

    #[test]
    fn ak_sk_from_the_sdk_ini_file() {
        let f = file(
            "# written by hand\n[global]\nak = OTHER\nsk = OTHER\n\n\
             [basic]\nAK = AKEXAMPLE\nsk: SKEXAMPLE\nproject_id = p1\nsecurity_token = STS\n",
        );
        let c = ak_sk_from_file(f.path()).unwrap();
        assert_eq!(ak_sk(&c), ("AKEXAMPLE", "SKEXAMPLE", Some("STS")));
    }

    #[test]
    fn ini_errors_name_the_file_and_key() {
        let f = file("[global]\nak = A\n");
        let p = f.path().display().to_string();
        assert_eq!(
            ak_sk_from_file(f.path()).unwrap_err().to_string(),
            format!("credentials file {p} has no [basic] section")
        );
        let f = file("[basic]\nak = AKEXAMPLE\n");
        let p = f.path().display().to_string();
        assert_eq!(
            ak_sk_from_file(f.path()).unwrap_err().to_string(),
            format!("credentials file {p} has no sk")
        );
        let f = file("[basic]\nak = AKEXAMPLE\nsk =\n");
        assert!(matches!(
            ak_sk_from_file(f.path()),
            Err(LoadError::KeyEmpty { key: "sk", .. })
        ));
        let f = file("[basic]\nSKEXAMPLE-on-its-own\n");
        let msg = ak_sk_from_file(f.path()).unwrap_err().to_string();
        assert!(msg.ends_with("line 2: expected `key = value`"), "{msg}");
        assert!(!msg.contains("SKEXAMPLE"));
    }

    #[test]
    fn ak_sk_from_the_console_csv() {
        let f = file(
            "\u{feff}User Name,Access Key Id,Secret Access Key\r\n\"conform-ci\",AKEXAMPLE,SKEXAMPLE\r\n",
        );
        let c = ak_sk_from_file(f.path()).unwrap();
        assert_eq!(ak_sk(&c), ("AKEXAMPLE", "SKEXAMPLE", None));

        let f = file("Access Key Id,Secret Access Key\nA1,S1\nA2,S2\n");
        let msg = ak_sk_from_file(f.path()).unwrap_err().to_string();
        assert!(
            msg.ends_with("line 3: more than one access key; keep the one to use"),
            "{msg}"
        );
    }

    #[test]
    fn unknown_and_empty_files_are_refused() {
        let f = file("AKEXAMPLE\n");
        assert!(matches!(
            ak_sk_from_file(f.path()),
            Err(LoadError::UnknownFormat { .. })
        ));
        let f = file("\n\n");
        assert!(matches!(
            ak_sk_from_file(f.path()),
            Err(LoadError::Empty(_))
        ));
    }

    #[test]
    fn default_chain_prefers_environment_then_named_file_then_home() {
        let f = file("[basic]\nak = AKFILE\nsk = SKFILE\n");
        let path = f.path().to_str().unwrap();
        let e = env(&[
            ("HUAWEICLOUD_SDK_AK", "AKENV"),
            ("HUAWEICLOUD_SDK_SK", "SKENV"),
            ("HUAWEICLOUD_SDK_CREDENTIALS_FILE", path),
        ]);
        assert_eq!(ak_sk(&ak_sk_default(&e).unwrap()).0, "AKENV");
        let e = env(&[("HUAWEICLOUD_SDK_CREDENTIALS_FILE", path)]);
        assert_eq!(ak_sk(&ak_sk_default(&e).unwrap()).0, "AKFILE");

        let home = tempfile::tempdir().unwrap();
        let e = env(&[("HOME", home.path().to_str().unwrap())]);
        assert!(matches!(ak_sk_default(&e), Err(LoadError::NoAccessKey)));
        std::fs::create_dir(home.path().join(".huaweicloud")).unwrap();
        std::fs::write(
            home.path().join(DEFAULT_CREDENTIALS_FILE),
            "[basic]\nak = AKHOME\nsk = SKHOME\n",
        )
        .unwrap();
        assert_eq!(ak_sk(&ak_sk_default(&e).unwrap()).0, "AKHOME");
    }
}
