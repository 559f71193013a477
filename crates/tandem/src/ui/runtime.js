// Tandem's runtime: keeps a server-rendered page in step with its state on
// the server. It builds the page from the template the server sent, opens
// /_event, sends events, applies the server's updates and navigates between
// pages without reloads. It never turns strings into code, so it runs under
// Content-Security-Policy script-src 'self'. Protocol: docs/protocol.md.
"use strict";

(function () {
  const TOKEN_KEY = "tandem-token";
  let boot = readBoot(document);
  if (!boot) return;
  let root = document.getElementById("tandem-root");
  let data = boot.data;
  let watchers = [];
  let socket = null;
  let ready = false;
  let queue = [];
  // Event ids are unique per tab, across reloads and reconnects: the server
  // applies an id once, so an event sent again after a dropped connection is safe.
  const NEXT_ID_KEY = "tandem-next-id";
  let nextId = Number(sessionStorage.getItem(NEXT_ID_KEY)) || 1;
  const unacked = new Map(); // event id -> the frame sent and not yet answered
  let backoff = 250;
  const pending = new Map(); // event id -> the element that sent it

  function readBoot(doc) {
    const el = doc.getElementById("tandem-boot");
    return el ? JSON.parse(el.textContent) : null;
  }

  // ---- reading the state ------------------------------------------------
  function lookup(path, scope) {
    const steps = path.split(".");
    let current = steps[0] in scope ? scope[steps[0]] : data[steps[0]];
    for (const step of steps.slice(1)) {
      if (current === null || current === undefined) return undefined;
      current = current[step];
    }
    return current;
  }
  function show(value) {
    if (value === null || value === undefined) return "";
    return typeof value === "string" ? value : JSON.stringify(value);
  }
  function truthy(value) {
    if (Array.isArray(value)) return value.length > 0;
    return Boolean(value);
  }
  const BOOLEAN_ATTRS = ["disabled", "checked", "selected", "hidden", "readonly"];

  // A URL that would run script is replaced, as the server's renderer does
  // (ui/render.rs, safe_attr_value): the scheme read as browsers read it,
  // data: allowed only for an <img src> image.
  const URL_ATTRS = ["href", "src", "action", "formaction", "xlink:href", "poster", "cite", "data"];
  let warnedUrl = false;
  function safeAttr(el, name, value) {
    const attr = name.toLowerCase();
    if (!URL_ATTRS.includes(attr)) return value;
    const url = value.replace(/^[\u0000-\u0020]+/, "").replace(/[\t\n\r]/g, "").slice(0, 16).toLowerCase();
    const scheme = url.includes(":") ? url.slice(0, url.indexOf(":")) : "";
    const image = el.localName === "img" && attr === "src" && url.startsWith("data:image/");
    if (!["javascript", "vbscript", "data"].includes(scheme) || (scheme === "data" && image)) return value;
    if (!warnedUrl) { warnedUrl = true; console.warn(`tandem: an unsafe URL in ${attr} was replaced`); }
    return "about:blank#blocked";
  }

  // ---- building the DOM from the template ---------------------------------
  function watch(anchor, path, scope, update) {
    const top = path.split(".")[0];
    if (top in scope) return; // rows are rebuilt with their list
    watchers.push({ anchor, top, update });
  }

  function build(node, scope) {
    switch (node.k) {
      case "text":
        return [document.createTextNode(node.text)];
      case "bind": {
        const text = document.createTextNode(show(lookup(node.path, scope)));
        watch(text, node.path, scope, () => { text.data = show(lookup(node.path, scope)); });
        return [text];
      }
      case "cond":
        return buildBlock(node, scope, (marker) => {
          let shown = null;
          return () => {
            const now = truthy(lookup(node.path, scope));
            if (shown === now) return null;
            shown = now;
            return build(now ? node.then : node.otherwise, scope);
          };
        });
      case "each":
        return buildEach(node, scope);
      default:
        return [buildElement(node, scope)];
    }
  }

  // A block between two comment markers whose content is replaced when render() says so.
  function buildBlock(node, scope, makeRender) {
    const start = document.createComment("t");
    const end = document.createComment("/t");
    const render = makeRender(start);
    const replace = () => {
      const nodes = render();
      if (!nodes) return;
      while (start.nextSibling && start.nextSibling !== end) start.nextSibling.remove();
      for (const n of nodes) end.before(n);
    };
    watch(start, node.path, scope, replace);
    const first = render() || [];
    return [start, ...first, end];
  }

  function buildEach(node, scope) {
    const start = document.createComment("each");
    const end = document.createComment("/each");
    let rows = new Map(); // key -> {json, nodes}
    const rowsOf = () => {
      const list = lookup(node.path, scope);
      return Array.isArray(list) ? list : [];
    };
    const renderRow = (item) => build(node.template, Object.assign({}, scope, { [node.name]: item }));
    const reconcile = () => {
      const next = new Map();
      const ordered = [];
      for (const item of rowsOf()) {
        const key = String(item !== null && typeof item === "object" ? item[node.key] : item);
        const old = rows.get(key);
        // The same row object as last time is unchanged (updates copy what
        // they change, see `locate`): not serialised again.
        const json = old && old.item === item ? old.json : JSON.stringify(item);
        const row = old && old.json === json ? Object.assign(old, { item }) : { item, json, nodes: renderRow(item) };
        if (old && old !== row) old.nodes.forEach((n) => n.remove());
        next.set(key, row);
        ordered.push(row);
      }
      for (const [key, row] of rows) if (!next.has(key)) row.nodes.forEach((n) => n.remove());
      for (const row of ordered) for (const n of row.nodes) end.before(n);
      rows = next;
    };
    watch(start, node.path, scope, reconcile);
    const initial = [];
    for (const item of rowsOf()) {
      const key = String(item !== null && typeof item === "object" ? item[node.key] : item);
      const row = { item, json: JSON.stringify(item), nodes: renderRow(item) };
      rows.set(key, row);
      initial.push(...row.nodes);
    }
    return [start, ...initial, end];
  }

  // element -> what re-applies its bound attributes from the state, so a
  // control shows the state again once its event is answered (see `resync`).
  const appliers = new WeakMap();

  function applier(el, apply) {
    const list = appliers.get(el) || [];
    list.push(apply);
    appliers.set(el, list);
  }

  function buildElement(node, scope) {
    const el = document.createElement(node.tag);
    for (const [name, value] of node.attrs) el.setAttribute(name, safeAttr(el, name, value));
    for (const [name, path] of node.bound) {
      const apply = () => setAttr(el, name, lookup(path, scope));
      apply();
      watch(el, path, scope, apply);
      applier(el, apply);
    }
    bindChoices(el, node, scope);
    autofocus(el, node);
    for (const [type, spec] of node.on) el.addEventListener(type, (e) => fire(e, el, type, spec, scope));
    for (const child of node.children) for (const n of build(child, scope)) el.append(n);
    return el;
  }

  // Attributes chosen by a field's value (aria-selected, aria-sort, hidden):
  // the first case equal to the field wins, else `otherwise`; null removes it.
  function bindChoices(el, node, scope) {
    for (const [name, path, choice] of node.chosen || []) {
      if (!/^[\w-]+$/.test(name)) continue;
      const apply = () => {
        const json = JSON.stringify(lookup(path, scope) ?? null);
        const hit = choice.cases.find(([equals]) => JSON.stringify(equals) === json);
        const value = hit ? hit[1] : choice.otherwise;
        if (value === null) el.removeAttribute(name); else el.setAttribute(name, safeAttr(el, name, value));
      };
      apply();
      watch(el, path, scope, apply);
      applier(el, apply);
    }
  }

  // An element built with `autofocus` (a dialog that just opened) takes the
  // focus once it is in the page; browsers honour the attribute only once.
  function autofocus(el, node) {
    if (node.attrs.some(([name]) => name === "autofocus")) queueMicrotask(() => el.isConnected && el.focus());
  }

  function setAttr(el, name, value) {
    if (BOOLEAN_ATTRS.includes(name)) {
      el[name] = truthy(value);
      if (truthy(value)) el.setAttribute(name, ""); else el.removeAttribute(name);
    } else if (name === "value") {
      const text = show(value);
      // While the person types, their input is newer than the server's echo.
      const typing = document.activeElement === el && [...pending.values()].includes(el);
      if (el.value !== text && !typing) el.value = text;
    } else {
      el.setAttribute(name, safeAttr(el, name, show(value)));
    }
  }

  const timers = new WeakMap(); // element -> {debounce, last} per binding

  function csrfToken() {
    return (document.cookie.split("; ").find((c) => c.startsWith("csrftoken=")) || "").slice(10);
  }

  function showPending() {
    document.documentElement.dataset.tandemPending = String(pending.size);
  }

  // Files chosen in an <input type=file> go to /_upload, which runs the event
  // with them; its changes arrive over the socket like any other.
  function upload(el, spec, scope) {
    if (!el.files || !el.files.length) return;
    const body = new FormData();
    for (const file of el.files) body.append(el.name || "file", file);
    const args = (spec.args || []).map((a) => ("value" in a ? a.value : lookup(a.path, scope)));
    const progress = (percent) => {
      el.dataset.uploadProgress = String(percent);
      for (const bar of document.querySelectorAll(`progress[data-upload-for="${CSS.escape(el.id)}"]`)) bar.value = percent;
    };
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/_upload");
    const headers = {
      "X-CSRFToken": csrfToken(),
      "X-Tandem-Token": sessionStorage.getItem(TOKEN_KEY) || boot.token,
      "X-Tandem-State": boot.state,
      "X-Tandem-Event": spec.name,
      "X-Tandem-Args": encodeURIComponent(JSON.stringify(args)),
    };
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) progress(Math.round((100 * e.loaded) / e.total)); };
    const id = `upload-${Date.now()}-${Math.random()}`;
    pending.set(id, el);
    showPending();
    xhr.onloadend = () => {
      pending.delete(id);
      showPending();
      if (xhr.status === 200) { progress(100); el.value = ""; return; }
      let detail = null;
      try { detail = JSON.parse(xhr.responseText).detail; } catch (_) { /* not JSON */ }
      progress(0);
      notice(detail || "The upload failed.");
    };
    progress(0);
    xhr.send(body);
  }

  function fire(e, el, type, spec, scope) {
    if (type === "keydown" && spec.keys && !spec.keys.includes(e.key)) return;
    if (spec.prevent_default || type === "submit") e.preventDefault();
    if (spec.stop_propagation) e.stopPropagation();
    const key = `${type}:${spec.name}`;
    const state = timers.get(el) || {};
    timers.set(el, state);
    if (spec.throttle_ms) {
      const now = Date.now();
      if (state[key + ":last"] && now - state[key + ":last"] < spec.throttle_ms) return;
      state[key + ":last"] = now;
    }
    if (spec.upload) { upload(el, spec, scope); return; }
    if (spec.debounce_ms) {
      clearTimeout(state[key]);
      state[key] = setTimeout(() => dispatch(e, el, type, spec, scope), spec.debounce_ms);
      return;
    }
    dispatch(e, el, type, spec, scope);
  }

  // An input's value as JSON: numbers for number inputs (empty: null), a
  // boolean for a checkbox, a list for a multiple select.
  function inputValue(el) {
    if (el.type === "checkbox") return el.checked;
    if (el.type === "number" || el.type === "range") return el.value === "" ? null : Number(el.value);
    if (el.type === "select-multiple") return [...el.selectedOptions].map((o) => o.value);
    return el.value;
  }

  // A form's fields as one object (docs/guide/state-and-events.md, Forms).
  function formValues(form) {
    const values = {};
    for (const el of form.elements) {
      if (!el.name || el.disabled || ["file", "submit", "button", "reset"].includes(el.type)) continue;
      const group = form.querySelectorAll(`input[type=checkbox][name="${CSS.escape(el.name)}"]`).length > 1;
      if (el.type === "checkbox" && group) {
        values[el.name] = values[el.name] || [];
        if (el.checked) values[el.name].push(el.value);
      } else if (el.type === "radio") {
        if (el.checked) values[el.name] = el.value;
        else if (!(el.name in values)) values[el.name] = null;
      } else values[el.name] = inputValue(el);
    }
    return values;
  }

  function dispatch(e, el, type, spec, scope) {
    const args = (spec.args || []).map((a) => ("value" in a ? a.value : lookup(a.path, scope)));
    if (type === "input" || type === "change") args.push(inputValue(el));
    else if (type === "submit") args.push(formValues(el));
    else if (type === "keydown") args.push(e.key);
    const id = nextId++;
    sessionStorage.setItem(NEXT_ID_KEY, String(nextId));
    pending.set(id, el);
    showPending();
    send({ t: "event", id, name: spec.name, args });
  }

  function mount() {
    watchers = [];
    const nodes = build(boot.template, {});
    root.replaceChildren(...nodes);
  }

  // ---- applying updates ----------------------------------------------------
  // The parent of `path`'s last step. Objects and lists on the way are
  // copied, not changed in place: a list row that changed is a new object,
  // so the list's reconcile re-renders that row only (see buildEach).
  function locate(path, create) {
    let current = data;
    for (let i = 0; i < path.length - 1; i++) {
      let next = current[path[i]];
      if (next === undefined || next === null) {
        if (!create) return null;
        next = typeof path[i + 1] === "number" ? [] : {};
      } else if (typeof next === "object") {
        next = Array.isArray(next) ? next.slice() : Object.assign({}, next);
      }
      current[path[i]] = next;
      current = next;
    }
    return current;
  }

  function applyOps(ops) {
    const touched = new Set();
    for (const op of ops) {
      touched.add(String(op.path[0]));
      const last = op.path[op.path.length - 1];
      if (op.op === "set") {
        if (op.path.length === 0) data = op.value;
        else { const parent = locate(op.path, true); if (parent) parent[last] = op.value; }
      } else if (op.op === "append") {
        const parent = locate(op.path, false);
        if (parent && Array.isArray(parent[last])) parent[last].push(...op.values);
      } else if (op.op === "truncate") {
        const parent = locate(op.path, false);
        if (parent && Array.isArray(parent[last])) parent[last].length = op.len;
      } else if (op.op === "remove") {
        const parent = locate(op.path, false);
        if (parent) delete parent[last];
      } else if (op.op === "stream") {
        const parent = locate(op.path, true);
        if (parent && !Array.isArray(parent[last])) parent[last] = [];
        if (parent) applyStream(parent[last], op.key, op.steps);
      }
    }
    refresh(touched);
  }

  // A stream's rows live here only (ui/stream.rs): an insert replaces the
  // row with the same key or adds one at an end; a limit trims an end.
  function applyStream(rows, key, steps) {
    const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
    for (const step of steps) {
      if (step.do === "reset") rows.length = 0;
      else if (step.do === "insert") {
        const at = rows.findIndex((row) => row !== null && same(row[key], step.row[key]));
        if (at >= 0) rows[at] = step.row;
        else if (step.first) rows.unshift(step.row);
        else rows.push(step.row);
      } else if (step.do === "delete") {
        const at = rows.findIndex((row) => row !== null && same(row[key], step.key));
        if (at >= 0) rows.splice(at, 1);
      } else if (step.do === "limit") {
        const keep = Math.abs(step.keep);
        if (rows.length > keep) {
          if (step.keep >= 0) rows.length = keep;
          else rows.splice(0, rows.length - keep);
        }
      }
    }
  }

  // The element that sent an event, and everything inside it (a form), show
  // the state again: a checkbox ticked for an event that was refused, or that
  // left its field as it was, is unticked; a field the handler rewrote shows
  // the handler's value.
  function resync(sender) {
    if (!sender || !sender.isConnected) return;
    for (const el of [sender, ...sender.querySelectorAll("*")]) for (const apply of appliers.get(el) || []) apply();
  }

  function refresh(touched) {
    watchers = watchers.filter((w) => w.anchor.isConnected);
    for (const w of watchers.slice()) if (!touched || touched.has(w.top)) w.update();
  }

  // ---- actions asked for by handlers ---------------------------------------
  async function perform(action, sender) {
    if (action.do === "reset_form") {
      const form = sender && sender.closest("form");
      if (form) form.reset();
    } else if (action.do === "redirect") {
      await navigate(action.to, true);
    } else if (action.do === "notice") {
      notice(action.message, action.level);
    } else if (action.do === "focus") {
      const target = document.querySelector(action.selector);
      if (target) target.focus();
    } else if (action.do === "scroll") {
      const target = document.querySelector(action.selector);
      if (target) target.scrollIntoView({ block: "nearest" });
    } else if (action.do === "title") {
      document.title = action.title;
    } else if (action.do === "download") {
      const bytes = Uint8Array.from(atob(action.base64), (c) => c.charCodeAt(0));
      const link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([bytes], { type: action.content_type }));
      link.download = action.filename;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 1000);
    } else if (action.do === "redeem") {
      // A login or logout: the HTTP response carries the new HttpOnly cookie;
      // then reconnect so the socket runs as the new session.
      await fetch("/_tandem/session", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ ticket: action.ticket }),
      });
      backoff = 0;
      socket.close();
    }
  }

  // ---- notices -------------------------------------------------------------
  function notice(message, level) {
    let area = document.getElementById("tandem-notice");
    if (!area) {
      area = document.createElement("div");
      area.id = "tandem-notice";
      area.setAttribute("role", "alert");
      document.body.append(area);
    }
    // Placed and coloured by the stylesheet (#tandem-notice, .t-notice-<level>).
    const item = document.createElement("div");
    item.className = `t-notice t-notice-${level || "error"}`;
    item.textContent = message;
    area.append(item);
    setTimeout(() => item.remove(), 6000);
  }

  // ---- client storage fields (docs/guide/state-and-events.md) --------------
  let kept = {}; // field -> "local" | "cookie", from the ready frame
  const written = {}; // "state.field" -> the JSON last written

  function storedValues() {
    const values = {};
    const read = (name, raw) => { try { values[name] = JSON.parse(raw); } catch (_) { /* not ours */ } };
    const local = `tandem.${boot.state}.`;
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (key.startsWith(local)) read(key.slice(local.length), localStorage.getItem(key));
    }
    const cookie = `t_${boot.state}_`;
    for (const pair of document.cookie.split("; ")) {
      const at = pair.indexOf("=");
      if (pair.startsWith(cookie) && at > 0) read(pair.slice(cookie.length, at), decodeURIComponent(pair.slice(at + 1)));
    }
    return values;
  }

  function keep() {
    for (const [field, where] of Object.entries(kept)) {
      const json = JSON.stringify(data[field] === undefined ? null : data[field]);
      const key = `${boot.state}.${field}`;
      if (written[key] === json) continue;
      written[key] = json;
      if (where === "local") localStorage.setItem(`tandem.${key}`, json);
      else {
        const secure = location.protocol === "https:" ? "; secure" : "";
        document.cookie = `t_${boot.state}_${field}=${encodeURIComponent(json)}; path=/; max-age=31536000; samesite=lax${secure}`;
      }
    }
  }

  // ---- the socket ----------------------------------------------------------
  function send(frame) {
    if (frame.t === "event" && !ready) { queue.push(frame); return; }
    if (frame.t === "event") unacked.set(frame.id, frame);
    socket.send(JSON.stringify(frame));
  }

  function sayHello() {
    if (!socket || socket.readyState !== WebSocket.OPEN) return; // onopen will
    ready = false;
    const token = sessionStorage.getItem(TOKEN_KEY) || boot.token;
    const storage = storedValues();
    socket.send(JSON.stringify({ t: "hello", token, path: location.pathname + location.search, storage }));
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(`${scheme}//${location.host}/_event`);
    ready = false;
    socket.onopen = sayHello;
    socket.onmessage = (message) => {
      const frame = JSON.parse(message.data);
      if (frame.t === "ready") {
        sessionStorage.setItem(TOKEN_KEY, frame.token);
        if (JSON.stringify(frame.data) !== JSON.stringify(data)) { data = frame.data; refresh(null); }
        kept = frame.storage || {};
        keep();
        ready = true;
        backoff = 250;
        // Events the server applied before the connection dropped are in
        // `data`; the others are sent again, in order, then the queued ones.
        const applied = new Set(frame.applied || []);
        const again = [...unacked.values()].filter((f) => !applied.has(f.id)).sort((a, b) => a.id - b.id);
        for (const id of unacked.keys()) if (applied.has(id)) pending.delete(id);
        unacked.clear();
        const waiting = queue;
        queue = [];
        for (const f of again.concat(waiting)) send(f);
      } else if (frame.t === "delta" || (frame.t === "push" && frame.state === boot.state)) {
        const sender = pending.get(frame.id);
        pending.delete(frame.id);
        unacked.delete(frame.id);
        applyOps(frame.ops);
        keep();
        if (frame.t === "delta") resync(sender);
        const actions = frame.actions || [];
        if (actions.length) (async () => { for (const action of actions) await perform(action, sender); })();
      } else if (frame.t === "error" && frame.navigate) {
        // A guarded page refused this session: its login page (or its 403).
        sessionStorage.removeItem(TOKEN_KEY);
        location.assign(frame.navigate);
        return;
      } else if (frame.t === "error") {
        const sender = pending.get(frame.id);
        pending.delete(frame.id);
        unacked.delete(frame.id);
        if (frame.ops) { applyOps(frame.ops); keep(); } // takes back what the failed event had pushed
        resync(sender);
        notice(frame.message);
        if (frame.resync) sayHello(); // the server kept something else: fetch it
      }
      // Observable state for tests and tooling: the last answered event and
      // how many are still unanswered.
      if (frame.id || frame.t === "ready") document.documentElement.dataset.tandemSeen = String(frame.id || 0);
      document.documentElement.dataset.tandemPending = String(pending.size);
    };
    socket.onclose = (event) => {
      ready = false;
      // 4403: the token is another session's; 4401: this session ended (logout).
      if (event.code === 4403 || event.code === 4401) { sessionStorage.removeItem(TOKEN_KEY); location.reload(); return; }
      setTimeout(connect, backoff);
      backoff = Math.min(Math.max(backoff * 2, 250), 8000);
    };
  }

  // ---- client-side navigation ----------------------------------------------
  let navigation = 0; // the latest navigation wins; slower earlier answers are dropped
  async function navigate(url, push) {
    const mine = ++navigation;
    const response = await fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" });
    const html = await response.text();
    if (mine !== navigation) return;
    // A guarded page redirected to the login page: show where we landed.
    if (response.redirected) url = response.url;
    const doc = new DOMParser().parseFromString(html, "text/html");
    const next = readBoot(doc);
    if (!next) { location.assign(url); return; }
    if (push) history.pushState({}, "", url);
    else if (response.redirected) history.replaceState({}, "", url);
    document.title = doc.title;
    // The page's meta tags and canonical link follow it.
    const HEAD = "meta[name]:not([name=viewport]),meta[property],link[rel=canonical]";
    document.head.querySelectorAll(HEAD).forEach((el) => el.remove());
    document.head.append(...doc.head.querySelectorAll(HEAD));
    boot = next;
    data = next.data;
    unacked.clear(); // answers to the last page's events no longer matter
    mount();
    sayHello();
    window.scrollTo(0, 0);
  }

  document.addEventListener("click", (e) => {
    const link = e.target.closest && e.target.closest("a[href]");
    if (!link || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    if (link.target || link.hasAttribute("download") || link.origin !== location.origin) return;
    // A jump within this page (a skip link): the browser's own.
    if (link.hash && link.pathname === location.pathname && link.search === location.search) return;
    const backend = (boot.backend || []).some((p) => link.pathname === p || link.pathname.startsWith(p + "/"));
    if (backend || link.pathname.startsWith("/_")) return;
    e.preventDefault();
    navigate(link.href, true);
  });
  window.addEventListener("popstate", () => navigate(location.href, false));

  mount();
  connect();
})();
