/**
 * The status page's stylesheet and script, served at their own paths so that the page's
 * Content-Security-Policy allows nothing inline. The script is written in TypeScript
 * (browser/status.ts) and bundled into script.ts at build time.
 */
export { STATUS_JS } from './script.js';

export const STATUS_CSS = `:root{color-scheme:light dark;--ok:#2e7d32;--warn:#b26a00;--bad:#c62828;--down:#6d4c41;--split:#8e24aa;--fg:#222;--bg:#fafafa;--card:#fff;--line:#ddd}
@media (prefers-color-scheme:dark){:root{--fg:#e6e6e6;--bg:#121212;--card:#1e1e1e;--line:#333}}
*{box-sizing:border-box}
body{margin:0;padding:12px;font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;flex-wrap:wrap;align-items:baseline;gap:0 16px}
h1{font-size:1.2rem;margin:0 0 6px}
h2{font-size:1rem;margin:16px 0 6px}
h3{font-size:.95rem;margin:0 0 4px;word-break:break-all}
#updated{margin:0;opacity:.7}
.summary{border-left:6px solid var(--line);padding:6px 10px;background:var(--card);margin:8px 0}
.summary p{margin:2px 0;word-break:break-word}
#nodes{display:flex;flex-wrap:wrap;gap:10px}
.node{flex:1 1 260px;max-width:100%;background:var(--card);border:1px solid var(--line);border-top:6px solid var(--line);border-radius:4px;padding:8px 10px}
.node dl{display:grid;grid-template-columns:auto 1fr;gap:0 10px;margin:6px 0}
.node dt{opacity:.7}
.node dd{margin:0;word-break:break-word}
.verdict{margin:0;font-weight:600}
.reason{margin:0;font-size:.85rem;opacity:.8;word-break:break-word}
.name{opacity:.7;font-weight:400}
.badge{font-size:.75rem;padding:1px 6px;border-radius:8px;background:#1565c0;color:#fff;font-weight:600}
.tl-row{display:flex;align-items:center;gap:8px;margin:3px 0}
.tl-label{flex:0 0 9.5em;font-size:.8rem;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.tl{flex:1 1 auto;height:14px;min-width:0;background:var(--line)}
.legend{font-size:.8rem}
.key{display:inline-block;width:10px;height:10px;margin:0 3px 0 10px}
footer{margin-top:16px;font-size:.8rem}
footer a{margin-right:12px}
.stale #updated{color:var(--bad);opacity:1}
.c-healthy{border-color:var(--ok);fill:var(--ok);background-color:var(--ok)}
.c-unhealthy,.c-degraded{border-color:var(--warn);fill:var(--warn);background-color:var(--warn)}
.c-non-primary,.c-no-primary{border-color:var(--bad);fill:var(--bad);background-color:var(--bad)}
.c-down,.c-unreachable,.c-unknown{border-color:var(--down);fill:var(--down);background-color:var(--down)}
.c-split-brain{border-color:var(--split);fill:var(--split);background-color:var(--split)}
.node.c-healthy,.node.c-unhealthy,.node.c-non-primary,.node.c-down,.node.c-unknown,.summary{background-color:var(--card)}
.c-healthy .verdict{color:var(--ok)}.c-unhealthy .verdict{color:var(--warn)}.c-non-primary .verdict,.c-down .verdict{color:var(--bad)}
@media (max-width:480px){body{padding:8px}.tl-label{flex-basis:6.5em}}
`;
