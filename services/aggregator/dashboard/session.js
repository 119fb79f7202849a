// Who the page is signed in as. A token is posted once to /auth/session;
// the aggregator keeps it in an HttpOnly cookie, so the page holds no copy
// (no storage, no URL) and every request after that carries the cookie.
// /api fetches go through `api`, which tells the page when the server no
// longer knows it (the session expired or was signed out elsewhere).

import { lang } from './i18n.js';

const SESSION = '/auth/session';

let expired = () => {};
// Bumped whenever the page signs in or out: a 401 to a request sent
// before then says nothing about the session the page has now.
let epoch = 0;

/** Thrown by `api` on a 401, after the page has been told. */
export class SignedOut extends Error {}

/** What to do when the server answers 401 to the current session. */
export function whenExpired(handler) {
  expired = handler;
}

function ended(at) {
  if (at !== epoch) return;
  epoch += 1;
  expired();
}

/** The server's reason for a failed answer (its `error`), or the status. */
export async function errorOf(response) {
  return reason(response);
}

async function reason(response) {
  try {
    const body = await response.json();
    if (body.error) return body.error;
  } catch {
    // Not JSON: the status says enough.
  }
  return `HTTP ${response.status}`;
}

/** The session of this page (`{name, roles, countries, permissions, …}`), or null. */
export async function current() {
  const response = await fetch(SESSION, { cache: 'no-store', headers: { accept: 'application/json' } });
  if (response.status === 401) return null;
  if (!response.ok) throw new Error(await reason(response));
  return response.json();
}

/** Signs in with `token`: the session, or an Error with the server's reason. */
export async function signIn(token) {
  const response = await fetch(SESSION, {
    method: 'POST',
    cache: 'no-store',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (!response.ok) throw new Error(await reason(response));
  epoch += 1;
  return response.json();
}

/** Signs out: the server forgets the cookie. */
export async function signOut() {
  epoch += 1;
  const response = await fetch(SESSION, { method: 'DELETE', cache: 'no-store' });
  if (!response.ok) throw new Error(await reason(response));
}

/** Asks whether the session still holds; a 401 ends it on the page. */
export async function verify() {
  const at = epoch;
  try {
    if ((await current()) === null) ended(at);
  } catch {
    // Unreachable or failing: the stream's retries will ask again.
  }
}

/** GETs an /api route as the signed-in page. */
export async function api(url) {
  const at = epoch;
  const response = await fetch(url, { headers: { accept: 'application/json', 'accept-language': lang() } });
  if (response.status === 401) {
    ended(at);
    throw new SignedOut(await reason(response));
  }
  return response;
}

/** POSTs JSON to an /api route as the signed-in page. */
export async function post(url, body) {
  const at = epoch;
  const response = await fetch(url, {
    method: 'POST',
    cache: 'no-store',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'accept-language': lang() },
    body: JSON.stringify(body),
  });
  if (response.status === 401) {
    ended(at);
    throw new SignedOut(await reason(response));
  }
  return response;
}

/** Whether `session` grants `permission` (e.g. `read-anomalies`). */
export const may = (session, permission) => session.permissions.includes(permission);
