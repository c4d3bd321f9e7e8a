/**
 * The report page's own script, inlined after Chart.js. It reads the data from
 * the `application/json` block and builds every element that shows it with
 * createElement and textContent: no data ever goes through innerHTML, so the
 * attacker-controlled strings in findings (user agents, names, request
 * parameters) stay text. It sets no attribute but class, title and scope.
 */
export const PAGE_SCRIPT = String.raw`(() => {
  "use strict";
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const COLORS = { critical: "#7f1d1d", high: "#dc2626", medium: "#f59e0b", low: "#2563eb", info: "#94a3b8" };
  const fmt = (n) => n.toLocaleString("en-US");
  const upper = (s) => String(s).toUpperCase();
  const $ = (id) => document.getElementById(id);

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    if (props) {
      if (props.class) node.className = props.class;
      if (props.text !== undefined) node.textContent = String(props.text);
      if (props.title) node.title = String(props.title);
      if (props.scope) node.scope = props.scope;
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }
  const badge = (severity) => el("span", { class: "sev sev-" + severity, text: upper(severity) });
  const truncate = (s, n) => (s.length > n ? s.slice(0, n - 1) + "\u2026" : s);

  Chart.defaults.animation = false;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#334155";
  Chart.defaults.maintainAspectRatio = false;

  function countTable(headers, rows) {
    return el("table", { class: "counts" },
      el("thead", null, el("tr", null, headers.map((h, i) => el("th", { text: h, scope: "col", class: i === headers.length - 1 ? "num" : "" })))),
      el("tbody", null, rows.map((cells) => el("tr", null, cells.map((c, i) =>
        el("td", { class: i === cells.length - 1 ? "num" : "" }, typeof c === "number" ? fmt(c) : c))))));
  }

  function barChart(canvasId, labels, values, colors, horizontal) {
    const canvas = $(canvasId);
    if (horizontal) canvas.parentElement.style.height = Math.max(120, labels.length * 26 + 40) + "px";
    return new Chart(canvas, {
      type: "bar",
      data: { labels, datasets: [{ label: "findings", data: values, backgroundColor: colors }] },
      options: {
        indexAxis: horizontal ? "y" : "x",
        plugins: { legend: { display: false } },
        scales: {
          [horizontal ? "x" : "y"]: { beginAtZero: true, ticks: { precision: 0 } },
          [horizontal ? "y" : "x"]: { ticks: { callback(value) { return truncate(this.getLabelForValue(value), 36); } } },
        },
      },
    });
  }

  const findings = data.findings;
  if (findings.length === 0) {
    for (const id of ["timeline", "counts", "actors"]) $(id).hidden = true;
    $("no-findings").hidden = false;
  } else {
    // Findings over time, stacked by severity (least severe at the bottom).
    const t = data.timeline;
    const severities = data.severities.filter((s) => t.counts[s].some((n) => n > 0));
    new Chart($("timeline-chart"), {
      type: "bar",
      data: {
        labels: t.labels,
        datasets: severities.map((s) => ({ label: upper(s), data: t.counts[s], backgroundColor: COLORS[s], stack: "findings" })),
      },
      options: {
        plugins: {
          legend: { position: "top", reverse: true },
          tooltip: { callbacks: { title: (items) => t.starts[items[0].dataIndex].replace("T", " ").replace(".000Z", " UTC") } },
        },
        scales: {
          x: { stacked: true, title: { display: true, text: t.bucket } },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "findings" } },
        },
      },
    });
    if (t.undated > 0) $("timeline-note").textContent = fmt(t.undated) + " finding(s) with an unreadable time are not drawn.";

    // Counts by severity, detector, account and actor.
    new Chart($("severity-chart"), {
      type: "doughnut",
      data: {
        labels: data.bySeverity.map(([s]) => upper(s)),
        datasets: [{ data: data.bySeverity.map(([, n]) => n), backgroundColor: data.bySeverity.map(([s]) => COLORS[s]) }],
      },
      options: { plugins: { legend: { position: "right" } } },
    });
    $("severity-table").append(countTable(["Severity", "Findings"], data.bySeverity.map(([s, n]) => [badge(s), n])));

    barChart("detector-chart", data.byDetector.map((d) => d.detector), data.byDetector.map((d) => d.count),
      data.byDetector.map((d) => COLORS[d.severity]), true);
    $("detector-table").append(countTable(["Detector", "Severity", "Findings"],
      data.byDetector.map((d) => [el("span", { class: "mono", text: d.detector, title: d.title }), badge(d.severity), d.count])));

    barChart("account-chart", data.byAccount.map(([a]) => a), data.byAccount.map(([, n]) => n), "#0f766e", data.byAccount.length > 6);
    $("account-table").append(countTable(["Account", "Findings"], data.byAccount.map(([a, n]) => [el("span", { class: "mono", text: a }), n])));

    const TOP = 10;
    const top = data.actors.slice(0, TOP);
    barChart("actor-chart", top.map((a) => a.label), top.map((a) => a.findings), top.map((a) => COLORS[a.highest]), true);
    $("actor-table").append(countTable(["Actor", "Findings"], top.map((a) => [el("span", { text: a.label, title: a.key }), a.findings])));
    if (data.actors.length > TOP) $("actor-table").append(el("p", { class: "note", text: "+" + fmt(data.actors.length - TOP) + " more actors: see Top actors." }));

    // Top actors, with what they did.
    const ACTORS_SHOWN = 25;
    $("actors-body").append(...data.actors.slice(0, ACTORS_SHOWN).map((a) =>
      el("tr", null,
        el("td", null, el("div", { class: "label", text: a.label }), el("div", { class: "mono small muted wrap", text: a.key })),
        el("td", { text: a.type }),
        el("td", { class: "num", text: fmt(a.findings) }),
        el("td", null, badge(a.highest)),
        el("td", { class: "chips" }, data.severities.slice().reverse().filter((s) => a.bySeverity[s])
          .map((s) => el("span", { class: "chip sev-" + s, text: upper(s) + " " + a.bySeverity[s] }))),
        el("td", { class: "mono small nowrap" }, a.accounts.map((x) => el("div", { text: x }))),
        el("td", { class: "mono small nowrap" }, a.sourceIps.map((x) => el("div", { text: x }))),
        el("td", { class: "mono small detector" }, a.detectors.map((x) => el("div", { text: x }))))));
    if (data.actors.length > ACTORS_SHOWN) $("actors-note").textContent = fmt(data.actors.length - ACTORS_SHOWN) + " more actors not listed.";
  }

  // Every finding, in time order; the source record is drawn when opened.
  const rows = findings.map((f, index) => {
    const a = f.actor;
    const field = (label, ...value) => [el("dt", { text: label }), el("dd", null, value)];
    const details = el("details", { class: "record" }, el("summary", { text: "Source record" }));
    const pre = el("pre", { class: "mono small" });
    details.append(pre);
    details.addEventListener("toggle", () => {
      if (details.open && !pre.textContent) pre.textContent = JSON.stringify(f.record, null, 2);
    });
    const row = el("tr", { class: "finding sev-row-" + f.severity },
      el("td", { class: "mono nowrap", text: f.time }),
      el("td", null, badge(f.severity)),
      el("td", { class: "mono small detector", text: f.detector }),
      el("td", { class: "mono small nowrap" }, el("div", { text: f.account }), el("div", { class: "muted", text: f.region })),
      el("td", { class: "small actor" },
        el("div", { class: "label", text: data.actors[data.findingActor[index]].label }),
        el("div", { class: "mono muted wrap", text: a.arn || a.principal || a.type }),
        el("div", { class: "muted", text: [a.type, a.mfa === undefined ? null : a.mfa ? "MFA" : "no MFA"].filter(Boolean).join(" \u00b7 ") }),
        a.sourceIp ? el("div", { class: "muted mono", text: a.sourceIp }) : null,
        a.accessKeyId ? el("div", { class: "muted mono", text: a.accessKeyId }) : null,
        a.userAgent ? el("div", { class: "muted wrap", text: truncate(a.userAgent, 90), title: a.userAgent }) : null),
      el("td", null,
        el("div", { class: "title", text: f.title }),
        el("p", { class: "summary", text: f.summary }),
        el("dl", null,
          f.resources.length ? field("Resources", f.resources.map((r) =>
            el("div", null, el("span", { class: "muted", text: r.type + " " }), el("span", { class: "mono wrap", text: r.arn || r.id })))) : null,
          f.mitre.techniques.length ? field("MITRE ATT&CK v" + f.mitre.attackVersion, f.mitre.techniques.map((id) =>
            el("div", null, el("span", { class: "mono", text: id }), " " + (data.techniques[id] || "")))) : null,
          f.stratus && f.stratus.length ? field("Stratus", f.stratus.map((s) => el("div", { class: "mono", text: s }))) : null,
          field("Remediation", f.remediation ? el("span", { class: "mono", text: f.remediation }) : el("span", { class: "muted", text: "none (alert only)" })),
          field("Event", el("span", { class: "mono", text: f.eventSource + " " + f.eventName + (f.eventId ? " \u00b7 " + f.eventId : "") }))),
        details));
    const text = [f.time, f.severity, f.detector, f.title, f.summary, f.account, f.region, a.arn, a.principal, a.type, a.sourceIp,
      a.userAgent, a.accessKeyId, f.eventName, f.eventSource, f.remediation, ...f.mitre.techniques,
      ...f.resources.flatMap((r) => [r.type, r.id, r.arn])].filter(Boolean).join("\n").toLowerCase();
    return { row, text };
  });
  $("findings-body").append(...rows.map((r) => r.row));

  const filter = $("filter");
  const count = $("filter-count");
  const showCount = (n) => (count.textContent = n === rows.length ? fmt(n) + " findings" : fmt(n) + " of " + fmt(rows.length) + " findings");
  showCount(rows.length);
  filter.addEventListener("input", () => {
    const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    let n = 0;
    for (const r of rows) {
      const match = words.every((w) => r.text.includes(w));
      r.row.hidden = !match;
      if (match) n++;
    }
    showCount(n);
  });
  document.documentElement.dataset.rendered = "true";
})();
`;
