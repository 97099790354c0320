/** Releases: immutable snapshots of a tenant's commit (snapshots.ts), deploying them (deploy.ts), and the store of their bytes. */
export { createArtifactStore, type ArtifactStore } from './artifact-store.ts';
export { Deployer, type AppView, type DeployResult } from './deploy.ts';
export { checkVersion, createRelease, diffReleases, getRelease, listReleases, type ReleaseDiff, type ReleaseSnapshot } from './snapshots.ts';
