/** `tessera --help`: every command on one page (each command's own help: `tessera <command> --help`). */
export const HELP = `tessera: build and run apps from the command line

Usage:
  tessera start                                   run the platform (same as npm start)
  tessera tenants list                            list apps
  tessera tenants create <id>                     create an app (id: a DNS label, e.g. notes)
  tessera tenants get <id>                        show an app's components, functions, routes
  tessera tenants delete <id>                     delete an app and its data
  tessera schema <id> <file.sql>                  updateDatabaseSchema with the file's SQL
  tessera function <id> <name> <file.js>          createBackendFunction (--access public|user|admin)
  tessera component <id> <Name> <file.tsx>        createFrontendComponent
  tessera layout <id> <blueprint.json>            updateUILayout
  tessera tool <id> <tool> <json | @file.json>    any tool with raw JSON arguments
  tessera tools                                   list tools and their JSON Schemas
  tessera agent <id> <prompt...>                  let the agent build; shows each step live
  tessera agent <id> --cancel                     cancel the app's running agent
  tessera logs <id> <function> [--follow]         a function's logs (and new ones as they come)
  tessera release <id> <version> [--notes "..."]  snapshot the app's current commit as a release
  tessera releases <id>                           list releases
  tessera diff <id> <from> <to>                   what changed between two releases
  tessera deploy <id> <version> [--confirm-data-loss]
                                                  make a release live (atomic); applies its migrations to live data
  tessera rollback <id> [<version>]               deploy the release live before the current one (or <version>)
  tessera deployments <id>                        which release is live, and the deployment history
  tessera snapshots <id>                          snapshots of the app's live data: id, time, reason, release, size (owners)
  tessera snapshot <id> [--reason "..."]          snapshot the live data now (owners)
  tessera preview-link <id> [--expires-in <s>]    a shareable link to the draft preview (owners)
  tessera restore <id> <snapshotId>               put a snapshot's data back live; the data before is snapshotted first (owners)
  tessera secrets <id>                            list an app's secrets (names only) and the ones the agent asked for
  tessera secrets <id> set <NAME> [--value <v>]   set one (the value is read from stdin without --value)
  tessera secrets <id> delete <NAME>              delete one
  tessera egress <id>                             the hosts the app's functions may call, and pending proposals
  tessera egress <id> allow <host>...             add hosts (approves the agent's proposals for them)
  tessera egress <id> deny <host>...              remove hosts (or dismiss proposals)
  tessera export fission <id> <version> --out <dir> [--data-url <url>] [--namespace <ns>]
          [--executor poolmgr|newdeploy] [--min-scale N] [--max-scale N] [--pool-size N]
          [--image <image>] [--runtime-class <name>] [--routing host|prefix] [--canary-from <version> --weight N]
                                                  fission spec files, archives and Secret of a release
  tessera export fission-read-path --out <dir> [--database-url <url>] [--namespace <ns>] [--deploy-token <t>]
                                                  the platform's read path (mfe-registry, sdui-config, releases) for Fission

  tessera members <id>                            who is on an app, with their roles
  tessera members <id> add <user|email> <role> [--direct]
                                                  invite someone (they join when they accept) or change a
                                                  member's role (owner, editor, viewer); --direct: admins add
                                                  an existing account at once
  tessera members <id> remove <user|email>        remove a member, or withdraw an invitation
  tessera invitations                             your invitations to projects, waiting for an answer
  tessera invitations accept|decline <id>         answer one (accepting adds the project to your list)
  tessera users                                   list users (admins)
  tessera users add <id> [--email <e>] [--name <n>] [--admin] [--password]
                                                  create a user (admins); prints a one-time sign-in link;
                                                  --password reads a password from stdin
  tessera users link <id>                         a new one-time sign-in link for a user (admins)
  tessera users delete <id>                       delete a user; their sessions and tokens stop at once (admins)
  tessera audit [<id>] [--limit N]                the audit log of an app (owners) or of everything (admins)

  tessera backup --out <file> [--without-key]    an online, consistent backup of the whole platform (admins):
                                                  registry, every app's repository and databases, artifacts,
                                                  packages, sealed secrets and the sealing key (--without-key:
                                                  not the key; the secrets then need it to decrypt)
  tessera restore-backup <file>                   with the server stopped: restore onto an empty DATA_DIR and
                                                  an empty registry (PGlite, or DATABASE_URL), then npm start

  tessera login [--token <t>]                     save an API token for this server (read from stdin without --token)

Options:
  --url <url>   server to talk to (default: TESSERA_URL or http://localhost:PORT)
  --token <t>   credential to send (default: TESSERA_TOKEN, else the one \`tessera login\` saved)
  --json        print raw JSON answers
  -h, --help    this help (after a command: that command's help, e.g. tessera deploy --help)`;
