//! A node's data directory: its key, its config, and creating both once.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use liaison_protocol::{Card, Mechanism, PublicKey, Role};
use serde::{Deserialize, Serialize};

use crate::Error;

/// The config file's name in the data directory.
pub const CONFIG_FILE: &str = "config.toml";
/// The key file's name in the data directory (mode 0600).
pub const KEY_FILE: &str = "node.key";
/// The store's directory in the data directory.
pub const STORE_DIR: &str = "store";
/// The public site's search index's directory in the data directory: made anew at every
/// start from the store, so it holds nothing the store does not.
pub const SEARCH_DIR: &str = "search";

/// What `liaison init` writes to `config.toml`; operators may edit it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The mechanism this node belongs to.
    pub mechanism: Mechanism,
    /// A human name for the node, shown on its identity card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Member or mirror.
    pub role: Role,
    /// libp2p multiaddresses to listen on.
    #[serde(default)]
    pub listen: Vec<String>,
    /// Loopback address of the local API the CLI uses while the node runs.
    pub api: String,
    /// Address of the public read-only HTTP site (pages, JSON API, feeds), if this node serves it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<String>,
    /// Serve `clear` items, read only, to mirrors outside the roster (always on for mirrors).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_mirrors: bool,
    /// Days either side of a visit within which another mechanism's visit to the same country
    /// is reported as an overlap.
    #[serde(default = "default_window")]
    pub overlap_window_days: u32,
    /// The address the public site is reached at (`https://mirror.example.org`), from which
    /// feeds form their ids and absolute links; without it they are formed as described in
    /// README ("Public mirrors").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// The node's public key, to catch a key file swapped under the config.
    pub public_key: PublicKey,
}

fn default_window() -> u32 {
    crate::coord::DEFAULT_WINDOW_DAYS
}

/// Options of `liaison init`.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The mechanism.
    pub mechanism: Mechanism,
    /// The node's name.
    pub name: Option<String>,
    /// Member or mirror.
    pub role: Role,
    /// Listen addresses; a default one when empty.
    pub listen: Vec<String>,
    /// The local API address; `127.0.0.1:7878` when absent.
    pub api: Option<String>,
    /// The public HTTP address, if the node serves the public site.
    pub http: Option<String>,
}

/// Default libp2p listen address.
pub const DEFAULT_LISTEN: &str = "/ip4/0.0.0.0/tcp/4747";
/// Default local API address.
pub const DEFAULT_API: &str = "127.0.0.1:7878";

/// A node's identity: its key and its config.
#[derive(Debug)]
pub struct Identity {
    /// The data directory.
    pub dir: PathBuf,
    /// The signing key.
    pub key: SigningKey,
    /// The config.
    pub config: Config,
}

