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

export const hannah = {
  upn: 'hannah.lee@contoso.example',
  displayName: 'Hannah Lee',
};

/** Helpdesk Administrator at South-East Region; used only by the My Staff access test. */
export const omar = {
  upn: 'omar.haddad@contoso.example',
  displayName: 'Omar Haddad',
};

export const store012 = 'Store 012 · Lyon Part-Dieu';
export const store027 = 'Store 027 · Paris Bastille';

export interface Staff {
  name: string;
  upn: string;
  store: string;
}

const staff = (name: string, upn: string, store: string): Staff => ({
  name,
  upn: `${upn}@contoso.example`,
  store,
});

/**
 * Staff each project may change. The desktop and mobile projects run the same specs
 * against one server, so each picks its own people (seed: staff i is in store i % 4;
 * every fifth, i % 5 == 4, is on-premises).
 */
export const targets = {
  desktop: {
    cloud: staff('Léa Martin', 'lea.martin', store012),
    onPremises: staff('Emma Robert', 'emma.robert', store012),
    phones: staff('Camille Leroy', 'camille.leroy', store012),
    mobile: '+33 6 12 34 56 01',
    changedMobile: '+33 6 12 34 56 02',
  },
  mobile: {
    cloud: staff('Hugo Bernard', 'hugo.bernard', store027),
    onPremises: staff('Jules Moreau', 'jules.moreau', store027),
    phones: staff('Nathan Richard', 'nathan.richard', store027),
    mobile: '+33 6 12 34 56 03',
    changedMobile: '+33 6 12 34 56 04',
  },
};

export function targetsFor(projectName: string) {
  return projectName.includes('mobile') ? targets.mobile : targets.desktop;
}

/** Read-only targets (never changed by any test). */
export const sarah = staff('Sarah Lefebvre', 'sarah.lefebvre', store012);
export const zoe = staff('Zoé Bertrand', 'zoe.bertrand', store012);

/** User Administrator for the whole organisation: manages the directory, not applications. */
export const ursula = {
  upn: 'ursula.novak@contoso.example',
  displayName: 'Ursula Novak',
};
