// The sequences-mock console: plain DOM, no framework, no build step, no request beyond the
// mock that serves it. Every change goes through the control plane or the public API, so it is
// validated and journaled like any client's call.
"use strict";

(() => {
  const TOKEN_KEY = "sequences-mock:control-token";
  const STATUSES = [
    "ACTIVE", "WAITING_FOR_LEAD", "WAITING_FOR_USER", "SUCCEEDED", "FAILED", "STOPPED_EARLY",
    "COMPLETED", "FOUND", "REFUSED",
  ];
  const FINAL = new Set(["SUCCEEDED", "FAILED", "STOPPED_EARLY", "COMPLETED", "REFUSED"]);
  const HOUR = 3600, DAY = 86400, WEEK = 7 * DAY;
  const RUNS_PER_PAGE = 25;
  const CALLS_KEPT = 300;
  const CLOCK_POLL_MS = 2000;
  const FEED_POLL_MS = 1500;

  function namespaceOfPath() {
    const match = location.pathname.match(/^\/ns\/([^/]+)\/__mock\/ui$/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  const state = {
    token: sessionStorage.getItem(TOKEN_KEY),
    // The page at /ns/NAME/__mock/ui shows that namespace's world; at /__mock/ui the default one.
    namespace: namespaceOfPath(),
    clock: null,
    catalog: null,
    operations: null,
    // Parts of the control plane a mock may not have: null until asked, then true or false.
    has: { events: null, choices: null, namespaces: null },
    view: null, // {name, refresh, poll, stop}
    generation: 0,
    firstView: false,
  };

  // -- small DOM helpers (text is always set as text, never parsed as HTML) --------------------

  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else if (name === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    append(node, children);
    return node;
  }

  function append(node, children) {
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  const SVG_NS = "http://www.w3.org/2000/svg";
  function s(tag, attrs, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== null && value !== undefined) node.setAttribute(name, String(value));
    }
    append(node, children);
    return node;
  }

  const $ = (selector) => document.querySelector(selector);

  function notice(text, bad) {
    const box = $("#notice");
    box.textContent = text;
    box.className = bad ? "bad" : "";
    box.hidden = false;
    clearTimeout(notice.timer);
    notice.timer = setTimeout(() => { box.hidden = true; }, bad ? 12000 : 5000);
  }

  // -- time ------------------------------------------------------------------------------------

  const ms = (iso) => (iso ? Date.parse(iso) : null);
  function formatTime(value) {
    if (value === null || value === undefined) return "—";
    const date = new Date(typeof value === "number" ? value : Date.parse(value));
    return date.toISOString().replace("T", " ").replace(/:\d\d(\.\d+)?Z$/, " UTC");
  }
  // "03-11 09:00:05": the journal's and the feed's times, compact (the full one in the title).
  function shortTime(iso) {
    return h("td", { class: "when", title: formatTime(iso) },
      new Date(Date.parse(iso)).toISOString().slice(5, 19).replace("T", " "));
  }
  function span(seconds) {
    let rest = Math.abs(Math.round(seconds));
    const parts = [];
    for (const [unit, size] of [["d", DAY], ["h", HOUR], ["m", 60], ["s", 1]]) {
      if (rest >= size || (unit === "s" && parts.length === 0)) {
        parts.push(`${Math.floor(rest / size)}${unit}`);
        rest %= size;
      }
      if (parts.length === 2) break;
    }
    return parts.join(" ");
  }
  function relative(iso) {
    if (!iso || !state.clock) return "";
    const seconds = (ms(iso) - ms(state.clock.now)) / 1000;
    if (Math.abs(seconds) < 1) return "now";
    return seconds > 0 ? `in ${span(seconds)}` : `${span(seconds)} ago`;
  }
  // "1w 2d 3h 30m 10s", or a number of seconds.
  function parseDuration(text) {
    const trimmed = text.trim();
    if (/^\d+$/.test(trimmed)) return Number(trimmed);
    const sizes = { w: WEEK, d: DAY, h: HOUR, m: 60, s: 1 };
    let total = 0;
    const rest = trimmed.replace(/(\d+)\s*([wdhms])/gi, (_, n, unit) => {
      total += Number(n) * sizes[unit.toLowerCase()];
      return "";
    });
    if (rest.trim() !== "" || total === 0) return null;
    return total;
  }

  // -- calls -----------------------------------------------------------------------------------

  class CallFailed extends Error {
    constructor(status, problem) {
      const detail = problem && (problem.detail || problem.title);
      super(`${status}${problem && problem.code ? ` ${problem.code}` : ""}: ${detail || "failed"}`);
      this.status = status;
      this.problem = problem;
    }
  }

  const prefix = () => (state.namespace ? `/ns/${encodeURIComponent(state.namespace)}` : "");
  const controlUrl = (path) => `${prefix()}/__mock${path}`;
  const publicUrl = (path) => `${prefix()}/v1${path}`;

  async function send(method, url, { body, type = "application/json", bearer } = {}) {
    const headers = {};
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    let payload;
    if (body !== undefined) {
      headers["Content-Type"] = type;
      payload = typeof body === "string" ? body : JSON.stringify(body);
    }
    const response = await fetch(url, { method, headers, body: payload, cache: "no-store" });
    const kind = response.headers.get("content-type") || "";
    const data = kind.includes("json") ? await response.json() : await response.text();
    return { status: response.status, data };
  }

  // A control-plane call with the control token, if there is one; a 401 asks for it.
  async function control(method, path, options) {
    const { status, data } = await send(method, controlUrl(path), { ...options, bearer: state.token });
    if (status === 401) {
      showGate(state.token ? "The mock refused this token." : null);
      throw new CallFailed(status, data);
    }
    if (status >= 400) throw new CallFailed(status, data);
    return data;
  }

  // Optional parts of the control plane: a 404 means this mock has none, and hides its panel.
  async function optional(name, path) {
    if (state.has[name] === false) return null;
    try {
      const data = await control("GET", path);
      state.has[name] = true;
      return data;
    } catch (error) {
      if (error.status === 404 || error.status === 405) {
        state.has[name] = false;
        return null;
      }
      throw error;
    }
  }

  async function catalog() {
    if (!state.catalog) state.catalog = (await control("GET", "/workspaces")).workspaces;
    return state.catalog;
  }

  async function operations() {
    if (!state.operations) state.operations = (await control("GET", "/coverage")).operations;
    return state.operations;
  }

  function templateOf(workspaces, id) {
    for (const workspace of workspaces) {
      for (const template of workspace.templates) if (template.id === id) return template;
    }
    return null;
  }

  function writeKey(workspaces, workspaceId) {
    const workspace = workspaces.find((w) => w.id === workspaceId);
    const keys = workspace ? workspace.api_keys : [];
    return keys.find((k) => k.scopes.includes("sequences:write")) || null;
  }

  // -- the token gate --------------------------------------------------------------------------

  function showGate(message) {
    stopView();
    $("#view").replaceChildren();
    $("#tabs").hidden = true;
    $("#clock").hidden = true;
    $("#token-gate").hidden = false;
    const error = $("#token-error");
    error.textContent = message || "";
    error.hidden = !message;
    $("#token-input").focus();
    document.body.dataset.state = "token";
  }

  $("#token-gate").addEventListener("submit", (event) => {
    event.preventDefault();
    state.token = $("#token-input").value.trim();
    sessionStorage.setItem(TOKEN_KEY, state.token);
    $("#token-input").value = "";
    start();
  });

  // -- the clock in the bar --------------------------------------------------------------------

  async function readClock() {
    state.clock = await control("GET", "/clock");
    showClock();
    return state.clock;
  }

  function showClock() {
    const clock = state.clock;
    $("#clock-now").textContent = formatTime(clock.now);
    const badge = $("#clock-state");
    badge.textContent = clock.frozen ? "frozen" : "ticking";
    badge.className = `badge ${clock.frozen ? "frozen" : "ticking"}`;
  }

  async function changeClock(change, what) {
    try {
      state.clock = await control("POST", "/clock", { body: change });
      showClock();
      const fired = state.clock.fired ? ` ${state.clock.fired} events fired (#${state.clock.first_seq}–#${state.clock.last_seq}).` : "";
      notice(`${what}: the clock reads ${formatTime(state.clock.now)}.${fired}`);
      await refreshView();
    } catch (error) {
      notice(`The clock refused: ${error.message}`, true);
    }
  }

  // -- views -----------------------------------------------------------------------------------

  const views = {};

  views.world = async (main) => {
    const durationInput = h("input", { id: "move-by", placeholder: "e.g. 3d 4h or 90s", size: 16 });
    const setInput = h("input", { id: "set-to", placeholder: "2026-03-10T09:00:00Z", size: 22 });
    const freeze = h("button", { id: "freeze" });
    const fileInput = h("input", { id: "seed-file", type: "file", accept: ".json,.yaml,.yml" });
    const mode = h("select", { id: "seed-mode" }, h("option", { value: "replace" }, "replace"),
      h("option", { value: "merge" }, "merge"));
    const counts = h("tbody");
    const now = h("div", { class: "big mono", id: "world-now" });

    const move = (seconds, what) => changeClock({ advance_seconds: seconds }, what);
    main.append(h("div", { class: "cards" },
      h("section", { class: "card" },
        h("h2", {}, "Clock"),
        now,
        h("div", { class: "row" },
          h("button", { onclick: () => move(HOUR, "Moved an hour") }, "+1 hour"),
          h("button", { id: "move-day", onclick: () => move(DAY, "Moved a day") }, "+1 day"),
          h("button", { onclick: () => move(WEEK, "Moved a week") }, "+1 week"),
          freeze),
        h("div", { class: "row" }, durationInput, h("button", {
          id: "move",
          onclick: () => {
            const seconds = parseDuration(durationInput.value);
            if (seconds === null) notice("Give a duration such as 90s, 45m, 3d 4h or 2w.", true);
            else move(seconds, `Moved ${span(seconds)}`);
          },
        }, "Move")),
        h("div", { class: "row" }, setInput, h("button", {
          id: "set-clock",
          onclick: () => changeClock({ now: setInput.value.trim() }, "Clock set"),
        }, "Set")),
        h("p", { class: "muted" }, "Time only moves forward, except by reset and seed. ",
          "Runs act on every step that falls due on the way.")),
      h("section", { class: "card" },
        h("h2", {}, "World"),
        h("div", { class: "row" },
          h("button", { id: "reset", class: "danger", onclick: reset }, "Reset"),
          h("span", { class: "muted" }, "back to the fixtures the mock started with")),
        h("div", { class: "row" }, fileInput, mode,
          h("button", { id: "seed", onclick: () => seed(fileInput, mode.value) }, "Seed")),
        h("div", { class: "row" },
          h("button", { id: "download-state", onclick: downloadState }, "Download state"),
          h("span", { class: "muted" }, "the whole world as a fixture document"))),
    ),
    h("h3", {}, "Workspaces"),
    h("table", { id: "workspaces" }, h("thead", {}, h("tr", {}, h("th", {}, "Workspace"),
      h("th", { class: "num" }, "Templates"), h("th", { class: "num" }, "API keys"),
      h("th", { class: "num" }, "Runs"), h("th", {}, "Runs by status, now"))),
    counts));

    async function refresh() {
      const clock = state.clock;
      now.textContent = formatTime(clock.now);
      freeze.textContent = clock.frozen ? "Unfreeze" : "Freeze";
      freeze.onclick = () => changeClock({ frozen: !clock.frozen }, clock.frozen ? "Unfrozen" : "Frozen");
      state.catalog = null;
      const workspaces = await catalog();
      counts.replaceChildren(...workspaces.map((w) => h("tr", { dataset: { id: w.id } },
        h("td", {}, h("a", { href: `#/runs?workspace=${w.id}` }, w.name)),
        h("td", { class: "num" }, w.templates.length),
        h("td", { class: "num" }, w.api_keys.length),
        h("td", { class: "num" }, Object.values(w.runs).reduce((a, b) => a + b, 0).toLocaleString("en")),
        h("td", {}, ...STATUSES.filter((status) => w.runs[status]).map((status) =>
          h("a", { class: "count", href: `#/runs?workspace=${w.id}&status=${status}` },
            badge(status), ` ${w.runs[status].toLocaleString("en")}`))))));
    }
    return { refresh };
  };

  async function reset() {
    if (!confirm("Reset the world to the fixtures the mock started with?")) return;
    try {
      const summary = await control("POST", "/reset");
      state.catalog = null;
      state.clock = summary.clock;
      showClock();
      notice(`Reset: ${summary.counts.sequences} runs, clock at ${formatTime(summary.clock.now)}.`);
      await refreshView();
    } catch (error) {
      notice(`Reset refused: ${error.message}`, true);
    }
  }

  async function seed(input, mode) {
    const file = input.files[0];
    if (!file) {
      notice("Choose a fixture file (JSON or YAML) first.", true);
      return;
    }
    const type = /\.ya?ml$/i.test(file.name) ? "application/yaml" : "application/json";
    try {
      const summary = await control("POST", `/seed?mode=${mode}`, { body: await file.text(), type });
      state.catalog = null;
      state.clock = summary.clock;
      showClock();
      notice(`Seeded from ${file.name}: ${summary.counts.sequences} runs.`);
      await refreshView();
    } catch (error) {
      const problems = (error.problem && error.problem.errors) || [];
      const first = problems.slice(0, 3).map((p) => `${p.name}: ${p.message}`).join("; ");
      notice(`Seed refused: ${error.message}${first ? ` (${first})` : ""}`, true);
    }
  }

  async function downloadState() {
    const data = await control("GET", "/state");
    const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
    const link = h("a", { href: URL.createObjectURL(blob), download: "sequences-mock-state.json" });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }

  // -- runs ------------------------------------------------------------------------------------

  function badge(status) {
    return h("span", { class: `badge ${status}` }, status);
  }

  function nextStep(run, template) {
    const steps = template ? template.steps : [];
    if (!steps.length || run.next_step === undefined || FINAL.has(run.status)) return "—";
    if (run.next_step >= steps.length) return "all done";
    const label = `${run.next_step + 1} of ${steps.length} · ${steps[run.next_step].type}`;
    return run.status === "WAITING_FOR_USER" ? `${label} (waits for a person)` : label;
  }

  views.runs = async (main, params) => {
    const workspaces = await catalog();
    if (!workspaces.length) {
      main.append(h("p", { class: "muted" }, "This world has no workspace."));
      return {};
    }
    const workspace = workspaces.find((w) => w.id === params.get("workspace")) || workspaces[0];
    const status = params.get("status") || "";
    const templateId = params.get("template") || "";
    const page = Math.max(1, Number(params.get("page")) || 1);
    const go = (changes) => {
      const next = new URLSearchParams({ workspace: workspace.id, status, template: templateId, page });
      for (const [name, value] of Object.entries(changes)) next.set(name, value);
      if (!("page" in changes)) next.set("page", "1");
      for (const [name, value] of [...next]) if (!value) next.delete(name);
      location.hash = `#/runs?${next}`;
    };
    const select = (id, value, options, onchange) => {
      const node = h("select", { id, onchange: () => onchange(node.value) },
        options.map(([v, label]) => h("option", { value: v, selected: v === value }, label)));
      return node;
    };
    const body = h("tbody");
    const pager = h("div", { class: "pager" });
    main.append(
      h("h2", {}, "Runs"),
      h("div", { class: "filters" },
        h("label", {}, "Workspace", select("filter-workspace", workspace.id,
          workspaces.map((w) => [w.id, w.name]), (v) => go({ workspace: v, template: "" }))),
        h("label", {}, "Status", select("filter-status", status,
          [["", "any"], ...STATUSES.map((v) => [v, v])], (v) => go({ status: v }))),
        h("label", {}, "Template", select("filter-template", templateId,
          [["", "any"], ...workspace.templates.map((t) => [t.id, t.name])], (v) => go({ template: v })))),
      h("table", { id: "runs" }, h("thead", {}, h("tr", {}, ["Run", "Status", "Template", "Contact",
        "Next step", "Due", "Updated"].map((name) => h("th", {}, name)))), body),
      pager);

    async function refresh() {
      const query = new URLSearchParams({ workspace_id: workspace.id, page, size: RUNS_PER_PAGE });
      if (status) query.set("status", status);
      if (templateId) query.set("template_id", templateId);
      const result = await control("GET", `/sequences?${query}`);
      body.replaceChildren(...result.runs.map((run) => {
        const template = templateOf(workspaces, run.template_id);
        const due = FINAL.has(run.status) ? null : run.next_step_at;
        return h("tr", { dataset: { id: run.id, status: run.status } },
          h("td", { class: "id" }, h("a", { href: `#/run/${run.id}` }, run.id.slice(0, 8))),
          h("td", {}, badge(run.status)),
          h("td", {}, template ? template.name : run.template_id.slice(0, 8)),
          h("td", { class: "id" }, run.contact_id ? run.contact_id.slice(0, 8) : "—"),
          h("td", {}, nextStep(run, template)),
          h("td", { title: due ? formatTime(due) : "" }, due ? relative(due) : "—"),
          h("td", { title: formatTime(run.updated_at) }, relative(run.updated_at)));
      }));
      if (!result.runs.length) {
        body.append(h("tr", {}, h("td", { colspan: 7, class: "muted" }, "No run matches.")));
      }
      const pages = Math.max(1, Math.ceil(result.total / result.size));
      pager.replaceChildren(
        h("button", { id: "page-previous", disabled: page <= 1, onclick: () => go({ page: page - 1 }) }, "‹ Previous"),
        h("span", { id: "page-info" }, `page ${page} of ${pages} · ${result.total.toLocaleString("en")} runs`),
        h("button", { id: "page-next", disabled: page >= pages, onclick: () => go({ page: page + 1 }) }, "Next ›"));
    }
    return { refresh };
  };

  // -- one run ---------------------------------------------------------------------------------

  views.run = async (main, params, id) => {
    const workspaces = await catalog();
    const header = h("div");
    const actions = h("div", { class: "card", id: "run-actions" });
    const picture = h("div", { id: "timeline" });
    const history = h("tbody");
    const facts = h("div", { class: "card" });
    main.append(header, h("div", { class: "cards" }, facts, actions),
      h("h3", {}, "Timeline"), picture,
      h("h3", {}, "History"),
      h("table", { id: "history" }, h("thead", {}, h("tr", {},
        ["At", "Event", "Status", "Step", "Cause", "Call"].map((n) => h("th", {}, n)))), history));

    let shown = null;
    async function refresh() {
      const [run, events] = await Promise.all([
        control("GET", `/sequences/${id}`),
        control("GET", `/sequences/${id}/history`),
      ]);
      const template = templateOf(workspaces, run.template_id);
      const workspace = workspaces.find((w) => w.id === run.workspace_id);
      document.body.dataset.runStatus = run.status;
      header.replaceChildren(
        h("h2", {}, "Run ", h("span", { class: "mono" }, run.id), " ", badge(run.status)));
      facts.replaceChildren(
        h("dl", { class: "facts" },
          h("dt", {}, "Template"), h("dd", {}, template ? template.name : run.template_id),
          h("dt", {}, "Workspace"), h("dd", {}, workspace ? workspace.name : run.workspace_id),
          h("dt", {}, "Contact"), h("dd", { class: "mono" }, run.contact_id || "—"),
          h("dt", {}, "Created"), h("dd", {}, formatTime(run.created_at)),
          h("dt", {}, "Next step"), h("dd", {}, nextStep(run, template),
            run.next_step_at && !FINAL.has(run.status) ? ` — due ${formatTime(run.next_step_at)} (${relative(run.next_step_at)})` : ""),
          run.paused_until ? [h("dt", {}, "Paused until"), h("dd", {}, formatTime(run.paused_until))] : null,
          run.stop_reason ? [h("dt", {}, "Stop reason"), h("dd", {}, run.stop_reason)] : null,
          run.refusal_reason ? [h("dt", {}, "Refused"), h("dd", {}, run.refusal_reason)] : null));
      // Rebuilt only when the run changed, so a refresh does not wipe what is being typed.
      const version = `${run.status} ${run.updated_at}`;
      if (version !== shown) {
        shown = version;
        actions.replaceChildren(...runActions(run, writeKey(workspaces, run.workspace_id)));
      }
      picture.replaceChildren(timeline(run, template, events.events));
      history.replaceChildren(...events.events.map((event) => h("tr", {},
        h("td", {}, formatTime(event.at)), h("td", {}, event.event),
        h("td", {}, `${event.from || "—"} → ${event.to || "—"}`),
        h("td", {}, event.step === null ? "" : event.step + 1), h("td", {}, event.cause),
        h("td", {}, event.request_seq ? `#${event.request_seq}` : ""))));
      if (!events.events.length) {
        history.append(h("tr", {}, h("td", { colspan: 6, class: "muted" },
          "Nothing yet: a seeded run's history starts when the mock does.")));
      }
      if (events.dropped) {
        history.append(h("tr", {}, h("td", { colspan: 6, class: "muted" }, `${events.dropped} older events dropped.`)));
      }
    }
    return { refresh };
  };

  // The buttons that fit a run's state: task done or skipped (control plane), pause, resume and
  // stop (the public API, with an API key of the run's workspace).
  function runActions(run, key) {
    const parts = [h("h2", {}, "Act on this run")];
    const act = async (what, doing) => {
      try {
        await doing();
        notice(`${what}: done.`);
      } catch (error) {
        notice(`${what} refused: ${error.message}`, true);
      }
      await refreshView();
    };
    const viaApi = async (operation, body) => {
      const { status, data } = await send("POST", publicUrl(`/sequences/${run.id}/${operation}`),
        { body, bearer: key.key });
      if (status >= 400) throw new CallFailed(status, data);
    };
    if (run.status === "WAITING_FOR_USER") {
      const task = (outcome) => control("POST", `/sequences/${run.id}/task`, { body: { outcome } });
      parts.push(h("div", { class: "row" },
        h("button", { id: "task-done", class: "primary", onclick: () => act("Task done", () => task("done")) }, "Task done"),
        h("button", { id: "task-skipped", onclick: () => act("Task skipped", () => task("skipped")) }, "Skip task")));
    }
    if (FINAL.has(run.status)) {
      parts.push(h("p", { class: "muted" }, `${run.status} is final: nothing changes it.`));
      return parts;
    }
    if (!key) {
      parts.push(h("p", { class: "muted" },
        "No API key of this workspace has the sequences:write scope, so pause, resume and stop are out of reach."));
      return parts;
    }
    const week = new Date(ms(state.clock.now) + WEEK * 1000).toISOString().replace(/\.\d+Z$/, "Z");
    const until = h("input", { id: "pause-until", value: run.paused_until || week, size: 22 });
    if (run.status === "ACTIVE" || run.status === "WAITING_FOR_LEAD") {
      parts.push(h("div", { class: "row" }, "Pause until", until,
        h("button", { id: "pause", onclick: () => act("Pause", () => viaApi("pause", { paused_until: until.value.trim() })) },
          run.status === "ACTIVE" ? "Pause" : "Move the deadline")));
    }
    if (run.status === "WAITING_FOR_LEAD") {
      parts.push(h("div", { class: "row" },
        h("button", { id: "resume", class: "primary", onclick: () => act("Resume", () => viaApi("resume", {})) }, "Resume now")));
    }
    const reason = h("select", { id: "stop-reason" }, h("option", {}, "WIN"), h("option", {}, "LOSE"));
    const scope = h("select", { id: "stop-scope" }, h("option", {}, "CONTACT"), h("option", {}, "COMPANY"));
    parts.push(h("div", { class: "row" }, "Stop as", reason, "for the", scope,
      h("button", { id: "stop", class: "danger", onclick: () => act("Stop", () => viaApi("stop", { reason: reason.value, scope: scope.value })) }, "Stop")));
    parts.push(h("p", { class: "muted" }, `Pause, resume and stop are calls of the public API with the key `,
      h("code", {}, key.name || "unnamed"), ` (…${key.key.slice(-4)}): the journal shows them.`));
    return parts;
  }

  // -- the timeline picture --------------------------------------------------------------------

  const MARKS = {
    ran: { fill: "#1f8a4c", stroke: "#1f8a4c", label: "ran" },
    estimated: { fill: "#a9dcbc", stroke: "#1f8a4c", label: "ran (before the history)" },
    skipped: { fill: "#ffffff", stroke: "#7a8494", label: "skipped" },
    failed: { fill: "#c0392b", stroke: "#c0392b", label: "failed" },
    waiting: { fill: "#f0a020", stroke: "#b86b00", label: "waits for a person" },
    due: { fill: "#ffffff", stroke: "#2f5fd0", label: "due (as things stand)" },
  };

  // What the picture shows: each step's state and instant, the pause windows, lifecycle events.
  function timelineModel(run, template, events) {
    const steps = template ? template.steps : [];
    const now = ms(state.clock.now);
    const marks = steps.map((step, index) => ({ index, type: step.type, kind: null, at: null }));
    const pauses = [];
    const waits = []; // [step, from, to]: a person's task pending
    const moments = [];
    let pausedAt = null;
    for (const event of events) {
      const at = ms(event.at);
      const mark = event.step !== null ? marks[event.step] : null;
      if (mark && event.event === "task_pending") mark.pendingSince = at;
      if (mark && ["task_done", "task_skipped"].includes(event.event) && mark.pendingSince !== undefined) {
        waits.push([mark.index, mark.pendingSince, at]);
      }
      if (mark) {
        const kind = { step_ran: "ran", task_done: "ran", step_skipped: "skipped", task_skipped: "skipped",
          task_pending: "waiting", failed: "failed" }[event.event];
        if (kind) Object.assign(mark, { kind, at });
      }
      if (event.event === "paused" && pausedAt === null) pausedAt = at;
      if (event.event === "resumed" || (pausedAt !== null && ["stopped", "failed"].includes(event.event))) {
        if (pausedAt !== null) pauses.push([pausedAt, at]);
        pausedAt = null;
      }
      if (["enrolled", "refused", "activated", "stopped", "succeeded", "completed", "failed"].includes(event.event)) {
        moments.push({ at, label: event.event });
      }
    }
    if (run.status === "WAITING_FOR_LEAD" && run.paused_until) {
      pauses.push([pausedAt ?? ms(run.updated_at), ms(run.paused_until)]);
    }
    if (!events.some((e) => e.event === "enrolled")) moments.unshift({ at: ms(run.created_at), label: "created" });
    const next = run.next_step ?? 0;
    // Steps done before the history began (a seeded run): at their waits back from the last one.
    let back = ms(run.last_step_executed_at);
    if (back === null && run.next_step_at && next > 0 && next < steps.length && run.status !== "FOUND") {
      back = ms(run.next_step_at) - steps[next].wait_seconds * 1000;
    }
    for (let index = Math.min(next, steps.length) - 1; index >= 0 && back !== null; index--) {
      if (marks[index].kind === null) Object.assign(marks[index], { kind: "estimated", at: back });
      back = marks[index].at - steps[index].wait_seconds * 1000;
    }
    if (run.status === "FAILED" && next < steps.length && marks[next].kind === null) {
      Object.assign(marks[next], { kind: "failed", at: ms(run.updated_at) });
    }
    if (run.status === "WAITING_FOR_USER" && next < steps.length && marks[next].kind === null) {
      Object.assign(marks[next], { kind: "waiting", at: ms(run.updated_at) });
    }
    if (!FINAL.has(run.status) && next < steps.length) {
      // As things stand: an ACTIVE or paused run's next step is due at `next_step_at` (not before
      // its pause ends), a FOUND run's first step a wait after its activation, and the steps
      // after a person's task a wait after that task is done (now, at the earliest).
      const waiting = run.status === "WAITING_FOR_USER";
      let at = waiting ? now : ms(run.next_step_at);
      if (at !== null && run.status === "WAITING_FOR_LEAD" && run.paused_until) {
        at = Math.max(at, ms(run.paused_until));
      }
      const dueItself = run.status === "ACTIVE" || run.status === "WAITING_FOR_LEAD";
      for (let index = waiting ? next + 1 : next; index < steps.length && at !== null; index++) {
        if (!(dueItself && index === next)) at += steps[index].wait_seconds * 1000;
        if (marks[index].kind === null) Object.assign(marks[index], { kind: "due", at });
      }
    }
    if (run.status === "WAITING_FOR_USER" && next < steps.length) {
      waits.push([next, marks[next].pendingSince ?? marks[next].at, now]);
    }
    return { marks, pauses, waits, moments, now };
  }

  function niceStep(range) {
    const steps = [HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, WEEK, 2 * WEEK, 30 * DAY,
      90 * DAY, 365 * DAY].map((v) => v * 1000);
    return steps.find((step) => range / step <= 8) || steps[steps.length - 1];
  }

  function timeline(run, template, events) {
    const model = timelineModel(run, template, events);
    const times = [model.now, ...model.moments.map((m) => m.at), ...model.pauses.flat(),
      ...model.marks.filter((m) => m.at !== null).map((m) => m.at)];
    let first = Math.min(...times), last = Math.max(...times);
    if (last - first < HOUR * 1000) { first -= HOUR * 500; last += HOUR * 500; }
    const pad = (last - first) * 0.04;
    first -= pad; last += pad;
    const width = 1200, left = 150, right = 30, rowHeight = 30, top = 34;
    const rows = 1 + model.marks.length;
    const height = top + rows * rowHeight + 12;
    const x = (t) => left + ((t - first) / (last - first)) * (width - left - right);
    const y = (row) => top + row * rowHeight + rowHeight / 2;
    const svg = s("svg", { class: "timeline", viewBox: `0 0 ${width} ${height}`, role: "img",
      "aria-label": `Timeline of run ${run.id}` });
    const axis = s("g", { class: "axis" });
    const step = niceStep(last - first);
    for (let t = Math.ceil(first / step) * step; t <= last; t += step) {
      const label = new Date(t).toISOString();
      const text = step < DAY * 1000 ? label.slice(5, 16).replace("T", " ") : label.slice(0, 10);
      axis.append(s("line", { x1: x(t), x2: x(t), y1: top - 6, y2: height - 8 }),
        s("text", { x: x(t), y: top - 12, "text-anchor": "middle" }, text));
    }
    svg.append(axis);
    for (const [from, to] of model.pauses) {
      svg.append(s("rect", { class: "pause", x: x(from), y: top, width: Math.max(2, x(to) - x(from)),
        height: rows * rowHeight }, s("title", {}, `paused ${formatTime(from)} → ${formatTime(to)}`)));
    }
    for (let row = 0; row < rows; row++) {
      svg.append(s("line", { class: "lane", x1: left, x2: width - right, y1: y(row), y2: y(row) }));
    }
    for (const [index, from, to] of model.waits) {
      svg.append(s("line", { x1: x(from), x2: x(to), y1: y(index + 1), y2: y(index + 1),
        stroke: "#f0a020", "stroke-width": 4, "stroke-linecap": "round" },
      s("title", {}, `waited for a person ${formatTime(from)} → ${formatTime(to)}`)));
    }
    svg.append(s("text", { x: 10, y: y(0) + 4, "font-weight": "600" }, "run"));
    model.moments.forEach((moment, i) => {
      const cx = x(moment.at);
      svg.append(s("path", { d: `M${cx} ${y(0) - 6} l6 6 l-6 6 l-6 -6 z`, fill: "#5f6b7a" },
        s("title", {}, `${moment.label} ${formatTime(moment.at)}`)),
      s("text", { x: cx + 8, y: y(0) + (i % 2 ? 12 : -3) }, moment.label));
    });
    for (const mark of model.marks) {
      const row = mark.index + 1;
      svg.append(s("text", { x: 10, y: y(row) + 4 }, `step ${mark.index + 1} · ${mark.type}`));
      if (mark.at === null) {
        svg.append(s("text", { x: width - right, y: y(row) + 4, "text-anchor": "end", fill: "#7a8494" }, "not run"));
        continue;
      }
      const style = MARKS[mark.kind];
      const cx = x(mark.at);
      const shape = mark.kind === "waiting"
        ? s("rect", { x: cx - 7, y: y(row) - 7, width: 14, height: 14, rx: 3, fill: style.fill, stroke: style.stroke, "stroke-width": 2 })
        : s("circle", { cx, cy: y(row), r: 7, fill: style.fill, stroke: style.stroke, "stroke-width": 2,
          "stroke-dasharray": mark.kind === "due" ? "3 2" : null });
      shape.setAttribute("data-kind", mark.kind);
      shape.append(s("title", {}, `step ${mark.index + 1} (${mark.type}) ${style.label} ${formatTime(mark.at)}`));
      const flip = cx > width - right - 160;
      svg.append(shape, s("text", { x: flip ? cx - 11 : cx + 11, y: y(row) + 4,
        "text-anchor": flip ? "end" : "start" }, style.label));
    }
    const nowX = x(model.now);
    svg.append(s("g", { class: "now" }, s("line", { x1: nowX, x2: nowX, y1: top - 4, y2: height - 6 }),
      s("text", { x: nowX + 4, y: height - 2 }, "now")));
    const legend = h("div", { class: "legend" },
      Object.entries(MARKS).map(([kind, style]) => h("span", {}, legendMark(kind, style), style.label)),
      h("span", {}, legendPause(), "paused"),
      h("span", {}, legendWait(), "a person's task pending"),
      h("span", {}, h("span", { class: "error" }, "│ "), "the clock's now"));
    return h("div", {}, svg, legend);
  }

  function legendMark(kind, style) {
    const shape = kind === "waiting"
      ? s("rect", { x: 2, y: 2, width: 10, height: 10, rx: 2, fill: style.fill, stroke: style.stroke, "stroke-width": 2 })
      : s("circle", { cx: 7, cy: 7, r: 5, fill: style.fill, stroke: style.stroke, "stroke-width": 2 });
    return s("svg", { width: 14, height: 14 }, shape);
  }

  function legendWait() {
    return s("svg", { width: 14, height: 14 }, s("line", { x1: 1, x2: 13, y1: 7, y2: 7, stroke: "#f0a020",
      "stroke-width": 4, "stroke-linecap": "round" }));
  }

  function legendPause() {
    return s("svg", { width: 14, height: 14 }, s("rect", { width: 14, height: 14, fill: "#e9dcf7" }));
  }

  // -- calls and events, live ------------------------------------------------------------------

  views.activity = async (main, params) => {
    const ops = await operations();
    const operation = params.get("operation") || "";
    const status = params.get("status") || "";
    const go = (changes) => {
      const next = new URLSearchParams({ operation, status, ...changes });
      for (const [name, value] of [...next]) if (!value) next.delete(name);
      location.hash = `#/activity?${next}`;
    };
    const opSelect = h("select", { id: "filter-operation", onchange: () => go({ operation: opSelect.value }) },
      h("option", { value: "" }, "any"),
      ops.map((op) => h("option", { value: op.operation, selected: op.operation === operation }, op.operation)));
    const statusInput = h("input", { id: "filter-call-status", type: "number", min: 100, max: 599, value: status,
      placeholder: "any", onchange: () => go({ status: statusInput.value }) });
    const calls = h("tbody");
    const events = h("tbody");
    const eventsPanel = h("section", { id: "events-panel", hidden: true },
      h("h3", {}, "The world's events"),
      h("div", { class: "scroll" }, h("table", { id: "events" }, h("thead", {}, h("tr", {},
        ["#", "At", "Run", "Event", "Now"].map((n) => h("th", {}, n)))), events)));
    const callsInfo = h("span", { class: "muted" });
    main.append(
      h("h2", {}, "Calls and events, live"),
      h("div", { class: "filters" },
        h("label", {}, "Operation", opSelect), h("label", {}, "Status", statusInput),
        h("button", { id: "clear-journal", onclick: clearJournal }, "Clear the journal"), callsInfo),
      h("div", { class: "split", id: "activity-split" },
        h("section", {}, h("h3", {}, "Calls to the API"),
          h("div", { class: "scroll" }, h("table", { id: "calls" }, h("thead", {}, h("tr", {},
            ["#", "Time", "Call", "Operation", "Status", "Notes"].map((n) => h("th", {}, n)))), calls))),
        eventsPanel));
    let lastCall = 0;
    let lastEvent = 0;

    async function clearJournal() {
      await control("DELETE", "/requests");
      calls.replaceChildren();
      notice("The journal is empty.");
    }

    async function poll() {
      const query = new URLSearchParams({ since: lastCall, limit: 200 });
      if (operation) query.set("operation", operation);
      if (status) query.set("status", status);
      const journal = await control("GET", `/requests?${query}`);
      for (const entry of journal.requests) {
        lastCall = Math.max(lastCall, entry.seq);
        calls.prepend(callRow(entry));
      }
      while (calls.children.length > CALLS_KEPT) calls.lastChild.remove();
      callsInfo.textContent = `${journal.recorded} calls recorded, ${journal.dropped} dropped`;
      // The feed pages oldest first after `since`: start at (and skip ahead to) its last page.
      const tail = await optional("events", "/events?limit=0");
      if (tail) lastEvent = Math.max(lastEvent, tail.recorded - 200);
      const feed = tail && await control("GET", `/events?since=${lastEvent}&limit=200`);
      eventsPanel.hidden = feed === null;
      main.querySelector("#activity-split").className = feed === null ? "" : "split";
      if (feed) {
        for (const event of feed.events) {
          lastEvent = Math.max(lastEvent, event.seq);
          events.prepend(h("tr", {},
            h("td", {}, event.seq), shortTime(event.at),
            h("td", { class: "id" }, h("a", { href: `#/run/${event.sequence_id}` }, event.sequence_id.slice(0, 8))),
            h("td", {}, event.event, event.step === null ? "" : ` · step ${event.step + 1}`,
              h("div", { class: "muted" }, { api: "by the API", clock: "by the clock", control: "by the control plane" }[event.cause] || event.cause)),
            h("td", {}, event.to ? badge(event.to) : "—")));
        }
        while (events.children.length > CALLS_KEPT) events.lastChild.remove();
      }
    }
    return { refresh: poll, poll, interval: FEED_POLL_MS };
  };

  function callRow(entry) {
    const notes = [];
    if (entry.fault) notes.push(`fault #${entry.fault}`);
    if (entry.contract_violation) notes.push(`violation: ${entry.contract_violation}`);
    for (const warning of entry.warnings || []) {
      notes.push(`warning: ${typeof warning === "string" ? warning : [warning.name, warning.message].filter(Boolean).join(": ")}`);
    }
    if (entry.network) notes.push(`network: ${entry.network}`);
    const query = new URLSearchParams(Object.entries(entry.query || {}).flatMap(([k, v]) =>
      (Array.isArray(v) ? v : [v]).map((one) => [k, one]))).toString();
    return h("tr", { class: entry.contract_violation || (entry.status >= 500 && !entry.fault) ? "problem" : null,
      dataset: { seq: entry.seq, status: entry.status } },
      h("td", {}, entry.seq), shortTime(entry.time),
      h("td", { class: "mono call" }, `${entry.method} ${entry.path}${query ? `?${query}` : ""}`),
      h("td", {}, entry.operation || "—"),
      h("td", {}, h("span", { class: `status-${String(entry.status)[0]}` }, entry.status),
        entry.code ? h("div", { class: "muted" }, entry.code) : null),
      h("td", { class: "notes" }, notes.join("; ")));
  }

  // -- coverage --------------------------------------------------------------------------------

  views.coverage = async (main) => {
    const holder = h("div");
    main.append(h("h2", {}, "Coverage of the API's contract"), holder);
    async function refresh() {
      const coverage = await control("GET", "/coverage");
      const statuses = [...new Set(coverage.operations.flatMap((op) =>
        [...op.declared, ...op.undeclared]))].sort((a, b) => a - b);
      const summary = coverage.summary;
      holder.replaceChildren(
        h("p", {}, `${summary.operations_called} of ${summary.operations} operations called; `,
          `${summary.exercised_statuses} of ${summary.declared_statuses} declared statuses answered.`,
          coverage.unmatched.calls ? ` ${coverage.unmatched.calls} calls matched no operation.` : ""),
        h("div", { class: "scroll" }, h("table", { class: "grid", id: "coverage" },
          h("thead", {}, h("tr", {}, h("th", {}, "Operation"), h("th", { class: "num" }, "Calls"),
            statuses.map((status) => h("th", {}, status)))),
          h("tbody", {}, coverage.operations.map((op) => h("tr", {},
            h("td", { class: "op" }, h("strong", {}, op.operation), h("div", { class: "muted mono" }, `${op.method} ${op.path}`)),
            h("td", { class: "num" }, op.calls),
            statuses.map((status) => {
              const count = op.statuses[String(status)];
              if (op.undeclared.includes(status)) return h("td", { class: "undeclared", title: "answered, not declared" }, count);
              if (!op.declared.includes(status)) return h("td", { class: "none" }, "");
              return count ? h("td", { class: "hit", title: `${count} answered` }, count) : h("td", { class: "miss" }, "○");
            })))))),
        h("p", { class: "legend" }, h("span", {}, "a number: answered that many times"),
          h("span", {}, "○ declared, never answered"), h("span", {}, "red: answered but not declared")));
    }
    return { refresh };
  };

  // -- faults ----------------------------------------------------------------------------------

  views.faults = async (main) => {
    const ops = await operations();
    const operation = h("select", { id: "fault-operation" }, h("option", { value: "*" }, "* (any operation)"),
      ops.map((op) => h("option", { value: op.operation }, op.operation)));
    const status = h("select", { id: "fault-status" });
    const fillStatuses = () => {
      const chosen = ops.filter((op) => operation.value === "*" || op.operation === operation.value);
      const common = chosen.length ? chosen[0].declared.filter((code) =>
        code >= 400 && chosen.every((op) => op.declared.includes(code))) : [];
      status.replaceChildren(h("option", { value: "" }, "none (delay only)"),
        ...common.map((code) => h("option", { value: code }, code)));
    };
    operation.addEventListener("change", fillStatuses);
    fillStatuses();
    const times = h("input", { id: "fault-times", type: "number", min: 1, value: 1 });
    const delay = h("input", { id: "fault-delay", type: "number", min: 0, max: 60000, value: 0 });
    const network = h("select", { id: "fault-network" }, h("option", { value: "" }, "none"),
      ["reset", "empty", "truncated", "dribble"].map((v) => h("option", { value: v }, v)));
    const rows = h("tbody");
    main.append(h("h2", {}, "Faults"),
      h("div", { class: "filters" },
        h("label", {}, "Operation", operation), h("label", {}, "Status", status),
        h("label", {}, "Times", times), h("label", {}, "Delay (ms)", delay), h("label", {}, "Network", network),
        h("button", { id: "add-fault", class: "primary", onclick: add }, "Add fault"),
        h("button", { id: "clear-faults", onclick: clear }, "Clear all")),
      h("table", { id: "faults" }, h("thead", {}, h("tr", {},
        ["#", "Operation", "Status", "Times left", "Delay (ms)", "Retry-After", "Network"].map((n) => h("th", {}, n)))), rows));

    async function add() {
      const fault = { operation: operation.value, times: Number(times.value) || 1 };
      if (status.value) fault.status = Number(status.value);
      if (Number(delay.value)) fault.delay_ms = Number(delay.value);
      if (network.value) fault.network = network.value;
      try {
        const added = await control("POST", "/faults", { body: fault });
        notice(`Fault #${added.id} queued for ${added.operation}.`);
      } catch (error) {
        const problems = (error.problem && error.problem.errors) || [];
        notice(`Fault refused: ${error.message} ${problems.map((p) => p.message).join("; ")}`, true);
      }
      await refresh();
    }
    async function clear() {
      const result = await control("DELETE", "/faults");
      notice(`${result.cleared} faults cleared.`);
      await refresh();
    }
    async function refresh() {
      const { faults } = await control("GET", "/faults");
      rows.replaceChildren(...faults.map((f) => h("tr", {}, h("td", {}, f.id), h("td", {}, f.operation),
        h("td", {}, f.status ?? "—"), h("td", {}, f.times), h("td", {}, f.delay_ms),
        h("td", {}, f.retry_after ?? "—"), h("td", {}, f.network ?? "—"))));
      if (!faults.length) rows.append(h("tr", {}, h("td", { colspan: 7, class: "muted" }, "No fault pending: calls are served as usual.")));
    }
    return { refresh };
  };

  // -- choices (a mock without the register hides the tab) -------------------------------------

  views.choices = async (main) => {
    const holder = h("div");
    main.append(h("h2", {}, "Choices"), h("p", { class: "muted" },
      "Where the vendor's docs are silent, the mock's behaviour is a named choice. Switching one changes this world only; a reset returns to the started ones."),
      holder);
    async function refresh() {
      const register = await optional("choices", "/choices");
      if (register === null) {
        holder.replaceChildren(h("p", { class: "muted" }, "This mock has no choice register."));
        return;
      }
      const choices = register.choices;
      holder.replaceChildren(h("table", { id: "choices" }, h("thead", {}, h("tr", {},
        ["Choice", "Option", "The question"].map((n) => h("th", {}, n)))),
      h("tbody", {}, choices.map((choice) => {
        const picker = h("select", { dataset: { choice: choice.id }, disabled: !choice.switchable,
          title: choice.switchable ? null : "verify-only: the mock's contract fixes it", onchange: async () => {
          try {
            await control("POST", "/choices", { body: { choices: { [choice.id]: picker.value } } });
            notice(`${choice.id} is now ${picker.value}.`);
          } catch (error) {
            notice(`Refused: ${error.message}`, true);
          }
          await refresh();
        } }, choice.options.map((o) => h("option", { value: o, selected: o === choice.current },
          o === choice.default ? `${o} (default)` : o)));
        return h("tr", {}, h("td", { class: "mono" }, choice.id), h("td", {}, picker),
          h("td", {}, choice.question));
      }))));
    }
    return { refresh };
  };

  // -- routing and polling ---------------------------------------------------------------------

  function stopView() {
    if (state.view && state.view.timer) clearInterval(state.view.timer);
    state.view = null;
  }

  async function refreshView() {
    const view = state.view;
    if (!view || !view.refresh) return;
    try {
      await view.refresh();
    } catch (error) {
      if (error.status !== 401) notice(`Could not read the mock: ${error.message}`, true);
    }
  }

  async function route() {
    stopView();
    const generation = ++state.generation;
    const [path, query] = (location.hash.slice(1) || "/world").split("?");
    const [, name, id] = path.split("/");
    const params = new URLSearchParams(query || "");
    const viewName = views[name] ? name : "world";
    for (const tab of document.querySelectorAll("#tabs a")) {
      tab.classList.toggle("current", tab.dataset.view === viewName || (viewName === "run" && tab.dataset.view === "runs"));
    }
    const main = h("main", { id: "view" });
    document.body.dataset.state = "loading";
    try {
      const view = await views[viewName](main, params, id);
      if (generation !== state.generation) return;
      $("#view").replaceWith(main);
      state.view = { name: viewName, ...view };
      if (view.refresh) await view.refresh();
      if (generation !== state.generation) return;
      if (view.poll) {
        state.view.timer = setInterval(() => { if (!document.hidden) refreshView(); }, view.interval);
      }
      document.body.dataset.state = "ready";
      document.body.dataset.view = viewName;
      if (!state.firstView) {
        state.firstView = true;
        performance.mark("console:first-view");
      }
    } catch (error) {
      if (error.status === 401) return;
      $("#view").replaceWith(main);
      main.append(h("p", { class: "error" }, `Could not show this view: ${error.message}`));
      document.body.dataset.state = "error";
    }
  }

  async function pollClock() {
    if (document.hidden || !$("#token-gate").hidden) return;
    const before = state.clock && state.clock.now;
    try {
      await readClock();
    } catch (error) {
      return;
    }
    const view = state.view;
    if (before !== state.clock.now && view && !view.poll && view.name !== "faults") await refreshView();
  }

  async function namespaces() {
    const listed = await optional("namespaces", "/namespaces");
    const picker = $("#namespace-picker");
    if (!listed) return;
    const names = listed.namespaces.map((n) => n.name).filter((name) => name !== "default");
    const select = $("#namespace");
    select.replaceChildren(h("option", { value: "" }, "default"),
      ...names.map((name) => h("option", { value: name, selected: name === state.namespace }, name)));
    select.onchange = () => {
      const base = select.value ? `/ns/${encodeURIComponent(select.value)}` : "";
      location.assign(`${base}/__mock/ui${location.hash}`);
    };
    picker.hidden = false;
  }

  async function start() {
    try {
      await readClock();
    } catch (error) {
      if (error.status !== 401) {
        $("#view").replaceChildren(h("p", { class: "error" }, `The mock did not answer: ${error.message}`));
      }
      return;
    }
    $("#token-gate").hidden = true;
    $("#tabs").hidden = false;
    $("#clock").hidden = false;
    await route();
    namespaces().catch(() => {});
    optional("choices", "/choices").then((register) => {
      document.querySelector('#tabs a[data-view="choices"]').hidden = register === null;
    }).catch(() => {});
  }

  window.addEventListener("hashchange", route);
  setInterval(pollClock, CLOCK_POLL_MS);
  start();
})();
