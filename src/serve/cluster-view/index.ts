/** serve --cluster: the view of the whole cluster through one check per member, and its paths. */
export { ClusterView, type ClusterViewOptions, type Reply } from './cluster-view.js';
export { CLUSTER_PATHS, clusterRoutes } from './routes.js';
