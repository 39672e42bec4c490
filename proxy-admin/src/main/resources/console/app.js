// Predictor migration console: a page over the admin API (SPEC §5) and nothing else.
// Plain JavaScript, no framework, nothing fetched from outside this admin listener.
// Everything shown is built with DOM calls and textContent, never parsed from strings: host and
// group names come from the table and must never be taken as markup.
'use strict';

(function () {
  const TOKEN_KEY = 'predictor-console-token';
  const WHO_KEY = 'predictor-console-who';
  const STATES = ['legacy', 'migrated', 'maintenance', 'hold'];
  const STATE_HELP = {
    legacy: 'served by the legacy side (old datacentre)',
    migrated: 'served by local (this datacentre)',
    maintenance: '503 page, no origin',
    hold: 'requests wait for the next state',
  };
  const POLL_MS = 2000; // /api/v1/status
  const DETAIL_MS = 5000; // in flight and request rate of what is on screen
  const DRAIN_POLL_MS = 250; // in flight while a barrier is pending
  const PAGE = 50;
  const HOLD_MAX_SITES = 20; // hold is offered for small filers only
  const TIMEOUTS = [['30s', '30 s'], ['60s', '1 min'], ['2m', '2 min'], ['5m', '5 min'], ['10m', '10 min']];

  // ---------------------------------------------------------------- DOM helpers

  const $ = (id) => document.getElementById(id);
  const SVG_NS = 'http://www.w3.org/2000/svg';

  function build(node, attrs, children) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'text') node.textContent = String(v);
      else if (k === 'on') for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
      else if (k === 'style') throw new Error('inline styles are refused by the page\'s CSP');
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      node.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return node;
  }
  const el = (tag, attrs, ...children) => build(document.createElement(tag), attrs, children);
  const svg = (tag, attrs, ...children) => build(document.createElementNS(SVG_NS, tag), attrs, children);

  function replace(node, ...children) {
    node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  }

  /** Re-renders a container and puts the focus back on the element with the same data-focus key. */
  function keepFocus(container, render) {
    const active = document.activeElement;
    const key = active && container.contains(active) ? active.getAttribute('data-focus') : null;
    render();
    if (key) {
      const again = container.querySelector('[data-focus="' + CSS.escape(key) + '"]');
      if (again) again.focus();
    }
  }

  const fmt = (n) => (n === undefined || n === null ? '–' : Number(n).toLocaleString('en-US'));
  const plural = (n, one, many) => fmt(n) + ' ' + (Number(n) === 1 ? one : many || one + 's');
  const pad = (n) => String(n).padStart(2, '0');
  const clock = (d) => pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  const enc = encodeURIComponent;

  function badge(state, text) {
    return el('span', { class: 'badge state-' + state, title: STATE_HELP[state] }, text || state);
  }

  /** A bar of a count per state; the text alternative says the same in words. */
  function stateBar(counts, total) {
    const bar = el('span', { class: 'statebar', role: 'img', 'aria-label': describeCounts(counts) });
    for (const s of STATES) {
      if (!counts[s]) continue;
      const part = el('span', { class: 'fill-' + s });
      part.style.width = (100 * counts[s] / Math.max(1, total)) + '%'; // CSSOM: allowed by the CSP
      bar.appendChild(part);
    }
    return bar;
  }

  function describeCounts(counts) {
    const parts = STATES.filter((s) => counts[s]).map((s) => fmt(counts[s]) + ' ' + s);
    return parts.length ? parts.join(', ') : 'no sites';
  }

  // ---------------------------------------------------------------- the admin API

  const session = {
    token: sessionStorage.getItem(TOKEN_KEY),
    who: sessionStorage.getItem(WHO_KEY),
  };

  class Unreachable extends Error {}

  /**
   * One call: resolves with {status, ok, json}; rejects with Unreachable when no answer came.
   * The token goes as a bearer header on every call (GETs do not need it; they do no harm).
   */
  async function call(method, path, body, timeoutMs) {
    const headers = { Accept: 'application/json' };
    if (session.token) headers.Authorization = 'Bearer ' + session.token;
    const init = { method, headers, cache: 'no-store', credentials: 'same-origin', redirect: 'error' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let timer = null;
    if (timeoutMs) {
      const ctl = new AbortController();
      init.signal = ctl.signal;
      timer = setTimeout(() => ctl.abort(), timeoutMs);
    }
    try {
      const res = await fetch(path, init);
      const text = await res.text();
      let json = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch (e) {
        json = null;
      }
      const r = { status: res.status, ok: res.ok, json };
      if (json && (json.error === 'unauthorized' || json.error === 'forbidden') && session.token) {
        tokenRefused(r);
      }
      return r;
    } catch (e) {
      throw new Unreachable(e && e.name === 'AbortError' ? 'no answer within ' + timeoutMs / 1000 + ' s'
        : 'the admin API cannot be reached');
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  /** The API's error in words: "error: detail (HTTP n)". */
  function problem(r) {
    if (!r.json) return 'HTTP ' + r.status;
    let detail = r.json.detail;
    if (Array.isArray(detail)) detail = detail.join('; ');
    return (r.json.error || 'error') + (detail ? ': ' + detail : '') + ' (HTTP ' + r.status + ')';
  }

  async function getJson(path) {
    const r = await call('GET', path, undefined, 10000);
    if (!r.ok) throw new Error(problem(r));
    return r.json;
  }

  // ---------------------------------------------------------------- sign-in

  function tokenRefused(r) {
    signOut('The admin API refused the token: ' + problem(r) + '. Sign in again.');
  }

  function signOut(message) {
    session.token = null;
    session.who = null;
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(WHO_KEY);
    $('login-error').textContent = message || '';
    route();
  }

  $('login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const token = $('token').value.trim();
    const error = $('login-error');
    if (!token) {
      error.textContent = 'Enter a token.';
      $('token').focus();
      return;
    }
    error.textContent = '';
    $('login-submit').disabled = true;
    try {
      const r = await fetch('/api/v1/whoami', {
        headers: { Authorization: 'Bearer ' + token, Accept: 'application/json' },
        cache: 'no-store',
      });
      const json = await r.json().catch(() => null);
      if (r.ok && json) {
        session.token = token;
        session.who = json.who;
        sessionStorage.setItem(TOKEN_KEY, token);
        sessionStorage.setItem(WHO_KEY, json.who);
        $('token').value = '';
        if (location.hash.startsWith('#/')) route();
        else location.hash = '#/overview'; // routes on hashchange
      } else {
        error.textContent = 'Refused: ' + problem({ status: r.status, json });
        $('token').select();
        $('token').focus();
      }
    } catch (e) {
      error.textContent = 'The admin API cannot be reached: ' + e.message;
    } finally {
      $('login-submit').disabled = false;
    }
  });

  $('signout').addEventListener('click', () => signOut('Signed out.'));
  $('skip').addEventListener('click', (ev) => {
    ev.preventDefault(); // the hash is the router's
    $('main').focus();
  });

  // ---------------------------------------------------------------- views and routing

  const VIEWS = { login: loginView, overview: overviewView, filers: filersView, filer: filerView, site: siteView };
  let current = null;

  function route() {
    const hash = location.hash;
    if (!session.token) return show('login');
    if (!hash.startsWith('#/')) return show('overview');
    const [name, ...rest] = hash.slice(2).split('/');
    const param = rest.length ? decodeURIComponent(rest.join('/')) : null;
    if (name === 'filers' && param) return show('filer', param);
    if (name === 'filers') return show('filers');
    if (name === 'site') return show('site', param);
    return show('overview');
  }

  function show(name, param) {
    if (current && current.leave) current.leave();
    for (const v of document.querySelectorAll('.view')) v.hidden = true;
    const signedIn = name !== 'login';
    $('nav').hidden = !signedIn;
    $('session').hidden = !signedIn;
    $('who').textContent = session.who ? 'signed in as ' + session.who : '';
    for (const a of document.querySelectorAll('[data-nav]')) {
      const here = a.getAttribute('data-nav') === (name === 'filer' ? 'filers' : name);
      if (here) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    const section = $('view-' + name);
    section.hidden = false;
    current = VIEWS[name](param);
    document.title = (current.title || 'Predictor') + ' · Predictor console';
    const h1 = section.querySelector('h1');
    if (name === 'login') $('token').focus();
    else if (h1) h1.focus({ preventScroll: true });
    if (signedIn) startPolling();
    else stopPolling();
  }

  window.addEventListener('hashchange', route);

  // ---------------------------------------------------------------- live: status every 2 s

  const live = { status: null, revision: null, okAt: null, downSince: null, timer: null, generation: 0 };

  function startPolling() {
    if (live.timer === null) {
      live.timer = 0;
      poll(++live.generation);
    }
  }

  function stopPolling() {
    if (live.timer) clearTimeout(live.timer);
    live.timer = null;
    live.revision = null;
    live.generation++;
  }

  async function poll(generation) {
    try {
      const r = await call('GET', '/api/v1/status', undefined, 4000);
      if (generation !== live.generation) return; // signed out meanwhile
      if (!r.ok || !r.json) throw new Unreachable('the status call answered ' + problem(r));
      const first = live.status === null;
      live.status = r.json;
      live.okAt = new Date();
      live.downSince = null;
      showUnreachable(null);
      showStore(r.json.store);
      $('live-status').textContent = 'live · revision ' + fmt(r.json.revision) + ' · ' + clock(live.okAt);
      $('live-status').className = 'live live-ok';
      const changed = r.json.revision !== live.revision;
      live.revision = r.json.revision;
      if (current) {
        if ((changed || first) && current.refresh) current.refresh();
        else if (current.tick) current.tick();
      }
    } catch (e) {
      if (!(e instanceof Unreachable)) throw e;
      if (!live.downSince) live.downSince = new Date();
      showUnreachable(e.message);
      $('live-status').textContent = 'not live since ' + clock(live.downSince);
      $('live-status').className = 'live live-bad';
    } finally {
      if (live.timer !== null && generation === live.generation) {
        live.timer = setTimeout(() => poll(generation), POLL_MS);
      }
    }
  }

  function showUnreachable(reason) {
    const b = $('banner-unreachable');
    if (!reason) {
      b.hidden = true;
      return;
    }
    const last = live.okAt ? ' Last update ' + clock(live.okAt) + '.' : '';
    b.textContent = 'The proxy is unreachable since ' + clock(live.downSince) + ' (' + reason + '). What is shown may be'
      + ' out of date, and no change can be made until it answers again.' + last;
    b.hidden = false;
  }

  /** {"store":{"available":false}} once the fleet store reports itself; absent: nothing to say. */
  function showStore(store) {
    const b = $('banner-store');
    if (store && store.available === false) {
      b.textContent = 'The state store is unreachable' + (store.detail ? ' (' + store.detail + ')' : '')
        + ': traffic goes on by the last applied state, and changes are refused until it is back.';
      b.hidden = false;
    } else {
      b.hidden = true;
    }
  }

  // ---------------------------------------------------------------- login view

  function loginView() {
    return { title: 'Sign in' };
  }

  // ---------------------------------------------------------------- overview

  function overviewView() {
    let chartRevision = null;

    function renderTotals(s) {
      const total = STATES.reduce((a, k) => a + (s.sites[k] || 0), 0);
      const cards = [el('div', { class: 'card' },
        el('span', { class: 'card-label' }, 'Sites'),
        el('span', { class: 'card-value', id: 'total-sites' }, fmt(total)),
        stateBar(s.sites, total))];
      for (const k of STATES) {
        const n = s.sites[k] || 0;
        cards.push(el('div', { class: 'card card-' + k },
          el('span', { class: 'card-label' }, badge(k)),
          el('span', { class: 'card-value', id: 'total-' + k }, fmt(n)),
          el('span', { class: 'card-note' }, total ? (100 * n / total).toFixed(1) + ' %' : '–')));
      }
      replace($('totals'), cards);
      $('overview-meta').textContent = 'Table revision ' + fmt(s.revision) + ' · version ' + s.version
        + ' · up ' + duration(s.uptime_s);
    }

    async function refresh() {
      const s = live.status;
      if (!s) return;
      renderTotals(s);
      loadFleet();
      if (chartRevision !== s.revision) {
        chartRevision = s.revision;
        loadProgress(s).catch((e) => { $('progress-note').textContent = 'History unavailable: ' + e.message; });
        loadActive().catch((e) => replace($('active-filers'), el('p', { class: 'error' }, e.message)));
      }
    }

    async function loadActive() {
      const seen = new Map();
      for (const st of ['maintenance', 'hold']) {
        const j = await getJson('/api/v1/groups?state=' + st + '&limit=25');
        for (const g of j.groups) seen.set(g.group, g);
      }
      if (!seen.size) {
        replace($('active-filers'), el('p', { class: 'meta' }, 'No filer is in maintenance or hold.'));
        return;
      }
      const items = [...seen.values()].sort((a, b) => a.group.localeCompare(b.group)).map((g) =>
        el('li', {}, el('a', { href: '#/filers/' + enc(g.group) }, g.group), ' ',
          stateBar(g.sites, g.total), ' ', describeCounts(g.sites)));
      replace($('active-filers'), el('ul', { class: 'plain' }, items));
    }

    async function loadFleet() {
      let r;
      try {
        r = await call('GET', '/api/v1/fleet', undefined, 4000);
      } catch (e) {
        return; // the banner says it
      }
      const panel = $('fleet-panel');
      if (r.status !== 200 || !r.json || (r.json.store && r.json.store !== 'etcd')) {
        panel.hidden = true; // no fleet: a proxy on its own (file store)
        return;
      }
      panel.hidden = false;
      const members = Array.isArray(r.json) ? r.json : (r.json.members || []);
      const revision = live.status ? live.status.revision : null;
      const rows = members.map((m) => {
        const name = m.instance || m.name || '?';
        const applied = m.revision;
        // an absent or diverged member has no lag ("lag":null): not one computed from a revision it does not have
        const lag = 'lag' in m ? m.lag : (m.lag_revisions ?? (applied != null && revision !== null ? revision - applied : null));
        const alive = m.alive ?? m.live;
        const state = m.diverged ? 'diverged' : alive === false ? 'away' : alive === true ? 'live' : (m.state || '');
        return el('tr', {},
          el('th', { scope: 'row' }, String(name)),
          el('td', { class: 'num' }, fmt(applied)),
          el('td', { class: 'num' + (lag > 0 ? ' warn' : '') }, lag === null ? '–' : fmt(lag)),
          el('td', {}, state));
      });
      replace($('fleet'), el('table', { class: 'data' },
        el('caption', { class: 'visually-hidden' }, 'Fleet members and how far behind the table each is'),
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Member'),
          el('th', { scope: 'col', class: 'num' }, 'Applied revision'),
          el('th', { scope: 'col', class: 'num' }, 'Lag (revisions)'), el('th', { scope: 'col' }, 'State'))),
        el('tbody', {}, rows)));
    }

    refresh();
    return {
      title: 'Overview',
      refresh,
      tick() {
        if (live.status) renderTotals(live.status);
        loadFleet();
      },
    };
  }

  function duration(s) {
    if (s === undefined) return '–';
    if (s < 120) return s + ' s';
    if (s < 7200) return Math.floor(s / 60) + ' min';
    if (s < 172800) return Math.floor(s / 3600) + ' h';
    return Math.floor(s / 86400) + ' days';
  }

  // ---------------------------------------------------------------- the progress chart

  /**
   * Sites by state over time, rebuilt from the journal: start from today's counts and undo the
   * changes newest first (a group flip moves its "before" counts to its new state; a site change
   * moves one site). A sites-file reload does not record counts, so the picture starts after it.
   */
  async function loadProgress(status) {
    const since = Math.max(0, status.revision - 2000);
    let changes = [];
    let cursor = since;
    for (let page = 0; page < 2 && cursor !== null; page++) {
      const j = await getJson('/api/v1/history?since=' + cursor + '&limit=1000');
      changes = changes.concat(j.changes);
      cursor = j.next;
    }
    const series = progressSeries(status, changes, Date.now());
    drawProgress($('progress-chart'), series);
  }

  function progressSeries(status, changes, browserNow) {
    // the browser's clock may lag the proxy's: never let "now" come before the last change
    const now = changes.length ? Math.max(browserNow, Date.parse(changes[changes.length - 1].time)) : browserNow;
    const counts = Object.assign({}, status.sites);
    const points = [{ t: now, c: Object.assign({}, counts) }];
    let cut = false;
    for (let i = changes.length - 1; i >= 0; i--) {
      const ch = changes[i];
      const t = Date.parse(ch.time);
      points.push({ t, c: Object.assign({}, counts) }); // what held from this change on
      if (ch.what.startsWith('reload ')) {
        cut = true;
        break;
      }
      if (ch.what.startsWith('group ')) {
        counts[ch.after.state] -= ch.after.sites;
        for (const s of STATES) counts[s] += ch.before[s] || 0;
      } else {
        if (ch.after) counts[ch.after.state] -= 1;
        if (ch.before) counts[ch.before.state] += 1;
      }
      for (const s of STATES) counts[s] = Math.max(0, counts[s]);
    }
    points.reverse(); // oldest first; points[i] holds from its t to the next one's
    const first = points[0].t;
    const start = !cut && changes.length ? first - Math.max(60000, (now - first) * 0.05) : first;
    if (!cut && changes.length) points.unshift({ t: start, c: Object.assign({}, counts) });
    if (!changes.length) points.unshift({ t: now - Math.min((status.uptime_s || 60) * 1000, 3600000), c: counts });
    return { points, changes: changes.length, cut };
  }

  function drawProgress(box, series) {
    // drawn at the box's own width (no scaling: text keeps its shape)
    const W = Math.max(320, Math.round(box.getBoundingClientRect().width) || 800), H = 260, L = 64, R = 16, T = 12, B = 34;
    const pts = series.points;
    const t0 = pts[0].t, t1 = Math.max(pts[pts.length - 1].t, t0 + 1);
    const tot = (c) => STATES.reduce((a, s) => a + c[s], 0);
    const max = Math.max(1, ...pts.map((p) => tot(p.c)));
    const x = (t) => L + (W - L - R) * (t - t0) / (t1 - t0);
    const y = (v) => T + (H - T - B) * (1 - v / max);
    const order = ['migrated', 'hold', 'maintenance', 'legacy']; // bottom to top
    const chart = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'progress', role: 'img',
      'aria-labelledby': 'chart-title chart-desc', width: W, height: H });
    const firstC = pts[0].c, lastC = pts[pts.length - 1].c;
    chart.appendChild(svg('title', { id: 'chart-title' }, 'Sites by state over time'));
    chart.appendChild(svg('desc', { id: 'chart-desc' }, 'From ' + when(t0) + ' to ' + when(t1) + ': '
      + STATES.map((s) => s + ' ' + fmt(firstC[s]) + ' to ' + fmt(lastC[s])).join(', ') + '.'));
    for (const frac of [0, 0.5, 1]) {
      const v = Math.round(max * frac);
      chart.appendChild(svg('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), class: 'grid' }));
      chart.appendChild(svg('text', { x: L - 8, y: y(v) + 4, class: 'axis', 'text-anchor': 'end' }, fmt(v)));
    }
    const below = pts.map(() => 0);
    for (const s of order) {
      const top = pts.map((p, i) => below[i] + p.c[s]);
      let d = '';
      for (let i = 0; i < pts.length; i++) { // step: a value holds until the next change
        const xa = x(pts[i].t), xb = x(i + 1 < pts.length ? pts[i + 1].t : t1);
        d += (i === 0 ? 'M' : 'L') + xa.toFixed(1) + ' ' + y(top[i]).toFixed(1) + 'L' + xb.toFixed(1) + ' ' + y(top[i]).toFixed(1);
      }
      for (let i = pts.length - 1; i >= 0; i--) {
        const xa = x(pts[i].t), xb = x(i + 1 < pts.length ? pts[i + 1].t : t1);
        d += 'L' + xb.toFixed(1) + ' ' + y(below[i]).toFixed(1) + 'L' + xa.toFixed(1) + ' ' + y(below[i]).toFixed(1);
      }
      chart.appendChild(svg('path', { d: d + 'Z', class: 'area fill-' + s }));
      top.forEach((v, i) => { below[i] = v; });
    }
    for (let i = 0; i <= 4; i++) {
      const t = t0 + (t1 - t0) * i / 4;
      chart.appendChild(svg('text', { x: x(t), y: H - 10, class: 'axis',
        'text-anchor': i === 0 ? 'start' : i === 4 ? 'end' : 'middle' }, when(t, t1 - t0)));
    }
    chart.appendChild(svg('line', { x1: L, x2: W - R, y1: y(0), y2: y(0), class: 'baseline' }));
    replace(box, chart);
    replace($('progress-legend'), order.slice().reverse().map((s) =>
      el('li', {}, el('span', { class: 'swatch fill-' + s, 'aria-hidden': 'true' }), s + ' ' + fmt(lastC[s]))));
    $('progress-note').textContent = series.changes
      ? 'Rebuilt from the last ' + plural(series.changes, 'change') + ' of the journal'
        + (series.cut ? ', back to the last sites-file reload.' : '.')
      : 'No change in the journal yet.';
  }

  function when(t, span) {
    const d = new Date(t);
    if (span !== undefined && span > 2 * 86400000) return d.toISOString().slice(5, 10) + ' ' + pad(d.getHours()) + 'h';
    return clock(d);
  }

  // ---------------------------------------------------------------- filers list

  const COLUMNS = [
    { key: 'group', label: 'Filer' },
    { key: 'total', label: 'Sites', num: true },
    { key: 'legacy', label: 'Legacy', num: true },
    { key: 'migrated', label: 'Migrated', num: true },
    { key: 'maintenance', label: 'Maintenance', num: true },
    { key: 'hold', label: 'Hold', num: true },
    { key: 'progress', label: 'Progress' },
    { key: 'inflight', label: 'In flight', num: true },
    { key: 'rate', label: 'Req./min', num: true },
  ];

  const filersState = { q: '', state: '', cursors: [null], page: 0, sort: { key: 'group', dir: 1 } };

  function filersView() {
    const f = filersState;
    let rows = [];
    let next = null;
    const details = new Map();
    let detailTimer = null;
    let debounce = null;
    let loading = 0;

    $('filer-q').value = f.q;
    $('filer-state').value = f.state;

    async function load() {
      const ticket = ++loading;
      const params = new URLSearchParams({ limit: String(PAGE) });
      if (f.q) params.set('q', f.q);
      if (f.state) params.set('state', f.state);
      if (f.cursors[f.page]) params.set('after', f.cursors[f.page]);
      let j;
      try {
        j = await getJson('/api/v1/groups?' + params);
      } catch (e) {
        $('filers-count').textContent = 'Cannot list filers: ' + e.message;
        return;
      }
      if (ticket !== loading) return; // a newer search answered first
      rows = j.groups;
      next = j.next;
      $('filers-count').textContent = plural(j.matched, 'filer') + (f.q || f.state ? ' match' : '')
        + (j.matched > PAGE ? ' · page ' + (f.page + 1) + ' of ' + Math.ceil(j.matched / PAGE) : '');
      render();
      loadDetails();
    }

    function value(row, key) {
      const d = details.get(row.group);
      switch (key) {
        case 'group': return row.group;
        case 'total': return row.total;
        case 'progress': return row.sites.migrated / Math.max(1, row.total);
        case 'inflight': return d ? d.inflight : -1;
        case 'rate': return d ? d.requests_last_minute : -1;
        default: return row.sites[key];
      }
    }

    function render() {
      keepFocus($('filers-head'), () => replace($('filers-head'), COLUMNS.map((c) => {
        const sorted = f.sort.key === c.key;
        return el('th', { scope: 'col', class: c.num ? 'num' : null,
          'aria-sort': sorted ? (f.sort.dir > 0 ? 'ascending' : 'descending') : null },
        el('button', { type: 'button', class: 'sort', 'data-focus': 'sort-' + c.key,
          on: { click: () => sortBy(c.key) } }, c.label, el('span', { 'aria-hidden': 'true', class: 'arrow' },
          sorted ? (f.sort.dir > 0 ? ' ▲' : ' ▼') : '')));
      })));
      const sortedRows = rows.slice().sort((a, b) => {
        const va = value(a, f.sort.key), vb = value(b, f.sort.key);
        const c = typeof va === 'string' ? va.localeCompare(vb) : va - vb;
        return f.sort.dir * (c || a.group.localeCompare(b.group));
      });
      keepFocus($('filers-body'), () => replace($('filers-body'), sortedRows.length ? sortedRows.map(row)
        : [el('tr', {}, el('td', { colspan: COLUMNS.length }, 'No filer matches.'))]));
      $('filers-prev').disabled = f.page === 0;
      $('filers-next').disabled = !next;
    }

    function row(g) {
      const d = details.get(g.group);
      return el('tr', { 'data-group': g.group },
        el('th', { scope: 'row' }, el('a', { href: '#/filers/' + enc(g.group), 'data-focus': 'g-' + g.group }, g.group)),
        el('td', { class: 'num' }, fmt(g.total)),
        ...['legacy', 'migrated', 'maintenance', 'hold'].map((s) =>
          el('td', { class: 'num' + (g.sites[s] && (s === 'maintenance' || s === 'hold') ? ' warn' : '') },
            fmt(g.sites[s]))),
        el('td', {}, stateBar(g.sites, g.total)),
        el('td', { class: 'num', 'data-cell': 'inflight' }, d ? fmt(d.inflight) : '…'),
        el('td', { class: 'num', 'data-cell': 'rate' }, d ? fmt(d.requests_last_minute) : '…'));
    }

    function sortBy(key) {
      f.sort = { key, dir: f.sort.key === key ? -f.sort.dir : (key === 'group' ? 1 : -1) };
      render();
    }

    /** In flight and the last minute's requests, per visible row, four calls at a time. */
    async function loadDetails() {
      const queue = rows.map((r) => r.group);
      const worker = async () => {
        while (queue.length) {
          const g = queue.shift();
          const r = await call('GET', '/api/v1/groups/' + enc(g), undefined, 5000).catch(() => null);
          if (!r || !r.ok) continue;
          details.set(g, r.json);
          const tr = [...$('filers-body').children].find((t) => t.getAttribute('data-group') === g);
          if (tr) {
            tr.querySelector('[data-cell=inflight]').textContent = fmt(r.json.inflight);
            tr.querySelector('[data-cell=rate]').textContent = fmt(r.json.requests_last_minute);
          }
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      if (f.sort.key === 'inflight' || f.sort.key === 'rate') render();
    }

    const onInput = () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => {
        f.q = $('filer-q').value.trim();
        f.cursors = [null];
        f.page = 0;
        load();
      }, 200);
    };
    const onState = () => {
      f.state = $('filer-state').value;
      f.cursors = [null];
      f.page = 0;
      load();
    };
    const onPrev = () => {
      if (f.page > 0) {
        f.page--;
        load();
      }
    };
    const onNext = () => {
      if (next) {
        f.cursors[f.page + 1] = next;
        f.page++;
        load();
      }
    };
    $('filer-q').addEventListener('input', onInput);
    $('filer-state').addEventListener('change', onState);
    $('filers-prev').addEventListener('click', onPrev);
    $('filers-next').addEventListener('click', onNext);
    detailTimer = setInterval(loadDetails, DETAIL_MS);
    load();

    return {
      title: 'Filers',
      refresh: load,
      leave() {
        clearInterval(detailTimer);
        clearTimeout(debounce);
        $('filer-q').removeEventListener('input', onInput);
        $('filer-state').removeEventListener('change', onState);
        $('filers-prev').removeEventListener('click', onPrev);
        $('filers-next').removeEventListener('click', onNext);
      },
    };
  }

  // ---------------------------------------------------------------- one filer

  function filerView(group) {
    $('filer-title').textContent = 'Filer ' + group;
    $('filer-error').textContent = '';
    replace($('filer-summary'));
    replace($('filer-steps'));
    replace($('filer-sites'));
    replace($('filer-history'));
    const sites = { cursors: [null], page: 0, next: null };
    let detail = null;
    let gone = false;
    const path = '/api/v1/groups/' + enc(group);

    const target = {
      key: 'group:' + group,
      label: 'filer ' + group,
      noun: 'filer',
      putPath: path,
      pollPath: path,
      box: $('filer-steps'),
      counts: () => detail && detail.sites,
      reload: () => loadDetail(),
      polled: (d) => renderSummary(d),
    };

    async function loadDetail() {
      const r = await call('GET', path, undefined, 8000).catch((e) => ({ status: 0, ok: false, json: null, e }));
      if (gone) return;
      if (!r.ok) {
        $('filer-error').textContent = r.e ? r.e.message : r.status === 404 ? 'Filer ' + group + ' has no sites.'
          : problem(r);
        return;
      }
      $('filer-error').textContent = '';
      detail = r.json;
      renderSummary(detail);
      renderSteps(target);
    }

    /** Sites by state, in flight, requests in the last minute (also fed by the barrier's polling). */
    function renderSummary(d) {
      if (gone) return;
      const total = STATES.reduce((a, s) => a + d.sites[s], 0);
      const by = d.inflight_by_route || {};
      const detail = d;
      replace($('filer-summary'), el('div', { class: 'summary' },
        el('p', {}, stateBar(detail.sites, total), ' ', plural(total, 'site'), ': ',
          ...STATES.filter((s) => detail.sites[s]).map((s, i) => [i ? ', ' : '', badge(s, fmt(detail.sites[s]) + ' ' + s)])),
        el('p', { id: 'filer-inflight' }, 'In flight: ', el('strong', {}, fmt(detail.inflight)),
          ' (local ' + fmt(by.local) + ', legacy ' + fmt(by.legacy) + ') · requests in the last minute: ',
          el('strong', {}, fmt(detail.requests_last_minute)))));
    }

    async function loadSites() {
      const params = new URLSearchParams({ group, limit: String(PAGE) });
      if (sites.cursors[sites.page]) params.set('after', sites.cursors[sites.page]);
      try {
        const j = await getJson('/api/v1/sites?' + params);
        sites.next = j.next;
        keepFocus($('filer-sites'), () => replace($('filer-sites'), j.sites.map((s) => el('tr', {},
          el('th', { scope: 'row' }, el('a', { href: '#/site/' + enc(s.host), 'data-focus': 's-' + s.host }, s.host)),
          el('td', {}, badge(s.state)), el('td', { class: 'num' }, fmt(s.revision))))));
        $('filer-sites-prev').disabled = sites.page === 0;
        $('filer-sites-next').disabled = !sites.next;
      } catch (e) {
        replace($('filer-sites'), el('tr', {}, el('td', { colspan: 3, class: 'error' }, e.message)));
      }
    }

    async function loadHistory() {
      try {
        const changes = await historyOf('group=' + enc(group));
        renderHistory($('filer-history'), changes.slice(-20).reverse(), 'No change to this filer yet.');
      } catch (e) {
        replace($('filer-history'), el('p', { class: 'error' }, e.message));
      }
    }

    const onPrev = () => {
      if (sites.page > 0) {
        sites.page--;
        loadSites();
      }
    };
    const onNext = () => {
      if (sites.next) {
        sites.cursors[sites.page + 1] = sites.next;
        sites.page++;
        loadSites();
      }
    };
    $('filer-sites-prev').addEventListener('click', onPrev);
    $('filer-sites-next').addEventListener('click', onNext);
    const timer = setInterval(() => {
      if (flowOf(target.key).phase !== 'draining') loadDetail();
    }, DETAIL_MS);
    const refresh = () => {
      loadDetail();
      loadSites();
      loadHistory();
    };
    refresh();

    return {
      title: 'Filer ' + group,
      refresh,
      leave() {
        gone = true;
        clearInterval(timer);
        $('filer-sites-prev').removeEventListener('click', onPrev);
        $('filer-sites-next').removeEventListener('click', onNext);
        target.box = null;
        replace($('filer-steps')); // the steps' ids are the site view's too
      },
    };
  }

  /** Every change matching a history filter, oldest first (up to 5,000). */
  async function historyOf(filter) {
    let changes = [];
    let since = 0;
    for (let page = 0; page < 5 && since !== null; page++) {
      const j = await getJson('/api/v1/history?' + filter + '&since=' + since + '&limit=1000');
      changes = changes.concat(j.changes);
      since = j.next;
    }
    return changes;
  }

  function renderHistory(box, changes, empty) {
    if (!changes.length) {
      replace(box, el('p', { class: 'meta' }, empty));
      return;
    }
    const side = (v) => {
      if (v === null || v === undefined) return '—';
      if (v.state && v.sites !== undefined) return v.state + ' (' + plural(v.sites, 'site') + ')';
      if (v.state) return v.state + (v.group ? ' · ' + v.group : '');
      if (v.sites !== undefined && STATES.every((s) => v[s] === undefined)) return plural(v.sites, 'site');
      return describeCounts(v);
    };
    replace(box, el('div', { class: 'table-wrap' }, el('table', { class: 'data' },
      el('caption', { class: 'visually-hidden' }, 'Changes, newest first'),
      el('thead', {}, el('tr', {}, ...['Revision', 'Time', 'Who', 'What', 'Before', 'After'].map((h) =>
        el('th', { scope: 'col' }, h)))),
      el('tbody', {}, changes.map((c) => el('tr', {},
        el('td', { class: 'num' }, fmt(c.revision)),
        el('td', {}, new Date(c.time).toLocaleString('en-GB')),
        el('td', {}, c.who),
        el('td', {}, c.what, c.forced ? [' ', el('span', { class: 'badge forced' }, 'forced')] : null),
        el('td', {}, side(c.before)),
        el('td', {}, side(c.after))))))));
  }

  // ---------------------------------------------------------------- the guided cut-over

  /**
   * What an operator is doing to a filer or a site, kept across re-renders and views:
   * phase idle | draining | drained | timeout | applying | done | error.
   */
  const flows = new Map();
  function flowOf(key) {
    if (!flows.has(key)) flows.set(key, { phase: 'idle', direction: null, stop: 'maintenance', timeout: '60s', close: false });
    return flows.get(key);
  }

  function uniformState(counts, total) {
    return STATES.find((s) => counts[s] === total) || null;
  }

  /**
   * The steps of a cut-over (or a rollback) for target: 1. stop traffic and wait for the drain
   * barrier (maintenance, or hold for a small filer); 2. copy the data; 3. mark migrated, or roll
   * back to legacy, after a confirmation that names the filer and its number of sites. A forced
   * jump is never offered.
   */
  function renderSteps(t) {
    const box = t.box;
    const counts = t.counts();
    if (!box || !counts) return;
    const total = STATES.reduce((a, s) => a + counts[s], 0);
    const uniform = uniformState(counts, total);
    const stopped = uniform === 'maintenance' || uniform === 'hold';
    const f = flowOf(t.key);
    if (uniform === 'legacy') f.direction = 'cutover';
    if (uniform === 'migrated') f.direction = 'rollback';
    const small = total <= HOLD_MAX_SITES;
    if (!small && f.stop === 'hold') f.stop = 'maintenance';

    const situation = uniform === 'legacy' ? 'All ' + plural(total, 'site') + ' are served by the legacy side.'
      : uniform === 'migrated' ? 'All ' + plural(total, 'site') + ' are migrated: served by local. A rollback takes the same steps.'
        : stopped ? 'All ' + plural(total, 'site') + ' are in ' + uniform + (uniform === 'hold'
          ? ': requests wait for the next state (up to timeouts.hold).' : ': visitors get the 503 page; no origin is reached.')
          : 'The sites are in mixed states (' + describeCounts(counts) + '). Step 1 brings them all to one state.';

    const shown = f.phase === 'draining' ? 'Stopping traffic: ' + f.stop + ' is in force; waiting for what the previous'
      + ' state sent to an origin to finish.' : situation;
    const stopLabel = f.stop === 'hold' ? 'Put on hold and wait for drain' : 'Put in maintenance and wait for drain';

    // Step 1
    const step1 = el('li', { class: 'step ' + (stopped || f.phase === 'drained' ? 'step-done' : 'step-now') });
    step1.appendChild(el('h3', {}, f.direction === 'rollback' && !stopped ? 'Stop traffic to local and wait for drain'
      : 'Stop traffic and wait for drain'));
    if (f.phase === 'draining') {
      step1.appendChild(drainBox(t, f));
    } else {
      if (!stopped) {
        step1.appendChild(el('p', {}, 'Nothing is written on either side from then on: the barrier answers when no request'
          + ' routed by the previous state is still in flight.'));
        step1.appendChild(stopOptions(t, f, small, total, true, () => renderSteps(t)));
        step1.appendChild(el('button', { type: 'button', class: 'primary', id: 'step-drain', 'data-focus': 'drain',
          disabled: f.phase === 'applying',
          on: { click: () => runDrain(t, f.stop, uniform === 'legacy' || uniform === 'migrated' ? uniform : null) } },
        stopLabel));
      } else {
        step1.appendChild(el('p', { class: 'ok' }, situation));
        step1.appendChild(stopOptions(t, f, small, total, false, () => renderSteps(t)));
        step1.appendChild(el('button', { type: 'button', id: 'step-redrain', 'data-focus': 'redrain',
          disabled: f.phase === 'applying', on: { click: () => runDrain(t, uniform, uniform) } },
        'Wait for drain again'));
      }
      const outcome = drainOutcome(f);
      if (outcome) step1.appendChild(outcome);
    }

    // Step 2
    const step2 = el('li', { class: 'step ' + (stopped ? 'step-now' : 'step-later') },
      el('h3', {}, 'Copy the data'),
      el('p', {}, 'rsync, database dump and restore, … — while the ' + t.noun + ' is stopped.'));

    // Step 3
    const step3 = el('li', { class: 'step ' + (stopped ? 'step-now' : 'step-later') });
    step3.appendChild(el('h3', {}, f.direction !== 'rollback' ? 'Serve it from the new side'
      : stopped ? 'Roll back, or go on' : 'Roll back to legacy'));
    const migrate = el('button', { type: 'button', id: 'step-migrate', 'data-focus': 'migrate',
      class: f.direction !== 'rollback' ? 'primary' : null, disabled: !stopped || f.phase === 'applying' || f.phase === 'draining',
      on: { click: () => runFinal(t, 'migrated', uniform, total) } }, 'Mark migrated');
    const rollback = el('button', { type: 'button', id: 'step-rollback', 'data-focus': 'rollback',
      class: f.direction === 'rollback' ? 'primary' : null, disabled: !stopped || f.phase === 'applying' || f.phase === 'draining',
      on: { click: () => runFinal(t, 'legacy', uniform, total) } }, 'Roll back to legacy');
    step3.appendChild(el('div', { class: 'actions' }, ...(f.direction === 'rollback' ? [rollback, migrate] : [migrate, rollback])));
    if (!stopped) step3.appendChild(el('p', { class: 'meta' }, 'Available once step 1 is done.'));
    if (f.phase === 'error' && f.errorStep === 3) step3.appendChild(el('p', { class: 'error', role: 'alert' }, f.message));

    keepFocus(box, () => replace(box,
      el('p', { class: 'situation', id: t.key.startsWith('group:') ? 'filer-situation' : 'site-situation' }, shown),
      f.phase === 'done' && f.message ? el('p', { class: 'ok', role: 'status', id: 'step-result' }, f.message) : null,
      el('ol', { class: 'steps' }, step1, step2, step3)));
  }

  function stopOptions(t, f, small, total, chooseState, rerender) {
    const name = 'stop-' + t.key;
    const radio = (value, label, help, enabled) => el('div', { class: 'radio' },
      el('input', { type: 'radio', name, id: name + '-' + value, value, checked: f.stop === value, disabled: !enabled,
        'data-focus': 'stop-' + value, on: { change: () => { f.stop = value; rerender(); } } }),
      el('label', { for: name + '-' + value }, el('strong', {}, label), ' — ', help));
    const timeout = el('select', { id: 'drain-timeout', 'data-focus': 'timeout',
      on: { change: (e) => { f.timeout = e.target.value; } } },
    TIMEOUTS.map(([v, label]) => el('option', { value: v, selected: f.timeout === v }, label)));
    return el('fieldset', { class: 'options' },
      el('legend', {}, chooseState ? 'How to stop traffic' : 'Barrier'),
      chooseState ? radio('maintenance', 'maintenance', 'visitors get a 503 page while the data is copied', true) : null,
      chooseState ? radio('hold', 'hold', small ? 'requests wait (up to timeouts.hold) and go on by the next state: for a short copy'
        : 'offered for at most ' + HOLD_MAX_SITES + ' sites (this one has ' + fmt(total) + ')', small) : null,
      el('div', { class: 'field inline' }, el('label', { for: 'drain-timeout' }, 'Barrier timeout'), timeout),
      el('div', { class: 'check' },
        el('input', { type: 'checkbox', id: 'drain-close', checked: f.close, 'data-focus': 'close',
          on: { change: (e) => { f.close = e.target.checked; } } }),
        el('label', { for: 'drain-close' }, 'At the timeout, close what is still in flight (long WebSockets) instead of'
          + ' waiting longer')));
  }

  /** The live barrier: what is still in flight, how long it has waited, and the timeout. */
  function drainBox(t, f) {
    const box = el('div', { class: 'drain', id: 'drain-live', role: 'status', 'aria-live': 'polite', tabindex: '-1',
      'data-focus': 'drain-live' });
    fillDrainBox(box, f);
    return box;
  }

  function fillDrainBox(box, f) {
    const waited = (performance.now() - f.started) / 1000;
    const inflight = f.inflight;
    replace(box,
      el('p', { class: 'drain-title' }, el('span', { class: 'spinner', 'aria-hidden': 'true' }),
        'Waiting for the drain barrier — ' + f.stop + ' is in force'),
      el('p', {}, 'In flight on the previous route: ',
        el('strong', { id: 'drain-inflight' }, inflight ? fmt(inflight.total) : '…'),
        inflight ? ' (local ' + fmt(inflight.local) + ', legacy ' + fmt(inflight.legacy) + ')' : ''),
      sparkline(f.series),
      el('p', {}, 'Waited ', el('span', { id: 'drain-waited' }, waited.toFixed(1) + ' s'), ' of ' + f.timeoutLabel
        + (f.close ? ' (then what is left is closed)' : '')),
      el('progress', { max: f.timeoutMs, value: Math.min(f.timeoutMs, waited * 1000), 'aria-label': 'time waited of the barrier timeout' }));
  }

  function sparkline(series) {
    const W = 240, H = 44;
    const s = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'spark', role: 'img',
      'aria-label': 'in flight over time: ' + series.map((p) => p.n).slice(-8).join(', ') });
    if (series.length < 2) return s;
    const t0 = series[0].t, t1 = series[series.length - 1].t;
    const max = Math.max(1, ...series.map((p) => p.n));
    const pts = series.map((p) => (4 + (W - 8) * (p.t - t0) / Math.max(1, t1 - t0)).toFixed(1) + ','
      + (4 + (H - 8) * (1 - p.n / max)).toFixed(1)).join(' ');
    s.appendChild(svg('polyline', { points: pts, class: 'spark-line' }));
    return s;
  }

  function drainOutcome(f) {
    if (f.phase === 'drained' && f.result) {
      const r = f.result;
      return el('p', { class: 'ok', role: 'status', id: 'drain-done' }, 'Drained in ' + fmt(r.waited_ms) + ' ms at revision '
        + fmt(r.revision) + ': nothing routed by the previous state is still in flight.'
        + (r.closed ? ' ' + plural(r.closed, 'exchange') + ' closed at the timeout.' : ''));
    }
    if (f.phase === 'timeout' && f.result) {
      const r = f.result;
      const by = r.inflight_by_route || {};
      return el('div', { class: 'warnbox', role: 'alert', id: 'drain-timeout-msg' },
        el('p', {}, el('strong', {}, 'The barrier timed out'), ' after ' + fmt(r.waited_ms) + ' ms with '
          + plural(r.inflight, 'request') + ' still in flight (local ' + fmt(by.local) + ', legacy ' + fmt(by.legacy) + ').'),
        el('p', {}, 'The change is in force (revision ' + fmt(r.revision) + '). Wait and run the barrier again, or tick'
          + ' "close what is still in flight" — do not copy the data while requests still write on the old side.'));
    }
    if (f.phase === 'error' && f.errorStep === 1) {
      return el('p', { class: 'error', role: 'alert' }, f.message);
    }
    return null;
  }

  /** Step 1: PUT the stop state with ?wait=drained, polling in-flight counts while it is pending. */
  async function runDrain(t, stopState, expect) {
    const f = flowOf(t.key);
    const label = TIMEOUTS.find(([v]) => v === f.timeout);
    Object.assign(f, { phase: 'draining', started: performance.now(), timeoutMs: parseDuration(f.timeout),
      timeoutLabel: label ? label[1] : f.timeout, series: [], inflight: null, result: null, message: null, stop: stopState });
    renderSteps(t);
    const liveBox = t.box && t.box.querySelector('#drain-live');
    if (liveBox) liveBox.focus();
    let polling = true;
    const pollInflight = async () => {
      while (polling) {
        const r = await call('GET', t.pollPath, undefined, 3000).catch(() => null);
        if (!polling) break;
        if (r && r.ok) {
          const by = r.json.inflight_by_route || {};
          f.inflight = { total: r.json.inflight, local: by.local, legacy: by.legacy };
          f.series.push({ t: performance.now(), n: r.json.inflight });
          if (t.polled) t.polled(r.json);
          if (f.series.length > 600) f.series.shift();
        }
        const box = t.box && t.box.querySelector('#drain-live');
        if (box) fillDrainBox(box, f);
        await new Promise((res) => setTimeout(res, DRAIN_POLL_MS));
      }
    };
    const poller = pollInflight();
    const query = '?wait=drained&timeout=' + enc(f.timeout) + (f.close ? '&close=true' : '');
    const body = { state: stopState };
    if (expect) body.expect = expect;
    let r = null;
    try {
      r = await call('PUT', t.putPath + query, body);
    } catch (e) {
      f.phase = 'error';
      f.errorStep = 1;
      f.message = 'No answer from the admin API while waiting (' + e.message + '). The change may be in force: look'
        + ' again once the proxy answers.';
    }
    polling = false;
    await poller;
    if (r) {
      if (r.status === 200) {
        f.phase = 'drained';
        f.result = r.json;
      } else if (r.status === 504 && r.json && r.json.error === 'drain_timeout') {
        f.phase = 'timeout';
        f.result = r.json;
      } else {
        f.phase = 'error';
        f.errorStep = 1;
        f.message = 'Refused: ' + problem(r);
      }
    }
    await t.reload();
    const next = t.box && t.box.querySelector(f.phase === 'drained'
      ? (f.direction === 'rollback' ? '#step-rollback' : '#step-migrate') : '#step-redrain, #step-drain');
    if (next && !next.disabled) next.focus();
  }

  /** Step 3: after a confirmation naming the target and its number of sites, PUT the final state. */
  async function runFinal(t, to, from, total) {
    const f = flowOf(t.key);
    const sites = plural(total, 'site');
    const ok = await confirm({
      title: (to === 'migrated' ? 'Mark ' : 'Roll back ') + t.label + (to === 'migrated' ? ' migrated?' : ' to legacy?'),
      text: (t.noun === 'filer' ? 'All ' + sites + ' of ' + t.label : 'The ' + t.label) + ' will be served by '
        + (to === 'migrated' ? 'local (this datacentre)' : 'the legacy side (the old datacentre)')
        + ' from the next request on. ' + (total === 1 ? 'It is' : 'They are') + ' in ' + from + ' now.',
      ok: (to === 'migrated' ? 'Mark ' : 'Roll back ') + sites + (to === 'migrated' ? ' migrated' : ' to legacy'),
    });
    if (!ok) return;
    f.phase = 'applying';
    renderSteps(t);
    let r;
    try {
      r = await call('PUT', t.putPath, { state: to, expect: from });
    } catch (e) {
      r = null;
      f.phase = 'error';
      f.errorStep = 3;
      f.message = 'No answer from the admin API (' + e.message + '); look again once it answers.';
    }
    if (r && r.ok) {
      f.phase = 'done';
      f.direction = to === 'migrated' ? 'rollback' : 'cutover';
      f.message = 'Done at revision ' + fmt(r.json.revision) + ': ' + (t.noun === 'filer' ? 'all ' + sites + ' of ' : '')
        + t.label + (to === 'migrated' ? ' are migrated — served by local.' : ' are back on the legacy side.');
    } else if (r) {
      f.phase = 'error';
      f.errorStep = 3;
      f.message = 'Refused: ' + problem(r);
    }
    await t.reload();
  }

  function parseDuration(s) {
    const m = /^(\d+)(ms|s|m)$/.exec(s);
    if (!m) return 30000;
    return Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60000);
  }

  /** A modal confirmation (native dialog: focus kept inside, Escape cancels); resolves true or false. */
  function confirm({ title, text, ok }) {
    const d = $('confirm');
    $('confirm-title').textContent = title;
    $('confirm-text').textContent = text;
    $('confirm-ok').textContent = ok;
    return new Promise((resolve) => {
      const opener = document.activeElement;
      const done = (answer) => {
        $('confirm-ok').removeEventListener('click', yes);
        $('confirm-cancel').removeEventListener('click', no);
        d.removeEventListener('cancel', no);
        if (d.open) d.close();
        if (opener && opener.focus && document.contains(opener)) opener.focus();
        resolve(answer);
      };
      const yes = () => done(true);
      const no = (e) => {
        if (e) e.preventDefault();
        done(false);
      };
      $('confirm-ok').addEventListener('click', yes);
      $('confirm-cancel').addEventListener('click', no);
      d.addEventListener('cancel', no);
      d.showModal();
      $('confirm-cancel').focus();
    });
  }

  // ---------------------------------------------------------------- site search

  function siteView(host) {
    const input = $('site-q');
    input.value = host || '';
    $('site-error').textContent = '';
    replace($('site-detail'));
    replace($('site-suggest'));
    $('site-steps-panel').hidden = true;
    $('site-history-panel').hidden = true;
    let debounce = null;
    let gone = false;
    let entry = null;
    let view = null;

    const onSubmit = (ev) => {
      ev.preventDefault();
      const q = input.value.trim().toLowerCase();
      if (!q) return;
      if (q === host) load();
      else location.hash = '#/site/' + enc(q);
    };
    const onInput = () => {
      clearTimeout(debounce);
      debounce = setTimeout(suggest, 200);
    };
    $('site-form').addEventListener('submit', onSubmit);
    input.addEventListener('input', onInput);

    /** Sites whose name starts with what is typed (the page after it, in host order). */
    async function suggest() {
      const q = input.value.trim().toLowerCase();
      if (q.length < 2) {
        replace($('site-suggest'));
        return;
      }
      try {
        // the page after a name just below q: '~' sorts after every character of a host name
        const below = q.slice(0, -1) + String.fromCharCode(q.charCodeAt(q.length - 1) - 1) + '~';
        const j = await getJson('/api/v1/sites?limit=10&after=' + enc(below));
        const hits = j.sites.filter((s) => s.host.startsWith(q));
        if (gone || input.value.trim().toLowerCase() !== q) return;
        replace($('site-suggest'), hits.length ? el('ul', { class: 'plain suggest', 'aria-label': 'Sites starting with ' + q },
          hits.map((s) => el('li', {}, el('a', { href: '#/site/' + enc(s.host) }, s.host), ' ', badge(s.state),
            s.group ? ' ' + s.group : ''))) : null);
      } catch (e) {
        replace($('site-suggest'));
      }
    }

    const target = {
      key: null,
      noun: 'site',
      box: $('site-steps'),
      counts: () => view && { legacy: 0, migrated: 0, maintenance: 0, hold: 0, [view.state]: 1 },
      reload: () => load(),
    };

    async function load() {
      if (!host) return;
      const r = await call('GET', '/api/v1/sites/' + enc(host), undefined, 8000)
        .catch((e) => ({ status: 0, ok: false, json: null, e }));
      if (gone) return;
      if (r.status === 404 && r.json && r.json.default) {
        view = null;
        $('site-error').textContent = '';
        replace($('site-detail'), el('p', { class: 'situation' }, host + ' is not in the table: it takes the default route ('
          + r.json.default + ').'));
        $('site-steps-panel').hidden = true;
        $('site-history-panel').hidden = true;
        return;
      }
      if (!r.ok) {
        $('site-error').textContent = r.e ? r.e.message : problem(r);
        return;
      }
      $('site-error').textContent = '';
      view = r.json;
      entry = view.match || view.host;
      const by = view.inflight_by_route || {};
      const row = (k, ...v) => [el('dt', {}, k), el('dd', {}, ...v)];
      replace($('site-detail'), el('dl', { class: 'facts', id: 'site-facts' },
        row('Host', view.host),
        view.match ? row('Routed by', entry, ' (a wildcard entry: a change applies to every name under it)') : null,
        row('State', badge(view.state), ' ', STATE_HELP[view.state]),
        row('Group', view.group ? el('a', { href: '#/filers/' + enc(view.group) }, view.group) : '—'),
        row('Revision', fmt(view.revision), view.revision === 0 ? ' (from the sites file)' : ''),
        row('In flight', fmt(view.inflight) + ' (local ' + fmt(by.local) + ', legacy ' + fmt(by.legacy) + ')')));
      target.key = 'site:' + entry;
      target.label = 'site ' + entry;
      target.putPath = '/api/v1/sites/' + enc(entry);
      target.pollPath = '/api/v1/sites/' + enc(entry);
      $('site-steps-panel').hidden = false;
      renderSteps(target);
      loadHistory(entry, view.group);
    }

    async function loadHistory(name, group) {
      try {
        let changes = await historyOf('host=' + enc(name));
        if (group) {
          const flips = (await historyOf('group=' + enc(group))).filter((c) => c.what.startsWith('group '));
          changes = changes.concat(flips).sort((a, b) => a.revision - b.revision);
        }
        $('site-history-panel').hidden = false;
        renderHistory($('site-history'), changes.slice(-20).reverse(), 'No change to this site since the sites file.');
      } catch (e) {
        replace($('site-history'), el('p', { class: 'error' }, e.message));
      }
    }

    load();
    return {
      title: host ? 'Site ' + host : 'Site search',
      refresh: () => {
        if (!target.key || flowOf(target.key).phase !== 'draining') load();
      },
      leave() {
        gone = true;
        clearTimeout(debounce);
        target.box = null;
        replace($('site-steps')); // the steps' ids are the filer view's too
        $('site-form').removeEventListener('submit', onSubmit);
        input.removeEventListener('input', onInput);
      },
    };
  }

  // ---------------------------------------------------------------- start

  route();
})();
