import { expect, type APIRequestContext } from '@playwright/test';
import { DEMO_PASSWORD } from './demo';

/** Calls the API directly (test setup only), as the My Staff surface does. */
export async function tokenFor(request: APIRequestContext, upn: string): Promise<string> {
  const res = await request.post('/api/v1/auth/token', {
    data: { username: upn, password: DEMO_PASSWORD },
  });
  expect(res.ok(), `sign-in of ${upn}`).toBeTruthy();
  return (await res.json()).access_token;
}

export function auth(token: string) {
  return { Authorization: `Bearer ${token}`, 'X-OpenStaff-Surface': 'my-staff' };
}

export async function userId(request: APIRequestContext, token: string, upn: string) {
  const res = await request.get(`/api/v1/users?search=${encodeURIComponent(upn)}`, {
    headers: auth(token),
  });
  expect(res.ok()).toBeTruthy();
  const page = await res.json();
  const user = page.items.find((u: { user_principal_name: string }) => u.user_principal_name === upn);
  expect(user, `user ${upn}`).toBeTruthy();
  return user.id as string;
}
