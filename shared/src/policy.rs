//! Password policy rules that the SPA shows as a live checklist and the server
//! enforces. The strength estimate (zxcvbn) stays on the server: its dictionaries
//! would triple the size of the web app.

use crate::codes::FieldErrorCode;
use serde::{Deserialize, Serialize};

/// The on-premises directory's password policy (configurable by the operator).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OnPremisesPolicy {
    pub min_length: u32,
    /// How many of the four classes (lower case, upper case, digit, symbol) are needed.
    pub min_character_classes: u32,
    /// The password may not contain the user's name or sign-in name parts.
    pub forbid_name_parts: bool,
}

/// An Active Directory domain's password policy, as its domain object says
/// (`minPwdLength`, `pwdProperties`, `pwdHistoryLength`, `lockoutThreshold`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DomainPasswordPolicy {
    pub min_length: u32,
    /// `DOMAIN_PASSWORD_COMPLEX`: three of the four kinds of character, and not the
    /// account name or parts of the display name.
    pub complexity: bool,
    /// How many earlier passwords the domain remembers (0: none).
    pub history_length: u32,
    /// Failed sign-ins that lock the account in the domain (0: never).
    pub lockout_threshold: u32,
}

impl DomainPasswordPolicy {
    /// The checklist's rules for this domain.
    pub fn on_premises(&self) -> OnPremisesPolicy {
        OnPremisesPolicy {
            min_length: self.min_length,
            min_character_classes: if self.complexity { 3 } else { 0 },
            forbid_name_parts: self.complexity,
        }
    }

    /// The rules in plain words, as a person would be told them.
    pub fn rules(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.min_length > 0 {
            out.push(format!("at least {} characters", self.min_length));
        }
        if self.complexity {
            out.push(
                "three of four character kinds (lower case, upper case, digits, symbols)"
                    .to_owned(),
            );
            out.push("not the person's name or sign-in name".to_owned());
        }
        if self.history_length > 0 {
            out.push(format!(
                "not one of the last {} passwords",
                self.history_length
            ));
        }
        out
    }
}

/// The cloud password policy for passwords people choose themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CloudPolicy {
    pub min_length: u32,
    /// Minimum zxcvbn strength score (0-4), checked by the server.
    pub min_strength_score: u8,
}

/// `GET /api/v1/password-policy`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordPolicy {
    pub cloud: CloudPolicy,
    /// The checklist for on-premises users: from the domain's own policy once the
    /// directory sync has read it, else from the local `--onprem-*` settings.
    pub on_premises: OnPremisesPolicy,
    /// The domain's rules in plain words ("not one of the last 24 passwords"
    /// included), when the policy was read from the directory; empty with the local
    /// settings.
    #[serde(default)]
    pub on_premises_rules: Vec<String>,
}

/// One rule of a checklist, met or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleCheck {
    /// The field error code when the rule is not met, e.g. `too_short`.
    pub code: FieldErrorCode,
    /// The rule in words, e.g. "At least 10 characters".
    pub rule: String,
    pub met: bool,
}

/// The words of `name` and `upn` (3+ characters) a password must not contain.
pub fn name_parts(upn: &str, display_name: &str) -> Vec<String> {
    upn.split(|c: char| !c.is_alphanumeric())
        .chain(display_name.split(|c: char| !c.is_alphanumeric()))
        .filter(|p| p.chars().count() >= 3)
        .map(str::to_lowercase)
        .collect()
}

fn contains_name(password: &str, upn: &str, display_name: &str) -> bool {
    let lower = password.to_lowercase();
    name_parts(upn, display_name)
        .iter()
        .any(|p| lower.contains(p.as_str()))
}

fn classes(password: &str) -> u32 {
    let checks: [fn(char) -> bool; 4] = [
        |c| c.is_lowercase(),
        |c| c.is_uppercase(),
        |c| c.is_ascii_digit(),
        |c| !c.is_alphanumeric(),
    ];
    checks
        .iter()
        .map(|f| u32::from(password.chars().any(f)))
        .sum()
}

/// The on-premises checklist for `password`.
pub fn check_on_premises(
    policy: &OnPremisesPolicy,
    password: &str,
    upn: &str,
    display_name: &str,
) -> Vec<RuleCheck> {
    let mut out = vec![
        RuleCheck {
            code: FieldErrorCode::TooShort,
            rule: format!("At least {} characters", policy.min_length),
            met: password.chars().count() >= policy.min_length as usize,
        },
        RuleCheck {
            code: FieldErrorCode::TooFewCharacterClasses,
            rule: format!(
                "At least {} of: lower case, upper case, digit, symbol",
                policy.min_character_classes
            ),
            met: classes(password) >= policy.min_character_classes,
        },
    ];
    if policy.forbid_name_parts {
        out.push(RuleCheck {
            code: FieldErrorCode::ContainsName,
            rule: "Does not contain the person's name or sign-in name".to_owned(),
            met: !password.is_empty() && !contains_name(password, upn, display_name),
        });
    }
    out
}

/// The cloud checklist without the strength score (which the server adds).
pub fn check_cloud_basics(
    policy: &CloudPolicy,
    password: &str,
    upn: &str,
    display_name: &str,
) -> Vec<RuleCheck> {
    vec![
        RuleCheck {
            code: FieldErrorCode::TooShort,
            rule: format!("At least {} characters", policy.min_length),
            met: password.chars().count() >= policy.min_length as usize,
        },
        RuleCheck {
            code: FieldErrorCode::ContainsName,
            rule: "Does not contain your name or sign-in name".to_owned(),
            met: !password.is_empty() && !contains_name(password, upn, display_name),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> OnPremisesPolicy {
        OnPremisesPolicy {
            min_length: 10,
            min_character_classes: 3,
            forbid_name_parts: true,
        }
    }

    fn unmet(pw: &str) -> Vec<&'static str> {
        check_on_premises(&policy(), pw, "ana.lopez@contoso.example", "Ana Lopez")
            .into_iter()
            .filter(|r| !r.met)
            .map(|r| r.code.as_str())
            .collect()
    }

    #[test]
    fn on_premises_rules_each_report() {
        assert_eq!(
            unmet("short"),
            vec!["too_short", "too_few_character_classes"]
        );
        assert_eq!(
            unmet("alllowercaseletters"),
            vec!["too_few_character_classes"]
        );
        assert_eq!(unmet("Lopez-Store-2026"), vec!["contains_name"]);
        assert!(unmet("Harbor-Lights-2026").is_empty());
        assert_eq!(
            unmet(""),
            vec!["too_short", "too_few_character_classes", "contains_name"]
        );
    }

    #[test]
    fn cloud_basics_check_length_and_names() {
        let p = CloudPolicy {
            min_length: 12,
            min_strength_score: 3,
        };
        let r = check_cloud_basics(
            &p,
            "ana-is-here-now",
            "ana.lopez@contoso.example",
            "Ana Lopez",
        );
        assert!(r[0].met);
        assert!(!r[1].met);
    }
}
