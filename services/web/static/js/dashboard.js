/* The supervisors' dashboard: tiles per norm, drill-down, norm card, trends, open items.
 *
 * The live state comes from /api/stream (snapshot, then changes). Scope keys tell
 * the hierarchy: "norm:<norm>" is the whole organisation, "norm:<norm>:location.x"
 * one location, "...:service.y" one service there, and so on; the same suffixes
 * follow "indicator:<norm>:<indicator>". The drill-down walks these keys, so it
 * shows whatever levels the norm's events carry.
 *
 * Every batch of items is passed on as an "sn:items" event on the document, and
 * the connection state as "sn:state", so that cases.js (the Termijnen tile) follows
 * the same feed without a second connection.
 */
"use strict";

(() => {
  const cards = JSON.parse(document.getElementById("cards").textContent);
  const state = new Map();
  const detail = document.getElementById("detail");
  const announce = document.getElementById("announce");
  let available = true;
  let current = null;          // { norm, node: [[level, value], ...], opener }
  let trendRange = "today";
  let chart = null;

  const suffix = (node) => node.map(([level, value]) => ":" + level + "." + value).join("");
  const normKey = (norm, node) => "norm:" + norm + suffix(node);
  const indicatorKey = (norm, ind, node) => "indicator:" + norm + ":" + ind + suffix(node);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else node.setAttribute(name, value);
    }
    node.append(...children);
    return node;
  }

  // -- widgets -----------------------------------------------------------------------------

  const svgNS = "http://www.w3.org/2000/svg";
  function svg(tag, attrs) {
    const node = document.createElementNS(svgNS, tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
    return node;
  }

  function scaleMax(indicator, value) {
    if (indicator.unit === "percent") return 100;
    const top = Math.max(indicator.target, indicator.limit) * 1.5 || 1;
    return Math.max(top, value || 0);
  }

  function point(fraction, radius) {
    const angle = Math.PI * (1 - fraction);
    return [50 + radius * Math.cos(angle), 52 - radius * Math.sin(angle)];
  }

  function arc(from, to, radius) {
    const [x1, y1] = point(from, radius);
    const [x2, y2] = point(to, radius);
    return "M" + x1.toFixed(2) + " " + y1.toFixed(2) + " A" + radius + " " + radius
      + " 0 0 1 " + x2.toFixed(2) + " " + y2.toFixed(2);
  }

  /* The "klokje": a half dial with the streefwaarde and grenswaarde marked. */
  function gauge(indicator, snapshot, colour) {
    const box = svg("svg", { viewBox: "0 0 100 60", class: "gauge" });
    box.append(svg("path", { d: arc(0, 1, 40), class: "gauge__track" }));
    const value = snapshot && snapshot.value;
    const top = scaleMax(indicator, value);
    if (value !== null && value !== undefined) {
      const f = Math.max(0.001, Math.min(1, value / top));
      box.append(svg("path", { d: arc(0, f, 40), class: "gauge__value", stroke: colour }));
      const [nx, ny] = point(f, 30);
      box.append(svg("line", { x1: 50, y1: 52, x2: nx, y2: ny, class: "gauge__needle" }));
    }
    for (const [mark, cls] of [[indicator.target, "gauge__target"],
                               [indicator.limit, "gauge__limit"]]) {
      const f = Math.min(1, mark / top);
      const [x1, y1] = point(f, 34);
      const [x2, y2] = point(f, 46);
      box.append(svg("line", { x1, y1, x2, y2, class: cls }));
    }
    return box;
  }

  function trafficLight(status) {
    const box = svg("svg", { viewBox: "0 0 90 30", class: "light" });
    [["red", 15], ["orange", 45], ["green", 75]].forEach(([name, x]) => {
      box.append(svg("circle", { cx: x, cy: 15, r: 12,
                                 class: "light__lamp" + (status === name ? " light__lamp--" + name : "") }));
    });
    return box;
  }

  function sparkline(points, colour) {
    const box = svg("svg", { viewBox: "0 0 100 30", class: "spark", preserveAspectRatio: "none" });
    const values = points.map((p) => p[1]).filter((v) => v !== null);
    if (values.length < 2) return box;
    const low = Math.min(...values), high = Math.max(...values);
    const span = high - low || 1;
    const path = points.filter((p) => p[1] !== null).map((p, i, all) =>
      (i / (all.length - 1) * 100).toFixed(1) + "," + (28 - (p[1] - low) / span * 26).toFixed(1));
    box.append(svg("polyline", { points: path.join(" "), class: "spark__line", stroke: colour }));
    return box;
  }

  const sparks = new Map();
  async function refreshSparks() {
    for (const tile of document.querySelectorAll('.tile[data-widget="trend"]')) {
      const card = cards[tile.dataset.norm];
      const key = indicatorKey(card.norm, card.indicators[0].id, []);
      try {
        const response = await fetch("/api/history?range=today&scope_key=" + encodeURIComponent(key));
        if (response.ok) sparks.set(card.norm, (await response.json()).points);
      } catch (error) { /* shown again on the next round */ }
      renderTile(tile);
    }
  }

  // -- tiles -------------------------------------------------------------------------------

  function renderTile(tile) {
    const norm = tile.dataset.norm;
    const card = cards[norm];
    const rollUp = state.get(normKey(norm, []));
    const headline = card.indicators[0];
    const value = state.get(indicatorKey(norm, headline.id, []));
    const status = available ? (rollUp ? rollUp.status : "no-data") : "unavailable";
    const score = rollUp ? rollUp.score : null;
    const colour = SN.colour(status === "unavailable" ? null : score, status);
    tile.dataset.status = status;
    tile.style.setProperty("--status-colour", colour);
    const badgeHolder = tile.querySelector(".tile__status");
    const old = badgeHolder.querySelector(".status");
    if (!old || old.dataset.status !== status) badgeHolder.replaceChildren(SN.badge(status));
    tile.querySelector(".tile__number").textContent =
      available && value ? SN.formatValue(value.value, headline.unit) : SN.t("value.none");
    const widget = tile.querySelector(".tile__widget");
    const kind = tile.dataset.widget;
    const shown = available ? value : null;
    if (kind === "gauge") widget.replaceChildren(gauge(headline, shown, colour));
    else if (kind === "traffic-light") widget.replaceChildren(trafficLight(status));
    else if (kind === "trend") widget.replaceChildren(sparkline(available ? sparks.get(norm) || [] : [], colour));
    else widget.replaceChildren();
  }

  function renderLocations() {
    const list = document.getElementById("locations");
    const locations = [...state.values()].filter((s) => s.kind === "location")
      .sort((a, b) => a.scope_key.localeCompare(b.scope_key));
    if (!locations.length) return;
    list.replaceChildren(...locations.map((s) => el("li", { class: "chip" },
      el("span", { class: "chip__label", text: SN.scopeLabel(s.scope) }),
      SN.badge(available ? s.status : "unavailable"))));
  }

  function renderAll() {
    document.querySelectorAll(".tile[data-norm]").forEach(renderTile);
    renderLocations();
    if (current) renderDetail(false);
  }

  // -- drill-down --------------------------------------------------------------------------

  function childrenOf(norm, node) {
    const prefix = normKey(norm, node) + ":";
    const seen = new Map();
    for (const s of state.values()) {
      if (s.kind !== "norm" || s.norm !== norm || !s.scope_key.startsWith(prefix)) continue;
      const scope = Object.entries(s.scope || {});
      if (scope.length === node.length + 1) seen.set(s.scope_key, s);
    }
    return [...seen.values()].sort((a, b) => a.scope_key.localeCompare(b.scope_key));
  }

  function open(norm, node, opener) {
    current = { norm, node, opener: opener || (current && current.opener) };
    document.querySelectorAll(".tile__open[data-norm]").forEach((b) =>
      b.setAttribute("aria-expanded", String(b.dataset.norm === norm)));
    detail.hidden = false;
    renderDetail(true);
    const heading = document.getElementById("detail-title");
    heading.focus();
  }

  function close() {
    const opener = current && current.opener;
    current = null;
    detail.hidden = true;
    document.querySelectorAll(".tile__open[data-norm]").forEach((b) => b.setAttribute("aria-expanded", "false"));
    if (opener) opener.focus();
  }

  function renderDetail(full) {
    const { norm, node } = current;
    const card = cards[norm];
    const where = SN.scopeLabel(Object.fromEntries(node));
    document.getElementById("detail-title").textContent = card.title + " – " + where;
    // Breadcrumbs: every level above is a button back up.
    const crumbs = document.getElementById("crumbs");
    const levels = [[], ...node.map((_, i) => node.slice(0, i + 1))];
    crumbs.replaceChildren(...levels.map((n, i) => {
      const label = i === 0 ? SN.t("scope.organisation") : n[n.length - 1][1];
      if (i === levels.length - 1) return el("li", {}, el("span", { "aria-current": "location", text: label }));
      const button = el("button", { type: "button", class: "link-button", text: label });
      button.addEventListener("click", () => open(norm, n));
      return el("li", {}, button);
    }));
    // Indicators at this point.
    document.getElementById("indicators-caption").textContent = SN.t("dash.indicators_at", { where });
    const rows = card.indicators.map((ind) => {
      const s = state.get(indicatorKey(norm, ind.id, node));
      const status = available ? (s ? s.status : "no-data") : "unavailable";
      return el("tr", {},
        el("th", { scope: "row", text: ind.title }),
        el("td", {}, SN.badge(status)),
        el("td", { text: available && s ? SN.formatValue(s.value, ind.unit) : SN.t("value.none") }),
        el("td", { text: available && s && s.today ? SN.formatValue(s.today.value, ind.unit) : SN.t("value.none") }),
        el("td", { text: s && available ? String(s.count ?? "–") : "–" }));
    });
    document.getElementById("indicator-rows").replaceChildren(...rows);
    // One level down, when the norm's scope has one.
    const children = childrenOf(norm, node);
    const list = document.getElementById("children");
    const nextLevel = card.scope[node.length];
    document.getElementById("children-title").textContent = nextLevel
      ? SN.t("dash.parts_level", { level: SN.t("level." + nextLevel) }) : SN.t("dash.parts");
    if (!children.length) {
      list.replaceChildren(el("li", { class: "muted", text: SN.t("dash.no_parts") }));
    } else {
      list.replaceChildren(...children.map((s) => {
        const entries = Object.entries(s.scope);
        const label = entries[entries.length - 1][1];
        const button = el("button", { type: "button", class: "chip chip--button" },
          el("span", { class: "chip__label", text: label }), SN.badge(available ? s.status : "unavailable"));
        button.addEventListener("click", () => open(norm, entries));
        return el("li", {}, button);
      }));
    }
    if (full) {
      renderCard(card);
      const select = document.getElementById("trend-indicator");
      select.replaceChildren(...card.indicators.map((ind) => el("option", { value: ind.id, text: ind.title })));
      loadTrend();
      loadOpen();
    }
  }

  function renderCard(card) {
    const dl = document.getElementById("card");
    const entries = [
      ["card.promise", card.promise], ["card.method", card.method],
      ["card.data_source", card.data_source], ["card.limit", card.limit || "–"],
      ["card.calendar", SN.t("calendar." + card.calendar)],
      ["card.scope", card.scope.map((l) => SN.t("level." + l)).join(" → ") || "–"],
      ["card.owner", card.owner],
      ["card.version", card.version + " (" + SN.t("card.since", { date: card.effective_from }) + ")"],
      ["card.published", [card.public ? SN.t("card.on_public") : SN.t("card.not_public"),
                          card.display ? SN.t("card.on_display") : SN.t("card.not_display")].join("; ")],
    ];
    const items = [];
    for (const [key, value] of entries) items.push(el("dt", { text: SN.t(key) }), el("dd", { text: value }));
    for (const ind of card.indicators) {
      items.push(el("dt", { text: ind.title }), el("dd", { text: SN.t("card.band", {
        target: SN.formatValue(ind.target, ind.unit), limit: SN.formatValue(ind.limit, ind.unit),
        direction: SN.t("direction." + ind.direction) }) }));
    }
    dl.replaceChildren(...items);
  }

  // -- trend and open items ----------------------------------------------------------------

  async function loadTrend() {
    if (!current) return;
    const card = cards[current.norm];
    const indicatorId = document.getElementById("trend-indicator").value || card.indicators[0].id;
    const ind = card.indicators.find((i) => i.id === indicatorId);
    const key = indicatorKey(current.norm, indicatorId, current.node);
    const holder = document.getElementById("trend-chart");
    let body;
    try {
      const response = await fetch("/api/history?range=" + trendRange + "&scope_key=" + encodeURIComponent(key));
      if (!response.ok) throw new Error(String(response.status));
      body = await response.json();
    } catch (error) {
      holder.replaceChildren(el("p", { class: "muted", text: SN.t("dash.trend_failed") }));
      return;
    }
    const xs = body.points.map((p) => p[0]);
    const ys = body.points.map((p) => p[1]);
    holder.setAttribute("aria-label", SN.t("dash.trend_label", { title: ind.title,
      range: SN.t("range." + trendRange), n: xs.length }));
    document.getElementById("trend-rows").replaceChildren(...body.points.slice(-200).map((p) =>
      el("tr", {}, el("td", { text: new Date(p[0] * 1000).toLocaleString(SN.lang === "en" ? "en-GB" : "nl-NL") }),
                   el("td", { text: SN.formatValue(p[1], ind.unit) }))));
    if (chart) { chart.destroy(); chart = null; }
    holder.replaceChildren();
    if (!xs.length) {
      holder.append(el("p", { class: "muted", text: SN.t("dash.trend_empty") }));
      return;
    }
    const width = Math.max(280, holder.clientWidth || 600);
    chart = new uPlot({
      width, height: 220,
      scales: { x: { time: true, range: [Date.parse(body.from) / 1000, Date.parse(body.until) / 1000] } },
      axes: [{}, { label: SN.t("unit.long." + ind.unit) }],
      series: [
        { label: SN.t("dash.time") },
        { label: ind.title, stroke: "#1f4e8c", width: 2 },
        { label: SN.t("card.target"), stroke: "#1a7f37", dash: [6, 4], width: 1 },
        { label: SN.t("card.limit_value"), stroke: "#c62828", dash: [2, 4], width: 1 },
      ],
    }, [xs, ys, xs.map(() => ind.target), xs.map(() => ind.limit)], holder);
  }

  async function loadOpen() {
    if (!current) return;
    const holder = document.getElementById("open-items");
    const scope = current.node.map(([l, v]) => l + "." + v).join(",");
    let body;
    try {
      const response = await fetch("/api/open?norm=" + encodeURIComponent(current.norm)
                                   + "&scope=" + encodeURIComponent(scope) + "&limit=20");
      if (!response.ok) throw new Error(String(response.status));
      body = await response.json();
    } catch (error) {
      holder.replaceChildren(el("p", { class: "muted", text: SN.t("dash.open_failed") }));
      return;
    }
    if (!body.applies) {
      holder.replaceChildren(el("p", { class: "muted", text: SN.t("dash.open_not_applicable") }));
      return;
    }
    const summary = el("p", { text: SN.t("dash.open_summary", { n: body.open,
      oldest: body.oldest_age_seconds === null ? "–" : SN.formatAge(body.oldest_age_seconds) }) });
    if (!body.items.length) { holder.replaceChildren(summary); return; }
    const table = el("table", { class: "open-table" },
      el("caption", { class: "visually-hidden", text: SN.t("dash.open_items") }),
      el("thead", {}, el("tr", {}, el("th", { scope: "col", text: SN.t("dash.waiting") }),
                                    el("th", { scope: "col", text: SN.t("dash.where") }))),
      el("tbody", {}, ...body.items.map((item) => el("tr", {},
        el("td", { text: SN.formatAge(item.age_seconds) }),
        el("td", { text: SN.scopeLabel(item.scope) })))));
    holder.replaceChildren(summary, el("div", { class: "table-wrap" }, table));
  }

  // -- live feed ---------------------------------------------------------------------------

  function onItems(items, replace, lastUpdate) {
    if (replace) state.clear();
    for (const item of items) {
      const before = state.get(item.scope_key);
      state.set(item.scope_key, item);
      if (!replace && before && before.status !== item.status && item.kind === "norm"
          && !Object.keys(item.scope || {}).length && cards[item.norm]) {
        announce.textContent = cards[item.norm].title + ": " + SN.t("status." + SN.known(item.status));
      }
    }
    if (lastUpdate) document.getElementById("last-update").textContent = SN.formatTime(lastUpdate);
    renderAll();
    // Other parts of the page (case deadlines) follow the same feed.
    document.dispatchEvent(new CustomEvent("sn:items", { detail: { items, replace } }));
  }

  function onState(name) {
    available = name !== "unavailable";
    const connection = document.getElementById("connection");
    connection.textContent = SN.t("live." + name);
    connection.dataset.state = name;
    document.getElementById("offline").hidden = available;
    renderAll();
    document.dispatchEvent(new CustomEvent("sn:state", { detail: { available } }));
  }

  // -- wiring ------------------------------------------------------------------------------

  document.querySelectorAll(".tile__open[data-norm]").forEach((button) =>
    button.addEventListener("click", () => open(button.dataset.norm, [], button)));
  // A click anywhere on a tile opens it too; the button stays the keyboard route.
  document.querySelectorAll(".tile[data-norm]").forEach((tile) => tile.addEventListener("click", (e) => {
    if (!e.target.closest("button")) tile.querySelector(".tile__open").click();
  }));
  document.getElementById("detail-close").addEventListener("click", close);
  detail.addEventListener("keydown", (e) => { if (e.key === "Escape") close(); });
  document.getElementById("trend-indicator").addEventListener("change", loadTrend);
  document.querySelectorAll(".range").forEach((button) => button.addEventListener("click", () => {
    trendRange = button.dataset.range;
    document.querySelectorAll(".range").forEach((b) => b.setAttribute("aria-pressed", String(b === button)));
    loadTrend();
  }));

  new SN.Live({ url: "/api/stream", statusUrl: "/api/status", staleSeconds: 45, onItems, onState });
  refreshSparks();
  setInterval(refreshSparks, 60000);
  setInterval(() => { if (current) { loadOpen(); } }, 30000);
})();
