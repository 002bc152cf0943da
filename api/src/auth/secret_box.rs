//! Secrets the server must read back (authenticator apps' TOTP seeds), encrypted at
//! rest with AES-256-GCM (`ring::aead`). The key is generated at first start and kept
//! in the database (`secret_keys`), like the signing keys, so every replica shares it;
//! a copy of the database alone still gives the seeds away, but a leaked row, backup
//! extract or log line of the `authentication_methods` table does not.
//!
//! A sealed value is `v1.` and base64url of the 96-bit random nonce then the
//! ciphertext and tag; the additional data binds it to its row (method and user id),
//! so a sealed seed copied onto another row does not open.

use crate::store::{Db, ResultExt, Store};
use crate::time::Micros;
use anyhow::Context;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use tokio::sync::OnceCell;

const KEY_ID: &str = "totp-v1";
const PREFIX: &str = "v1.";

/// The encryption key, loaded (or made) once.
pub struct SecretBox {
    store: Store,
    key: OnceCell<LessSafeKey>,
}

impl SecretBox {
    pub fn new(store: &Store) -> Self {
        SecretBox {
            store: store.clone(),
            key: OnceCell::new(),
        }
    }

    /// Loads the key, making it if this is the first start (racing replicas agree on
    /// the first one written).
    pub async fn key(&self, now: Micros) -> anyhow::Result<&LessSafeKey> {
        self.key
            .get_or_try_init(|| async {
                let fresh = URL_SAFE_NO_PAD.encode(crate::auth::random_bytes::<32>());
                let mut tx = self.store.begin().await?;
                sqlx::query(
                    "INSERT INTO secret_keys (id, key, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (id) DO NOTHING",
                )
                .bind(KEY_ID)
                .bind(&fresh)
                .bind(now)
                .execute(&mut *tx)
                .await
                .db()?;
                let (stored,): (String,) =
                    sqlx::query_as::<Db, (String,)>("SELECT key FROM secret_keys WHERE id = $1")
                        .bind(KEY_ID)
                        .fetch_one(&mut *tx)
                        .await
                        .db()?;
                tx.commit().await.context("storing the secret key")?;
                let bytes = URL_SAFE_NO_PAD
                    .decode(stored)
                    .context("the stored secret key is not base64url")?;
                let unbound = UnboundKey::new(&AES_256_GCM, &bytes)
                    .map_err(|_| anyhow::anyhow!("the stored secret key is not 256 bits"))?;
                Ok::<_, anyhow::Error>(LessSafeKey::new(unbound))
            })
            .await
    }

    /// Encrypts `plain` for the row `aad` names.
    pub async fn seal(&self, plain: &[u8], aad: &str, now: Micros) -> anyhow::Result<String> {
        let key = self.key(now).await?;
        let nonce_bytes = crate::auth::random_bytes::<NONCE_LEN>();
        let mut buf = plain.to_vec();
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce_bytes),
            Aad::from(aad.as_bytes()),
            &mut buf,
        )
        .map_err(|_| anyhow::anyhow!("sealing failed"))?;
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&buf);
        Ok(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(out)))
    }

    /// Decrypts what [`SecretBox::seal`] made for the same `aad`.
    pub async fn open(&self, sealed: &str, aad: &str, now: Micros) -> anyhow::Result<Vec<u8>> {
        let key = self.key(now).await?;
        let raw = sealed
            .strip_prefix(PREFIX)
            .and_then(|b| URL_SAFE_NO_PAD.decode(b).ok())
            .filter(|r| r.len() > NONCE_LEN)
            .ok_or_else(|| anyhow::anyhow!("not a sealed secret"))?;
        let (nonce, ct) = raw.split_at(NONCE_LEN);
        let nonce =
            Nonce::try_assume_unique_for_key(nonce).map_err(|_| anyhow::anyhow!("bad nonce"))?;
        let mut buf = ct.to_vec();
        let plain = key
            .open_in_place(nonce, Aad::from(aad.as_bytes()), &mut buf)
            .map_err(|_| anyhow::anyhow!("a sealed secret did not open"))?;
        Ok(plain.to_vec())
    }
}
