//! Organisation-wide user search against an oracle: every query, paged in small
//! pages, returns exactly the users whose words start with every query term, in
//! display-name order, once each, also when a tiny step budget cuts pages short.

use crate::helpers::*;
use openstaff::store::search::{query_terms, sort_key, user_terms};
use reqwest::Method;
use serde_json::json;

struct Person {
    id: String,
    upn: String,
    name: String,
    mail: Option<String>,
}

const FIRST: [&str; 8] = [
    "Mateo",
    "Marek",
    "Maria",
    "Ana",
    "Amir",
    "Christopher",
    "Christina",
    "Ben",
];
const LAST: [&str; 5] = ["Garcia", "Garnier", "Martin", "Martinez", "Lopez-Fernandez"];

const QUERIES: [&str; 24] = [
    "ma ga",
    "ga ma",
    "ma",
    "mar",
    "mart ga",
    "christo",
    "christoph",
    "christopher mar",
    "christina",
    "a",
    "m g",
    "fabrikam",
    "ana.lo",
    "ana.lopez-fernandez@",
    "lopez-fernandez",
    "fernandez",
    "fernande",
    "fernandez ana",
    "zz",
    "ma zz",
    "contoso",
    "renamed",
    "renamed ga",
    "b m g c",
];

/// The expected answer: users whose index words start with every query term, in
/// display-name order.
fn oracle(people: &[Person], q: &str) -> Vec<String> {
    let terms = query_terms(q);
    let mut hits: Vec<&Person> = people
        .iter()
        .filter(|p| {
            let words = user_terms(&p.name, &p.upn, p.mail.as_deref());
            terms
                .iter()
                .all(|t| words.iter().any(|w| w.starts_with(t.as_str())))
        })
        .collect();
    hits.sort_by(|a, b| (sort_key(&a.name), &a.id).cmp(&(sort_key(&b.name), &b.id)));
    hits.iter().map(|p| p.id.clone()).collect()
}

/// Every page of a search, following cursors; checks page sizes on the way.
async fn search_all(app: &TestApp, token: &str, q: &str, limit: usize) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..5_000 {
        let mut query = vec![("search", q.to_owned()), ("limit", limit.to_string())];
        if let Some(c) = &cursor {
            query.push(("cursor", c.clone()));
        }
        let resp = app
            .client
            .get(app.url("/api/v1/users"))
            .query(&query)
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let page = json_with(resp, 200).await;
        let items = item_ids(&page);
        assert!(items.len() <= limit, "{q}: page of {}", items.len());
        ids.extend(items);
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return ids,
        }
    }
    panic!("{q}: paging does not end");
}

async fn directory(app: &TestApp, admin: &str) -> Vec<Person> {
    let mut people = Vec::new();
    for i in 0..40 {
        let first = FIRST[i % FIRST.len()];
        let last = LAST[(i / FIRST.len()) % LAST.len()];
        let upn = format!(
            "{}.{}.{i}@contoso.example",
            first.to_lowercase(),
            last.to_lowercase()
        );
        let name = format!("{first} {last}");
        let mail = (i % 3 == 0).then(|| format!("{}{i}@fabrikam.example", first.to_lowercase()));
        let id = app
            .create_user_with(
                admin,
                json!({
                    "user_principal_name": upn,
                    "display_name": name,
                    "mail": mail,
                    "source": "cloud",
                    "password": USER_PASSWORD,
                }),
            )
            .await;
        people.push(Person {
            id,
            upn,
            name,
            mail,
        });
    }
    // Renames move people in the order and change their words: the index must
    // forget the old ones.
    for i in [0, 7, 13, 22, 39] {
        let p = &mut people[i];
        p.name = format!("Renamed {}", LAST[i % LAST.len()]);
        p.mail = None;
        let resp = app
            .request(
                Method::PATCH,
                &format!("/api/v1/users/{}", p.id),
                Some(admin),
            )
            .json(&json!({"display_name": p.name, "mail": ""}))
            .send()
            .await
            .unwrap();
        json_with(resp, 200).await;
    }
    people.push(Person {
        id: app.my_id(admin).await,
        upn: ADMIN_UPN.to_owned(),
        name: "Avery Admin".to_owned(),
        mail: None,
    });
    people
}

