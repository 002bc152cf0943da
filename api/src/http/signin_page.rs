//! The hosted sign-in page and the provider's other pages: server-rendered HTML,
//! every value escaped, one small inline stylesheet and at most one small inline
//! script, each allowed by its hash in a strict Content-Security-Policy. The form
//! may post only to this server and be redirected only to the application's own
//! origin. Passwords and codes work without the scripts: the forced change's keeps
//! the password checklist up to date as the person types (the server checks every
//! rule when the form is sent); the sign-in page's shows the passkey button (hidden
//! without it) and hands the page's challenge to `navigator.credentials.get()`.

use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::fmt::Write;
use std::sync::OnceLock;

const STYLE: &str = "\
*{box-sizing:border-box}\
body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1b1b1b;background:#f3f4f6}\
main{max-width:26rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.15)}\
@media (max-width:30rem){main{margin:0;min-height:100vh;border-radius:0;box-shadow:none}}\
.brand{margin:0 0 1rem;font-weight:700;color:#0b4f94}\
h1{font-size:1.5rem;margin:0 0 .25rem}\
p{margin:.25rem 0 1rem}\
label{display:block;font-weight:600;margin:1rem 0 .25rem}\
input{width:100%;font:inherit;padding:.6rem .7rem;border:1px solid #6b7280;border-radius:6px}\
input:focus,button:focus,a:focus{outline:3px solid #1d70b8;outline-offset:2px}\
button{margin-top:1.5rem;width:100%;font:inherit;font-weight:600;padding:.7rem;border:0;border-radius:6px;background:#0b5cad;color:#fff;cursor:pointer}\
.alert{border:2px solid #b00020;border-radius:6px;padding:.75rem 1rem;margin:1rem 0;color:#1b1b1b}\
.alert h2{font-size:1rem;margin:0 0 .25rem;color:#8a0019}\
.alert ul{margin:0;padding-left:1.25rem}\
.hint{color:#4b5563;font-size:.9rem;margin:.25rem 0 0}\
.checklist{list-style:none;margin:.5rem 0 0;padding:0;font-size:.95rem}\
.checklist li{display:flex;gap:.5rem}\
.checklist li[data-met=false]{color:#8a0019}\
.checklist li[data-met=true]{color:#1d5b2c}\
.mark{font-weight:700;width:1rem;flex:none}\
.muted{color:#4b5563}\
.qr{margin:1rem auto;width:220px;max-width:100%}.qr svg{display:block;width:100%;height:auto}\
.secret{font:600 1.1rem/1.6 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;letter-spacing:.05em;word-spacing:.4em;overflow-wrap:anywhere;background:#f3f4f6;padding:.5rem .75rem;border-radius:6px}\
.or{text-align:center;margin:1.25rem 0 0}\
video.camera{display:block;width:100%;margin-top:1rem;border-radius:6px;background:#000}\
button.secondary{background:#fff;color:#0b5cad;border:2px solid #0b5cad}\
.visually-hidden{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}\
.notice{border:2px solid #1d5b2c;border-radius:6px;padding:.75rem 1rem;margin:1rem 0}\
button.link{width:auto;margin:.75rem 0 0;padding:.25rem 0;background:none;color:#0b5cad;text-decoration:underline;font-weight:400}\
.links form{display:inline}\
a{color:#0b5cad}";

/// The forced change's live checklist: on each keystroke the rules the browser can
/// check (the same as the SPA's, from `shared::policy`, with the page's `data-min`
/// and `data-names`) are marked met or not; the polite status line says how many are
/// met once typing pauses for a second, and only when that changed.
const SCRIPT: &str = "(function(){\
var l=document.getElementById('rules'),n=document.getElementById('new_password'),\
c=document.getElementById('confirm_password'),s=document.getElementById('rules-status');\
if(!l||!n||!c||!s)return;\
var min=+l.getAttribute('data-min'),cls=+(l.getAttribute('data-classes')||0),names=JSON.parse(l.getAttribute('data-names')||'[]'),t,said='';\
function check(){var p=n.value,lp=p.toLowerCase(),met={\
too_short:Array.from(p).length>=min,\
too_few_character_classes:[/\\p{Ll}/u,/\\p{Lu}/u,/[0-9]/,/[^\\p{L}\\p{N}]/u].filter(function(r){return r.test(p)}).length>=cls,\
contains_name:p.length>0&&!names.some(function(x){return lp.indexOf(x)>=0}),\
match:p.length>0&&p===c.value},k=0,all=0;\
l.querySelectorAll('li[data-rule]').forEach(function(li){var m=!!met[li.getAttribute('data-rule')];\
all++;if(m)k++;li.setAttribute('data-met',m);\
li.querySelector('.mark').textContent=m?'\\u2713':'\\u2717';\
li.querySelector('.state').textContent=m?'Met: ':'Not met: ';});\
clearTimeout(t);t=setTimeout(function(){var m=k+' of '+all+' password rules met';\
if(m!==said){said=m;s.textContent=m;}},1000);}\
n.addEventListener('input',check);c.addEventListener('input',check);})();";

