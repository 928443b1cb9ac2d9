/** The HTTP layer of serve: the server, the route type and its answers. Imports nothing else of serve. */
export { createHttpServer, shutdownHttpServer, type HttpServerOptions } from './server.js';
export {
  jsonAnswer,
  JSON_TYPE,
  PROM_TYPE,
  textAnswer,
  TEXT_TYPE,
  wantsJson,
  type Guard,
  type Route,
  type RouteAnswer,
} from './route.js';
