/**
 * Walking an HTML DOM: which elements are skipped (scripts, styles, form controls…) and which end a block
 * of text, and a depth-first walk without recursion, so pages nesting tags 10,000 deep cannot
 * overflow the stack. Pure: works on a tree already parsed.
 */
import type { AnyNode, Element } from 'domhandler';

export const SKIP = new Set(['script', 'style', 'noscript', 'template', 'iframe', 'object', 'svg', 'select', 'button', 'textarea']);
export const BLOCK = new Set([
  'p',
  'div',
  'br',
  'li',
  'ul',
  'ol',
  'dl',
  'dd',
  'dt',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'section',
  'article',
  'header',
  'footer',
  'nav',
  'aside',
  'main',
  'blockquote',
  'pre',
  'hr',
  'form',
  'fieldset',
  'address',
  'center',
  'figure',
  'figcaption',
  'caption',
  'body',
  'html',
  'tr',
  'td',
  'th',
  'tbody',
  'thead',
  'tfoot',
]);

/**
 * Element names are compared as they are: both tree builders give them in lower case (htmlparser2
 * outside XML mode lower-cases tag names; parse5 too, except SVG's camel-case names such as
 * foreignObject, none of which is a name read here).
 */
export function isElement(node: AnyNode): node is Element {
  return node.type === 'tag' || node.type === 'script' || node.type === 'style';
}

/**
 * Depth-first walk without recursion (pages nest tags 10,000 deep): `enter` returns false to skip
 * a subtree; `leave` runs after an element's children. The stack holds nodes, and an element
 * whose `leave` is due sits under the marker EXIT (no object per node: pages have 10⁴ nodes).
 */
const EXIT = null;
export function traverse(root: AnyNode, enter: (node: AnyNode) => boolean, leave?: (node: Element) => void): void {
  const stack: (AnyNode | typeof EXIT)[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node === EXIT) {
      leave!(stack.pop() as Element);
      continue;
    }
    if (!enter(node) || !isElement(node)) continue;
    if (leave) stack.push(node, EXIT);
    const children = node.children;
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
}
