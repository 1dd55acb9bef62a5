/**
 * The budget of an HTML page, checked while its DOM is built: the DOM handler that builds it
 * (htmlparser2's `Parser` feeding domhandler, as cheerio's htmlparser2 backend does) counts
 * elements, nesting depth, table cells and the numbers of the text as they arrive, and stops at
 * the first limit passed with `NB_PARSE_TOO_LARGE` naming it. A 45 MB page of tiny tables or
 * 100,000 nested `<div>`s is refused after at most the budget's worth of elements, never a DOM of
 * gigabytes — and a page within budget is tokenized once, not once to count and once to build.
 * The page's text is not counted here: a 20 MB page of prose around the report's tables is read
 * (its text is held to `maxTextChars` only when it is read again as plain text, see
 * parseHtmlReport). Pure: no I/O.
 */
import { DomHandler, type Document } from 'domhandler';
import { Parser } from 'htmlparser2';
import { checkNumbers, type BudgetMeter } from '../budget.js';

/** Events between two looks at the clock. */
const CLOCK_EVERY = 8192;

/**
 * The options cheerio's `load(html, { xml: { xmlMode: false, decodeEntities: true, withEndIndices: true } })`
 * hands htmlparser2: the same DOM. End indices tell a table closed by `</table>` from one closed
 * implicitly (a cut-off page).
 */
export const HTML_PARSER_OPTIONS = { xmlMode: false, decodeEntities: true, withEndIndices: true } as const;

/** A DOM handler that throws `NB_PARSE_TOO_LARGE` (or `NB_PARSE_TIMEOUT`) when the page passes the meter's budget. */
class BudgetedDomHandler extends DomHandler {
  readonly #meter: BudgetMeter;
  #nodes = 0;
  #depth = 0;
  #cells = 0;
  #events = 0;
  #numbers = 0;

  constructor(meter: BudgetMeter) {
    super(undefined, HTML_PARSER_OPTIONS);
    this.#meter = meter;
  }

  #tick(): void {
    if (++this.#events % CLOCK_EVERY === 0) this.#meter.checkTime('reading its HTML');
  }

  override onopentag(name: string, attribs: Record<string, string>): void {
    this.#tick();
    const { maxDomNodes, maxDomDepth, maxTableCells } = this.#meter.budget;
    if (++this.#nodes > maxDomNodes) this.#meter.check('maxDomNodes', this.#nodes, 'HTML elements');
    if (++this.#depth > maxDomDepth) this.#meter.check('maxDomDepth', this.#depth, 'levels of nested HTML elements');
    if ((name === 'td' || name === 'th') && ++this.#cells > maxTableCells) this.#meter.check('maxTableCells', this.#cells, 'table cells');
    super.onopentag(name, attribs);
  }

  override onclosetag(): void {
    this.#depth--;
    super.onclosetag();
  }

  override ontext(data: string): void {
    this.#tick();
    this.#numbers = checkNumbers(this.#meter, data, this.#numbers);
    super.ontext(data);
  }
}

/**
 * The page's DOM as cheerio's htmlparser2 backend builds it (same options, same tree), counted
 * against `meter`'s budget while it is built when a meter is given.
 */
export function parseHtmlDocument(html: string, meter?: BudgetMeter): Document {
  const handler = meter ? new BudgetedDomHandler(meter) : new DomHandler(undefined, HTML_PARSER_OPTIONS);
  new Parser(handler, HTML_PARSER_OPTIONS).end(html);
  return handler.root;
}
