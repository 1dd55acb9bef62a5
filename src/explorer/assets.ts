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
body { margin:0; color:var(--fg); background:var(--bg); font:15px/1.5 "nianbao Noto Sans SC", system-ui, -apple-system, "Segoe UI",
  "PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif; }
input, select, textarea, button { font-family:inherit; }
code, pre, kbd, samp { font-family:ui-monospace, SFMono-Regular, Menlo, Consolas, "nianbao Noto Sans SC", monospace; }
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
table.diff td.old { color:var(--err); text-decoration:line-through; }
table.diff td.new { background:var(--warn-bg); font-weight:600; }
ul.sentences { margin:.3em 0; padding-left:1.2em; }
ul.sentences del { color:var(--err); }
ul.sentences ins { background:var(--warn-bg); text-decoration:none; font-weight:600; }
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
.chart .chart-unit { font-size:.8rem; color:var(--muted); margin:0 0 .2rem; }
.chart .chart-tools { margin:.3rem 0 0; display:flex; gap:.5rem; }
.chart .chart-tools button { font-size:.8rem; padding:.15rem .6rem; }
.chart .uplot { font-family:inherit; }
.chart .u-legend { font-size:.85rem; text-align:left; }
.chart .u-legend th { font-weight:normal; }
.chart .u-legend .u-series { padding:0 .6rem 0 0; }
figure { margin:0; min-width:0; }
.chart noscript, .chart .nojs { color:var(--muted); font-size:.85rem; }
.charts { display:grid; grid-template-columns:repeat(auto-fit, minmax(420px, 1fr)); gap:1rem; }
/* sql */
textarea.sql { width:100%; max-width:900px; min-height:9rem; font:13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, "nianbao Noto Sans SC", monospace; }
.error-box { border:1px solid #f3b8b3; background:var(--err-bg); color:var(--err); padding:.5rem .8rem; border-radius:6px; white-space:pre-wrap; max-width:900px; }
details.example { margin:.3rem 0; max-width:900px; }
details.example pre { background:var(--soft); padding:.5rem; overflow-x:auto; font-size:.82rem; }
mark { background:#ffe58a; padding:0 .1em; }
ol.hits li { margin:.5rem 0; }
.delta-bad { color:var(--err); font-weight:600; }
.delta-ok { color:var(--ok); }
`;

/**
 * The chart script: finds every `.chart[data-chart]` element, reads the chart from the attribute
 * (JSON, written by the server with HTML escaping) and draws it with uPlot, publication-grade: the
 * unit written horizontally above the plot, whole years on the x axis (as many as fit, never run
 * together), value ticks at 1-2-5 steps, a legend of the series' names only (no live values, so no
 * "--" placeholders and no empty x entry), rankings as horizontal bars with the agency names in
 * full (up to 45% of the width). Labels wait for the CJK font (fonts.ts) before the canvas draws
 * them. Two buttons download the chart: PNG (the drawn canvas with its title, unit and legend) and
 * SVG (the same series drawn as vector, in the same fonts).
 * Spec: { kind: 'line' | 'bar', x: number[], xLabels?: string[], xName?, series: [{ label, values }],
 * unit?, title?, file?, height? }.
 */
export const CHART_JS = `(function () {
  'use strict';
  var COLORS = ['#0b5cad', '#1e8a4c', '#d08a00', '#b3261e', '#7a4fb0', '#6b7785', '#00838f', '#c2185b'];
  var FAMILY = '"nianbao Noto Sans SC", system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
  var FONT = '12px ' + FAMILY;
  var measurer = null;
  function textWidth(s, font) {
    measurer = measurer || document.createElement('canvas').getContext('2d');
    measurer.font = font || FONT;
    return measurer.measureText(String(s)).width;
  }
  function fmtNum(v) {
    if (v == null || v === '') return '';
    var n = Number(v);
    if (!isFinite(n)) return String(v);
    var r = Math.round(n * 10) / 10;
    return r.toLocaleString('en-US');
  }
  function truncate(s, px) {
    s = String(s);
    if (textWidth(s) <= px) return s;
    while (s.length > 1 && textWidth(s + '…') > px) s = s.slice(0, -1);
    return s + '…';
  }
  /** Ticks 0..max (or min..max) at a 1-2-5 step, about count of them. */
  function niceTicks(lo, hi, count) {
    if (!(hi > lo)) { hi = lo + 1; }
    var raw = (hi - lo) / Math.max(1, count);
    var mag = Math.pow(10, Math.floor(Math.log(raw) / Math.LN10));
    var step = [1, 2, 5, 10].map(function (m) { return m * mag; }).filter(function (s) { return s >= raw; })[0] || 10 * mag;
    if (step < 1 && Number.isInteger(lo) && Number.isInteger(hi)) step = 1;
    var out = [];
    for (var v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.round(v * 1e6) / 1e6);
    if (out[out.length - 1] < hi) out.push(out[out.length - 1] + step);
    return out;
  }
  function valueRange(spec) {
    var lo = 0, hi = 0;
    spec.series.forEach(function (s) { s.values.forEach(function (v) { if (v != null) { lo = Math.min(lo, v); hi = Math.max(hi, v); } }); });
    if (hi === lo) hi = lo + 1;
    return [lo, hi];
  }
  /** Every year that fits: labels at least 44 px apart, always integers. */
  function yearSplits(xs, plotWidth) {
    var n = xs.length;
    var step = Math.max(1, Math.ceil((n * 44) / Math.max(1, plotWidth)));
    return xs.filter(function (_, i) { return i % step === 0; });
  }

  // ---- the chart on the page (uPlot) ----
  function drawPlot(el, spec, holder) {
    var bar = spec.kind === 'bar';
    var width = Math.max(320, holder.clientWidth || el.clientWidth || 640);
    var data = [spec.x];
    var series = [{ label: spec.xName || 'year' }];
    spec.series.forEach(function (s, i) {
      var color = COLORS[i % COLORS.length];
      var def = { label: s.label, stroke: color, width: 2, points: { show: true, size: 6, fill: color }, spanGaps: false,
        value: function (u, v) { return v == null ? '' : fmtNum(v); } };
      if (bar) { def.fill = color; def.width = 0; def.paths = uPlot.paths.bars({ size: [0.72, 28] }); def.points = { show: false }; }
      series.push(def);
      data.push(s.values);
    });
    var vr = valueRange(spec);
    var vt = niceTicks(vr[0], vr[1], 5);
    var valueAxisSize = Math.ceil(Math.max.apply(null, vt.map(function (t) { return textWidth(fmtNum(t)); }))) + 16;
    var opts;
    if (bar) {
      var n = spec.x.length;
      var labels = spec.xLabels || spec.x.map(String);
      var labelMax = Math.floor(width * 0.45);
      var labelW = Math.min(labelMax, Math.ceil(Math.max.apply(null, labels.map(function (l) { return textWidth(l); }))) + 14);
      opts = {
        width: width,
        height: Math.max(120, n * 24 + 50),
        series: series,
        scales: {
          x: { time: false, ori: 1, dir: -1, range: function () { return [-0.6, n - 0.4]; } },
          y: { ori: 0, dir: 1, range: function () { return [Math.min(0, vt[0]), vt[vt.length - 1]]; } }
        },
        axes: [
          { scale: 'x', side: 3, font: FONT, size: labelW, gap: 6, splits: function () { return spec.x.slice(); },
            values: function (u, splits) { return splits.map(function (v) { return Number.isInteger(v) && labels[v] != null ? truncate(labels[v], labelW - 12) : ''; }); },
            grid: { show: false } },
          { scale: 'y', side: 2, font: FONT, size: 30, splits: function () { return vt; }, values: function (u, splits) { return splits.map(fmtNum); } }
        ],
        legend: { show: false },
        cursor: { drag: { x: false, y: false }, points: { show: false } }
      };
    } else {
      var years = spec.x;
      var lo = Math.min.apply(null, years), hi = Math.max.apply(null, years);
      var pad = years.length === 1 ? 0.6 : 0.25;
      opts = {
        width: width,
        height: spec.height || 260,
        series: series,
        scales: {
          x: { time: false, range: function () { return [lo - pad, hi + pad]; } },
          y: { range: function () { return [Math.min(0, vt[0]), vt[vt.length - 1]]; } }
        },
        axes: [
          { font: FONT, size: 34, splits: function (u) { return yearSplits(years, u.bbox.width / (window.devicePixelRatio || 1)); },
            values: function (u, splits) { return splits.map(function (v) { return Number.isInteger(v) ? String(v) : ''; }); } },
          { font: FONT, size: valueAxisSize, splits: function () { return vt; }, values: function (u, splits) { return splits.map(fmtNum); } }
        ],
        legend: { show: true, live: false, markers: { width: 0, fill: function (u, i) { return COLORS[(i - 1) % COLORS.length]; } } },
        cursor: { drag: { x: false, y: false } }
      };
    }
    holder.textContent = '';
    var plot = new uPlot(opts, data, holder);
    var resize = function () {
      var w = Math.max(320, holder.clientWidth || 640);
      if (Math.abs(w - plot.width) > 4) plot.setSize({ width: w, height: opts.height });
    };
    window.addEventListener('resize', resize);
    return plot;
  }

  // ---- the same chart as SVG (download) ----
  function esc(s) { return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'); }
  function toSvg(spec) {
    var bar = spec.kind === 'bar';
    var W = 860, top = 56, right = 24, out = [];
    var vr = valueRange(spec), vt = niceTicks(vr[0], vr[1], 5);
    var vmin = Math.min(0, vt[0]), vmax = vt[vt.length - 1];
    var legendRows = 0, H, left, plotW, plotH, i;
    function text(x, y, s, attrs) { out.push('<text x="' + x.toFixed(1) + '" y="' + y.toFixed(1) + '"' + (attrs || '') + '>' + esc(s) + '</text>'); }
    if (bar) {
      var labels = spec.xLabels || spec.x.map(String);
      left = Math.min(W * 0.45, Math.ceil(Math.max.apply(null, labels.map(function (l) { return textWidth(l); }))) + 16);
      plotW = W - left - right;
      plotH = spec.x.length * 24;
      H = top + plotH + 44;
      var sx = function (v) { return left + ((v - vmin) / (vmax - vmin)) * plotW; };
      vt.forEach(function (t) { out.push('<line x1="' + sx(t).toFixed(1) + '" x2="' + sx(t).toFixed(1) + '" y1="' + top + '" y2="' + (top + plotH) + '" stroke="#e3e7eb"/>'); text(sx(t), top + plotH + 16, fmtNum(t), ' text-anchor="middle"'); });
      spec.series[0].values.forEach(function (v, k) {
        var y = top + k * 24;
        text(left - 8, y + 16, truncate(labels[k], left - 14), ' text-anchor="end"');
        if (v != null) out.push('<rect x="' + sx(Math.min(0, v)).toFixed(1) + '" y="' + (y + 4) + '" width="' + Math.abs(sx(v) - sx(0)).toFixed(1) + '" height="16" fill="' + COLORS[0] + '"><title>' + esc(labels[k] + ': ' + fmtNum(v)) + '</title></rect>');
      });
      out.push('<line x1="' + sx(0).toFixed(1) + '" x2="' + sx(0).toFixed(1) + '" y1="' + top + '" y2="' + (top + plotH) + '" stroke="#1d232a"/>');
    } else {
      left = Math.ceil(Math.max.apply(null, vt.map(function (t) { return textWidth(fmtNum(t)); }))) + 18;
      plotW = W - left - right;
      plotH = 260;
      legendRows = Math.ceil(spec.series.length / 3);
      H = top + plotH + 34 + legendRows * 20 + 10;
      var xs = spec.x, lo = Math.min.apply(null, xs), hi = Math.max.apply(null, xs), pad = xs.length === 1 ? 0.6 : 0.25;
      var px = function (x) { return left + ((x - lo + pad) / (hi - lo + 2 * pad)) * plotW; };
      var py = function (v) { return top + plotH - ((v - vmin) / (vmax - vmin)) * plotH; };
      vt.forEach(function (t) { out.push('<line x1="' + left + '" x2="' + (left + plotW) + '" y1="' + py(t).toFixed(1) + '" y2="' + py(t).toFixed(1) + '" stroke="#e3e7eb"/>'); text(left - 6, py(t) + 4, fmtNum(t), ' text-anchor="end"'); });
      yearSplits(xs, plotW).forEach(function (x) { text(px(x), top + plotH + 18, String(x), ' text-anchor="middle"'); });
      out.push('<line x1="' + left + '" x2="' + (left + plotW) + '" y1="' + py(vmin) + '" y2="' + py(vmin) + '" stroke="#1d232a"/>');
      spec.series.forEach(function (s, k) {
        var color = COLORS[k % COLORS.length], seg = [];
        var flush = function () { if (seg.length > 1) out.push('<polyline fill="none" stroke="' + color + '" stroke-width="2" points="' + seg.join(' ') + '"/>'); seg = []; };
        s.values.forEach(function (v, j) {
          if (v == null) { flush(); return; }
          seg.push(px(xs[j]).toFixed(1) + ',' + py(v).toFixed(1));
          out.push('<circle cx="' + px(xs[j]).toFixed(1) + '" cy="' + py(v).toFixed(1) + '" r="3" fill="' + color + '"><title>' + esc(s.label + ', ' + xs[j] + ': ' + fmtNum(v)) + '</title></circle>');
        });
        flush();
        var lx = left + (k % 3) * (plotW / 3), ly = top + plotH + 40 + Math.floor(k / 3) * 20;
        out.push('<rect x="' + lx + '" y="' + (ly - 9) + '" width="12" height="12" fill="' + color + '"/>');
        text(lx + 18, ly + 1, truncate(s.label, plotW / 3 - 24));
      });
    }
    var head = '<text x="' + 12 + '" y="22" font-size="15" font-weight="700">' + esc(spec.title || '') + '</text>' +
      (spec.unit ? '<text x="12" y="42" fill="#5b6670">' + esc('Unit: ' + spec.unit) + '</text>' : '');
    return '<?xml version="1.0" encoding="UTF-8"?>\\n<svg xmlns="http://www.w3.org/2000/svg" width="' + W + '" height="' + H + '" viewBox="0 0 ' + W + ' ' + H +
      '" font-family=\\'' + FAMILY.replace(/'/g, '') + '\\' font-size="12" fill="#1d232a">' +
      '<rect width="100%" height="100%" fill="#fff"/>' + head + out.join('') + '</svg>\\n';
  }

  // ---- the chart on the page as PNG (download): title, unit, the plot's canvas, legend ----
  function toPngCanvas(spec, plot) {
    var src = plot.ctx.canvas;
    var r = src.width / plot.width;
    var W = plot.width, pad = 12, head = spec.unit ? 50 : 34;
    var legend = spec.kind === 'bar' ? [] : spec.series.map(function (s) { return s.label; });
    var rows = [], row = [], rowW = pad;
    legend.forEach(function (l, k) { var w = textWidth(l) + 34; if (rowW + w > W - pad && row.length) { rows.push(row); row = []; rowW = pad; } row.push([k, l, rowW]); rowW += w; });
    if (row.length) rows.push(row);
    var H = head + plot.height + rows.length * 20 + 12;
    var c = document.createElement('canvas');
    c.width = Math.round(W * r); c.height = Math.round(H * r);
    var g = c.getContext('2d');
    g.scale(r, r);
    g.fillStyle = '#fff'; g.fillRect(0, 0, W, H);
    g.fillStyle = '#1d232a'; g.font = '700 15px ' + FAMILY; g.textBaseline = 'alphabetic';
    g.fillText(spec.title || '', pad, 22);
    if (spec.unit) { g.fillStyle = '#5b6670'; g.font = FONT; g.fillText('Unit: ' + spec.unit, pad, 42); }
    g.drawImage(src, 0, head, plot.width, plot.height);
    g.font = FONT;
    rows.forEach(function (rw, ri) {
      rw.forEach(function (e) {
        var y = head + plot.height + 8 + ri * 20;
        g.fillStyle = COLORS[e[0] % COLORS.length]; g.fillRect(e[2], y, 12, 12);
        g.fillStyle = '#1d232a'; g.fillText(e[1], e[2] + 18, y + 11);
      });
    });
    return c;
  }

  function save(blob, name) {
    var a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 10000);
  }

  function allText(spec) {
    return [spec.title || '', spec.unit || '', (spec.xLabels || []).join('')].concat(spec.series.map(function (s) { return s.label; })).join('');
  }

  function draw(el) {
    var spec;
    try { spec = JSON.parse(el.getAttribute('data-chart')); } catch (e) { return; }
    if (!spec || !spec.x || spec.x.length === 0) return;
    el.textContent = '';
    if (spec.unit) {
      var unit = document.createElement('div');
      unit.className = 'chart-unit';
      unit.textContent = 'Unit: ' + spec.unit;
      el.appendChild(unit);
    }
    var holder = document.createElement('div');
    holder.className = 'chart-plot';
    el.appendChild(holder);
    var tools = document.createElement('div');
    tools.className = 'chart-tools';
    var name = spec.file || 'nianbao-chart';
    var plot = null;
    [['png', 'Download PNG'], ['svg', 'Download SVG']].forEach(function (b) {
      var btn = document.createElement('button');
      btn.type = 'button';
      btn.textContent = b[1];
      btn.setAttribute('data-download', b[0]);
      btn.addEventListener('click', function () {
        if (b[0] === 'svg') save(new Blob([toSvg(spec)], { type: 'image/svg+xml' }), name + '.svg');
        else if (plot) toPngCanvas(spec, plot).toBlob(function (blob) { if (blob) save(blob, name + '.png'); }, 'image/png');
      });
      tools.appendChild(btn);
    });
    el.appendChild(tools);
    var go = function () {
      plot = drawPlot(el, spec, holder);
      el.setAttribute('data-drawn', '1');
    };
    // Canvas text needs the font loaded first (the CJK slices this chart's labels use).
    if (document.fonts && document.fonts.load) document.fonts.load(FONT, allText(spec) || 'a').then(go, go);
    else go();
  }
  function init() {
    if (typeof uPlot === 'undefined') return;
    var els = document.querySelectorAll('.chart[data-chart]');
    for (var i = 0; i < els.length; i++) draw(els[i]);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init); else init();
})();
`;
