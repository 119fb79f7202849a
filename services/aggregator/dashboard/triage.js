// The operators' triage queue (#/triage): anomalies by triage state, least
// severity and "my queue", each with its state, assignee and history, and
// the actions its state allows for a role that triages. Every action is
// posted as the signed-in operator with the revision the page shows, so an
// action on a stale view is refused (409) and the queue reloads.

import { anomalyItem } from './feed.js';
import { el, utc } from './format.js';
import { t } from './i18n.js';
import { SignedOut, api, errorOf, post } from './session.js';

const REFRESH_MS = 5000;
const LIMIT = 200;
// What each state allows; `take` assigns the anomaly to the operator.
const ACTIONS = {
  new: ['acknowledge', 'take', 'escalate', 'dismiss'],
  acknowledged: ['take', 'escalate', 'dismiss'],
  escalated: ['take', 'dismiss', 'close'],
  dismissed: ['close', 'reopen'],
  closed: ['reopen'],
};
const REASONS = ['false_alarm', 'duplicate', 'handled_at_booth', 'expected', 'other'];

function entry(e) {
  const parts = [utc(e.at_ms), e.actor, t(`triage.did-${e.action}`)];
  if (e.assignee) parts.push(e.assignee);
  if (e.reason) parts.push(t(`triage.reason-${e.reason}`));
  return el('li', { dataset: { action: e.action } },
    el('span', { text: parts.join(' · ') }),
    e.note ? el('q', { text: e.note }) : null);
}

export function createTriagePage({ form, state, severity, mine, note, list }) {
  let timer = 0;
  let shown = false;
  let canAct = false;
  let subject = '';
  // Bumped by clear() and by each load: an answer to an older one is dropped.
  let generation = 0;
  // What the operator is in the middle of, by anomaly id: a reason picked,
  // a note typed, the history opened. Each refresh rebuilds the list; these
  // are put back, so a refresh neither drops a note nor lets Dismiss send
  // a reason other than the one chosen.
  const drafts = new Map();
  const draft = (id) => {
    if (!drafts.has(id)) drafts.set(id, {});
    return drafts.get(id);
  };

  function query() {
    const q = new URLSearchParams({ limit: LIMIT });
    if (state.value) q.set('state', state.value);
    if (severity.value) q.set('severity', severity.value);
    if (mine.checked) q.set('mine', '1');
    return q;
  }

  async function load() {
    const asked = ++generation;
    try {
      const response = await api(`/api/triage?${query()}`);
      if (!response.ok) throw new Error(await errorOf(response));
      const body = await response.json();
      if (asked !== generation || !shown) return;
      subject = body.subject;
      render(body.items);
    } catch (err) {
      if (!(err instanceof SignedOut) && asked === generation) {
        note.textContent = t('triage.unavailable', { error: err.message });
      }
    }
  }

  function render(items) {
    // An open form (a note being typed) is not torn down by a refresh.
    const typing = list.querySelector('.triage-actions input:focus');
    if (typing && typing.value) return;
    list.replaceChildren(...items.map(item));
    list.dataset.count = items.length;
    note.dataset.count = items.length;
    if (!note.dataset.message) note.textContent = t('triage.shown', { count: items.length });
  }

  function item({ anomaly, triage }) {
    const li = anomalyItem(anomaly);
    const current = triage?.state ?? 'new';
    li.dataset.triage = current;
    li.dataset.revision = triage?.revision ?? 0;
    li.append(el('div', { class: 'triage-line' },
      el('span', { class: `badge triage-${current}`, text: t(`triage.state-${current}`) }),
      triage?.assignee ? el('span', { class: 'assignee', text: t('triage.assigned', { who: triage.assignee }) }) : null,
      triage?.dismiss_reason ? el('span', { class: 'reason', text: t(`triage.reason-${triage.dismiss_reason}`) }) : null));
    if (triage?.history?.length) {
      const history = el('details', { class: 'history', open: drafts.get(anomaly.id)?.history },
        el('summary', { text: t('triage.history', { count: triage.history.length }) }),
        el('ol', {}, ...triage.history.map(entry)));
      history.addEventListener('toggle', () => { draft(anomaly.id).history = history.open; });
      li.append(history);
    }
    if (canAct) li.append(actions(anomaly.id, current, triage?.revision ?? 0, triage?.assignee === subject));
    return li;
  }

  function actions(id, current, revision, mine) {
    const box = el('div', { class: 'triage-actions', dataset: { id } });
    // Taking what one already holds would change nothing.
    const allowed = (ACTIONS[current] ?? []).filter((a) => !(mine && a === 'take'));
    for (const action of allowed) {
      box.append(el('button', { type: 'button', dataset: { action }, text: t(`triage.do-${action}`) }));
    }
    const reason = el('select', { class: 'triage-reason', 'aria-label': t('triage.reason') },
      ...REASONS.map((r) => el('option', { value: r, text: t(`triage.reason-${r}`) })));
    reason.value = drafts.get(id)?.reason ?? REASONS[0];
    reason.addEventListener('change', () => { draft(id).reason = reason.value; });
    if (allowed.includes('dismiss')) box.append(reason);
    const text = el('input', {
      class: 'triage-note', type: 'text', maxlength: 2000,
      placeholder: t('triage.note-placeholder'), 'aria-label': t('triage.note'),
    });
    text.value = drafts.get(id)?.note ?? '';
    text.addEventListener('input', () => { draft(id).note = text.value; });
    box.append(text, el('button', { type: 'button', dataset: { action: 'note' }, text: t('triage.do-note') }));
    box.addEventListener('click', (event) => {
      const button = event.target.closest('button[data-action]');
      if (!button) return;
      act(id, button.dataset.action, revision, reason.value, text.value.trim());
    });
    return box;
  }

  async function act(id, action, revision, reason, text) {
    const body = { action, revision };
    if (action === 'take') Object.assign(body, { action: 'assign', assignee: subject });
    if (action === 'dismiss') body.reason = reason;
    if (text) body.note = text;
    try {
      const response = await post(`/api/anomalies/${encodeURIComponent(id)}/triage`, body);
      // Done: the reason and the note went with it. Refused: kept, to retry.
      if (response.ok && drafts.has(id)) Object.assign(drafts.get(id), { reason: undefined, note: undefined });
      say(response.ok
        ? t('triage.done', { action: t(`triage.do-${action}`) })
        : t('triage.refused', { error: await errorOf(response) }));
    } catch (err) {
      if (err instanceof SignedOut) return;
      say(t('triage.refused', { error: err.message }));
    }
    // Whatever happened, show the queue as it is now.
    const focused = list.querySelector('.triage-actions input:focus');
    focused?.blur();
    await load();
  }

  /** A message that stays until the next filter change. */
  function say(message) {
    note.dataset.message = '1';
    note.textContent = message;
  }

  form.addEventListener('change', () => {
    delete note.dataset.message;
    load();
  });
  form.addEventListener('submit', (event) => event.preventDefault());

  return {
    /** Shows the queue; `triages`: whether the viewer may act on it. */
    show(triages) {
      canAct = triages;
      if (!shown) {
        shown = true;
        delete note.dataset.message;
        load();
        timer = setInterval(load, REFRESH_MS);
      }
    },
    hide() {
      shown = false;
      clearInterval(timer);
      timer = 0;
    },
    /** Empties the page (signed out). */
    clear() {
      this.hide();
      generation += 1;
      drafts.clear();
      list.replaceChildren();
      note.textContent = '';
      delete note.dataset.message;
      mine.checked = false;
    },
  };
}