/// The passkey button: shown only where WebAuthn exists; on a click, the page's
/// options (base64url members decoded) go to `navigator.credentials.get()`, and the
/// assertion (base64url members encoded) is posted with the page's ceremony. A
/// cancelled prompt says so in the polite status line.
const PASSKEY_SCRIPT: &str = "(function(){\
var a=document.getElementById('passkey-area'),b=document.getElementById('passkey'),s=document.getElementById('passkey-status');\
if(!a||!b||!s||!window.PublicKeyCredential||!navigator.credentials)return;\
var f=b.form,c=f.elements.credential;\
function dec(t){var r=atob(t.replace(/-/g,'+').replace(/_/g,'/')),u=new Uint8Array(r.length);for(var i=0;i<r.length;i++)u[i]=r.charCodeAt(i);return u.buffer}\
function enc(v){var u=new Uint8Array(v),t='';for(var i=0;i<u.length;i++)t+=String.fromCharCode(u[i]);return btoa(t).replace(/\\+/g,'-').replace(/\\//g,'_').replace(/=+$/,'')}\
var o=JSON.parse(b.getAttribute('data-options')).publicKey;\
o.challenge=dec(o.challenge);(o.allowCredentials||[]).forEach(function(x){x.id=dec(x.id)});\
a.hidden=false;\
b.addEventListener('click',function(){s.textContent='';b.disabled=true;\
navigator.credentials.get({publicKey:o}).then(function(k){var r=k.response;\
c.value=JSON.stringify({id:k.id,rawId:enc(k.rawId),type:k.type,response:{authenticatorData:enc(r.authenticatorData),\
clientDataJSON:enc(r.clientDataJSON),signature:enc(r.signature),userHandle:r.userHandle?enc(r.userHandle):null},\
extensions:k.getClientExtensionResults()});f.submit();},\
function(){b.disabled=false;s.textContent='No passkey was used. Try again, or sign in with your password.';});});})();";

/// The badge page's camera: shown only where the browser reads QR codes
/// (`BarcodeDetector`) and has a camera; on a click, the back camera's picture is
/// searched for a QR code a few times a second, and the first one read fills the
/// badge field and sends the form, as a USB scanner would. Without it (or when the
/// camera is refused) the field works as before.
const CAMERA_SCRIPT: &str = "(function(){\
var a=document.getElementById('camera-area'),b=document.getElementById('camera'),v=document.getElementById('camera-view'),\
s=document.getElementById('camera-status'),f=document.getElementById('credential');\
if(!a||!b||!v||!s||!f||!('BarcodeDetector' in window)||!navigator.mediaDevices||!navigator.mediaDevices.getUserMedia)return;\
a.hidden=false;\
b.addEventListener('click',function(){b.disabled=true;s.textContent='Starting the camera\\u2026';\
var d;try{d=new BarcodeDetector({formats:['qr_code']});}catch(e){b.disabled=false;s.textContent='This browser can\\u2019t read QR codes. Use the scanner.';return;}\
navigator.mediaDevices.getUserMedia({video:{facingMode:'environment'},audio:false}).then(function(m){\
v.srcObject=m;v.hidden=false;v.play();s.textContent='Hold your badge up to the camera.';\
function stop(){m.getTracks().forEach(function(t){t.stop()});v.hidden=true;}\
function look(){d.detect(v).then(function(c){if(c.length&&c[0].rawValue){stop();f.value=c[0].rawValue;s.textContent='Badge read.';f.form.submit();}\
else setTimeout(look,250);},function(){setTimeout(look,500);});}look();},\
function(){b.disabled=false;s.textContent='The camera can\\u2019t be used here. Use the scanner instead.';});});})();";

/// Which of the page scripts a page carries.
#[derive(Clone, Copy)]
enum Script {
    Checklist,
    Passkey,
    Camera,
}

impl Script {
    fn text(self) -> &'static str {
        match self {
            Script::Checklist => SCRIPT,
            Script::Passkey => PASSKEY_SCRIPT,
            Script::Camera => CAMERA_SCRIPT,
        }
    }

    fn hash(self) -> &'static str {
        static CHECKLIST: OnceLock<String> = OnceLock::new();
        static PASSKEY: OnceLock<String> = OnceLock::new();
        static CAMERA: OnceLock<String> = OnceLock::new();
        match self {
            Script::Checklist => CHECKLIST.get_or_init(|| csp_hash(SCRIPT)),
            Script::Passkey => PASSKEY.get_or_init(|| csp_hash(PASSKEY_SCRIPT)),
            Script::Camera => CAMERA.get_or_init(|| csp_hash(CAMERA_SCRIPT)),
        }
    }
}

fn csp_hash(text: &str) -> String {
    format!("'sha256-{}'", STANDARD.encode(Sha256::digest(text)))
}

fn style_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| csp_hash(STYLE))
}

