//! Creating a passkey in this browser: the server's WebAuthn options go to
//! `navigator.credentials.create()`, and the new credential comes back as the JSON
//! the server reads (binary members in base64url, as `PublicKeyCredential.toJSON()`
//! would give where the browser has it).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use js_sys::{ArrayBuffer, Function, Object, Promise, Reflect, Uint8Array, JSON};
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Why the browser made no passkey, in the words the page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateError {
    /// Cancelled, timed out, or the device said no (WebAuthn `NotAllowedError`).
    NotAllowed,
    /// The device already holds a passkey for this account (`InvalidStateError`).
    AlreadyRegistered,
    /// Anything else: no authenticator, an unsupported browser, options it refused.
    Unsupported,
}

impl CreateError {
    pub fn message(self) -> &'static str {
        match self {
            Self::NotAllowed => {
                "No passkey was created: it was cancelled or took too long. Try again when you're ready."
            }
            Self::AlreadyRegistered => {
                "This device already has a passkey for your account. It's in the list above."
            }
            Self::Unsupported => {
                "This browser or device can't create a passkey. Try another device, or add an authenticator app."
            }
        }
    }
}

/// Whether this browser has WebAuthn at all.
pub fn supported() -> bool {
    web_sys::window().is_some_and(|w| {
        Reflect::get(&w, &JsValue::from_str("PublicKeyCredential")).is_ok_and(|v| !v.is_undefined())
    })
}

fn get(target: &JsValue, key: &str) -> Result<JsValue, CreateError> {
    Reflect::get(target, &JsValue::from_str(key)).map_err(|_| CreateError::Unsupported)
}

fn set(target: &JsValue, key: &str, value: &JsValue) -> Result<(), CreateError> {
    Reflect::set(target, &JsValue::from_str(key), value)
        .map(|_| ())
        .map_err(|_| CreateError::Unsupported)
}

/// A base64url member of the options, as the bytes WebAuthn wants.
fn bytes_of(target: &JsValue, key: &str) -> Result<(), CreateError> {
    let text = get(target, key)?
        .as_string()
        .ok_or(CreateError::Unsupported)?;
    let bytes = URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|_| CreateError::Unsupported)?;
    set(target, key, &Uint8Array::from(bytes.as_slice()).into())
}

/// An `ArrayBuffer` member of the credential, in base64url.
fn base64_of(target: &JsValue, key: &str) -> Result<String, CreateError> {
    let buffer: ArrayBuffer = get(target, key)?
        .dyn_into()
        .map_err(|_| CreateError::Unsupported)?;
    Ok(URL_SAFE_NO_PAD.encode(Uint8Array::new(&buffer).to_vec()))
}

fn call(target: &JsValue, method: &str) -> Result<JsValue, CreateError> {
    let f: Function = get(target, method)?
        .dyn_into()
        .map_err(|_| CreateError::Unsupported)?;
    f.call0(target).map_err(|_| CreateError::Unsupported)
}

/// Asks the browser for a new passkey with the server's `options`
/// (`{"publicKey": {...}}`), and answers the credential to send back.
pub async fn create(options: &Value) -> Result<Value, CreateError> {
    let window = web_sys::window().ok_or(CreateError::Unsupported)?;
    let options = JSON::parse(&options.to_string()).map_err(|_| CreateError::Unsupported)?;
    let public_key = get(&options, "publicKey")?;
    bytes_of(&public_key, "challenge")?;
    bytes_of(&get(&public_key, "user")?, "id")?;
    let excluded = get(&public_key, "excludeCredentials")?;
    if let Some(list) = excluded.dyn_ref::<js_sys::Array>() {
        for credential in list.iter() {
            bytes_of(&credential, "id")?;
        }
    }

    let credentials = get(&window.navigator().into(), "credentials")?;
    let create: Function = get(&credentials, "create")?
        .dyn_into()
        .map_err(|_| CreateError::Unsupported)?;
    let promise: Promise = create
        .call1(&credentials, &options)
        .map_err(|_| CreateError::Unsupported)?
        .dyn_into()
        .map_err(|_| CreateError::Unsupported)?;
    let credential = JsFuture::from(promise).await.map_err(|e| {
        match get(&e, "name").ok().and_then(|n| n.as_string()).as_deref() {
            Some("NotAllowedError" | "AbortError") => CreateError::NotAllowed,
            Some("InvalidStateError") => CreateError::AlreadyRegistered,
            _ => CreateError::Unsupported,
        }
    })?;
    if credential.is_null() || credential.is_undefined() {
        return Err(CreateError::NotAllowed);
    }

    let response = get(&credential, "response")?;
    let extensions = call(&credential, "getClientExtensionResults")
        .ok()
        .filter(|e| e.is_object())
        .unwrap_or_else(|| Object::new().into());
    let extensions: Value = JSON::stringify(&extensions)
        .ok()
        .and_then(|s| s.as_string())
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_else(|| Value::Object(Default::default()));
    let mut out = serde_json::json!({
        "id": get(&credential, "id")?.as_string().ok_or(CreateError::Unsupported)?,
        "rawId": base64_of(&credential, "rawId")?,
        "type": get(&credential, "type")?.as_string().unwrap_or_else(|| "public-key".to_owned()),
        "response": {
            "clientDataJSON": base64_of(&response, "clientDataJSON")?,
            "attestationObject": base64_of(&response, "attestationObject")?,
        },
        "extensions": extensions,
    });
    // Where the browser tells how the device is reached (`internal`, `hybrid`, `usb`).
    if let Ok(transports) = call(&response, "getTransports") {
        if let Some(list) = transports.dyn_ref::<js_sys::Array>() {
            let list: Vec<Value> = list
                .iter()
                .filter_map(|t| t.as_string().map(Value::String))
                .collect();
            out["response"]["transports"] = Value::Array(list);
        }
    }
    Ok(out)
}
