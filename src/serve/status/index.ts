/** The status page: a sampler that takes a look function, its history, the page, its assets and paths. */
export { STATUS_CSS, STATUS_JS } from './assets.js';
export { HISTORY_CAPACITY, StatusHistory, type HistoryJson, type Run, type StatusSample } from './history.js';
export { cardFields, escapeHtml, statusHtml, statusModel, type StatusModel } from './page.js';
export { STATUS_CSP, STATUS_PATHS, statusRoutes } from './routes.js';
export { StatusSampler, type Look, type StatusSamplerOptions } from './sampler.js';
