// The search-index pass in a process of its own, slowed down so a test can SIGKILL it midway:
//   node --import tsx tests/store/index-child.ts DB CHUNK DELAY_MS
// Indexes CHUNK reports per transaction (the real indexPending) and waits DELAY_MS after each.
import { openDatabase } from '../../src/store/db.js';
import { indexPending } from '../../src/store/text-index.js';

const [file, chunk, delay] = process.argv.slice(2);
const db = openDatabase(file!, { indexPending: false });
const pause = new Int32Array(new SharedArrayBuffer(4));
const r = indexPending(db, { chunk: Number(chunk), onProgress: () => void Atomics.wait(pause, 0, 0, Number(delay)) });
db.close();
process.stdout.write(`${JSON.stringify(r)}\n`);