/// Escapes text for HTML element content and double-quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A whole page; `form_origin` is the one other origin the form may end up at;
/// `script` adds one of the page scripts.
fn document(
    title: &str,
    body: &str,
    form_origin: Option<&str>,
    status: StatusCode,
    script: Option<Script>,
) -> HttpResponse {
    let mut html = String::with_capacity(4096);
    let _ = write!(
        html,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <title>{} – OpenStaff</title><style>{STYLE}</style></head>\
         <body><main><p class=\"brand\">OpenStaff</p>{body}</main>{}</body></html>",
        esc(title),
        match script {
            Some(s) => format!("<script>{}</script>", s.text()),
            None => String::new(),
        }
    );
    // An origin is scheme://host[:port], already validated; keep only safe bytes.
    let origin = form_origin
        .filter(|o| {
            o.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b":/.-[]".contains(&b))
        })
        .map(|o| format!(" {o}"))
        .unwrap_or_default();
    let scripts = match script {
        Some(s) => format!("; script-src {}", s.hash()),
        None => String::new(),
    };
    let csp = format!(
        "default-src 'none'; style-src {}{scripts}; form-action 'self'{origin}; frame-ancestors 'none'; base-uri 'none'",
        style_hash()
    );
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CONTENT_SECURITY_POLICY, csp))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(html)
}

fn error_summary(errors: &[String]) -> String {
    if errors.is_empty() {
        return String::new();
    }
    let mut s = String::from(
        "<div class=\"alert\" role=\"alert\" id=\"errors\"><h2>There is a problem</h2><ul>",
    );
    for e in errors {
        let _ = write!(s, "<li>{}</li>", esc(e));
    }
    s.push_str("</ul></div>");
    s
}

fn notice(text: Option<&str>) -> String {
    text.map(|t| {
        format!(
            "<div class=\"notice\" role=\"status\"><p>{}</p></div>",
            esc(t)
        )
    })
    .unwrap_or_default()
}

fn hidden(request: &str, csrf: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"request\" value=\"{}\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(request),
        esc(csrf)
    )
}

fn described(errors: &[String]) -> &'static str {
    if errors.is_empty() {
        ""
    } else {
        " aria-describedby=\"errors\" aria-invalid=\"true\""
    }
}

pub struct SignInPage<'a> {
    /// The sealed authorization request the form carries.
    pub request: &'a str,
    pub csrf: &'a str,
    pub app_name: &'a str,
    pub login_hint: Option<&'a str>,
    pub errors: &'a [String],
    /// Good news above the form (`role=status`).
    pub notice: Option<&'a str>,
    pub redirect_origin: &'a str,
    /// The passkey button's ceremony and options (`None`: no button).
    pub passkey: Option<&'a crate::service::passkeys::PasskeyPrompt>,
    /// The second step asks for a code from an authenticator app.
    pub totp: bool,
    /// The sign-in page offers SMS sign-in.
    pub sms_sign_in: bool,
    /// The second step offers (or, once sent, asks for) a code by text message.
    pub sms: Option<&'a crate::service::oidc::SmsFactor>,
}

/// The passkey form: hidden until the script finds WebAuthn in the browser.
fn passkey_section(p: &SignInPage<'_>, label: &str, or: bool) -> String {
    let Some(k) = p.passkey else {
        return String::new();
    };
    format!(
        "<div id=\"passkey-area\" hidden>{or}\
         <form method=\"post\" action=\"/oauth2/passkey\">{hidden}\
         <input type=\"hidden\" name=\"passkey\" value=\"{ceremony}\">\
         <input type=\"hidden\" name=\"credential\" value=\"\">\
         <button type=\"button\" id=\"passkey\" class=\"{class}\" data-options=\"{options}\">{label}</button></form>\
         <p class=\"hint\" id=\"passkey-status\" role=\"status\"></p></div>",
        or = if or { "<p class=\"or\">or</p>" } else { "" },
        class = if or { "secondary" } else { "" },
        hidden = hidden(p.request, p.csrf),
        ceremony = esc(&k.ceremony),
        options = esc(&k.options),
        label = esc(label),
    )
}

fn passkey_script(p: &SignInPage<'_>) -> Option<Script> {
    p.passkey.map(|_| Script::Passkey)
}

pub fn sign_in(p: &SignInPage<'_>) -> HttpResponse {
    let hint = p.login_hint.unwrap_or("");
    let (user_focus, pass_focus) = if hint.is_empty() {
        (" autofocus", "")
    } else {
        ("", " autofocus")
    };
    let body = format!(
        "<h1>Sign in</h1><p>to continue to <strong>{app}</strong></p>{notice}{errors}\
         <form method=\"post\" action=\"/oauth2/sign-in\">{hidden}\
         <label for=\"username\">Sign-in name</label>\
         <input id=\"username\" name=\"username\" type=\"text\" autocomplete=\"username\" \
         autocapitalize=\"none\" spellcheck=\"false\" required value=\"{hint}\"{user_focus}{d}>\
         <label for=\"password\">Password</label>\
         <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required{pass_focus}{d}>\
         <button type=\"submit\">Sign in</button></form>\
         <form method=\"post\" action=\"/oauth2/reset\">{hidden}\
         <button type=\"submit\" class=\"link\">Forgot your password?</button></form>{passkey}{sms}\
         <p class=\"or\">or</p><form method=\"post\" action=\"/oauth2/badge\">{hidden}\
         <button type=\"submit\" class=\"secondary\">Sign in with badge</button></form>\
         <p class=\"hint\">Got a Temporary Access Pass from your manager? Type it as your password.</p>",
        app = esc(p.app_name),
        notice = notice(p.notice),
        errors = error_summary(p.errors),
        hidden = hidden(p.request, p.csrf),
        hint = esc(hint),
        d = described(p.errors),
        passkey = passkey_section(p, "Sign in with a passkey", true),
        sms = if p.sms_sign_in {
            format!(
                "<p class=\"or\">or</p>{}",
                step_button(p, "/oauth2/sms", "secondary", "Sign in with a text message code")
            )
        } else {
            String::new()
        },
    );
    document(
        "Sign in",
        &body,
        Some(p.redirect_origin),
        StatusCode::OK,
        passkey_script(p),
    )
}

