/* The hall display: large status per norm, the waiting time per service, pages that
 * rotate on their own with a pause button (WCAG 2.2.2), and "Niet beschikbaar"
 * instead of old figures when the feed stops (see SN.Live in common.js).
 */
"use strict";

(() => {
  const cards = JSON.parse(document.getElementById("cards").textContent);
  const holder = document.getElementById("pages");
  const pages = [...document.querySelectorAll(".display__page")];
  const pause = document.getElementById("pause");
  const pageLabel = document.getElementById("page-label");
  const unavailable = document.getElementById("unavailable");
  const announce = document.getElementById("announce");
  const rotateSeconds = Number(holder.dataset.rotate) || 15;
  const staleSeconds = Number(holder.dataset.stale) || 45;
  const state = new Map();
  let available = true;
  let page = 0;
  let paused = false;

  const WAIT_UNITS = ["minutes", "seconds", "hours"];
  const MAX_SERVICES = 4;
  const WAIT_KINDS = ["open-oldest", "mean", "maximum", "percentile"];

  /* The indicator that says how long people wait: the longest wait now if the norm
   * has one, else the average. */
  function waitIndicator(card) {
    for (const kind of WAIT_KINDS) {
      const found = card.indicators.find((i) => i.kind === kind && WAIT_UNITS.includes(i.unit));
      if (found) return found;
    }
    return null;
  }

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function renderNorm(li) {
    const norm = li.dataset.norm;
    const card = cards[norm];
    const rollUp = state.get("norm:" + norm);
    const status = available ? (rollUp ? rollUp.status : "no-data") : "unavailable";
    li.dataset.status = status;
    li.style.setProperty("--status-colour", SN.colour(available && rollUp ? rollUp.score : null, status));
    const badgeHolder = li.querySelector(".display__status");
    const old = badgeHolder.querySelector(".status");
    if (!old || old.dataset.status !== status) badgeHolder.replaceChildren(SN.badge(status, true));
    const headline = card.indicators[0];
    const value = state.get("indicator:" + norm + ":" + headline.id);
    li.querySelector(".display__number").textContent =
      available && value ? SN.formatValue(value.value, headline.unit) : SN.t("value.none");
    // Waiting time per service: indicator snapshots whose scope names a service.
    const list = li.querySelector(".display__services");
    const wait = waitIndicator(card);
    if (!available || !wait || !card.scope.includes("service")) { list.replaceChildren(); return; }
    const prefix = "indicator:" + norm + ":" + wait.id + ":";
    const rows = [...state.values()].filter((s) => s.scope_key.startsWith(prefix)
      && s.scope && s.scope.service && Object.keys(s.scope).length === card.scope.indexOf("service") + 1)
      // The longest waits first, and no more than fit on a hall screen.
      .sort((a, b) => (b.value ?? -1) - (a.value ?? -1) || a.scope_key.localeCompare(b.scope_key))
      .slice(0, MAX_SERVICES);
    list.replaceChildren(...rows.map((s) => {
      const row = el("li", "display__service");
      row.append(el("span", "display__service-name", SN.scopeLabel(s.scope)),
                 el("span", "display__service-wait", SN.t("display.wait", { value: SN.formatValue(s.value, wait.unit) })),
                 SN.badge(s.status));
      return row;
    }));
  }

  function renderAll() {
    document.querySelectorAll(".display__norm").forEach(renderNorm);
    unavailable.hidden = available;
    holder.classList.toggle("is-unavailable", !available);
  }

  function show(index) {
    if (!pages.length) return;
    page = (index + pages.length) % pages.length;
    pages.forEach((p, i) => { p.hidden = i !== page; });
    pageLabel.textContent = SN.t("display.page", { n: page + 1, of: pages.length });
  }

  function onItems(items, replace) {
    if (replace) state.clear();
    for (const item of items) {
      const before = state.get(item.scope_key);
      state.set(item.scope_key, item);
      if (!replace && before && before.status !== item.status && item.kind === "norm"
          && !Object.keys(item.scope || {}).length && cards[item.norm]) {
        announce.textContent = cards[item.norm].title + ": " + SN.t("status." + SN.known(item.status));
      }
    }
    renderAll();
  }

  function onState(name) {
    available = name !== "unavailable";
    document.body.dataset.feed = name;
    renderAll();
  }

  pause.addEventListener("click", () => {
    paused = !paused;
    pause.textContent = paused ? pause.dataset.labelPlay : pause.dataset.labelPause;
  });
  setInterval(() => { if (!paused && pages.length > 1) show(page + 1); }, rotateSeconds * 1000);
  show(0);
  new SN.Live({ url: "/api/display/stream", statusUrl: "/api/display/status", staleSeconds,
                onItems, onState });
})();
