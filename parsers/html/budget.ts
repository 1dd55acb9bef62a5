/**
 * The budget of an HTML page, checked before the DOM is built: one SAX pass (htmlparser2's
 * `Parser`, the tokenizer cheerio builds its DOM with, so it sees the same elements) counts
 * elements, nesting depth, table cells and the numbers of the text, and stops at the first limit passed with
 * `NB_PARSE_TOO_LARGE` naming it. A 45 MB page of tiny tables or 100,000 nested `<div>`s is
 * refused after a fraction of a second instead of a DOM of gigabytes. The page's text is not
 * counted here: a 20 MB page of prose around the report's tables is read (its text is held to
 * `maxTextChars` only when it is read again as plain text, see parseHtmlReport). Pure: no I/O.
 */
import { Parser } from 'htmlparser2';
import { checkNumbers, type BudgetMeter } from '../budget.js';

/** Events between two looks at the clock. */
const CLOCK_EVERY = 8192;

/** Throws `NB_PARSE_TOO_LARGE` (or `NB_PARSE_TIMEOUT`) when the page is over the meter's budget. */
export function checkHtmlBudget(html: string, meter: BudgetMeter): void {
  const { maxDomNodes, maxDomDepth, maxTableCells } = meter.budget;
  let nodes = 0;
  let depth = 0;
  let cells = 0;
  let events = 0;
  let numbers = 0;
  const tick = (): void => {
    if (++events % CLOCK_EVERY === 0) meter.checkTime('reading its HTML');
  };
  const parser = new Parser(
    {
      onopentag(name) {
        tick();
        if (++nodes > maxDomNodes) meter.check('maxDomNodes', nodes, 'HTML elements');
        if (++depth > maxDomDepth) meter.check('maxDomDepth', depth, 'levels of nested HTML elements');
        if ((name === 'td' || name === 'th') && ++cells > maxTableCells) meter.check('maxTableCells', cells, 'table cells');
      },
      onclosetag() {
        depth--;
      },
      ontext(text) {
        tick();
        numbers = checkNumbers(meter, text, numbers);
      },
    },
    { decodeEntities: true },
  );
  parser.end(html);
}
