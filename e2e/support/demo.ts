/** Accounts created by `openstaff seed demo` (api/src/seed.rs). */
export const DEMO_PASSWORD = 'OpenStaff-Demo-2026!';

export const admin = {
  upn: 'admin@contoso.example',
  displayName: 'Avery Admin',
};

export const maria = {
  upn: 'maria.garcia@contoso.example',
  displayName: 'Maria Garcia',
};

/** A staff member with no administrator role. */
export const sam = {
  upn: 'sam.taylor@contoso.example',
  displayName: 'Sam Taylor',
};

/** Used for failed sign-ins, so lockout never touches the accounts other tests use. */
export const tom = {
  upn: 'tom.becker@contoso.example',
  displayName: 'Tom Becker',
};
