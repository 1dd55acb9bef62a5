/**
 * Static assets of the explorer, kept as strings so they ship inside the compiled package (no
 * copy step, no CDN): the style sheet and the small chart script. uPlot's own files are served
 * from node_modules (see server.ts). Pages carry no inline script or style: the Content-Security-
 * Policy allows scripts and styles from this server only.
 */

export const STYLE_CSS = `
:root { --fg:#1d232a; --muted:#5b6670; --line:#d5dae0; --bg:#fff; --soft:#f4f6f8; --accent:#0b5cad;
  --err:#b3261e; --err-bg:#fde8e6; --warn:#8a5a00; --warn-bg:#fff4d6; --ok:#1e6b34; --ok-bg:#e4f4e8; }
* { box-sizing: border-box; }
body { margin:0; color:var(--fg); background:var(--bg); font:15px/1.5 system-ui, -apple-system, "Segoe UI",
  "PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif; }
header.top { display:flex; gap:1.5rem; align-items:center; padding:.6rem 1.2rem; background:#14324f; color:#fff; flex-wrap:wrap; }
header.top a { color:#fff; text-decoration:none; }
header.top .brand { font-weight:700; font-size:1.1rem; }
header.top nav { display:flex; gap:1rem; flex-wrap:wrap; }
header.top nav a[aria-current=page] { text-decoration:underline; text-underline-offset:4px; }
header.top form { margin-left:auto; }
header.top input[type=search] { padding:.25rem .5rem; border-radius:4px; border:0; min-width:14rem; }
main { padding:1rem 1.2rem 3rem; max-width:1400px; }
h1 { font-size:1.45rem; margin:.3rem 0 .6rem; }
h2 { font-size:1.15rem; margin:1.6rem 0 .5rem; border-bottom:1px solid var(--line); padding-bottom:.2rem; }
h3 { font-size:1rem; margin:1.2rem 0 .4rem; }
a { color:var(--accent); }
.muted { color:var(--muted); }
.small { font-size:.85rem; }
.meta { display:grid; grid-template-columns:max-content 1fr; gap:.15rem 1rem; margin:.4rem 0 1rem; }
.meta dt { color:var(--muted); }
.meta dd { margin:0; overflow-wrap:anywhere; }
table { border-collapse:collapse; margin:.4rem 0 1rem; }
th, td { border:1px solid var(--line); padding:.25rem .5rem; vertical-align:middle; }
th { background:var(--soft); font-weight:600; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
table.data tbody tr:nth-child(even) { background:#fafbfc; }
table.data th a { color:inherit; }
.scroll { overflow-x:auto; }
.pill { display:inline-block; padding:0 .45rem; border-radius:999px; font-size:.8rem; border:1px solid var(--line); background:var(--soft); white-space:nowrap; }
.pill.error, .sev-error { background:var(--err-bg); color:var(--err); border-color:#f3b8b3; }
.pill.warning, .sev-warning { background:var(--warn-bg); color:var(--warn); border-color:#f0d78c; }
.pill.ok { background:var(--ok-bg); color:var(--ok); border-color:#a9d8b6; }
.pill.not_assessable { color:var(--muted); }
form.filters { display:flex; flex-wrap:wrap; gap:.5rem 1rem; align-items:end; margin:.5rem 0 1rem; padding:.6rem .8rem; background:var(--soft); border-radius:6px; }
form.filters label { display:flex; flex-direction:column; font-size:.85rem; color:var(--muted); }
form.filters input, form.filters select { font:inherit; padding:.2rem .35rem; }
button { font:inherit; padding:.3rem .9rem; cursor:pointer; }
form.search-big { display:flex; gap:.5rem; margin:.6rem 0 1rem; max-width:720px; }
form.search-big input[type=search] { flex:1; font:inherit; font-size:1.05rem; padding:.45rem .6rem; border:1px solid #8a96a3; border-radius:6px; }
.downloads { font-size:.9rem; margin:.2rem 0 .6rem; }
.downloads a { margin-right:.6rem; }
/* coverage grid */
table.coverage td { text-align:center; min-width:4.2rem; }
table.coverage td.agency { text-align:left; min-width:12rem; }
td.cov-ok { background:var(--ok-bg); }
td.cov-findings { background:var(--warn-bg); }
td.cov-errors { background:var(--err-bg); }
td.cov-failed { background:#eee; }
.legend span { margin-right:1rem; }
.legend i { display:inline-block; width:.9rem; height:.9rem; vertical-align:-2px; border:1px solid var(--line); margin-right:.3rem; }
.legend i.cov-ok { background:var(--ok-bg); } .legend i.cov-findings { background:var(--warn-bg); }
.legend i.cov-errors { background:var(--err-bg); } .legend i.cov-failed { background:#eee; }
/* report tables as in the original */
table.report { font-size:.9rem; }
table.report th { font-weight:normal; background:#f7f7f2; }
table.report th.group { font-weight:600; }
th.rowlabel { text-align:left; }
table.report td.cell { position:relative; text-align:right; min-width:3.2rem; font-variant-numeric:tabular-nums; cursor:help; }
table.report td.cell:focus { outline:2px solid var(--accent); outline-offset:-2px; }
table.report td.cell.blank { color:var(--muted); }
table.report td.cell.flagged { background:#eef4fb; }
table.report td.cell.missing { color:#aaa; background:#f6f6f6; }
table.report td.cell.finding-warning { background:var(--warn-bg); box-shadow:inset 0 0 0 2px #e0b64a; }
table.report td.cell.finding-error { background:var(--err-bg); box-shadow:inset 0 0 0 2px var(--err); color:var(--err); font-weight:700; }
.prov { display:none; position:absolute; z-index:20; right:0; top:100%; min-width:18rem; max-width:26rem; text-align:left;
  background:#fff; color:var(--fg); font-weight:normal; border:1px solid #8a96a3; border-radius:6px; padding:.45rem .6rem;
  box-shadow:0 4px 14px rgba(0,0,0,.18); font-size:.82rem; white-space:normal; }
td.cell:hover .prov, td.cell:focus .prov, td.cell:focus-within .prov { display:block; }
.prov dl { display:grid; grid-template-columns:max-content 1fr; gap:.1rem .6rem; margin:0; }
.prov dt { color:var(--muted); }
.prov dd { margin:0; overflow-wrap:anywhere; }
.prov code { background:var(--soft); padding:0 .2rem; }
.prov .f { margin-top:.3rem; color:var(--err); }
ul.findings { padding-left:1.2rem; }
ul.findings li { margin:.25rem 0; }
ul.findings li:target { background:#fff7cc; }
iframe.snapshot { width:100%; height:70vh; border:1px solid var(--line); border-radius:4px; background:#fff; }
/* charts */
.chart { width:100%; max-width:900px; min-height:40px; margin:.4rem 0 1rem; }
.chart noscript, .chart .nojs { color:var(--muted); font-size:.85rem; }
.charts { display:grid; grid-template-columns:repeat(auto-fit, minmax(420px, 1fr)); gap:1rem; }
/* sql */
textarea.sql { width:100%; max-width:900px; min-height:9rem; font:13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.error-box { border:1px solid #f3b8b3; background:var(--err-bg); color:var(--err); padding:.5rem .8rem; border-radius:6px; white-space:pre-wrap; max-width:900px; }
details.example { margin:.3rem 0; max-width:900px; }
details.example pre { background:var(--soft); padding:.5rem; overflow-x:auto; font-size:.82rem; }
mark { background:#ffe58a; padding:0 .1em; }
ol.hits li { margin:.5rem 0; }
.delta-bad { color:var(--err); font-weight:600; }
.delta-ok { color:var(--ok); }
`;