impl Identity {
    /// The node's public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey::from(&self.key.verifying_key())
    }

    /// The node's identity card.
    pub fn card(&self) -> Card {
        Card {
            mechanism: self.config.mechanism.clone(),
            name: self.config.name.clone(),
            role: self.config.role,
            key: self.public_key(),
            addrs: self.config.listen.clone(),
        }
    }

    /// Creates the key, the config and the store directory in `dir`, from `seed`.
    ///
    /// # Errors
    /// [`Error::AlreadyInitialised`] if `dir` holds a node already; IO errors.
    pub fn init(dir: &Path, options: InitOptions, seed: [u8; 32]) -> Result<Self, Error> {
        if dir.join(CONFIG_FILE).exists() || dir.join(KEY_FILE).exists() {
            return Err(Error::AlreadyInitialised(dir.to_owned()));
        }
        for addr in &options.listen {
            check_multiaddr(addr)?;
        }
        let api = options.api.unwrap_or_else(|| DEFAULT_API.to_owned());
        check_api_addr(&api)?;
        if let Some(http) = &options.http {
            check_http_addr(http)?;
        }
        if let Some(name) = &options.name
            && (name.trim().is_empty() || name.len() > 200 || name.chars().any(char::is_control))
        {
            {
                return Err(liaison_protocol::FieldError::new(
                    "name",
                    name,
                    "1 to 200 printable characters",
                )
                .into());
            }
        }
        let key = SigningKey::from_bytes(&seed);
        let listen = if options.listen.is_empty() {
            vec![DEFAULT_LISTEN.to_owned()]
        } else {
            options.listen
        };
        let config = Config {
            mechanism: options.mechanism,
            name: options.name,
            role: options.role,
            listen,
            api,
            http: options.http,
            allow_mirrors: false,
            overlap_window_days: crate::coord::DEFAULT_WINDOW_DAYS,
            public_url: None,
            public_key: PublicKey::from(&key.verifying_key()),
        };
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        write_key(&dir.join(KEY_FILE), &key)?;
        let text = toml::to_string(&config).map_err(|e| Error::Config(e.to_string()))?;
        let path = dir.join(CONFIG_FILE);
        fs::write(
            &path,
            format!("# Liaison node configuration. See README.md, \"Configuration\".\n{text}"),
        )
        .map_err(|e| Error::io(&path, e))?;
        Ok(Self { dir: dir.to_owned(), key, config })
    }

    /// Reads the key and config of the node in `dir`.
    ///
    /// # Errors
    /// [`Error::NotInitialised`], [`Error::CorruptKey`], [`Error::Config`], IO errors.
    pub fn load(dir: &Path) -> Result<Self, Error> {
        let config_path = dir.join(CONFIG_FILE);
        if !config_path.exists() {
            return Err(Error::NotInitialised(dir.to_owned()));
        }
        let text = fs::read_to_string(&config_path).map_err(|e| Error::io(&config_path, e))?;
        let config: Config =
            toml::from_str(&text).map_err(|e| config_error(&config_path, &text, &e))?;
        if let Some(url) = &config.public_url {
            check_public_url(url)
                .map_err(|e| Error::Config(format!("{}: {e}", config_path.display())))?;
        }
        // A data directory made before directories were made private is tightened here.
        make_private_dir(dir)?;
        let key_path = dir.join(KEY_FILE);
        let key = read_key(&key_path)?;
        if PublicKey::from(&key.verifying_key()) != config.public_key {
            return Err(Error::CorruptKey {
                path: key_path,
                why: "it does not match the public key in config.toml".to_owned(),
            });
        }
        Ok(Self { dir: dir.to_owned(), key, config })
    }
}

/// Checks a `public_url`: an absolute `http` or `https` URL with no query or fragment, so
/// that paths can follow it.
///
/// # Errors
/// A [`liaison_protocol::FieldError`] naming the value and what is allowed.
pub fn check_public_url(url: &str) -> Result<(), liaison_protocol::FieldError> {
    liaison_protocol::values::check_url("public_url", url)?;
    if url.contains(['?', '#']) || url.len() > 200 {
        return Err(liaison_protocol::FieldError::new(
            "public_url",
            url,
            "the site's address, with no query or fragment, at most 200 characters",
        ));
    }
    Ok(())
}

/// Where `key rotate` keeps the key it replaced, until the operator deletes it.
pub const RETIRED_KEY_FILE: &str = "node.key.retired";

impl Identity {
    /// Gives the node in `dir` a new key from `seed`: the old key goes to
    /// [`RETIRED_KEY_FILE`], the config names the new public key. Returns the new identity
    /// and the old public key. What the old key signed stays valid wherever its certificate
    /// or card is trusted; the new key needs a certificate of its own.
    ///
    /// # Errors
    /// What [`Identity::load`] refuses; a retired key left by an earlier rotation (delete it
    /// once its revocation is out); IO errors.
    pub fn rotate(dir: &Path, seed: [u8; 32]) -> Result<(Self, PublicKey), Error> {
        let old = Self::load(dir)?;
        let retired = dir.join(RETIRED_KEY_FILE);
        if retired.exists() {
            return Err(liaison_protocol::FieldError::new(
                "key",
                retired.display(),
                "an earlier rotation's key is still there: delete it once that key is revoked \
                 as retired, then rotate again",
            )
            .into());
        }
        let key = SigningKey::from_bytes(&seed);
        let config =
            Config { public_key: PublicKey::from(&key.verifying_key()), ..old.config.clone() };
        let text = toml::to_string(&config).map_err(|e| Error::Config(e.to_string()))?;
        // The old key is kept first, then the new key and config each go in by a rename.
        write_key(&retired, &old.key)?;
        let (key_tmp, config_tmp) = (dir.join("node.key.tmp"), dir.join("config.toml.tmp"));
        write_key(&key_tmp, &key)?;
        fs::write(
            &config_tmp,
            format!("# Liaison node configuration. See README.md, \"Configuration\".\n{text}"),
        )
        .map_err(|e| Error::io(&config_tmp, e))?;
        fs::rename(&key_tmp, dir.join(KEY_FILE)).map_err(|e| Error::io(&key_tmp, e))?;
        fs::rename(&config_tmp, dir.join(CONFIG_FILE)).map_err(|e| Error::io(&config_tmp, e))?;
        Ok((Self { dir: dir.to_owned(), key, config }, old.public_key()))
    }
}

