/**
 * A small JSON reader that remembers where every value starts (line and column), so validation
 * errors can name the line of the offending field. Accepts exactly RFC 8259 JSON.
 */

export interface Position {
  /** 1-based line. */
  line: number;
  /** 1-based column (in UTF-16 code units). */
  column: number;
}

export class JsonSyntaxError extends Error {
  readonly position: Position;
  constructor(message: string, position: Position) {
    super(`${message} at line ${position.line}, column ${position.column}`);
    this.position = position;
  }
}

export interface LocatedJson {
  value: unknown;
  /** Position of each value, keyed by `pathKey(path)`; `''` is the root. */
  positions: Map<string, Position>;
}

/** Key of a JSON path (`['sites', 3, 'name']` → `sites/3/name`). */
export function pathKey(path: readonly PropertyKey[]): string {
  return path.map((p) => String(p)).join('/');
}

/** Parses JSON text and records the position of every value. Throws `JsonSyntaxError`. */
export function parseLocated(text: string): LocatedJson {
  const positions = new Map<string, Position>();
  let i = 0;
  // Precompute line starts for position lookups.
  const lineStarts = [0];
  for (let k = 0; k < text.length; k++) if (text.charCodeAt(k) === 10) lineStarts.push(k + 1);
  const posAt = (offset: number): Position => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo]! + 1 };
  };
  const fail = (msg: string, at = i): never => {
    throw new JsonSyntaxError(msg, posAt(Math.min(at, text.length)));
  };
  const ws = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  if (text.charCodeAt(0) === 0xfeff) i = 1;

  const str = (): string => {
    const start = i;
    i++; // opening quote
    let out = '';
    while (true) {
      if (i >= text.length) fail('unterminated string', start);
      const c = text[i]!;
      if (c === '"') {
        i++;
        return out;
      }
      if (c === '\\') {
        const e = text[i + 1];
        const map: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e === 'u') {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else if (e !== undefined && map[e] !== undefined) {
          out += map[e];
          i += 2;
        } else fail('bad escape');
      } else {
        if (c.charCodeAt(0) < 0x20) fail('control character in string');
        out += c;
        i++;
      }
    }
  };

  const value = (path: PropertyKey[]): unknown => {
    ws();
    positions.set(pathKey(path), posAt(i));
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      while (true) {
        ws();
        if (text[i] !== '"') fail('expected a property name in double quotes');
        const key = str();
        ws();
        if (text[i] !== ':') fail("expected ':' after property name");
        i++;
        obj[key] = value([...path, key]);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      while (true) {
        arr.push(value([...path, arr.length]));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    const lit = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 64));
    if (!lit) fail(i >= text.length ? 'unexpected end of input' : `unexpected character '${c}'`);
    const tok = lit![0];
    i += tok.length;
    if (tok === 'true') return true;
    if (tok === 'false') return false;
    if (tok === 'null') return null;
    return Number(tok);
  };

  const v = value([]);
  ws();
  if (i < text.length) fail('unexpected content after the JSON value');
  return { value: v, positions };
}

/** Position of the deepest recorded ancestor of `path` (the value itself when recorded). */
export function locate(positions: Map<string, Position>, path: readonly PropertyKey[]): Position | undefined {
  for (let n = path.length; n >= 0; n--) {
    const p = positions.get(pathKey(path.slice(0, n)));
    if (p) return p;
  }
  return undefined;
}
