/**
 * The OCR cache (src/decode/ocr-cache.ts): what Tesseract read in a crop, kept in a folder by the
 * hash of the Tesseract version, the run's options and the crop's pixels.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OcrCache, OcrCacheError, openOcrCache } from '../../src/decode/ocr-cache.js';

describe('OCR cache', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nianbao-ocr-cache-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the words of a crop under a key of the Tesseract version, the options and the pixels', async () => {
    const crop = new Uint8Array([80, 53, 10, 49, 32, 49, 10, 50, 53, 53, 10, 0]);
    const args = ['-l', 'chi_sim', '--psm', '7'];
    const key = OcrCache.key('tesseract 5.3.0', args, crop);
    expect(OcrCache.key('tesseract 5.3.0', args, crop)).toBe(key);
    expect(OcrCache.key('tesseract 5.4.0', args, crop)).not.toBe(key);
    expect(OcrCache.key('tesseract 5.3.0', ['-l', 'eng', '--psm', '7'], crop)).not.toBe(key);
    expect(
      OcrCache.key(
        'tesseract 5.3.0',
        args,
        crop.map((b, i) => (i === crop.length - 1 ? 255 : b)),
      ),
    ).not.toBe(key);
    const cache = new OcrCache(dir);
    expect(await cache.get(key)).toBeUndefined();
    const words = [{ left: 3, width: 40, conf: 91.5, text: '历年累计' }];
    await cache.set(key, words);
    expect(await cache.get(key)).toEqual(words);
    await cache.set(key, []);
    expect(await cache.get(key)).toEqual([]);
    // No temporary file left beside the entry.
    expect(await readdir(join(dir, key.slice(0, 2)))).toEqual([`${key}.json`]);
  });

  it('an entry that is damaged is a miss', async () => {
    const cache = new OcrCache(dir);
    const key = OcrCache.key('tesseract 5.3.0', [], new Uint8Array([1]));
    await cache.set(key, [{ left: 0, width: 1, conf: 90, text: '1' }]);
    await writeFile(join(dir, key.slice(0, 2), `${key}.json`), '[{"left": 0, "tex');
    expect(await cache.get(key)).toBeUndefined();
    await writeFile(join(dir, key.slice(0, 2), `${key}.json`), '[{"left": "x"}]');
    expect(await cache.get(key)).toBeUndefined();
  });

  it('an entry that cannot be written is a miss, not an error (trySet), and leaves no temporary file', async () => {
    const cache = await openOcrCache(join(dir, 'broken'));
    const key = OcrCache.key('tesseract 5.3.0', [], new Uint8Array([2]));
    // The entry's folder is taken by a file.
    await writeFile(join(dir, 'broken', key.slice(0, 2)), '');
    expect(await cache.trySet(key, [{ left: 0, width: 1, conf: 90, text: '2' }])).toBe(false);
    expect(await cache.get(key)).toBeUndefined();
    await expect(cache.set(key, [])).rejects.toThrow();
    expect((await readdir(join(dir, 'broken'))).sort()).toEqual([key.slice(0, 2)]);
  });

  it('openOcrCache creates the folder, and says NB_OCR_CACHE naming it when it cannot', async () => {
    const made = await openOcrCache(join(dir, 'a', 'b'));
    expect(made.dir).toBe(join(dir, 'a', 'b'));
    expect(await readdir(join(dir, 'a', 'b'))).toEqual([]); // the probe is gone
    await writeFile(join(dir, 'file'), '');
    const err = await openOcrCache(join(dir, 'file', 'cache')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OcrCacheError);
    expect(err).toMatchObject({ code: 'NB_OCR_CACHE', dir: join(dir, 'file', 'cache') });
    expect((err as Error).message).toMatch(
      /^the OCR cache folder .*file\/cache cannot be created or written \(ENOTDIR\); give a writable folder with --ocr-cache DIR/,
    );
  });
});
