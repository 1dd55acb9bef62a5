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

/**
 * The DOM handler of a report page: builds the tree as domhandler does, notes whether a table cell
 * opened inside another cell with no table between them (a page that leaves its tags open, see
 * htmlToStream), and with a meter throws `NB_PARSE_TOO_LARGE` (or `NB_PARSE_TIMEOUT`) when the page
 * passes its budget.
 */
class ReportDomHandler extends DomHandler {
  readonly #meter: BudgetMeter | undefined;
  /** Per open element: is the innermost table-or-cell around it (itself included) a cell? */
  readonly #inCell: boolean[] = [false];
  nestedCells = false;
  #nodes = 0;
  #depth = 0;
  #cells = 0;
  #events = 0;
  #numbers = 0;

  constructor(meter: BudgetMeter | undefined) {
    super(undefined, HTML_PARSER_OPTIONS);
    this.#meter = meter;
  }

  #tick(meter: BudgetMeter): void {
    if (++this.#events % CLOCK_EVERY === 0) meter.checkTime('reading its HTML');
  }

  override onopentag(name: string, attribs: Record<string, string>): void {
    const cell = name === 'td' || name === 'th';
    const inCell = this.#inCell[this.#inCell.length - 1]!;
    if (cell && inCell) this.nestedCells = true;
    this.#inCell.push(cell || (name !== 'table' && inCell));
    const meter = this.#meter;
    if (meter) {
      this.#tick(meter);
      const { maxDomNodes, maxDomDepth, maxTableCells } = meter.budget;
      if (++this.#nodes > maxDomNodes) meter.check('maxDomNodes', this.#nodes, 'HTML elements');
      if (++this.#depth > maxDomDepth) meter.check('maxDomDepth', this.#depth, 'levels of nested HTML elements');
      if (cell && ++this.#cells > maxTableCells) meter.check('maxTableCells', this.#cells, 'table cells');
    }
    super.onopentag(name, attribs);
  }

  override onclosetag(): void {
    this.#inCell.pop();
    this.#depth--;
    super.onclosetag();
  }

  override ontext(data: string): void {
    const meter = this.#meter;
    if (meter) {
      this.#tick(meter);
      this.#numbers = checkNumbers(meter, data, this.#numbers);
    }
    super.ontext(data);
  }
}

/**
 * The page's DOM as cheerio's htmlparser2 backend builds it (same options, same tree), counted
 * against `meter`'s budget while it is built when a meter is given; `nestedCells` when a table cell
 * sits inside another cell with no table between them.
 */
export function parseHtmlDocument(html: string, meter?: BudgetMeter): { root: Document; nestedCells: boolean } {
  const handler = new ReportDomHandler(meter);
  new Parser(handler, HTML_PARSER_OPTIONS).end(html);
  return { root: handler.root, nestedCells: handler.nestedCells };
}