/// The code field of the second step and of the enrolment.
fn code_field(errors: &[String]) -> String {
    format!(
        "<label for=\"code\">Code</label>\
         <input id=\"code\" name=\"code\" type=\"text\" inputmode=\"numeric\" \
         autocomplete=\"one-time-code\" pattern=\"[0-9 ]*\" maxlength=\"8\" required autofocus \
         aria-describedby=\"code-hint{e}\"{inv}>\
         <p class=\"hint\" id=\"code-hint\">6 digits. A new code shows every 30 seconds.</p>",
        e = if errors.is_empty() { "" } else { " errors" },
        inv = if errors.is_empty() {
            ""
        } else {
            " aria-invalid=\"true\""
        },
    )
}

/// The second step: the code from the person's authenticator app, or their
/// passkey, or either.
pub fn code(p: &SignInPage<'_>) -> HttpResponse {
    if let Some(sms) = p.sms.filter(|s| s.sent) {
        return sms_second_factor(p, &sms.to);
    }
    let (title, heading) = if p.totp {
        (
            "Enter your code",
            "Enter the code from your authenticator app",
        )
    } else if p.passkey.is_some() {
        ("Use your passkey", "Use your passkey")
    } else {
        ("Verify it's you", "Verify it's you")
    };
    let sms_offer = match p.sms {
        Some(sms) => format!(
            "{or}<form method=\"post\" action=\"/oauth2/sms/second-factor\">{hidden}\
             <button type=\"submit\"{class}>Text a code to {to}</button></form>",
            or = if p.totp || p.passkey.is_some() {
                "<p class=\"or\">or</p>"
            } else {
                "<p>We'll send an 8-digit code by text message to the mobile number your manager registered for you.</p>"
            },
            class = if p.totp || p.passkey.is_some() {
                " class=\"secondary\""
            } else {
                ""
            },
            hidden = hidden(p.request, p.csrf),
            to = esc(&sms.to),
        ),
        None => String::new(),
    };
    let code_form = if p.totp {
        format!(
            "<form method=\"post\" action=\"/oauth2/verify-code\">{hidden}{field}\
             <button type=\"submit\">Verify</button></form>",
            hidden = hidden(p.request, p.csrf),
            field = code_field(p.errors),
        )
    } else {
        String::new()
    };
    let body = format!(
        "<h1>{heading}</h1>\
         <p>to continue to <strong>{app}</strong></p>{errors}{code_form}{passkey}{sms_offer}\
         <p class=\"hint\">Lost your phone? Ask your manager to help you sign in.</p>",
        app = esc(p.app_name),
        errors = error_summary(p.errors),
        passkey = passkey_section(p, "Use a passkey", p.totp),
    );
    document(
        title,
        &body,
        Some(p.redirect_origin),
        StatusCode::OK,
        passkey_script(p),
    )
}

/// "Sign in with badge": the field a USB scanner types the badge's QR code into
/// (its Enter sends the form), the camera button where the browser can read QR
/// codes, and the way back to the password.
pub fn badge(p: &SignInPage<'_>) -> HttpResponse {
    let body = format!(
        "<h1>Sign in with your badge</h1><p>to continue to <strong>{app}</strong></p>{errors}\
         <form method=\"post\" action=\"/oauth2/badge\">{hidden}\
         <label for=\"credential\">Badge</label>\
         <input id=\"credential\" name=\"credential\" type=\"password\" autocomplete=\"off\" \
         autocapitalize=\"none\" spellcheck=\"false\" required autofocus \
         aria-describedby=\"credential-hint{e}\"{inv}>\
         <p class=\"hint\" id=\"credential-hint\">Hold the QR code on your badge under the scanner: \
         it fills this in and goes on by itself.</p>\
         <button type=\"submit\">Continue</button>\
         <div id=\"camera-area\" hidden><p class=\"or\">or</p>\
         <button type=\"button\" id=\"camera\" class=\"secondary\">Scan with camera</button>\
         <video id=\"camera-view\" class=\"camera\" hidden playsinline muted aria-label=\"Camera picture\"></video>\
         <p class=\"hint\" id=\"camera-status\" role=\"status\"></p></div></form>\
         <form method=\"post\" action=\"/oauth2/badge\">{hidden}\
         <input type=\"hidden\" name=\"back\" value=\"1\">\
         <button type=\"submit\" class=\"secondary\">Use your password instead</button></form>\
         <p class=\"hint\">Lost your badge, or it doesn't work? Ask your manager.</p>",
        app = esc(p.app_name),
        errors = error_summary(p.errors),
        hidden = hidden(p.request, p.csrf),
        e = if p.errors.is_empty() { "" } else { " errors" },
        inv = if p.errors.is_empty() { "" } else { " aria-invalid=\"true\"" },
    );
    document(
        "Sign in with your badge",
        &body,
        Some(p.redirect_origin),
        StatusCode::OK,
        Some(Script::Camera),
    )
}

