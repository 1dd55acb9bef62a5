/**
 * ParsePool: documents parsed on a worker thread come back exactly as `parseReport` returns them
 * on the calling thread, failures keep their class and fields, and close() ends the threads.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParseError } from '../../parsers/errors.js';
import { DecodeError } from '../../src/decode/errors.js';
import { htmlReportToDocx } from '../../src/demo/docx.js';
import { ParsePool, ParsePoolError } from '../../src/parse/pool.js';
import { parseReport } from '../../src/parse/report.js';
import { corpusDocs } from '../helpers/corpus.js';

const docs = corpusDocs();

/** OS threads of this process (Linux): a worker thread that ended is gone from here. */
function osThreads(): number {
  return readdirSync('/proc/self/task').length;
}

async function outcome(p: Promise<unknown>): Promise<unknown> {
  try {
    return { ok: await p };
  } catch (err) {
    return { err };
  }
}

describe('ParsePool with a worker thread', () => {
  let pool: ParsePool;

  beforeAll(async () => {
    pool = new ParsePool({ workers: 1, startAfterMs: 0 });
    await pool.ready();
  });
  afterAll(async () => {
    await pool?.close();
  });

  it('reads every corpus document exactly as parseReport does, on the thread', async () => {
    expect(docs.length).toBeGreaterThanOrEqual(15);
    const before = pool.stats().threaded;
    let cells = 0;
    for (const doc of docs) {
      const bytes = readFileSync(doc.path);
      const inline = await parseReport(bytes, { fileName: doc.name });
      const threaded = await pool.parse(bytes, { fileName: doc.name });
      expect(threaded, doc.name).toStrictEqual(inline);
      cells += threaded.cells.length;
    }
    expect(cells).toBeGreaterThan(1000);
    expect(pool.stats().threaded - before).toBe(docs.length);
    expect(pool.stats().inline).toBe(0);
  });

  it('reads a DOCX, a string and a document given with its Content-Type the same way', async () => {
    const html = readFileSync(docs.find((d) => d.name.endsWith('.html'))!.path, 'utf8');
    const docx = await htmlReportToDocx(html);
    expect(await pool.parse(docx, { fileName: 'r.docx' })).toStrictEqual(await parseReport(docx, { fileName: 'r.docx' }));
    expect(await pool.parse(html)).toStrictEqual(await parseReport(html));
    const gbk = docs.find((d) => d.name.endsWith('.html'))!;
    const opts = { fileName: gbk.name, contentType: 'text/html; charset=utf-8' };
    expect(await pool.parse(readFileSync(gbk.path), opts)).toStrictEqual(await parseReport(readFileSync(gbk.path), opts));
  });

  it('leaves the caller’s bytes untouched (a copy is moved to the thread)', async () => {
    const bytes = readFileSync(docs[0]!.path);
    const copy = Buffer.from(bytes);
    await pool.parse(bytes, { fileName: docs[0]!.name });
    expect(bytes.equals(copy)).toBe(true);
  });

  it('rejects with the same error class, code and fields as parseReport', async () => {
    const cases: [Uint8Array, string][] = [
      [Buffer.from('%PDF-1.7\n1 0 obj\n<< >>\nendobj\n', 'latin1'), 'report.pdf'],
      [new Uint8Array(0), 'empty.html'],
      [Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4, 5, 6, 7, 8]), 'broken.docx'],
      [Buffer.from('<html><body><p>通知</p></body></html>'), 'x.html'],
    ];
    let errors = 0;
    for (const [bytes, fileName] of cases) {
      const inline = await outcome(parseReport(bytes, { fileName }));
      const threaded = await outcome(pool.parse(bytes, { fileName }));
      if ('err' in (inline as object)) {
        errors++;
        const a = (inline as { err: Error }).err;
        const b = (threaded as { err: Error }).err;
        expect(b, fileName).toBeInstanceOf(a.constructor);
        expect(b, fileName).toBeInstanceOf(ParseError);
        expect(b.name).toBe(a.name);
        expect(b.message).toBe(a.message);
        expect({ ...b }).toStrictEqual({ ...a }); // code, file, kind, bytes …
      } else {
        expect(threaded, fileName).toStrictEqual(inline);
      }
    }
    expect(errors).toBeGreaterThanOrEqual(3);
    const pdf = (await outcome(pool.parse(cases[0]![0], { fileName: 'report.pdf' }))) as { err: DecodeError };
    expect(pdf.err).toBeInstanceOf(DecodeError);
    expect(pdf.err.code).toBe('NB_PARSE_UNSUPPORTED');
    expect(pdf.err.kind).toBe('pdf');
  });
});

