//! The HTTPS senders: the Standard Webhooks format (JSON `{to, body, id}` signed with
//! HMAC-SHA256 over `{id}.{timestamp}.{body}`, for a gateway of one's own or any
//! provider fronted by a small relay), and Twilio's Messages API, so operators on
//! Twilio need no glue at all.
//!
//! Neither follows redirects (a moved gateway gets its URL updated, as the Standard
//! Webhooks spec advises), and neither reports anything of the message in its
//! errors: they name the status code or the kind of transport failure.

use super::{Attempt, Outgoing, Sender};
use crate::config::{SmsConfig, SmsFormat};
use crate::time::Micros;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use futures_util::future::BoxFuture;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::Arc;
use std::time::Duration;

/// The sender `cfg` describes (with `OPENSTAFF_SMS=webhook`), or why it cannot be.
pub fn from_config(cfg: &SmsConfig) -> anyhow::Result<Arc<dyn Sender>> {
    let client = client(Duration::from_secs(cfg.timeout_seconds))?;
    match cfg.format {
        SmsFormat::Standard => {
            let url = cfg.webhook_url.as_deref().ok_or_else(|| {
                anyhow::anyhow!("OPENSTAFF_SMS=webhook needs OPENSTAFF_SMS_WEBHOOK_URL")
            })?;
            let secret = cfg.webhook_secret.as_deref().ok_or_else(|| {
                anyhow::anyhow!(
                    "OPENSTAFF_SMS=webhook needs OPENSTAFF_SMS_WEBHOOK_SECRET (whsec_ and base64)"
                )
            })?;
            let keys = secret
                .split_whitespace()
                .map(parse_secret)
                .collect::<anyhow::Result<Vec<_>>>()?;
            if keys.is_empty() {
                return Err(bad_secret());
            }
            Ok(Arc::new(StandardWebhook {
                url: gateway_url(url)?,
                keys,
                client,
            }))
        }
        SmsFormat::Twilio => {
            let need = |v: &Option<String>, name: &str| {
                v.as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .ok_or_else(|| {
                        anyhow::anyhow!("OPENSTAFF_SMS_WEBHOOK_FORMAT=twilio needs {name}")
                    })
            };
            let account_sid = need(&cfg.twilio_account_sid, "OPENSTAFF_SMS_TWILIO_ACCOUNT_SID")?;
            let auth_token = need(&cfg.twilio_auth_token, "OPENSTAFF_SMS_TWILIO_AUTH_TOKEN")?;
            let from = need(&cfg.twilio_from, "OPENSTAFF_SMS_TWILIO_FROM")?;
            if !account_sid.bytes().all(|b| b.is_ascii_alphanumeric()) {
                anyhow::bail!("OPENSTAFF_SMS_TWILIO_ACCOUNT_SID must be letters and digits (AC…)");
            }
            let url = match cfg.webhook_url.as_deref() {
                Some(u) => gateway_url(u)?,
                None => gateway_url(&format!(
                    "https://api.twilio.com/2010-04-01/Accounts/{account_sid}/Messages.json"
                ))?,
            };
            Ok(Arc::new(Twilio {
                url,
                account_sid,
                auth_token,
                from,
                client,
            }))
        }
    }
}

fn client(timeout: Duration) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .user_agent(concat!("OpenStaff/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| anyhow::anyhow!("cannot build the SMS webhook's HTTP client: {e}"))
}

/// The gateway's URL: `https://`, or plain `http://` to this machine only (a relay
/// beside the server, a test receiver): numbers and codes never cross a network in
/// clear.
pub fn gateway_url(raw: &str) -> anyhow::Result<reqwest::Url> {
    let url = reqwest::Url::parse(raw.trim())
        .map_err(|e| anyhow::anyhow!("OPENSTAFF_SMS_WEBHOOK_URL is not a URL: {e}"))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" if url.host().is_some() => Ok(url),
        "http" if loopback => Ok(url),
        "http" => anyhow::bail!(
            "OPENSTAFF_SMS_WEBHOOK_URL must be https:// (plain http:// only to a loopback address such as 127.0.0.1)"
        ),
        _ => anyhow::bail!("OPENSTAFF_SMS_WEBHOOK_URL must be an https:// URL"),
    }
}

/// A Standard Webhooks signing secret: `whsec_` and the base64 of 24 to 64 bytes.
pub fn parse_secret(secret: &str) -> anyhow::Result<Vec<u8>> {
    let b64 = secret
        .trim()
        .strip_prefix("whsec_")
        .ok_or_else(bad_secret)?;
    let key = STANDARD.decode(b64).map_err(|_| bad_secret())?;
    if !(24..=64).contains(&key.len()) {
        return Err(bad_secret());
    }
    Ok(key)
}

