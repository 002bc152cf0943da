//! The SMS gateway: the development outbox an operator reads, and the webhook that
//! delivers through the database outbox to a real local HTTP receiver, across a
//! kill -9 of the real binary.

use crate::cli::openstaff;
use crate::helpers::TestApp;
use serde_json::Value;

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test]
async fn the_development_outbox_keeps_messages_for_the_operator() {
    let app = TestApp::spawn().await;
    assert!(app.sms_messages().await.is_empty());
    let empty = openstaff(&app.database_url, &["sms", "outbox"], "");
    assert!(empty.status.success(), "{}", text(&empty));
    assert!(text(&empty).contains("empty"), "{}", text(&empty));

    for (to, body) in [
        ("+33 6 12 34 56 78", "Your OpenStaff code is 48213907"),
        ("+1 202 555 0134", "Your OpenStaff code is 11223344"),
    ] {
        let sent = openstaff(
            &app.database_url,
            &["sms", "send", "--to", to, "--body", body],
            "",
        );
        assert!(sent.status.success(), "{}", text(&sent));
        assert!(
            text(&sent).contains("development outbox"),
            "{}",
            text(&sent)
        );
        assert!(
            !text(&sent).contains(&to.replace(' ', "")[3..]),
            "the full number is echoed: {}",
            text(&sent)
        );
    }
    assert_eq!(
        app.sms_messages().await,
        vec![
            (
                "+33612345678".to_owned(),
                "Your OpenStaff code is 48213907".to_owned()
            ),
            (
                "+12025550134".to_owned(),
                "Your OpenStaff code is 11223344".to_owned()
            ),
        ]
    );

    let listed = openstaff(&app.database_url, &["sms", "outbox", "--json"], "");
    assert!(listed.status.success(), "{}", text(&listed));
    let listed: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["to"], "+12025550134", "newest first");
    assert_eq!(listed[0]["status"], "outbox");
    assert_eq!(listed[0]["attempts"], 0);
    assert_eq!(listed[1]["body"], "Your OpenStaff code is 48213907");
    let one = openstaff(&app.database_url, &["sms", "outbox", "--limit", "1"], "");
    let one = text(&one);
    assert_eq!(one.lines().count(), 1, "{one}");
    assert!(one.contains("outbox") && one.contains("11223344"), "{one}");

    // Sealed at rest: neither the number nor the text is in the table in clear.
    let rows: Vec<(Option<String>, Option<String>, String)> =
        sqlx::query_as("SELECT to_sealed, body_sealed, to_masked FROM sms_messages")
            .fetch_all(app.store.reader())
            .await
            .unwrap();
    for (to, body, masked) in rows {
        let (to, body) = (to.unwrap(), body.unwrap());
        assert!(to.starts_with("v1.") && body.starts_with("v1."));
        assert!(!to.contains("612345678") && !body.contains("code is"));
        assert!(masked.contains("**"), "{masked}");
    }

    let bad = openstaff(
        &app.database_url,
        &["sms", "send", "--to", "12", "--body", "x"],
        "",
    );
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
}
