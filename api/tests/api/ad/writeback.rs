//! Password writeback and pass-through sign-in against the real DC.

use super::Dc;

#[tokio::test]
async fn the_check_reads_the_domain_and_counts_the_ous_users() {
    let Some(dc) = Dc::lock().await else { return };
    let ou = dc.ou();
    let lina = dc.create_user(&ou, "Lina", "Morel", "Start-Shift-2026");
    dc.create_user(&ou, "Omar", "Haddad", "Start-Shift-2026");
    let report = dc.directory(&ou).check().await.unwrap();
    assert_eq!(report.users, 2);
    assert_eq!(report.base_dn, ou.dn);
    assert_eq!(report.policy.min_length, 7);
    assert!(report.policy.complexity);
    assert_eq!(report.policy.history_length, 24);
    dc.bind(&ou, &lina.dn, "Start-Shift-2026").await.unwrap();
    assert!(matches!(
        dc.bind(&ou, &lina.dn, "Wrong-Password-1").await,
        Err(openstaff::directory::DirectoryError::InvalidCredentials)
    ));
}
