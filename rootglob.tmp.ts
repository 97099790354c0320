import { build } from 'esbuild';
import { tenantImportsPlugin } from './src/bundler/imports.ts';
const t = performance.now();
const pattern = process.argv[2]!;
let loads = 0;
const counter = { name: 'count', setup(b: any) { b.onLoad({ filter: /.*/ }, () => { loads++; return undefined; }); } };
await build({ stdin: { contents: `module.exports = (x) => require('${pattern}' + x);`, loader: 'js', sourcefile: 'f.js' }, bundle: true, write: false, platform: 'node', format: 'cjs', logLevel: 'silent', plugins: [counter as any, tenantImportsPlugin({ kind: 'function' })] }).catch((e) => console.log('errors', e.errors.length));
console.log(pattern, 'ms', Math.round(performance.now() - t), 'loads', loads);
