import { build } from 'esbuild';
const r = await build({ stdin: { contents: "module.exports = { React: require('react'), jsxRuntime: require('react/jsx-runtime'), renderToString: require('react-dom/server.browser').renderToString }", resolveDir: '/work/main', loader: 'js' }, bundle: true, write: false, format: 'cjs', platform: 'neutral', mainFields: ['main'], define: { 'process.env.NODE_ENV': '"production"' }, minify: true, logLevel: 'silent' });
const code = r.outputFiles[0].text;
console.log(code.length);
const vm = await import('node:vm');
const m = { exports: {} };
vm.compileFunction(code, ['exports', 'require', 'module'])(m.exports, (x) => { throw new Error('req ' + x) }, m);
const { React, renderToString } = m.exports;
console.log(renderToString(React.createElement('b', null, 'hi')));
