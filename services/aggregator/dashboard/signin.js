// The sign-in panel and the header's "signed in as". The pasted token is
// read once, the field emptied before the request leaves, and nothing else
// of it kept: the session lives in a cookie the page cannot read.

import { setText } from './format.js';
import { t } from './i18n.js';
import { signIn } from './session.js';

const ALL_COUNTRIES = '*';

/** `all countries`, or the scope's country codes. */
export const scopeText = (countries) =>
  (countries.includes(ALL_COUNTRIES) ? t('who.all-countries') : countries.join(', ') || t('who.none'));

/**
 * `panel` holds `form` with the `token` field, `message` and `submit`;
 * `who` holds `name`, `roles`, `scope` and the `signOut` button.
 * `signedIn(session)` runs after a successful sign-in, `signingOut()`
 * when the button is pressed.
 */
export function createSignIn({ panel, form, token, message, submit, who, name, roles, scope, signOut },
  { signedIn, signingOut }) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = token.value.trim();
    token.value = '';
    if (!value) {
      setText(message, t('signin.empty'));
      token.focus();
      return;
    }
    submit.disabled = true;
    setText(message, t('signin.signing-in'));
    try {
      const session = await signIn(value);
      setText(message, '');
      signedIn(session);
    } catch (err) {
      setText(message, t('signin.failed', { error: err.message }));
      token.focus();
    } finally {
      submit.disabled = false;
    }
  });
  signOut.addEventListener('click', () => signingOut());

  return {
    /** Shows the panel, with `text` saying why when there is a reason. */
    show(text = '') {
      who.hidden = true;
      setText(name, '');
      setText(roles, '');
      setText(scope, '');
      token.value = '';
      setText(message, text);
      panel.hidden = false;
      token.focus();
    },
    /** Replaces the panel's message (e.g. a sign-out that did not reach the server). */
    say(text) {
      setText(message, text);
    },
    /** Hides the panel and shows who is signed in. */
    hide(session) {
      panel.hidden = true;
      setText(message, '');
      setText(name, session.name || session.subject);
      setText(roles, session.roles.join(', ') || t('who.none'));
      setText(scope, scopeText(session.countries));
      who.hidden = false;
    },
  };
}
