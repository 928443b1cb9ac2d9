/**
 * The multi-target exporter (`/probe`, `/targets`): the exporter, its allow list (target
 * policy), the targets file, the probe slots, and the service serve runs with its reload.
 */
export { Exporter, probeBudgetMs, type ExporterAnswer, type ExporterOptions } from './exporter.js';
export { EXPORTER_PATHS, exporterService, type ExporterService, type ExporterServiceOptions } from './service.js';
export { HostAllowList, HostCheckError, hostOfHeader } from './host-check.js';
export { Slots } from './slots.js';
export {
  parsePattern,
  parseTargetAddress,
  TargetPolicy,
  TargetPolicyError,
  type TargetAddress,
} from './target-policy.js';
export {
  parseTargetsFile,
  readTargetsFile,
  serviceDiscovery,
  TargetsFileError,
  type TargetEntry,
} from './targets-file.js';
