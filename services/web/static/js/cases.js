/* Case deadlines on the dashboard: the Termijnen tile and its drill-down.
 *
 * The tile follows the live feed that dashboard.js passes on as "sn:items": status,
 * at-risk, overdue and penalty counts and the money at stake come straight from the
 * "cases:organisation" snapshot. The drill-down asks /api/cases for its lists, which
 * the server has already sorted, translated and formatted, and asks again when a case
 * snapshot changes while it is open. Load this file before dashboard.js, so that it
 * listens before the first snapshot arrives.
 */
"use strict";

(() => {
  const tile = document.getElementById("cases-tile");
  if (!tile) return;
  const opener = document.getElementById("cases-open");
  const detail = document.getElementById("cases-detail");
  const title = document.getElementById("cases-title");
  const select = document.getElementById("cases-scope");
  const announce = document.getElementById("announce");
  const ORGANISATION = "cases:organisation";
  const RELOAD_DELAY_MS = 500;
  let organisation = null;
  let available = true;
  let isOpen = false;
  let reloadTimer = null;
  let latest = 0;              // number of the newest request: an older answer never wins

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

  /* Euros as the server writes them: "€ 1.442" in Dutch, "€1,442" in English. */
  function euros(cents) {
    const whole = cents % 100 === 0;
    return new Intl.NumberFormat(SN.lang === "en" ? "en-GB" : "nl-NL", {
      style: "currency", currency: "EUR", minimumFractionDigits: whole ? 0 : 2,
      maximumFractionDigits: 2 }).format(cents / 100);
  }

  /* A status badge whose text says more than the status word ("Dwangsom loopt"). */
  function badge(status, text) {
    const shown = SN.badge(status);
    shown.querySelector(".status__text").textContent = text;
    return shown;
  }

  // -- the tile ----------------------------------------------------------------------------

  function renderTile() {
    const status = available ? (organisation ? organisation.status : "no-data") : "unavailable";
    tile.dataset.status = status;
    tile.style.setProperty("--status-colour", SN.colour(null, status));
    const holder = tile.querySelector(".tile__status");
    const old = holder.querySelector(".status");
    if (!old || old.dataset.status !== status) holder.replaceChildren(SN.badge(status));
    const shown = available && organisation;
    const counts = (shown && organisation.counts) || {};
    for (const name of ["at_risk", "overdue", "penalty_running"]) {
      tile.querySelector('[data-count="' + name + '"]').textContent =
        shown ? String(counts[name] ?? 0) : SN.t("value.none");
    }
    tile.querySelector('[data-count="exposure"]').textContent =
      shown ? euros(organisation.exposure_cents || 0) : SN.t("value.none");
  }

  function onItems(event) {
    const { items, replace } = event.detail;
    let changed = replace;
    if (replace) organisation = null;
    for (const item of items) {
      if (item.kind !== "cases") continue;
      changed = true;
      if (item.scope_key !== ORGANISATION) continue;
      if (!replace && organisation && organisation.status !== item.status) {
        announce.textContent = SN.t("cases.tile.title") + ": " + SN.t("status." + SN.known(item.status));
      }
      organisation = item;
    }
    renderTile();
    if (changed && isOpen) scheduleLoad();
  }

  // -- the drill-down ----------------------------------------------------------------------

  function open() {
    isOpen = true;
    detail.hidden = false;
    opener.setAttribute("aria-expanded", "true");
    title.focus();
    load();
  }

  function close() {
    isOpen = false;
    detail.hidden = true;
    opener.setAttribute("aria-expanded", "false");
    opener.focus();
  }

  function scheduleLoad() {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(load, RELOAD_DELAY_MS);
  }

  async function load() {
    const number = ++latest;
    const scope = select.value;
    let body;
    try {
      const response = await fetch("/api/cases?scope=" + encodeURIComponent(scope),
                                   { cache: "no-store", credentials: "same-origin" });
      if (response.status === 404 && scope) {
        // That team or case type has no current cases any more: back to all cases.
        select.value = "";
        if (number === latest) load();
        return;
      }
      if (!response.ok) throw new Error(String(response.status));
      body = await response.json();
    } catch (error) {
      if (number === latest) showInstead(SN.t("cases.failed"));
      return;
    }
    if (number === latest && isOpen) render(body);
  }

  function render(body) {
    fillSelect(body.filters, body.scope);
    const where = select.selectedOptions.length ? select.selectedOptions[0].textContent : SN.t("cases.all");
    title.textContent = SN.t("cases.title") + " \u2013 " + where;
    document.getElementById("cases-updated").textContent = body.updated_text;
    const counts = body.counts || {};
    const summary = document.getElementById("cases-summary");
    if (!body.available) {
      summary.replaceChildren();
      showInstead(SN.t("cases.no_data"));
      return;
    }
    summary.replaceChildren(SN.badge(body.status), " ", el("span", { text: SN.t("cases.summary", {
      overdue: counts.overdue ?? 0, at_risk: counts.at_risk ?? 0,
      penalty: counts.penalty_running ?? 0, exposure: body.exposure_text }) }));
    // The evaluator sends a new round every minute, mostly with the same cases: redraw
    // only what changed, and keep what the reader opened and where the focus was.
    const lists = document.getElementById("cases-lists");
    const drawn = JSON.stringify([body.scope, body.lists, body.complete, counts]);
    if (lists.dataset.drawn !== drawn) {
      const kept = remember(lists);
      lists.replaceChildren(
        list("overdue", body.lists.overdue, counts.overdue ?? 0, body.complete.overdue),
        list("at_risk", body.lists.at_risk, counts.at_risk ?? 0, body.complete.at_risk));
      lists.dataset.drawn = drawn;
      restore(lists, kept);
    }
    const shares = document.getElementById("cases-compliance");
    const sharesDrawn = JSON.stringify(body.compliance);
    if (shares.dataset.drawn !== sharesDrawn) {
      shares.replaceChildren(compliance(body.compliance));
      shares.dataset.drawn = sharesDrawn;
    }
  }

  /* Which explanations are open, and which row holds the focus, by list and case id. */
  function remember(holder) {
    const where = (node) => {
      const tr = node.closest("tr[data-case]");
      const table = node.closest("table[data-list]");
      return tr && table ? table.dataset.list + "|" + tr.dataset.case : null;
    };
    const open = new Set([...holder.querySelectorAll("details[open]")].map(where));
    const active = holder.contains(document.activeElement) ? document.activeElement : null;
    return { open, hadFocus: Boolean(active), focus: active ? where(active) : null };
  }

  function restore(holder, kept) {
    for (const row of holder.querySelectorAll("table[data-list] tr[data-case]")) {
      const key = row.closest("table").dataset.list + "|" + row.dataset.case;
      const details = row.querySelector("details");
      if (details && kept.open.has(key)) details.open = true;
      if (details && key === kept.focus) details.querySelector("summary").focus();
    }
    // The row left the list (decided, or moved): keep the focus inside the view.
    if (kept.hadFocus && !holder.contains(document.activeElement)) title.focus();
  }

  /* A message in place of the lists and shares, until the next answer draws them again. */
  function showInstead(message) {
    const lists = document.getElementById("cases-lists");
    const shares = document.getElementById("cases-compliance");
    lists.replaceChildren(el("p", { class: "muted", text: message }));
    shares.replaceChildren();
    delete lists.dataset.drawn;
    delete shares.dataset.drawn;
  }

  /* Team and case-type choices; replaced only when they change, so that a keyboard
   * user who is in the list is not thrown out of it by a live update. */
  function fillSelect(filters, scope) {
    const signature = JSON.stringify(filters);
    if (select.dataset.signature !== signature) {
      const options = [el("option", { value: "", text: SN.t("cases.all") })];
      for (const [level, key] of [["team", "cases.per_team"], ["case_type", "cases.per_case_type"]]) {
        if (!filters[level].length) continue;
        options.push(el("optgroup", { label: SN.t(key) }, ...filters[level].map((f) =>
          el("option", { value: level + "." + f.value, text: f.label }))));
      }
      select.replaceChildren(...options);
      select.dataset.signature = signature;
    }
    const [level, value] = Object.entries(scope || {})[0] || [];
    select.value = level ? level + "." + value : "";
  }

  function list(name, rows, total, complete) {
    const section = el("div", { class: "cases-list" },
      el("h3", { text: SN.t("cases.list." + name, { n: total }) }));
    if (!rows.length && !total) {
      section.append(el("p", { class: "muted", text: SN.t("cases.none." + name) }));
      return section;
    }
    if (!complete) {
      section.append(el("p", { class: "help", text: SN.t("cases.cut", { shown: rows.length, total }) }));
    }
    const head = ["cases.col.case", "cases.col.case_type", "cases.col.team", "cases.col.deadline",
                  "cases.col.days", "cases.col.stage", "cases.col.penalty"];
    const table = el("table", { class: "cases-table", "data-list": name },
      el("caption", { text: SN.t("cases.caption." + name) }),
      el("thead", {}, el("tr", {}, ...head.map((key) => el("th", { scope: "col", text: SN.t(key) })))),
      el("tbody", {}, ...rows.map(row)));
    section.append(el("div", { class: "table-wrap" }, table));
    return section;
  }

  function row(c) {
    const deadline = el("td", {}, el("span", { class: "case-deadline", text: c.deadline_text }));
    if (c.suspended) deadline.append(el("span", { class: "case-flag", text: SN.t("cases.suspended") }));
    if (c.extension_weeks) {
      deadline.append(el("span", { class: "case-flag", text: c.extension_weeks === 1
        ? SN.t("cases.extended_one") : SN.t("cases.extended", { n: c.extension_weeks }) }));
    }
    deadline.append(el("details", { class: "case-how" },
      el("summary", {}, SN.t("cases.how"),
         el("span", { class: "visually-hidden", text: " " + SN.t("cases.of_case", { id: c.case_id }) })),
      el("p", { text: c.received_text }),
      el("ol", {}, ...c.explanation.map((step) => el("li", { text: step })))));
    const penalty = c.penalty_lines.length
      ? c.penalty_lines.map((line) => el("p", { class: "case-line", text: line }))
      : [SN.t("value.none")];
    return el("tr", { "data-case": c.case_id },
      el("th", { scope: "row" }, el("span", { class: "case-id", text: c.case_id })),
      el("td", { text: c.case_type_title }),
      el("td", { text: c.team }),
      deadline,
      el("td", { text: c.working_days_text }),
      el("td", {}, badge(c.status, c.stage_text)),
      el("td", { class: "case-penalty" }, ...penalty));
  }

  function compliance(rows) {
    if (!rows.length) return el("p", { class: "muted", text: SN.t("cases.no_compliance") });
    const head = ["cases.col.period", "cases.col.decided", "cases.col.statutory",
                  "cases.col.service_norm"];
    return el("div", { class: "table-wrap" }, el("table", { class: "cases-compliance" },
      el("caption", { text: SN.t("cases.compliance_caption") }),
      el("thead", {}, el("tr", {}, ...head.map((key) => el("th", { scope: "col", text: SN.t(key) })))),
      el("tbody", {}, ...rows.map((r) => el("tr", {},
        el("th", { scope: "row", text: r.label }),
        el("td", { text: String(r.decided) }),
        el("td", { text: r.statutory_text }),
        el("td", { text: r.service_norm_text }))))));
  }

  // -- wiring ------------------------------------------------------------------------------

  document.addEventListener("sn:items", onItems);
  document.addEventListener("sn:state", (event) => {
    available = event.detail.available;
    renderTile();
  });
  opener.addEventListener("click", open);
  // A click anywhere on the tile opens it too; the button stays the keyboard route.
  tile.addEventListener("click", (event) => { if (!event.target.closest("button")) open(); });
  document.getElementById("cases-close").addEventListener("click", close);
  detail.addEventListener("keydown", (event) => { if (event.key === "Escape") close(); });
  select.addEventListener("change", load);
})();