describe('ParsePool lifecycle', () => {
  it.runIf(process.platform === 'linux')('close() ends the worker threads and refuses more work', async () => {
    await readFile(docs[0]!.path); // libuv's thread pool exists before counting
    const base = osThreads();
    const pool = new ParsePool({ workers: 2, startAfterMs: 0 });
    await pool.ready();
    const doc = docs[0]!;
    await Promise.all([0, 1, 2, 3].map(() => pool.parse(readFileSync(doc.path), { fileName: doc.name })));
    expect(pool.threads).toBe(2);
    expect(osThreads()).toBeGreaterThanOrEqual(base + 2);
    await pool.close();
    expect(pool.threads).toBe(0);
    // The OS threads are gone (a terminated worker's thread is joined shortly after 'exit').
    for (let i = 0; i < 50 && osThreads() > base; i++) await new Promise((r) => setTimeout(r, 20));
    expect(osThreads()).toBeLessThanOrEqual(base);
    await expect(pool.parse(readFileSync(doc.path))).rejects.toSatisfy((e) => e instanceof ParsePoolError && e.code === 'NB_PARSE_POOL_CLOSED');
    await pool.close(); // idempotent
  });

  it('parses the documents handed over before close(), one at a time per thread, then closes', async () => {
    const pool = new ParsePool({ workers: 1, startAfterMs: 0 });
    await pool.ready();
    const doc = docs[0]!;
    // Five documents for one thread: four wait for it here; close() comes while they wait.
    const pending = [0, 1, 2, 3, 4].map(() => pool.parse(readFileSync(doc.path), { fileName: doc.name }));
    await pool.close();
    const want = await parseReport(readFileSync(doc.path), { fileName: doc.name });
    for (const report of await Promise.all(pending)) expect(report).toStrictEqual(want);
    expect(pool.stats()).toMatchObject({ threaded: 5, inline: 0 });
    expect(pool.threads).toBe(0);
  });

  it('starts no thread until parsing on the calling thread has taken startAfterMs', async () => {
    const pool = new ParsePool({ workers: 1, startAfterMs: 60_000 });
    const doc = docs[0]!;
    const report = await pool.parse(readFileSync(doc.path), { fileName: doc.name });
    expect(report).toStrictEqual(await parseReport(readFileSync(doc.path), { fileName: doc.name }));
    expect(pool.threads).toBe(0);
    expect(pool.stats()).toMatchObject({ workers: 1, threaded: 0, inline: 1, failure: null });
    await pool.close();
  });

  it('with workers: 0 parses inline, with the same errors', async () => {
    const pool = new ParsePool({ workers: 0 });
    await pool.ready();
    const doc = docs[1]!;
    expect(await pool.parse(readFileSync(doc.path), { fileName: doc.name })).toStrictEqual(await parseReport(readFileSync(doc.path), { fileName: doc.name }));
    await expect(pool.parse(new Uint8Array(0), { fileName: 'e.html' })).rejects.toMatchObject({ code: 'NB_PARSE_EMPTY' });
    expect(pool.threads).toBe(0);
    expect(pool.stats()).toMatchObject({ workers: 0, threaded: 0, inline: 2 });
    await pool.close();
  });

  it('rejects invalid options with a stable code', () => {
    expect(() => new ParsePool({ workers: -1 })).toThrow(expect.objectContaining({ code: 'NB_PARSE_POOL_OPTIONS' }));
  });

  it('refuses a document too big for the thread’s heap, ends only that thread, and never re-reads it on the calling thread', async () => {
    // ~1.5 MB of table rows: more than a 64 MB worker heap holds as a DOM.
    const rows = Array.from({ length: 30_000 }, (_, i) => `<tr><td>第${i}项</td><td>${i}</td><td>${i * 2}</td></tr>`).join('');
    const html = Buffer.from(
      `<html><head><meta charset="utf-8"><title>某县2020年度政府信息公开工作年度报告</title></head><body><table>${rows}</table></body></html>`,
    );
    const pool = new ParsePool({ workers: 1, startAfterMs: 0, threadHeapMb: 64 });
    await pool.ready();
    const err = (await outcome(pool.parse(html, { fileName: 'big.html' }))) as { err: ParseError };
    expect(err.err).toBeInstanceOf(ParseError);
    expect(err.err.code).toBe('NB_PARSE_TOO_LARGE');
    expect(err.err.message).toMatch(/^big\.html: needs more memory .* limit \(budget maxHeapMb, key [0-9a-f]{8}\); raise it with --parse-heap-mb/);
    expect(pool.stats()).toMatchObject({ inline: 0 });
    // The pool goes on with a fresh thread.
    const doc = docs[0]!;
    expect(await pool.parse(readFileSync(doc.path), { fileName: doc.name })).toStrictEqual(await parseReport(readFileSync(doc.path), { fileName: doc.name }));
    expect(pool.stats()).toMatchObject({ threaded: 1, inline: 0 });
    await pool.close();
  });

  it('ends a thread stuck past the deadline with NB_PARSE_TIMEOUT, and parses the next document', async () => {
    // A .docx whose 3 MB body keeps the converter busy for seconds inside one call: only ending
    // the thread stops it.
    const para = '<w:p><w:r><w:t>某某县人民政府 1 2 3</w:t></w:r></w:p>';
    const xml = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${para.repeat(60_000)}</w:body></w:document>`;
    const { makeZip } = await import('../decode/_zip.js');
    const docx = makeZip([
      {
        name: '[Content_Types].xml',
        data: '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
      },
      {
        name: '_rels/.rels',
        data: '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
      },
      { name: 'word/document.xml', data: xml },
    ]);
    const pool = new ParsePool({ workers: 1, startAfterMs: 0, budget: { timeoutMs: 300 } });
    await pool.ready();
    const t0 = performance.now();
    const err = (await outcome(pool.parse(docx, { fileName: 'slow.docx' }))) as { err: ParseError };
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(err.err).toBeInstanceOf(ParseError);
    expect(err.err.code).toBe('NB_PARSE_TIMEOUT');
    expect(err.err.message).toMatch(
      /^slow\.docx: reading it \(the parse thread was ended\) took longer than the 300 ms deadline \(budget timeoutMs, key [0-9a-f]{8}\); raise it with --parse-timeout/,
    );
    expect(pool.stats()).toMatchObject({ inline: 0, threaded: 0 });
    // The next document (its own budget: the fresh thread's start counts in its time) is read.
    const doc = docs[0]!;
    expect(await pool.parse(readFileSync(doc.path), { fileName: doc.name, budget: {} })).toStrictEqual(
      await parseReport(readFileSync(doc.path), { fileName: doc.name }),
    );
    await pool.close();
  });
});
