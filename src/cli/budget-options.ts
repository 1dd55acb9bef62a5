/**
 * The command-line options that set a document's budget (parsers/budget.ts), shared by `parse`,
 * `ingest`, `reparse` and `crawl`. A few options, each mapping onto one limit; the ones of the
 * same family follow it in proportion (`--max-inflated-mb` raises the per-part limits with the
 * per-document one, `--max-text-chars` the text pieces and numbers with the characters).
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_BUDGET, type BudgetInput } from '../../parsers/budget.js';

const MiB = 1024 * 1024;

export interface BudgetCliOptions {
  parseTimeout?: number;
  maxDocumentMb?: number;
  maxInflatedMb?: number;
  maxDocumentPages?: number;
  maxTextChars?: number;
  parseHeapMb?: number;
}

function positive(name: string, integer = true): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!/^\d+(\.\d+)?$/.test(v.trim()) || !(n > 0) || (integer && !Number.isInteger(n)))
      throw new InvalidArgumentError(`${name} must be a positive ${integer ? 'whole ' : ''}number.`);
    return n;
  };
}

/** Adds the budget options to a command. */
export function addBudgetOptions(cmd: Command): Command {
  const d = DEFAULT_BUDGET;
  return cmd
    .addOption(
      new Option('--parse-timeout <s>', `seconds one document may take to read (default: ${d.timeoutMs / 1000})`).argParser(positive('--parse-timeout', false)),
    )
    .addOption(
      new Option('--max-document-mb <n>', `largest document file read, MiB (default: ${d.maxInputBytes / MiB})`).argParser(positive('--max-document-mb')),
    )
    .addOption(
      new Option(
        '--max-inflated-mb <n>',
        `MiB a document may inflate to (zip parts, PDF streams; per part in proportion) (default: ${d.maxInflatedBytes / MiB})`,
      ).argParser(positive('--max-inflated-mb')),
    )
    .addOption(new Option('--max-document-pages <n>', `pages of a PDF or OFD (default: ${d.maxPages})`).argParser(positive('--max-document-pages')))
    .addOption(
      new Option('--max-text-chars <n>', `characters of text of a document (text pieces and numbers in proportion) (default: ${d.maxTextChars})`).argParser(
        positive('--max-text-chars'),
      ),
    )
    .addOption(new Option('--parse-heap-mb <n>', `heap of a parse worker thread, MiB (default: ${d.maxHeapMb})`).argParser(positive('--parse-heap-mb')));
}

/** The budget the options ask for (only what they change), or undefined for the default one. */
export function budgetFromOptions(o: BudgetCliOptions): BudgetInput | undefined {
  const d = DEFAULT_BUDGET;
  const b: BudgetInput = {};
  if (o.parseTimeout !== undefined) b.timeoutMs = Math.max(1, Math.round(o.parseTimeout * 1000));
  if (o.maxDocumentMb !== undefined) b.maxInputBytes = o.maxDocumentMb * MiB;
  if (o.maxInflatedMb !== undefined) {
    const f = (o.maxInflatedMb * MiB) / d.maxInflatedBytes;
    b.maxInflatedBytes = o.maxInflatedMb * MiB;
    b.maxEntryBytes = Math.max(1, Math.round(d.maxEntryBytes * f));
    b.maxWordXmlBytes = Math.max(1, Math.round(d.maxWordXmlBytes * f));
  }
  if (o.maxDocumentPages !== undefined) b.maxPages = o.maxDocumentPages;
  if (o.maxTextChars !== undefined) {
    const f = o.maxTextChars / d.maxTextChars;
    b.maxTextChars = o.maxTextChars;
    b.maxTextItems = Math.max(1, Math.round(d.maxTextItems * f));
    b.maxPageTextItems = Math.max(1, Math.round(d.maxPageTextItems * f));
    b.maxNumbers = Math.max(1, Math.round(d.maxNumbers * f));
  }
  if (o.parseHeapMb !== undefined) b.maxHeapMb = Math.max(64, o.parseHeapMb);
  return Object.keys(b).length > 0 ? b : undefined;
}