/// Reads the ed25519 seed in `path` (64 hex digits).
///
/// # Errors
/// [`Error::CorruptKey`] when it is missing or malformed; IO errors.
pub fn read_key(path: &Path) -> Result<SigningKey, Error> {
    let corrupt = |why: &str| Error::CorruptKey { path: path.to_owned(), why: why.to_owned() };
    let raw = match fs::read(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(corrupt("it is missing"));
        }
        other => other.map_err(|e| Error::io(path, e))?,
    };
    let text = std::str::from_utf8(&raw).map_err(|_| corrupt("it is not text"))?.trim();
    let seed = data_encoding::HEXLOWER_PERMISSIVE
        .decode(text.as_bytes())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| corrupt("expected 64 hex digits (an ed25519 seed)"))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Writes `key` to a new file at `path`, mode 0600, as `liaison init` does.
pub(crate) fn write_key(path: &Path, key: &SigningKey) -> Result<(), Error> {
    write_private(path, format!("{}\n", data_encoding::HEXLOWER.encode(key.as_bytes())).as_bytes())
}

/// Creates the data directory `dir` (mode 0700 where the platform has modes).
pub(crate) fn create_data_dir(dir: &Path) -> Result<(), Error> {
    make_private_dir(dir)
}

/// Creates `dir` (and its parents) if missing and makes it its owner's alone (mode 0700): the
/// store holds `red` items, which no other local user may read.
///
/// # Errors
/// IO errors, with the path.
pub fn make_private_dir(dir: &Path) -> Result<(), Error> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| Error::io(dir, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| Error::io(dir, e))?;
    }
    Ok(())
}

/// A config error naming the file, the line and the key it is on.
fn config_error(path: &Path, text: &str, e: &toml::de::Error) -> Error {
    let at = e.span().map(|span| {
        let before = &text[..span.start.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let start = before.rfind('\n').map_or(0, |i| i + 1);
        let key = text[start..].split('=').next().unwrap_or("").trim();
        (line, key.to_owned())
    });
    Error::Config(match at {
        Some((line, key)) if !key.is_empty() && !key.starts_with('[') => {
            format!("{}, line {line}, key '{key}': {}", path.display(), e.message())
        }
        Some((line, _)) => format!("{}, line {line}: {}", path.display(), e.message()),
        None => format!("{}: {}", path.display(), e.message()),
    })
}

/// Writes a new file readable by its owner only (mode 0600).
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| Error::io(path, e))?;
    file.write_all(bytes).and_then(|()| file.sync_all()).map_err(|e| Error::io(path, e))
}

/// Checks that `addr` looks like a libp2p TCP multiaddress (`/ip4/127.0.0.1/tcp/4747`).
pub fn check_multiaddr(addr: &str) -> Result<(), Error> {
    let parts: Vec<&str> = addr.split('/').collect();
    let ok = match parts.as_slice() {
        ["", "ip4", ip, "tcp", port] => {
            ip.parse::<std::net::Ipv4Addr>().is_ok() && port.parse::<u16>().is_ok()
        }
        ["", "ip6", ip, "tcp", port] => {
            ip.parse::<std::net::Ipv6Addr>().is_ok() && port.parse::<u16>().is_ok()
        }
        ["", "dns" | "dns4" | "dns6", host, "tcp", port] => {
            !host.is_empty() && port.parse::<u16>().is_ok()
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(liaison_protocol::FieldError::new(
            "listen",
            addr,
            "expected a multiaddress such as /ip4/0.0.0.0/tcp/4747",
        )
        .into())
    }
}

fn check_api_addr(addr: &str) -> Result<(), Error> {
    match addr.parse::<std::net::SocketAddr>() {
        Ok(a) if a.ip().is_loopback() => Ok(()),
        _ => Err(liaison_protocol::FieldError::new(
            "api",
            addr,
            "expected a loopback address and port such as 127.0.0.1:7878 (the local API is never public)",
        )
        .into()),
    }
}

/// Checks a public HTTP listen address (`0.0.0.0:8080`).
pub fn check_http_addr(addr: &str) -> Result<(), Error> {
    addr.parse::<std::net::SocketAddr>().map(|_| ()).map_err(|_| {
        liaison_protocol::FieldError::new(
            "http",
            addr,
            "expected an address and port such as 0.0.0.0:8080",
        )
        .into()
    })
}

/// The platform's data directory for Liaison (`~/.local/share/liaison` on Linux).
pub fn default_data_dir() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join("liaison"))
}
