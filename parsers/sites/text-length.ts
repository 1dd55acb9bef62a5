/**
 * Whether the text of some nodes, as cheerio's `.text()` gives it (text nodes in document order,
 * comments left out) and then whitespace-collapsed by `cleanText`, is longer than a limit — read
 * only as far as needed: a shell page's redirect test asks this of whole list pages, whose text is
 * far longer than the limit. Pure.
 */
import { hasChildren, isComment, isText, type AnyNode } from 'domhandler';

const NON_SPACE = /\S+/g;

/**
 * `cleanText(text(nodes)).length > max`, without building the text: a run of whitespace (`\s`,
 * which holds U+00A0 and U+3000) between two non-blank characters counts as one character, blanks
 * at either end count nothing.
 */
export function cleanTextLongerThan(nodes: ArrayLike<AnyNode>, max: number): boolean {
  if (max < 0) return true;
  let count = 0;
  let started = false;
  let gap = false;
  const stack: AnyNode[] = [];
  for (let i = nodes.length - 1; i >= 0; i--) stack.push(nodes[i]!);
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (hasChildren(node) && !isComment(node)) {
      for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
      continue;
    }
    if (!isText(node)) continue;
    const s = node.data;
    let last = 0;
    for (const m of s.matchAll(NON_SPACE)) {
      if (m.index > last) gap = true;
      if (started && gap) count++;
      count += m[0].length;
      if (count > max) return true;
      started = true;
      gap = false;
      last = m.index + m[0].length;
    }
    if (s.length > last) gap = true;
  }
  return false;
}
