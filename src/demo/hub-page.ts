/** The demo portal hub's index page: what each site shows, with a link to its entry and the registry. */
import { esc } from './page-html.js';
import type { DemoSite } from './portal-types.js';

export function hubPage(sites: readonly DemoSite[], round: 1 | 2): string {
  const rows = sites
    .map(
      (s) =>
        `<tr><td><a href="${esc(s.entry)}">${esc(s.name)}</a></td><td>${esc(s.family)}</td><td>${esc(s.agency)}</td><td>${s.expected.length}</td><td>${esc(s.description)}</td></tr>`,
    )
    .join('\n');
  return `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>nianbao demo portal</title></head><body>
<h1>nianbao 离线演示门户 (demo portal)</h1>
<p class="demo-notice"><strong>演示数据 — fictional.</strong> Every agency here is fictional: 甲市 … 壬市 republish real Pingtan reports under invented names; 演示省, 演示市, 演示县 … serve reports generated from the real ones, with planted findings. None of them is a real agency.</p>
<p>Round ${round} of 2${round === 2 ? ' (two fictional reports revised — one cell, one text only — and one gone)' : ''}. Each site runs on its own origin. Registry for these sites: <a href="/sites.json">/sites.json</a>.</p>
<table border="1" cellpadding="4"><tr><th>site</th><th>family</th><th>agency</th><th>reports</th><th>what it shows</th></tr>
${rows}
</table></body></html>`;
}
