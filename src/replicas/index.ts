/**
 * Several Tessera replicas behind one load balancer, sharing one DATA_DIR volume and one PostgreSQL
 * registry. Each tenant is served by exactly one replica at a time, its lease holder (a row in the
 * registry, renewed while the holder lives): only the holder opens the tenant's git repository and
 * SQLite file, runs its functions and agent, and caches its state. Any replica takes any request;
 * one for a tenant held elsewhere is forwarded to the holder (bodies and server-sent events stream
 * through). When a holder dies its leases expire and the next request's replica takes the tenant
 * over, reloading it from the shared volume.
 *
 * With one process (no TESSERA_REPLICA_URL) every tenant is local and nothing here runs.
 */
export { LeasedPlacement, singleProcessPlacement, type Placement, type TenantPlacement } from './leases.ts';
export { Forwarder, FORWARDED_BY, HolderUnreachable } from './forwarder.ts';
