/* Live updates on top of the server-rendered public page and widget.
 *
 * Without JavaScript the page is complete as rendered. With it, the status and
 * value of each norm follow /api/public/stream, changes are announced politely,
 * and when the feed stops the statuses read "Niet beschikbaar" instead of
 * keeping an old colour.
 */
"use strict";

(() => {
  const state = new Map();
  const announce = document.getElementById("announce");
  const lastUpdate = document.getElementById("last-update");
  const connection = document.getElementById("connection");
  let available = true;

  function render(norm) {
    const rollUp = state.get("norm:" + norm);
    for (const holder of document.querySelectorAll('[data-live-status="' + norm + '"]')) {
      const status = available ? (rollUp ? rollUp.status : "no-data") : "unavailable";
      const current = holder.querySelector(".status");
      if (!current || current.dataset.status !== status) {
        holder.replaceChildren(SN.badge(status, true));
      }
    }
    for (const holder of document.querySelectorAll('[data-live-value="' + norm + '"]')) {
      const item = state.get("indicator:" + norm + ":" + holder.dataset.indicator);
      holder.textContent = available && item ? SN.formatValue(item.value, holder.dataset.unit)
                                             : SN.t("value.none");
    }
  }

  function onItems(items, replace, lastUpdateEpoch) {
    const changed = new Set();
    if (replace) {
      for (const key of state.keys()) changed.add(key.split(":")[1]);
      state.clear();
    }
    for (const item of items) {
      const before = state.get(item.scope_key);
      state.set(item.scope_key, item);
      if (item.norm) changed.add(item.norm);
      if (!replace && before && item.kind === "norm" && !Object.keys(item.scope || {}).length
          && before.status !== item.status && announce) {
        const title = document.getElementById("title-" + item.norm);
        announce.textContent = (title ? title.textContent : item.norm) + ": "
          + SN.t("status." + SN.known(item.status));
      }
    }
    for (const norm of changed) render(norm);
    if (lastUpdate && lastUpdateEpoch) lastUpdate.textContent = SN.formatTime(lastUpdateEpoch);
  }

  function onState(name) {
    available = name !== "unavailable";
    if (connection) {
      connection.textContent = SN.t("live." + name);
      connection.dataset.state = name;
    }
    const norms = new Set([...document.querySelectorAll("[data-live-status]")]
      .map((el) => el.dataset.liveStatus));
    for (const norm of norms) render(norm);
  }

  new SN.Live({ url: "/api/public/stream", statusUrl: "/api/public/status",
                staleSeconds: 60, onItems, onState });
})();
