//! Argon2id hashing on threads of its own, at a lower CPU priority.
//!
//! Hashing costs ~20 MiB and tens of milliseconds, so it never runs on the async
//! workers: at most one hash per core runs at a time, on dedicated threads with nice
//! 19 (Linux). Idle cores still hash at full speed, but when sign-ins and resets
//! compete with reads for the cores, the scheduler gives the reads nearly all of the
//! time (nice 10 still let reads' p99 grow 2.5x at a million users): a burst of
//! sign-ins slows sign-ins, not every other request.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::cell::RefCell;
use std::sync::{mpsc, Arc, Mutex};
use tokio::sync::Semaphore;

/// A password in memory; `Debug` never prints it.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

fn argon2() -> Argon2<'static> {
    // OWASP's first recommended Argon2id setting: m=19456 KiB, t=2, p=1.
    let params = Params::new(19_456, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

thread_local! {
    /// The hashing thread's Argon2 memory (19 MiB), kept from one hash to the next.
    /// Allocated afresh each time, glibc's malloc kept every block it had ever given
    /// the hashing threads (its mmap threshold grows past 19 MiB after the first
    /// free): the server grew from 50 to about 290 MiB once sign-ins ran, and stayed
    /// there; mmapping each block instead cost a third of the hashing rate.
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on this thread's Argon2 memory, `count` blocks long.
fn with_blocks<T>(count: usize, f: impl FnOnce(&mut [Block]) -> T) -> T {
    BLOCKS.with(|blocks| {
        let mut blocks = blocks.borrow_mut();
        if blocks.len() != count {
            *blocks = vec![Block::default(); count];
        }
        f(&mut blocks)
    })
}

/// The raw Argon2 output of `password` and `salt` under `a`, into `out`.
fn raw_hash(a: &Argon2<'_>, password: &[u8], salt: &[u8], out: &mut [u8]) -> argon2::Result<()> {
    with_blocks(a.params().block_count(), |memory| {
        a.hash_password_into_with_memory(password, salt, out, memory)
    })
}

fn hash_now(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    let a = argon2();
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_buf)
        .map_err(|e| anyhow::anyhow!("argon2 salt: {e}"))?;
    let output = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
        raw_hash(&a, password.as_bytes(), salt_bytes, out).map_err(Into::into)
    })
    .map_err(|e| anyhow::anyhow!("argon2 hashing failed: {e}"))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(a.params())
            .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

/// The password hash of a user synced from the on-premises directory: not a hash at
/// all, so no password ever verifies against it. OpenStaff keeps no copy of a domain
/// password; such users sign in by a bind to the directory.
pub const DIRECTORY_PASSWORD: &str = "!directory";

fn verify_now(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    if parsed.algorithm != Algorithm::Argon2id.ident() {
        // Not one OpenStaff writes; checked the ordinary way.
        return argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
    }
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let a = Argon2::new(Algorithm::Argon2id, version, params);
    let mut salt_buf = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    if raw_hash(&a, password.as_bytes(), salt_bytes, &mut out).is_err() {
        return false;
    }
    // `Output` compares in constant time.
    Output::new(&out).is_ok_and(|computed| computed == expected)
}

type Job = Box<dyn FnOnce() + Send>;

/// Starts `n` hashing threads; they end when every sender is gone.
fn hashing_threads(n: usize) -> anyhow::Result<mpsc::Sender<Job>> {
    let (tx, rx) = mpsc::channel::<Job>();
    let rx = Arc::new(Mutex::new(rx));
    for i in 0..n {
        let rx = Arc::clone(&rx);
        std::thread::Builder::new()
            .name(format!("argon2-{i}"))
            .spawn(move || {
                lower_priority();
                loop {
                    let job = match rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                }
            })?;
    }
    Ok(tx)
}

/// Nice 19 for the calling thread (on Linux the nice value is per thread).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    if let Err(e) = rustix::process::setpriority_process(None, 19) {
        tracing::warn!(error = %e, "could not lower the priority of a hashing thread");
    }
}

/// Hashes and verifies passwords, one per core at a time.
#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    jobs: mpsc::Sender<Job>,
    /// Verified against when the user does not exist, so timing reveals nothing.
    dummy_hash: Arc<String>,
}

