/**
 * `--web-config`: exporter-toolkit's web config file (TLS, basic auth with bcrypt) read with a
 * YAML subset. It knows no route: callers pass the paths basic auth protects.
 */
export {
  BasicAuth,
  webGuard,
  type AuthVerdict,
  type BasicAuthOptions,
  type Protected,
  type WebGuard,
} from './basic-auth.js';
export { BcryptPool } from './bcrypt-pool.js';
export { bcryptHash, bcryptVerify, parseBcryptHash } from './bcrypt.js';
export {
  clientCertificateAllowed,
  CLIENT_AUTH_TYPES,
  httpsOptions,
  loadWebConfig,
  parseWebConfig,
  WebConfigError,
  type ClientAuthType,
  type TlsSettings,
  type WebConfig,
} from './web-config.js';
export { parseYaml, YamlError } from './yaml.js';