/// A PIN field of the badge's PIN step.
fn pin_field(id: &str, label: &str, errors: &[String], focus: bool) -> String {
    format!(
        "<label for=\"{id}\">{label}</label>\
         <input id=\"{id}\" name=\"{id}\" type=\"password\" inputmode=\"numeric\" \
         autocomplete=\"off\" pattern=\"[0-9]*\" minlength=\"6\" maxlength=\"8\" required{focus} \
         aria-describedby=\"pin-hint{e}\"{inv}>",
        focus = if focus { " autofocus" } else { "" },
        e = if errors.is_empty() { "" } else { " errors" },
        inv = if errors.is_empty() {
            ""
        } else {
            " aria-invalid=\"true\""
        },
    )
}

/// The badge's PIN: chosen twice at its first use (with its rules), else entered.
pub fn badge_pin(p: &SignInPage<'_>, first_use: bool) -> HttpResponse {
    let (title, body) = if first_use {
        (
            "Choose a PIN for your badge",
            format!(
                "<h1>Choose a PIN for your badge</h1>\
                 <p>You'll enter it with your badge each time you sign in. Then you continue to <strong>{app}</strong>.</p>{errors}\
                 <form method=\"post\" action=\"/oauth2/badge-pin\">{hidden}{pin}\
                 <p class=\"hint\" id=\"pin-hint\">6 to 8 digits. Not digits in a row (123456, 654321), \
                 not one digit repeated (111111), not a short pattern repeated (121212).</p>{confirm}\
                 <button type=\"submit\">Set PIN and continue</button></form>",
                app = esc(p.app_name),
                errors = error_summary(p.errors),
                hidden = hidden(p.request, p.csrf),
                pin = pin_field("pin", "New PIN", p.errors, true),
                confirm = pin_field("confirm_pin", "Confirm PIN", p.errors, false),
            ),
        )
    } else {
        (
            "Enter your PIN",
            format!(
                "<h1>Enter your badge PIN</h1><p>to continue to <strong>{app}</strong></p>{errors}\
                 <form method=\"post\" action=\"/oauth2/badge-pin\">{hidden}{pin}\
                 <p class=\"hint\" id=\"pin-hint\">The PIN you chose for this badge. \
                 5 wrong PINs lock the badge until your manager unlocks it.</p>\
                 <button type=\"submit\">Sign in</button></form>",
                app = esc(p.app_name),
                errors = error_summary(p.errors),
                hidden = hidden(p.request, p.csrf),
                pin = pin_field("pin", "PIN", p.errors, true),
            ),
        )
    };
    document(title, &body, Some(p.redirect_origin), StatusCode::OK, None)
}

/// The base32 secret in groups of four, for typing.
pub fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The policy's enrolment (`service::signin::mfa_required`): the QR code (the
/// server's own SVG, inline: no script, no external image), the secret for typing,
/// and the first code.
pub fn enrol_totp(p: &SignInPage<'_>, e: &shared::dto::TotpEnrolment) -> HttpResponse {
    let svg = crate::service::mfa::inline_svg(&e.qr_svg);
    let body = format!(
        "<h1>Set up an authenticator app</h1>\
         <p>Your organisation asks for a second factor at sign-in. Before you continue to <strong>{app}</strong>, \
         add OpenStaff to an authenticator app on your phone.</p>{errors}\
         <ol><li>Open your authenticator app and add an account.</li>\
         <li>Scan this QR code:</li></ol>\
         <div class=\"qr\" role=\"img\" aria-label=\"QR code for your authenticator app\">{svg}</div>\
         <p>Or type this key:</p><p class=\"secret\" id=\"secret\">{secret}</p>\
         <form method=\"post\" action=\"/oauth2/enrol-totp\">{hidden}{field}\
         <button type=\"submit\">Verify and continue</button></form>",
        app = esc(p.app_name),
        errors = error_summary(p.errors),
        hidden = hidden(p.request, p.csrf),
        field = code_field(p.errors),
        secret = esc(&grouped(&e.secret)),
    );
    document(
        "Set up an authenticator app",
        &body,
        Some(p.redirect_origin),
        StatusCode::OK,
        None,
    )
}

