/* Shared by every screen: messages, status badges, colours, numbers, and the live feed.
 *
 * The live feed (SN.Live) wraps an EventSource with a watchdog. An EventSource
 * reconnects by itself after a dropped connection, but not after an HTTP error
 * (a proxy's 502 while the server restarts closes it for good), and a link can
 * hang without closing. So the watchdog counts the seconds since the last
 * event of any kind (the server sends a heartbeat when nothing changes); after
 * `staleSeconds` the screen is told the data is not available, the source is
 * recreated and the state is reloaded from the status URL.
 */
"use strict";

const SN = (() => {
  const messages = JSON.parse(document.getElementById("messages").textContent);
  const lang = document.documentElement.lang || "nl";
  const STATUSES = ["green", "orange", "red", "no-data", "stale", "unavailable"];

  function t(key, values) {
    let text = messages[key];
    if (text === undefined) return key;
    if (values) {
      for (const [name, value] of Object.entries(values)) {
        text = text.split("{" + name + "}").join(String(value));
      }
    }
    return text;
  }

  function known(status) {
    return STATUSES.includes(status) ? status : "no-data";
  }

  /* A badge: icon and text, coloured by class. The same markup as the server's macro. */
  function badge(status, big) {
    const s = known(status);
    const span = document.createElement("span");
    span.className = "status status--" + s + (big ? " status--big" : "");
    span.dataset.status = s;
    const svgNS = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(svgNS, "svg");
    svg.setAttribute("class", "icon");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const use = document.createElementNS(svgNS, "use");
    use.setAttribute("href", "#i-" + s);
    svg.append(use);
    const text = document.createElement("span");
    text.className = "status__text";
    text.textContent = t("status." + s);
    span.append(svg, text);
    return span;
  }

  /* A colour running from green (score 0) through orange (0.5) to red (1). No score, or
   * no-data/stale: grey, never green. Hue and lightness are chosen so every step keeps
   * at least 3:1 contrast against white. */
  function colour(score, status) {
    if (status === "no-data" || status === "stale" || status === "unavailable") {
      return "hsl(0 0% 40%)";
    }
    if (score === null || score === undefined || Number.isNaN(score)) {
      score = status === "orange" ? 0.5 : status === "red" ? 1 : status === "green" ? 0 : null;
      if (score === null) return "hsl(0 0% 40%)";
    }
    // The colour never contradicts the text: a debounced status may lag its score.
    let s = Math.max(0, Math.min(1, score));
    if (status === "green") s = 0;
    else if (status === "red") s = 1;
    else if (status === "orange") s = Math.max(0.2, Math.min(0.8, s));
    const hue = s <= 0.5 ? 135 - (135 - 30) * (s / 0.5) : 30 - 30 * ((s - 0.5) / 0.5);
    const light = s <= 0.5 ? 27 + 3 * (s / 0.5) : 30 + 8 * ((s - 0.5) / 0.5);
    return "hsl(" + hue.toFixed(1) + " 90% " + light.toFixed(1) + "%)";
  }

  const numberFormat = new Intl.NumberFormat(lang === "en" ? "en-GB" : "nl-NL",
                                             { maximumFractionDigits: 1 });

  function formatValue(value, unit) {
    if (value === null || value === undefined) return t("value.none");
    return numberFormat.format(value) + t("unit.short." + unit);
  }

  function formatTime(epochSeconds) {
    if (!epochSeconds) return t("live.not_yet");
    return new Date(epochSeconds * 1000).toLocaleTimeString(lang === "en" ? "en-GB" : "nl-NL");
  }

  function formatAge(seconds) {
    if (seconds < 120) return t("age.seconds", { n: Math.round(seconds) });
    if (seconds < 7200) return t("age.minutes", { n: Math.round(seconds / 60) });
    if (seconds < 172800) return t("age.hours", { n: Math.round(seconds / 3600) });
    return t("age.days", { n: Math.round(seconds / 86400) });
  }

  /* A scope as words: "stadhuis · paspoort", or the whole organisation. */
  function scopeLabel(scope) {
    const parts = Object.values(scope || {});
    return parts.length ? parts.join(" · ") : t("scope.organisation");
  }

  class Live {
    constructor(options) {
      this.url = options.url;
      this.statusUrl = options.statusUrl;
      this.staleSeconds = options.staleSeconds || 45;
      this.onItems = options.onItems;        // (items, replace) => void
      this.onState = options.onState;        // ("live" | "unavailable" | "connecting") => void
      this.lastEvent = Date.now();
      this.lastOpen = 0;
      this.state = "connecting";
      this.source = null;
      this.serverLive = true;
      this.open();
      this.timer = setInterval(() => this.watch(), 2000);
    }

    open() {
      this.lastOpen = Date.now();
      if (this.source) this.source.close();
      const source = new EventSource(this.url);
      this.source = source;
      source.addEventListener("snapshot", (e) => {
        const body = JSON.parse(e.data);
        this.onItems(body.items, true, body.last_update);
        this.seen(true);
      });
      source.addEventListener("update", (e) => {
        this.onItems([JSON.parse(e.data)], false, Date.now() / 1000);
        this.seen(true);
      });
      source.addEventListener("heartbeat", (e) => {
        const body = JSON.parse(e.data);
        this.seen(body.live !== false);
      });
      source.addEventListener("error", () => {
        // A closed source will not come back by itself: the watchdog reopens it.
        if (source.readyState === EventSource.CLOSED) this.lastEvent = Math.min(this.lastEvent, 1);
      });
    }

    seen(serverLive) {
      this.lastEvent = Date.now();
      this.serverLive = serverLive;
      this.setState(serverLive ? "live" : "unavailable");
    }

    setState(state) {
      if (state !== this.state) {
        this.state = state;
        this.onState(state);
      }
    }

    async watch() {
      const quiet = (Date.now() - this.lastEvent) / 1000;
      if (quiet < this.staleSeconds) return;
      this.setState("unavailable");
      // Give a new source a few seconds to connect before replacing it again.
      if (Date.now() - this.lastOpen < 5000) return;
      this.open();
      if (this.statusUrl) {
        try {
          const response = await fetch(this.statusUrl, { cache: "no-store",
                                                         credentials: "same-origin" });
          if (response.ok) {
            const body = await response.json();
            this.onItems(body.items, true, body.last_update);
          }
        } catch (error) {
          // The server is still away; the next round of the watchdog tries again.
        }
      }
    }
  }

  return { t, badge, colour, formatValue, formatTime, formatAge, scopeLabel, Live, lang,
           known };
})();
