// The dashboard's words in English and Russian (messages.en.json,
// messages.ru.json; a test keeps both with the same keys and the same
// {placeholders}). The language is the one chosen in the header, kept in
// the address (`?lang=ru`: the page stores nothing in the browser), else
// the browser's own when it is Russian, else English. Explanations of
// anomalies come from the aggregator in the same language: API calls send
// it as Accept-Language, the live stream as `lang`.

export const LANGUAGES = ['en', 'ru'];

function chosen() {
  const asked = new URLSearchParams(location.search).get('lang');
  if (LANGUAGES.includes(asked)) return asked;
  const browser = (navigator.languages || [navigator.language || 'en']).map((l) => l.slice(0, 2).toLowerCase());
  return browser.find((l) => LANGUAGES.includes(l)) || 'en';
}

const current = chosen();

async function load(code) {
  const response = await fetch(`/assets/messages.${code}.json`, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`messages ${code}: HTTP ${response.status}`);
  return response.json();
}

const english = await load('en');
const messages = current === 'en' ? english : await load(current).catch(() => english);

/** The language the page is in: `en` or `ru`. */
export function lang() {
  return current;
}

/** Shows the page in `code`, kept in the address. */
export function setLang(code) {
  if (!LANGUAGES.includes(code) || code === current) return;
  const url = new URL(location.href);
  url.searchParams.set('lang', code);
  location.assign(url);
}

/** A crossing's name in the page's language, from the registry. */
export function nameOf(c) {
  return c.names?.[current] || c.name;
}

/** The message `key` with `{name}` placeholders filled from `vars`. */
export function t(key, vars = {}) {
  const text = messages[key] ?? english[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
}

/**
 * Puts the page's static words in its language: `data-i18n` (text),
 * `data-i18n-html` (our own markup, e.g. <code>), and `data-i18n-title`,
 * `-placeholder`, `-aria-label` (attributes).
 */
export function translate(root = document) {
  document.documentElement.lang = current;
  for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll('[data-i18n-html]')) node.innerHTML = t(node.dataset.i18nHtml);
  for (const [attr, data] of [['title', 'i18nTitle'], ['placeholder', 'i18nPlaceholder'], ['aria-label', 'i18nAriaLabel']]) {
    for (const node of root.querySelectorAll(`[data-${attr === 'aria-label' ? 'i18n-aria-label' : `i18n-${attr}`}]`)) {
      node.setAttribute(attr, t(node.dataset[data]));
    }
  }
}