/// What is wrong with a secret, without repeating it.
fn bad_secret() -> anyhow::Error {
    anyhow::anyhow!(
        "OPENSTAFF_SMS_WEBHOOK_SECRET must be whsec_ followed by the base64 of 24 to 64 random bytes (two such secrets, separated by a space, during a rotation)"
    )
}

/// `v1,` and the base64 HMAC-SHA256 of `{id}.{timestamp}.{payload}` under `key`:
/// the Standard Webhooks symmetric signature.
pub fn sign(key: &[u8], id: &str, timestamp: u64, payload: &[u8]) -> String {
    // HMAC takes keys of any length.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The `standard` format.
pub struct StandardWebhook {
    url: reqwest::Url,
    /// The current secret first; during a rotation, the old one after it (each
    /// signs, so receivers holding either verify).
    keys: Vec<Vec<u8>>,
    client: reqwest::Client,
}

impl StandardWebhook {
    /// The JSON body and the headers of one attempt at `timestamp` (Unix seconds).
    pub fn request(&self, message: &Outgoing, timestamp: u64) -> (Vec<u8>, [(String, String); 3]) {
        let payload = serde_json::json!({
            "to": message.to,
            "body": message.body,
            "id": message.id,
        })
        .to_string()
        .into_bytes();
        let signature = self
            .keys
            .iter()
            .map(|key| sign(key, &message.id, timestamp, &payload))
            .collect::<Vec<_>>()
            .join(" ");
        let headers = [
            ("webhook-id".to_owned(), message.id.clone()),
            ("webhook-timestamp".to_owned(), timestamp.to_string()),
            ("webhook-signature".to_owned(), signature),
        ];
        (payload, headers)
    }
}

impl Sender for StandardWebhook {
    fn name(&self) -> &'static str {
        "webhook"
    }

    fn delivers(&self) -> bool {
        true
    }

    fn send<'a>(&'a self, message: &'a Outgoing, now: Micros) -> BoxFuture<'a, Attempt> {
        Box::pin(async move {
            let (payload, headers) = self.request(message, now.unix_seconds());
            let mut rb = self
                .client
                .post(self.url.clone())
                .header(reqwest::header::CONTENT_TYPE, "application/json");
            for (name, value) in headers {
                rb = rb.header(name, value);
            }
            answer(rb.body(payload).send().await).await
        })
    }
}

/// The `twilio` format: `POST /2010-04-01/Accounts/{sid}/Messages.json` with the form
/// fields `To`, `From` (or `MessagingServiceSid` for an `MG…` sender) and `Body`,
/// under HTTP Basic auth with the account SID and auth token. Twilio answers 201.
pub struct Twilio {
    url: reqwest::Url,
    account_sid: String,
    auth_token: String,
    from: String,
    client: reqwest::Client,
}

impl Twilio {
    /// The form fields of `message`.
    pub fn form<'a>(&'a self, message: &'a Outgoing) -> [(&'static str, &'a str); 3] {
        let from_field = if self.from.starts_with("MG") {
            "MessagingServiceSid"
        } else {
            "From"
        };
        [
            ("To", message.to.as_str()),
            (from_field, self.from.as_str()),
            ("Body", message.body.as_str()),
        ]
    }
}

impl Sender for Twilio {
    fn name(&self) -> &'static str {
        "twilio"
    }

    fn delivers(&self) -> bool {
        true
    }

    fn send<'a>(&'a self, message: &'a Outgoing, _now: Micros) -> BoxFuture<'a, Attempt> {
        Box::pin(async move {
            let rb = self
                .client
                .post(self.url.clone())
                .basic_auth(&self.account_sid, Some(&self.auth_token))
                .form(&self.form(message));
            answer(rb.send().await).await
        })
    }
}

