export declare const FETCH_PEERS_COMMAND: string;
/** The first source of Fission's test peers that is present, every pinned file checked (throws otherwise). */
export declare function locateFissionPeers(env?: Record<string, string | undefined>): { source: string; crds: string; nodejsEnv: string };
