import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parsedReportSchema } from '../../parsers/schema.js';
import type { ParsedReport } from '../../parsers/types.js';
import { parseReport } from '../../src/parse/report.js';
import { corpusDocs } from '../helpers/corpus.js';

const docs = corpusDocs();
const parsed = new Map<string, ParsedReport>();

beforeAll(async () => {
  for (const d of docs) parsed.set(d.name, await parseReport(readFileSync(d.path), { fileName: d.name }));
});

const issuesOf = (report: unknown) => {
  const r = parsedReportSchema.safeParse(report);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('parsedReportSchema accepts every real corpus parse', () => {
  it('has the corpus', () => expect(docs.length).toBeGreaterThanOrEqual(15));
  for (const d of docs) {
    it(d.name, () => {
      expect(issuesOf(parsed.get(d.name))).toEqual([]);
    });
  }
});

describe('parsedReportSchema rejects what the contract forbids', () => {
  const base = () => structuredClone(parsed.get('fujian-pingtan-2025.html')!);
  const pre2019 = () => structuredClone(parsed.get('fujian-pingtan-2016.html')!);

  const cases: [string, () => unknown, RegExp][] = [
    [
      'a keyed value that disagrees with its cell record',
      () => {
        const r = base();
        r.requests!['new_received']!['total'] = 155;
        return r;
      },
      /cell record requests\.new_received\.total is 154 but the keyed table says 155/,
    ],
    [
      'a keyed value without a cell record',
      () => {
        const r = base();
        r.cells = r.cells.filter((c) => !(c.table === 'appeals' && c.row === 'review' && c.col === 'total'));
        return r;
      },
      /appeals\.review\.total has 0 cell records/,
    ],
    [
      'two cell records for one key',
      () => {
        const r = base();
        r.cells.push(structuredClone(r.cells[0]!));
        return r;
      },
      /has 2 cell records/,
    ],
    [
      'a non-canonical row key',
      () => {
        const r = base();
        r.requests!['granted_typo'] = r.requests!['granted']!;
        return r;
      },
      /"granted_typo" is not a canonical row key of requests/,
    ],
    [
      'NaN and Infinity',
      () => {
        const r = base();
        r.active!['fees']!['amount_wan_yuan'] = Number.NaN;
        r.cells.find((c) => c.row === 'fees')!.value = Number.POSITIVE_INFINITY;
        return r;
      },
      /fees/,
    ],
    ['an impossible publication date', () => ({ ...base(), published: '2026-02-30' }), /published: an ISO calendar date/],
    ['a year out of range', () => ({ ...base(), year: 20251 }), /year/],
    ['a key the type does not have', () => ({ ...base(), extra: 1 }), /extra/],
    [
      'a null cell not flagged blank, placeholder or unreadable',
      () => {
        const r = base();
        const cell = r.cells.find((c) => c.table === 'appeals')!;
        cell.value = null;
        r.appeals![cell.row]![cell.col] = null;
        return r;
      },
      /does not agree with its flags/,
    ],
    [
      'a finding that names a cell by a non-canonical path',
      () => {
        const r = base();
        r.issues.push({ rule: 'requests.balance', severity: 'error', message: 'x', cells: ['requests.total'] });
        return r;
      },
      /cell path/,
    ],
    [
      'an unknown severity',
      () => {
        const r = base();
        r.issues.push({ rule: 'requests.balance', severity: 'fatal' as 'error', message: 'x', cells: [] });
        return r;
      },
      /severity/,
    ],
    ['tables in a report whose format is unknown', () => ({ ...base(), format: 'unknown' }), /format "unknown"/],
    ['statistics in a 2021 report', () => ({ ...pre2019(), format: '2021' }), /statistics in a "2021" report/],
  ];
  for (const [name, make, message] of cases) {
    it(name, () => {
      const issues = issuesOf(make());
      expect(issues.length, 'the schema accepted it').toBeGreaterThan(0);
      expect(issues.join('\n')).toMatch(message);
    });
  }
});