/// Whose password the forced change is for, and the policy it must meet.
pub struct PasswordRules<'a> {
    pub policy: Policy<'a>,
    pub user_principal_name: &'a str,
    pub display_name: &'a str,
}

/// Whose rules a new password follows.
pub enum Policy<'a> {
    /// OpenStaff's own, for passwords people choose.
    Cloud(&'a shared::policy::CloudPolicy),
    /// The on-premises domain's (the domain checks them; history only it can).
    Domain(Option<&'a shared::policy::DomainPasswordPolicy>),
}

/// The checklist of the SPA's change page (`web/src/pages/change_password.rs`), as
/// the server renders it: the rules the browser can check (from `shared::policy`)
/// with `data-rule` for the script, then the ones only the server checks. Without
/// the script it is the list of rules, neither met nor unmet.
fn checklist(r: &PasswordRules<'_>) -> String {
    let names = shared::policy::name_parts(r.user_principal_name, r.display_name);
    let names_json = serde_json::to_string(&names).unwrap_or_else(|_| "[]".to_owned());
    let (min, classes, mut live, server): (u32, u32, Vec<(String, String)>, Vec<String>) = match &r
        .policy
    {
        Policy::Cloud(policy) => (
            policy.min_length,
            0,
            shared::policy::check_cloud_basics(policy, "", r.user_principal_name, r.display_name)
                .into_iter()
                .map(|c| (c.code.as_str().to_owned(), c.rule))
                .collect(),
            vec![
                "Not a password you have used before".to_owned(),
                "Hard to guess".to_owned(),
            ],
        ),
        Policy::Domain(policy) => {
            let p = policy.map(|p| p.on_premises());
            let live = p
                .as_ref()
                .map(|p| {
                    shared::policy::check_on_premises(p, "", r.user_principal_name, r.display_name)
                        .into_iter()
                        .map(|c| (c.code.as_str().to_owned(), c.rule))
                        .collect()
                })
                .unwrap_or_default();
            let mut server = Vec::new();
            match policy.map(|p| p.history_length) {
                Some(0) => {}
                Some(n) => server.push(format!("Not one of your last {n} passwords")),
                None => server.push("Your company directory's password rules".to_owned()),
            }
            (
                p.as_ref().map_or(0, |p| p.min_length),
                p.as_ref().map_or(0, |p| p.min_character_classes),
                live,
                server,
            )
        }
    };
    live.push(("match".to_owned(), "Both new passwords match".to_owned()));
    let mut s = format!(
        "<ul class=\"checklist\" id=\"rules\" aria-label=\"Password rules\" data-min=\"{}\" data-classes=\"{}\" data-names=\"{}\">",
        min,
        classes,
        esc(&names_json)
    );
    for (code, rule) in live {
        let _ = write!(
            s,
            "<li data-rule=\"{}\"><span class=\"mark\" aria-hidden=\"true\">•</span><span><span class=\"state visually-hidden\"></span>{}</span></li>",
            esc(&code),
            esc(&rule)
        );
    }
    for rule in server {
        let _ = write!(
            s,
            "<li><span class=\"mark\" aria-hidden=\"true\">•</span><span>{} <span class=\"muted\">(checked when you save)</span></span></li>",
            esc(&rule)
        );
    }
    s.push_str("</ul><p class=\"visually-hidden\" id=\"rules-status\" role=\"status\" aria-live=\"polite\"></p>");
    s
}

/// What differs between the forced change and the self-service reset's new password.
struct PasswordStep {
    title: &'static str,
    intro: &'static str,
    action: &'static str,
    button: &'static str,
    /// The domain changes a password only with the old one (its history rules then
    /// apply to the person's own choice); a reset writes it as an administrator does.
    ask_current: bool,
}

fn password_page(
    p: &SignInPage<'_>,
    rules: &PasswordRules<'_>,
    step: PasswordStep,
) -> HttpResponse {
    let body = format!(
        "<h1>Choose a new password</h1>\
         <p>{intro}</p>{errors}\
         <form method=\"post\" action=\"{action}\">{hidden}{current}\
         <label for=\"new_password\">New password</label>\
         <input id=\"new_password\" name=\"new_password\" type=\"password\" autocomplete=\"new-password\" \
         required{focus} aria-describedby=\"rules{e}\"{inv}>\
         {checklist}\
         <label for=\"confirm_password\">Confirm new password</label>\
         <input id=\"confirm_password\" name=\"confirm_password\" type=\"password\" autocomplete=\"new-password\" required{d}>\
         <p class=\"hint\">A few unrelated words work well.</p>\
         <button type=\"submit\">{button}</button></form>",
        intro = step.intro.replace("{app}", &format!("<strong>{}</strong>", esc(p.app_name))),
        action = step.action,
        button = step.button,
        errors = error_summary(p.errors),
        hidden = hidden(p.request, p.csrf),
        e = if p.errors.is_empty() { "" } else { " errors" },
        inv = if p.errors.is_empty() { "" } else { " aria-invalid=\"true\"" },
        d = described(p.errors),
        checklist = checklist(rules),
        current = if step.ask_current {
            "<label for=\"current_password\">Current password</label>\
             <input id=\"current_password\" name=\"current_password\" type=\"password\" \
             autocomplete=\"current-password\" required autofocus>"
        } else {
            ""
        },
        focus = if step.ask_current { "" } else { " autofocus" },
    );
    document(
        step.title,
        &body,
        Some(p.redirect_origin),
        StatusCode::OK,
        Some(Script::Checklist),
    )
}

pub fn change_password(p: &SignInPage<'_>, rules: &PasswordRules<'_>) -> HttpResponse {
    password_page(
        p,
        rules,
        PasswordStep {
            title: "Choose a new password",
            intro: "You must choose a new password before you continue to {app}.",
            action: "/oauth2/change-password",
            button: "Change password and continue",
            ask_current: matches!(rules.policy, Policy::Domain(_)),
        },
    )
}

/// The self-service reset's last step.
pub fn reset_password(p: &SignInPage<'_>, rules: &PasswordRules<'_>) -> HttpResponse {
    password_page(
        p,
        rules,
        PasswordStep {
            title: "Reset your password",
            intro: "The code was right. Choose a new password; then sign in to {app} with it.",
            action: "/oauth2/reset/password",
            button: "Reset password",
            ask_current: false,
        },
    )
}

/// A form of the reset that posts only the request: a secondary or link button.
fn step_button(p: &SignInPage<'_>, action: &str, class: &str, label: &str) -> String {
    format!(
        "<form method=\"post\" action=\"{action}\">{}\
         <button type=\"submit\" class=\"{class}\">{}</button></form>",
        hidden(p.request, p.csrf),
        esc(label)
    )
}

/// The words of a flow that starts with a sign-in name and a code by text message.
struct TextFlow {
    title: &'static str,
    intro: &'static str,
    /// The form paths: `{base}/send`, `{base}/verify`, `{base}/cancel`.
    base: &'static str,
    /// The code page's last hint.
    no_text: &'static str,
}

const RESET: TextFlow = TextFlow {
    title: "Reset your password",
    intro: "Enter your sign-in name. We'll send a code by text message to the mobile number \
            your manager registered for you.",
    base: "/oauth2/reset",
    no_text: "No text message? If no mobile number is registered for you, \
              ask your manager to reset your password or to add your number.",
};

const SMS_SIGN_IN: TextFlow = TextFlow {
    title: "Sign in with a text message code",
    intro: "Enter your sign-in name. We'll send a code by text message to the mobile number \
            your manager registered for you.",
    base: "/oauth2/sms",
    no_text: "No text message? If no mobile number is registered for you, sign in with your \
              password, or ask your manager to add your number.",
};

/// The first step of a [`TextFlow`]: whose code.
fn text_name(p: &SignInPage<'_>, f: &TextFlow) -> HttpResponse {
    let body = format!(
        "<h1>{title}</h1><p>{intro}</p>{errors}\
         <form method=\"post\" action=\"{base}/send\">{hidden}\
         <label for=\"username\">Sign-in name</label>\
         <input id=\"username\" name=\"username\" type=\"text\" autocomplete=\"username\" \
         autocapitalize=\"none\" spellcheck=\"false\" required autofocus value=\"{name}\"{d}>\
         <button type=\"submit\">Send code</button></form>{back}",
        title = f.title,
        intro = f.intro,
        base = f.base,
        errors = error_summary(p.errors),
        hidden = hidden(p.request, p.csrf),
        name = esc(p.login_hint.unwrap_or("")),
        d = described(p.errors),
        back = step_button(p, &format!("{}/cancel", f.base), "link", "Back to sign in"),
    );
    document(
        f.title,
        &body,
        Some(p.redirect_origin),
        StatusCode::OK,
        None,
    )
}

/// The 8-digit field of a code by text message, posting to `action`.
fn text_code_form(p: &SignInPage<'_>, action: &str, button: &str) -> String {
    format!(
        "<form method=\"post\" action=\"{action}\">{hidden}\
         <label for=\"code\">Code</label>\
         <input id=\"code\" name=\"code\" type=\"text\" inputmode=\"numeric\" \
         autocomplete=\"one-time-code\" pattern=\"[0-9 \\-]*\" maxlength=\"10\" required autofocus \
         aria-describedby=\"code-hint{e}\"{inv}>\
         <p class=\"hint\" id=\"code-hint\">8 digits, from the text message.</p>\
         <button type=\"submit\">{button}</button></form>",
        hidden = hidden(p.request, p.csrf),
        e = if p.errors.is_empty() { "" } else { " errors" },
        inv = if p.errors.is_empty() {
            ""
        } else {
            " aria-invalid=\"true\""
        },
    )
}

/// The code step of a [`TextFlow`]. The words are the same whether or not a code
/// was sent.
fn text_code(p: &SignInPage<'_>, f: &TextFlow) -> HttpResponse {
    let body = format!(
        "<h1>Enter the code</h1>\
         <p>If <strong>{name}</strong> has a mobile number registered, we've sent it a text message \
         with an 8-digit code. The code works for 5 minutes.</p>{errors}{form}{again}\
         <p class=\"hint\">{no_text}</p>{back}",
        name = esc(p.login_hint.unwrap_or("")),
        errors = error_summary(p.errors),
        form = text_code_form(p, &format!("{}/verify", f.base), "Verify code"),
        again = step_button(p, &format!("{}/send", f.base), "secondary", "Send a new code"),
        no_text = f.no_text,
        back = step_button(p, &format!("{}/cancel", f.base), "link", "Back to sign in"),
    );
    document(
        "Enter the code",
        &body,
        Some(p.redirect_origin),
        StatusCode::OK,
        None,
    )
}

/// The self-service reset's first step: whose password.
pub fn reset_name(p: &SignInPage<'_>) -> HttpResponse {
    text_name(p, &RESET)
}

/// The self-service reset's code step.
pub fn reset_code(p: &SignInPage<'_>) -> HttpResponse {
    text_code(p, &RESET)
}

/// SMS sign-in's first step: who signs in.
pub fn sms_name(p: &SignInPage<'_>) -> HttpResponse {
    text_name(p, &SMS_SIGN_IN)
}

/// SMS sign-in's code step.
pub fn sms_code(p: &SignInPage<'_>) -> HttpResponse {
    text_code(p, &SMS_SIGN_IN)
}

/// The second step by text message, once the code was sent to `to` (masked).
fn sms_second_factor(p: &SignInPage<'_>, to: &str) -> HttpResponse {
    let body = format!(
        "<h1>Enter the code</h1><p>to continue to <strong>{app}</strong></p>\
         <p>We've sent an 8-digit code by text message to {to}. The code works for 5 minutes.</p>\
         {errors}{form}{again}\
         <p class=\"hint\">Lost your phone? Ask your manager to help you sign in.</p>",
        app = esc(p.app_name),
        to = esc(to),
        errors = error_summary(p.errors),
        form = text_code_form(p, "/oauth2/verify-code", "Verify"),
        again = step_button(
            p,
            "/oauth2/sms/second-factor",
            "secondary",
            "Send a new code"
        ),
    );
    document(
        "Enter the code",
        &body,
        Some(p.redirect_origin),
        StatusCode::OK,
        None,
    )
}

pub fn not_allowed(app_name: &str) -> HttpResponse {
    let body = format!(
        "<h1>You can't use {app}</h1>\
         <div class=\"alert\" role=\"alert\"><p>Your account isn't one of those allowed to sign in to \
         <strong>{app}</strong>. Ask your manager or administrator if you need it.</p></div>\
         <p><a href=\"/oauth2/logout\">Sign out of OpenStaff</a></p>",
        app = esc(app_name)
    );
    document("Not allowed", &body, None, StatusCode::FORBIDDEN, None)
}

pub fn error(title: &str, message: &str) -> HttpResponse {
    let body = format!(
        "<h1>{}</h1><div class=\"alert\" role=\"alert\"><p>{}</p></div>",
        esc(title),
        esc(message)
    );
    document(title, &body, None, StatusCode::BAD_REQUEST, None)
}

pub fn confirm_logout(
    post_logout: Option<&str>,
    state: Option<&str>,
    client_id: Option<&str>,
) -> HttpResponse {
    let mut hidden = String::from("<input type=\"hidden\" name=\"confirm\" value=\"yes\">");
    for (name, value) in [
        ("post_logout_redirect_uri", post_logout),
        ("state", state),
        ("client_id", client_id),
    ] {
        if let Some(v) = value {
            let _ = write!(
                hidden,
                "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
                esc(v)
            );
        }
    }
    let body = format!(
        "<h1>Sign out of OpenStaff?</h1><p>You will need to sign in again to use your applications.</p>\
         <form method=\"post\" action=\"/oauth2/logout\">{hidden}<button type=\"submit\">Sign out</button></form>"
    );
    let origin = post_logout
        .and_then(|u| url::Url::parse(u).ok())
        .map(|u| u.origin().ascii_serialization());
    document("Sign out", &body, origin.as_deref(), StatusCode::OK, None)
}

pub fn signed_out() -> HttpResponse {
    document(
        "Signed out",
        "<h1>You're signed out</h1><p>You have signed out of OpenStaff. You can close this window.</p>",
        None,
        StatusCode::OK,
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_that_could_open_markup() {
        assert_eq!(
            esc("<a href=\"x\">'&"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;"
        );
    }

    #[test]
    fn the_page_is_small() {
        let errors = vec!["That sign-in name and password don't match.".to_owned()];
        let resp = sign_in(&SignInPage {
            request: "p",
            csrf: "c",
            app_name: "Rota",
            login_hint: None,
            errors: &errors,
            notice: None,
            redirect_origin: "https://rota.example",
            passkey: None,
            totp: true,
            sms_sign_in: true,
            sms: None,
        });
        let size = actix_web::body::MessageBody::size(resp.body());
        match size {
            actix_web::body::BodySize::Sized(n) => assert!(n < 30_000, "{n} bytes"),
            other => panic!("{other:?}"),
        }
    }
}