impl Hasher {
    pub fn new() -> anyhow::Result<Self> {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        Ok(Hasher {
            permits: Arc::new(Semaphore::new(cores)),
            jobs: hashing_threads(cores)?,
            dummy_hash: Arc::new(hash_now("openstaff-dummy-password-for-timing")?),
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let _permit = self.permits.acquire().await?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = tx.send(f());
            }))
            .map_err(|_| anyhow::anyhow!("the hashing threads have stopped"))?;
        Ok(rx.await?)
    }

    pub async fn hash(&self, password: &Secret) -> anyhow::Result<String> {
        let pw = password.clone();
        self.run(move || hash_now(pw.expose())).await?
    }

    /// Checks `password` against `hash`, or against a dummy hash when `None`.
    pub async fn verify(&self, password: &Secret, hash: Option<String>) -> anyhow::Result<bool> {
        let pw = password.clone();
        let (hash, real) = match hash {
            // Same work as a real check, so the answer's timing does not tell that
            // the account's password lives in the directory.
            Some(h) if h == DIRECTORY_PASSWORD => (self.dummy_hash.as_str().to_owned(), false),
            Some(h) => (h, true),
            None => (self.dummy_hash.as_str().to_owned(), false),
        };
        let ok = self.run(move || verify_now(pw.expose(), &hash)).await?;
        Ok(ok && real)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_unknown_users_never_match() {
        let h = Hasher::new().unwrap();
        let pw = Secret::new("correct horse battery staple");
        let hash = h.hash(&pw).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(h.verify(&pw, Some(hash.clone())).await.unwrap());
        assert!(!h.verify(&Secret::new("wrong"), Some(hash)).await.unwrap());
        let dummy = Secret::new("openstaff-dummy-password-for-timing");
        assert!(!h.verify(&dummy, None).await.unwrap());
        assert_eq!(format!("{pw:?}"), "Secret([redacted])");
    }

    /// Hashes made on the reused memory are ordinary PHC strings: the argon2 crate's
    /// own verifier takes them, and hashes it made (every one stored before) verify
    /// here; a tampered one does not.
    #[test]
    fn hashes_on_reused_memory_match_the_crates_own() {
        use argon2::password_hash::PasswordHasher as _;
        let pw = "Saffron-Glacier-Tunnel-48";
        for _ in 0..2 {
            let ours = hash_now(pw).unwrap();
            let parsed = PasswordHash::new(&ours).unwrap();
            assert!(argon2().verify_password(pw.as_bytes(), &parsed).is_ok());
            assert!(argon2().verify_password(b"other", &parsed).is_err());
        }
        let salt = SaltString::generate(&mut OsRng);
        let theirs = argon2()
            .hash_password(pw.as_bytes(), &salt)
            .unwrap()
            .to_string();
        assert!(verify_now(pw, &theirs));
        assert!(!verify_now("other", &theirs));
        let mut tampered = theirs.clone();
        let last = tampered.pop().unwrap();
        tampered.push(if last == 'A' { 'B' } else { 'A' });
        assert!(!verify_now(pw, &tampered));
        // Other parameters (a cheaper hash) take memory of their own size.
        let small = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(1024, 1, 1, None).unwrap(),
        )
        .hash_password(pw.as_bytes(), &salt)
        .unwrap()
        .to_string();
        assert!(verify_now(pw, &small));
        assert!(verify_now(pw, &theirs));
    }

    #[tokio::test]
    async fn a_directory_users_placeholder_is_a_plain_mismatch() {
        let h = Hasher::new().unwrap();
        for pw in ["", "!directory", "openstaff-dummy-password-for-timing"] {
            let secret = Secret::new(pw);
            let ok = h.verify(&secret, Some(DIRECTORY_PASSWORD.to_owned())).await;
            assert!(!ok.unwrap(), "{pw:?}");
        }
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn hashing_runs_at_a_lower_cpu_priority() {
        use rustix::process::getpriority_process;
        let h = Hasher::new().unwrap();
        let theirs = h.run(|| getpriority_process(None)).await.unwrap().unwrap();
        assert_eq!(theirs, 19, "hashing thread nice");
        let mine = getpriority_process(None).unwrap();
        assert!(mine < 10, "the caller's priority is untouched ({mine})");
    }
}

/// Characters of generated passwords: no 0/O/o, 1/l/I look-alikes; 62 symbols.
pub const UNAMBIGUOUS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789#%+=?@";

/// A CSPRNG password of `len` characters from [`UNAMBIGUOUS`]
/// (18 characters ≈ 107 bits).
pub fn generate(len: usize) -> Secret {
    use rand::Rng;
    let mut rng = rand::rng();
    let s: String = (0..len)
        .map(|_| char::from(UNAMBIGUOUS[rng.random_range(0..UNAMBIGUOUS.len())]))
        .collect();
    Secret(s)
}

#[cfg(test)]
mod generate_tests {
    use super::*;

    #[test]
    fn generated_passwords_use_the_alphabet_and_differ() {
        assert!(UNAMBIGUOUS.len() >= 57);
        let a = generate(18);
        let b = generate(18);
        assert_eq!(a.expose().chars().count(), 18);
        assert!(a.expose().bytes().all(|c| UNAMBIGUOUS.contains(&c)));
        assert_ne!(a.expose(), b.expose());
        // >= 93 bits of entropy
        assert!(18.0 * (UNAMBIGUOUS.len() as f64).log2() >= 93.0);
    }
}
