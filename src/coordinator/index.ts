/** A crawl shared by many workers through PostgreSQL (docs/distributed.md). */
export { connectCoordinator, checkCoordinatorUrl, type Coordinator } from './connect.js';
export { CoordinatorError, redactUrl, type CoordinatorErrorCode } from './errors.js';
export { openRun, loadRun, leaseHostOf, type SharedRun } from './run.js';
export { runWorker, defaultWorkerId, DEFAULT_LEASE_MS, type WorkerOptions, type WorkerSummary } from './worker.js';
export { storeRun, type StoreOptions, type StoreSummary } from './storer.js';
export { sharedRunSummary } from './summary.js';
export { SCHEMA_VERSION } from './schema.js';