/// What an HTTP answer (or the lack of one) means for the message.
async fn answer(sent: Result<reqwest::Response, reqwest::Error>) -> Attempt {
    match sent {
        Ok(resp) => {
            let retry_after = resp
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let status = resp.status().as_u16();
            // Read (and drop) the body so the connection can be reused; it is never
            // logged: a gateway may echo the message.
            let _ = resp.bytes().await;
            Attempt::from_status(status, retry_after)
        }
        Err(e) => Attempt::Failed {
            status: None,
            error: if e.is_timeout() {
                "timed out".to_owned()
            } else if e.is_connect() {
                "could not connect".to_owned()
            } else {
                "request failed".to_owned()
            },
            permanent: false,
            retry_after: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_like_the_standard_webhooks_reference() {
        // The reference libraries' own test vector.
        let key = parse_secret("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
        assert_eq!(
            sign(
                &key,
                "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
                1649367553,
                br#"{"email":"test@example.com","username":"test_user"}"#
            ),
            "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
        );
    }

    #[test]
    fn a_rotation_signs_with_every_secret() {
        let (new, old) = (
            format!("whsec_{}", STANDARD.encode([1u8; 32])),
            format!("whsec_{}", STANDARD.encode([2u8; 32])),
        );
        let cfg = SmsConfig {
            mode: crate::config::SmsMode::Webhook,
            webhook_url: Some("https://sms.contoso.example/hook".to_owned()),
            webhook_secret: Some(format!("{new} {old}")),
            ..SmsConfig::default()
        };
        let hook = StandardWebhook {
            url: gateway_url(cfg.webhook_url.as_deref().unwrap()).unwrap(),
            keys: vec![parse_secret(&new).unwrap(), parse_secret(&old).unwrap()],
            client: client(Duration::from_secs(1)).unwrap(),
        };
        let message = Outgoing {
            id: "0193-id".to_owned(),
            to: "+33612345678".to_owned(),
            body: "Code 1".to_owned(),
            attempt: 1,
        };
        let (payload, headers) = hook.request(&message, 1_700_000_000);
        let signatures: Vec<&str> = headers[2].1.split(' ').collect();
        assert_eq!(
            signatures,
            vec![
                sign(&[1u8; 32], "0193-id", 1_700_000_000, &payload),
                sign(&[2u8; 32], "0193-id", 1_700_000_000, &payload),
            ]
        );
        assert!(from_config(&cfg).is_ok());
    }

    #[test]
    fn secrets_need_the_prefix_and_enough_bytes() {
        assert!(parse_secret("C2FVsBQIhrscChlQIMV+b5sSYspob7oD").is_err());
        assert!(parse_secret("whsec_not base64!").is_err());
        assert!(parse_secret(&format!("whsec_{}", STANDARD.encode([7u8; 16]))).is_err());
        assert_eq!(
            parse_secret(&format!("whsec_{}", STANDARD.encode([7u8; 32])))
                .unwrap()
                .len(),
            32
        );
    }

    #[test]
    fn plain_http_goes_to_loopback_only() {
        for ok in [
            "https://sms.contoso.example/hook",
            "http://127.0.0.1:18400/hook",
            "http://localhost:9000/",
            "http://[::1]:9000/",
        ] {
            assert!(gateway_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://sms.contoso.example/hook",
            "http://10.0.0.5/hook",
            "ftp://127.0.0.1/",
            "not a url",
        ] {
            assert!(gateway_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bad_combinations_fail_at_start() {
        use crate::config::SmsMode;
        let webhook = SmsConfig {
            mode: SmsMode::Webhook,
            ..SmsConfig::default()
        };
        let err = |cfg: &SmsConfig| match from_config(cfg) {
            Ok(_) => panic!("accepted {cfg:?}"),
            Err(e) => e.to_string(),
        };
        assert!(err(&webhook).contains("OPENSTAFF_SMS_WEBHOOK_URL"));
        let no_secret = SmsConfig {
            webhook_url: Some("https://sms.contoso.example/hook".to_owned()),
            ..webhook.clone()
        };
        assert!(err(&no_secret).contains("OPENSTAFF_SMS_WEBHOOK_SECRET"));
        let plain = SmsConfig {
            webhook_url: Some("http://sms.contoso.example/hook".to_owned()),
            webhook_secret: Some(format!("whsec_{}", STANDARD.encode([1u8; 32]))),
            ..webhook.clone()
        };
        assert!(err(&plain).contains("https://"));
        let blank = SmsConfig {
            webhook_url: Some("https://sms.contoso.example/hook".to_owned()),
            webhook_secret: Some("  ".to_owned()),
            ..webhook.clone()
        };
        assert!(err(&blank).contains("whsec_"));
        let twilio = SmsConfig {
            format: SmsFormat::Twilio,
            twilio_account_sid: Some("AC123".to_owned()),
            ..webhook.clone()
        };
        assert!(err(&twilio).contains("OPENSTAFF_SMS_TWILIO_AUTH_TOKEN"));
        let twilio = SmsConfig {
            twilio_auth_token: Some("token".to_owned()),
            twilio_from: Some("+15005550006".to_owned()),
            ..twilio
        };
        assert!(from_config(&twilio).is_ok());
    }
}