#[tokio::test]
async fn user_search_returns_what_the_oracle_says_in_order_on_every_page() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let people = directory(&app, &admin).await;
    let mut nonempty = 0;
    for q in QUERIES {
        let want = oracle(&people, q);
        nonempty += usize::from(!want.is_empty());
        for limit in [1, 3, 200] {
            assert_eq!(
                search_all(&app, &admin, q, limit).await,
                want,
                "{q} / {limit}"
            );
        }
    }
    assert!(nonempty >= 18, "the queries exercise matches ({nonempty})");
}

#[tokio::test]
async fn a_search_that_spends_its_budget_resumes_where_it_stopped() {
    let app = TestApp::spawn_with(|c| c.policy.search_step_budget = 3).await;
    let admin = app.admin_token().await;
    let people = directory(&app, &admin).await;
    // "ma ga" needs many seeks: with 3 per request, pages come back short (even
    // empty) with a cursor, and walking them still gives every match once.
    let want = oracle(&people, "ma ga");
    assert!(want.len() >= 8, "{want:?}");
    let first = app
        .get_ok("/api/v1/users?search=ma%20ga&limit=50", &admin)
        .await;
    assert!(
        item_ids(&first).len() < want.len(),
        "the budget cut the page"
    );
    assert!(first["next_cursor"].is_string());
    for q in QUERIES {
        assert_eq!(
            search_all(&app, &admin, q, 4).await,
            oracle(&people, q),
            "{q}"
        );
    }
}

/// The index rows migration 0005 derives in SQL for users created before it are the
/// ones the application writes.
#[tokio::test]
async fn the_migration_backfill_writes_the_same_prefix_rows_as_the_app() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    directory(&app, &admin).await;
    let rows = |app: &TestApp| {
        let pool = app.store.reader().clone();
        async move {
            sqlx::query_as::<_, (String, String)>(
                "SELECT prefix, ord FROM user_search_prefixes ORDER BY prefix, ord",
            )
            .fetch_all(&pool)
            .await
            .unwrap()
        }
    };
    let written = rows(&app).await;
    assert!(written.len() > 500, "{}", written.len());
    let dir = if app.store.backend == openstaff::store::Backend::Postgres {
        "postgres"
    } else {
        "sqlite"
    };
    let migration = std::fs::read_to_string(format!(
        "{}/../migrations/{dir}/0005_search_prefixes.sql",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let backfill = &migration[migration.find("INSERT INTO user_search_prefixes").unwrap()..];
    let mut tx = app.store.begin().await.unwrap();
    sqlx::query("DELETE FROM user_search_prefixes")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(backfill).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(rows(&app).await, written);
}

/// `seed scale` (run as the real command) builds the search index in one pass at the
/// end: searches over the loaded directory answer what the oracle says.
#[tokio::test]
async fn seed_scale_builds_a_search_index_that_answers_like_the_oracle() {
    let app = TestApp::spawn_empty().await;
    let out = crate::cli::openstaff(
        &app.database_url,
        &[
            "seed", "scale", "--users", "3000", "--units", "30", "--quiet",
        ],
        "",
    )
    .await;
    assert!(out.status.success(), "{out:?}");
    let admin = app
        .token("admin@scale.example", openstaff::cli::scale::SCALE_PASSWORD)
        .await;
    let people: Vec<Person> = sqlx::query_as::<_, (String, String, String, Option<String>)>(
        "SELECT id, user_principal_name, display_name, mail FROM users",
    )
    .fetch_all(app.store.reader())
    .await
    .unwrap()
    .into_iter()
    .map(|(id, upn, name, mail)| Person {
        id,
        upn,
        name,
        mail,
    })
    .collect();
    assert_eq!(people.len(), 3000);
    for q in [
        "ma ga",
        "mar",
        "garcia ma",
        "manager.1",
        "scale",
        "zo",
        "hugo leroy",
    ] {
        let want = oracle(&people, q);
        assert!(!want.is_empty(), "{q}");
        let got = search_all(&app, &admin, q, 200).await;
        assert_eq!(got, want, "{q}");
    }
}
