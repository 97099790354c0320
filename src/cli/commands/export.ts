import type { CAC } from 'cac';
import type { ExportFiles } from '../../../wire/api.ts';
import { connect, plural, print, text, usage, type GlobalOptions } from '../context.ts';

type ExportOptions = GlobalOptions &
  Record<
    | 'out'
    | 'dataUrl'
    | 'namespace'
    | 'executor'
    | 'minScale'
    | 'maxScale'
    | 'poolSize'
    | 'image'
    | 'runtimeClass'
    | 'routing'
    | 'canaryFrom'
    | 'weight'
    | 'databaseUrl'
    | 'deployToken',
    unknown
  >;

/** Drops the options left out, so the server applies its defaults. */
const given = <T extends object>(options: T): T => JSON.parse(JSON.stringify(options)) as T;

export function register(cli: CAC): void {
  cli
    .command(
      'export [target] [id] [version]',
      "fission spec files, archives and Secret of a release; or the platform's read path (mfe-registry, sdui-config, releases)",
    )
    .usage('export fission <id> <version> --out <dir> [options] | export fission-read-path --out <dir> [options]')
    .option('--out <dir>', 'where to write the export')
    .option('--data-url <url>', 'fission: the data API the functions use')
    .option('--namespace <ns>', 'Kubernetes namespace')
    .option('--executor <kind>', 'fission: poolmgr or newdeploy')
    .option('--min-scale <N>', 'fission: newdeploy minimum')
    .option('--max-scale <N>', 'fission: newdeploy maximum')
    .option('--pool-size <N>', 'pool size')
    .option('--image <image>', 'the environment image')
    .option('--runtime-class <name>', 'Kubernetes RuntimeClass (e.g. gvisor)')
    .option('--routing <how>', 'fission: host or prefix')
    .option('--canary-from <version>', 'fission: split traffic from this release...')
    .option('--weight <N>', '...sending N% to the new one')
    .option('--database-url <url>', 'fission-read-path: the registry database')
    .option('--deploy-token <t>', 'fission-read-path: the token deploys use')
    .example('tessera export fission notes 1.0.0 --out ./out')
    .action(async (target: string | undefined, id: string | undefined, version: string | number | undefined, options: ExportOptions) => {
      const out = text(options.out);
      if (!out) usage('Missing --out <dir>: where to write the export.');
      const integer = (flag: string, raw: unknown): number | undefined => {
        const value = text(raw);
        if (value === undefined) return undefined;
        if (!/^\d+$/.test(value)) usage(`--${flag} must be a whole number, not "${value}".`);
        return Number(value);
      };
      const client = connect(options);
      let answer: ExportFiles;
      if (target === 'fission') {
        if (!id || version === undefined) usage('Usage: tessera export fission <id> <version> --out <dir> [--data-url <url>]');
        if ((options.canaryFrom === undefined) !== (options.weight === undefined)) usage('--canary-from and --weight go together.');
        const body = given({
          dataUrl: text(options.dataUrl),
          namespace: text(options.namespace),
          executor: text(options.executor),
          minScale: integer('min-scale', options.minScale),
          maxScale: integer('max-scale', options.maxScale),
          poolSize: integer('pool-size', options.poolSize),
          image: text(options.image),
          runtimeClass: text(options.runtimeClass),
          routing: text(options.routing),
          canary: options.canaryFrom === undefined ? undefined : { from: String(options.canaryFrom), weight: integer('weight', options.weight) },
        });
        answer = await client.request('POST /api/tenants/:id/releases/:version/export/fission', { params: { id, version: String(version) }, body });
      } else if (target === 'fission-read-path') {
        const body = given({
          namespace: text(options.namespace),
          databaseUrl: text(options.databaseUrl),
          deployToken: text(options.deployToken),
          image: text(options.image),
          poolSize: integer('pool-size', options.poolSize),
          runtimeClass: text(options.runtimeClass),
        });
        answer = await client.request('POST /api/export/fission-read-path', { body });
      } else {
        usage(`Unknown export target "${target ?? ''}": use "fission" or "fission-read-path".`);
      }
      const { writeExport } = await import('../../fission/index.ts');
      const written = await writeExport(
        out,
        answer.files.map((f) => ({ path: f.path, content: Buffer.from(f.content, 'base64'), ...(f.secret ? { secret: true } : {}) })),
      );
      print(
        options,
        { ...answer, files: answer.files.map((f) => f.path) },
        `Wrote ${plural(written.length, 'file')} to ${out}:\n${answer.files.map((f) => `  ${f.path}${f.secret ? '  (secret, owner-only)' : ''}`).join('\n')}\n\nNext:\n  kubectl apply -f ${out}/k8s/\n  fission spec apply --specdir ${out}/specs --wait`,
      );
    });
}
