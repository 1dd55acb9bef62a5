// Makes the OFD fixtures from the office PDFs (../pdf/office): every text run of each page, as
// pdf.js gives it, becomes an OFD TextObject at the same place — what PDF→OFD converters do.
// Two layouts, as converters write them:
//   runs   — a TextObject per run, Boundary in mm, a TextCode with per-character DeltaX ("g" shorthand
//            where advances repeat), the body in a Layer inside a PageBlock; a page-number template;
//   glyphs — a TextObject per character with a CTM from points to mm and TextCode X/Y in points.
// Run from the project root: node snapshots/ofd/make-fixtures.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import JSZip from 'jszip';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

const MM = 25.4 / 72;
const r = (n) => Number(n.toFixed(3));
const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const NS = 'xmlns:ofd="http://www.ofdspec.org/2016"';
const FIXED_DATE = new Date(Date.UTC(2024, 2, 8));

/** "3.5 3.5 3.5 4" → "g 3 3.5 4" (the OFD shorthand for repeated advances). */
function deltas(values) {
  const out = [];
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[i]) j++;
    const n = j - i + 1;
    out.push(n >= 2 ? `g ${n} ${values[i]}` : `${values[i]}`);
    i = j + 1;
  }
  return out.join(' ');
}

async function pagesOf(file) {
  const doc = await getDocument({ data: new Uint8Array(readFileSync(file)), isEvalSupported: false, disableFontFace: true, verbosity: 0 }).promise;
  const pages = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const page = await doc.getPage(n);
    const [, , w, h] = page.view;
    const { items } = await page.getTextContent();
    pages.push({ w, h, items: items.filter((i) => 'str' in i && i.str.trim() !== '').map((i) => ({ str: i.str, x: i.transform[4], y: i.transform[5], width: i.width, size: i.height || Math.abs(i.transform[3]) })) });
  }
  await doc.destroy();
  return pages;
}

function runsPage(p, id) {
  let objects = '';
  for (const it of p.items) {
    const chars = [...it.str];
    const size = r(it.size * MM);
    const adv = r((it.width / chars.length) * MM);
    const top = r((p.h - it.y) * MM - size);
    objects += `<ofd:TextObject ID="${id.next++}" Boundary="${r(it.x * MM)} ${top} ${r(it.width * MM + size)} ${r(size * 1.25)}" Font="3" Size="${size}">` +
      `<ofd:FillColor Value="0 0 0"/><ofd:TextCode X="0" Y="${size}"${chars.length > 1 ? ` DeltaX="${deltas(Array(chars.length - 1).fill(adv))}"` : ''}>${esc(it.str)}</ofd:TextCode></ofd:TextObject>`;
  }
  return `<?xml version="1.0" encoding="UTF-8"?><ofd:Page ${NS}><ofd:Template TemplateID="2" ZOrder="Background"/><ofd:Content><ofd:Layer ID="${id.next++}"><ofd:PageBlock ID="${id.next++}">${objects}</ofd:PageBlock></ofd:Layer></ofd:Content></ofd:Page>`;
}

function glyphsPage(p, id) {
  let objects = '';
  for (const it of p.items) {
    const chars = [...it.str];
    const adv = it.width / chars.length;
    chars.forEach((ch, k) => {
      if (ch.trim() === '') return;
      const x = (it.x + k * adv) * MM;
      const top = (p.h - it.y - it.size) * MM;
      objects += `<ofd:TextObject ID="${id.next++}" CTM="${r(MM)} 0 0 ${r(MM)} 0 0" Boundary="${r(x)} ${r(top)} ${r(adv * MM)} ${r(it.size * MM * 1.25)}" Font="3" Size="${r(it.size)}">` +
        `<ofd:TextCode X="0" Y="${r(it.size)}">${esc(ch)}</ofd:TextCode></ofd:TextObject>`;
    });
  }
  return `<?xml version="1.0" encoding="UTF-8"?><ofd:Page ${NS}><ofd:Content><ofd:Layer ID="${id.next++}">${objects}</ofd:Layer></ofd:Content></ofd:Page>`;
}

async function makeOfd(pdf, out, layout) {
  const pages = await pagesOf(pdf);
  const zip = new JSZip();
  const add = (path, text) => zip.file(path, text, { date: FIXED_DATE, createFolders: false });
  const id = { next: 10 };
  add('OFD.xml', `<?xml version="1.0" encoding="UTF-8"?><ofd:OFD ${NS} Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>${out}</ofd:DocID><ofd:Creator>nianbao fixtures</ofd:Creator></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>`);
  const pageRefs = pages.map((_, n) => `<ofd:Page ID="${100 + n}" BaseLoc="${layout === 'runs' ? '' : '/Doc_0/'}Pages/Page_${n}/Content.xml"/>`).join('');
  const template = layout === 'runs' ? '<ofd:TemplatePage ID="2" BaseLoc="Tpls/Tpl_0/Content.xml"/>' : '';
  add('Doc_0/Document.xml', `<?xml version="1.0" encoding="UTF-8"?><ofd:Document ${NS}><ofd:CommonData><ofd:MaxUnitID>999999</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes>${template}</ofd:CommonData><ofd:Pages>${pageRefs}</ofd:Pages></ofd:Document>`);
  add('Doc_0/PublicRes.xml', `<?xml version="1.0" encoding="UTF-8"?><ofd:Res ${NS} BaseLoc="Res"><ofd:Fonts><ofd:Font ID="3" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>`);
  if (layout === 'runs') {
    add('Doc_0/Tpls/Tpl_0/Content.xml', `<?xml version="1.0" encoding="UTF-8"?><ofd:Page ${NS}><ofd:Content><ofd:Layer ID="4"><ofd:TextObject ID="5" Boundary="100 285 10 5" Font="3" Size="3"><ofd:TextCode X="0" Y="3">- 1 -</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>`);
  }
  pages.forEach((p, n) => add(`Doc_0/Pages/Page_${n}/Content.xml`, layout === 'runs' ? runsPage(p, id) : glyphsPage(p, id)));
  writeFileSync(out, await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }));
}

for (const name of ['fujian-pingtan-2016', 'fujian-pingtan-2021', 'fujian-pingtan-2025']) await makeOfd(`snapshots/pdf/office/${name}.pdf`, `snapshots/ofd/${name}.ofd`, 'runs');
for (const name of ['fujian-pingtan-2019', 'fujian-pingtan-2023']) await makeOfd(`snapshots/pdf/office/${name}.pdf`, `snapshots/ofd/${name}.ofd`, 'glyphs');
