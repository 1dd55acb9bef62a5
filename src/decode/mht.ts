/**
 * MHTML (`.mht`, `.mhtml`; Word's "single file web page", often saved under a `.doc` name, and
 * browsers' "web page, single file") → the HTML of its page. The archive is a MIME message whose
 * first HTML part is the page, quoted-printable or base64, in the charset its part header names;
 * postal-mime (loaded on first use) takes the MIME apart and decodes it. Images and the other parts
 * are not read.
 */
import type PostalMimeType from 'postal-mime';
import { DecodeError } from './errors.js';

export interface MhtToHtmlOptions {
  /** File name or URL, for error messages. @default undefined */
  fileName?: string | undefined;
}

let postalMimeModule: Promise<typeof PostalMimeType> | undefined;
const loadPostalMime = (): Promise<typeof PostalMimeType> => (postalMimeModule ??= import('postal-mime').then((m) => m.default));

/** Limits for a hostile archive: MIME nesting and header bytes (a report page has one level and a few KB). */
const MAX_NESTING = 16;
const MAX_HEADER_BYTES = 256 * 1024;

/**
 * The page of a web archive: its first HTML part, decoded. A part in plain text is returned as
 * text when the archive holds no HTML. Throws {@link DecodeError} `NB_PARSE_UNSUPPORTED` when the
 * MIME cannot be read, `NB_PARSE_EMPTY` when it holds no page.
 */
export async function mhtToHtml(bytes: Uint8Array, opts: MhtToHtmlOptions = {}): Promise<{ kind: 'html' | 'text'; text: string }> {
  const PostalMime = await loadPostalMime();
  let email: Awaited<ReturnType<typeof PostalMime.parse>>;
  try {
    email = await PostalMime.parse(bytes, { maxNestingDepth: MAX_NESTING, maxHeadersSize: MAX_HEADER_BYTES, attachmentEncoding: 'arraybuffer' });
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new DecodeError(
      'NB_PARSE_UNSUPPORTED',
      `looks like a web archive (MHTML, .mht) but its parts could not be read (${reason}); open it in a browser or Word and save it as a web page (.html) or .docx.`,
      { file: opts.fileName, cause, kind: 'mht', bytes: bytes.byteLength },
    );
  }
  if (email.html && email.html.trim() !== '') return { kind: 'html', text: email.html };
  if (email.text && email.text.trim() !== '') return { kind: 'text', text: email.text };
  throw new DecodeError('NB_PARSE_EMPTY', 'is a web archive (MHTML, .mht) without a page in it (no HTML or text part); check that it is the report.', {
    file: opts.fileName,
    kind: 'mht',
    bytes: bytes.byteLength,
  });
}
