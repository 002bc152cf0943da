//! Tests against a real Active Directory: a throw-away Samba domain controller
//! (`scripts/samba-dc.sh`), started once per test run and kept in the target
//! directory between runs. Each test works in an OU of its own, which is also its
//! base DN, so tests never see each other's users. Tests that use the DC run one at a
//! time (one of them stops it), holding [`Dc::lock`].
//!
//! Without Samba (and not as root) the tests say so and pass, except with `CI=true`,
//! where a missing DC fails the run.

// Some helpers serve only the sync tests, some only the writeback tests.
#![allow(dead_code)]

mod sync;
mod writeback;

use openstaff::directory::{Directory, DirectoryConfig, DirectoryError};
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, OnceLock};
use tokio::sync::{Mutex, MutexGuard};
use uuid::Uuid;

pub const BASE_DN: &str = "DC=corp,DC=example";
pub const REALM: &str = "corp.example";

/// The DC of this test run.
pub struct Dc {
    dir: PathBuf,
    ip: String,
}

static DC: OnceLock<Option<Dc>> = OnceLock::new();
static LOCK: OnceLock<Mutex<()>> = OnceLock::new();

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/samba-dc.sh")
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Holds the DC for one test.
pub struct DcGuard {
    pub dc: &'static Dc,
    _lock: MutexGuard<'static, ()>,
}

impl std::ops::Deref for DcGuard {
    type Target = Dc;
    fn deref(&self) -> &Dc {
        self.dc
    }
}

impl Dc {
    /// The DC, started if need be, for this test alone; `None` (the test should
    /// return) when this machine cannot run one outside CI.
    pub async fn lock() -> Option<DcGuard> {
        let guard = LOCK.get_or_init(|| Mutex::new(())).lock().await;
        let dc = DC.get_or_init(|| {
            let ci = std::env::var("CI").is_ok_and(|v| v == "true");
            let root = rustix_is_root();
            let have = Command::new("sh")
                .args(["-c", "command -v samba && command -v samba-tool"])
                .output()
                .is_ok_and(|o| o.status.success());
            if !ci && (!root || !have) {
                eprintln!(
                    "skipped: no Samba AD DC here (install samba and run as root, or CI=true)"
                );
                return None;
            }
            let ip = std::env::var("SAMBA_DC_IP").unwrap_or_else(|_| "127.0.0.1".to_owned());
            let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("samba-dc-{ip}"));
            let dc = Dc { dir, ip };
            dc.start();
            Some(dc)
        });
        let dc = dc.as_ref()?;
        dc.start(); // a test before may have stopped it
        Some(DcGuard { dc, _lock: guard })
    }

    fn script(&self, what: &str) -> Command {
        let mut c = Command::new(script());
        c.arg(what).arg(&self.dir).env("SAMBA_DC_IP", &self.ip);
        c
    }

    pub fn start(&self) {
        run(&mut self.script("start"));
    }

    pub fn stop(&self) {
        run(&mut self.script("stop"));
    }

    pub fn url(&self) -> String {
        format!("ldaps://{}:636", self.ip)
    }

    /// The domain administrator's password (the tests' service account).
    pub fn admin_password(&self) -> String {
        std::fs::read_to_string(self.admin_password_file()).unwrap()
    }

    pub fn admin_password_file(&self) -> PathBuf {
        self.dir.join("admin-password")
    }

    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("tls/ca.pem")
    }

    /// `samba-tool ARGS` on the DC's database; answers its output.
    pub fn samba_tool(&self, args: &[&str]) -> String {
        let mut c = Command::new("samba-tool");
        c.args(args)
            .arg(format!("-H{}", self.dir.join("private/sam.ldb").display()))
            .arg(format!("-s{}", self.dir.join("etc/smb.conf").display()));
        run(&mut c)
    }

    /// A fresh OU for one test.
    pub fn ou(&self) -> TestOu {
        let name = format!("t{}", &Uuid::now_v7().simple().to_string()[20..30]);
        self.samba_tool(&["ou", "create", &format!("OU={name}")]);
        TestOu {
            dn: format!("OU={name},{BASE_DN}"),
            name,
        }
    }

    /// The directory configuration of an OU (the OU is the base DN).
    pub fn config(&self, ou: &TestOu) -> DirectoryConfig {
        DirectoryConfig {
            url: Some(self.url()),
            bind_dn: Some(format!("CN=Administrator,CN=Users,{BASE_DN}")),
            bind_password_file: Some(self.admin_password_file()),
            base_dn: Some(ou.dn.clone()),
            ca_file: Some(self.ca_file()),
            ..DirectoryConfig::default()
        }
    }

    pub fn directory(&self, ou: &TestOu) -> Arc<Directory> {
        Directory::from_config(&self.config(ou))
            .unwrap()
            .expect("configured")
    }

    /// A user in `ou`, created by `samba-tool` (which applies the domain's policy
    /// to `password`).
    pub fn create_user(&self, ou: &TestOu, given: &str, surname: &str, password: &str) -> AdUser {
        let sam = format!("{}.{}", given.to_lowercase(), &ou.name[1..7]);
        let upn = format!("{sam}@{REALM}");
        self.samba_tool(&[
            "user",
            "create",
            &sam,
            password,
            &format!("--userou=OU={}", ou.name),
            &format!("--given-name={given}"),
            &format!("--surname={surname}"),
            &format!("--mail-address={sam}@{REALM}"),
            "--job-title=Cashier",
            "--department=Store",
        ]);
        let dn = format!("CN={given} {surname},{}", ou.dn);
        let guid = self
            .attr(&dn, "objectGUID")
            .expect("every AD object has an objectGUID");
        AdUser {
            guid: Uuid::parse_str(&guid).expect("a GUID"),
            sam,
            upn,
            dn,
            display_name: format!("{given} {surname}"),
        }
    }

    /// An attribute as `ldapsearch` (over verified LDAPS, as the administrator) shows
    /// it: `objectGUID` in its text form, others as their first value.
    pub fn attr(&self, dn: &str, name: &str) -> Option<String> {
        let out = run(Command::new("ldapsearch")
            .env("LDAPTLS_CACERT", self.ca_file())
            .args(["-LLL", "-o", "ldif-wrap=no", "-x", "-H", &self.url()])
            .args(["-D", &format!("CN=Administrator,CN=Users,{BASE_DN}")])
            .arg("-y")
            .arg(self.admin_password_file())
            .args(["-s", "base", "-b", dn, name]));
        let prefix = format!("{name}:");
        let line = out.lines().find(|l| l.starts_with(&prefix))?;
        let value = line[prefix.len()..].trim();
        if let Some(b64) = value.strip_prefix(':') {
            // Binary: objectGUID in AD's byte order.
            use base64::Engine;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .ok()?;
            let arr: [u8; 16] = bytes.try_into().ok()?;
            return Some(Uuid::from_bytes_le(arr).to_string());
        }
        Some(value.to_owned())
    }

    /// How the domain answers a simple bind as `dn` with `password`.
    pub async fn bind(&self, ou: &TestOu, dn: &str, password: &str) -> Result<(), DirectoryError> {
        self.directory(ou).bind_as(dn, password).await
    }
}

fn rustix_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// An OU made for one test.
pub struct TestOu {
    pub name: String,
    pub dn: String,
}

/// A user made in AD by a test.
#[derive(Debug, Clone)]
pub struct AdUser {
    pub guid: Uuid,
    pub sam: String,
    pub upn: String,
    pub dn: String,
    pub display_name: String,
}