/**
 * The chart script: finds every `.chart[data-chart]` element, reads the chart from the
 * attribute (JSON, written by the server with HTML escaping) and draws it with uPlot.
 * Spec: { kind: 'line' | 'bar', x: number[], xLabels?: string[], series: [{ label, values }], yLabel? }.
 */
export const CHART_JS = `(function () {
  'use strict';
  var COLORS = ['#0b5cad', '#1e8a4c', '#d08a00', '#b3261e', '#7a4fb0', '#6b7785', '#00838f', '#c2185b'];
  function draw(el) {
    var spec;
    try { spec = JSON.parse(el.getAttribute('data-chart')); } catch (e) { return; }
    if (!spec || !spec.x || spec.x.length === 0) return;
    var labels = spec.xLabels || null;
    var bar = spec.kind === 'bar';
    var series = [{ label: labels ? (spec.xName || '') : 'year', value: function (u, v) { return v == null ? '' : (labels ? (labels[v] || '') : String(v)); } }];
    var data = [spec.x];
    spec.series.forEach(function (s, i) {
      var color = COLORS[i % COLORS.length];
      var def = { label: s.label, stroke: color, width: 2, points: { show: true, size: 6 }, spanGaps: false };
      if (bar) { def.fill = color; def.paths = uPlot.paths.bars({ size: [0.7, 60] }); def.points = { show: false }; }
      series.push(def);
      data.push(s.values);
    });
    var n = spec.x.length;
    var xMin = Math.min.apply(null, spec.x), xMax = Math.max.apply(null, spec.x);
    var opts = {
      width: Math.max(300, el.clientWidth || 600),
      height: spec.height || 260,
      series: series,
      scales: { x: { time: false, range: function () { return [xMin - (bar || n === 1 ? 0.6 : 0.2), xMax + (bar || n === 1 ? 0.6 : 0.2)]; } } },
      axes: [
        { values: function (u, splits) { return splits.map(function (v) { return Number.isInteger(v) ? (labels ? (labels[v] || '') : String(v)) : ''; }); },
          splits: function () { return spec.x.slice(); }, rotate: labels ? -30 : 0, size: labels ? 70 : 40 },
        { label: spec.yLabel || '', size: 60 }
      ],
      legend: { show: true },
      cursor: { drag: { x: false, y: false } }
    };
    el.textContent = '';
    var plot = new uPlot(opts, data, el);
    window.addEventListener('resize', function () { plot.setSize({ width: Math.max(300, el.clientWidth || 600), height: opts.height }); });
    el.setAttribute('data-drawn', '1');
  }
  function init() {
    if (typeof uPlot === 'undefined') return;
    var els = document.querySelectorAll('.chart[data-chart]');
    for (var i = 0; i < els.length; i++) draw(els[i]);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init); else init();
})();
`;
