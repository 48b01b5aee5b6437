/*
 * The one stylesheet of every HTML page (preferences, unsubscribe, confirmations, sign-in, Slack,
 * sign-up), inlined under the response's nonce. System fonts, one accent, cards on a grey ground.
 *
 * Colours meet WCAG AA (≥ 4.5:1) where they carry text: text #1f2328 on white 15.8:1, muted
 * #57606a 6.1:1, accent #0b57d0 6.2:1 (white on it the same), danger #a40e26 7.7:1, the state
 * pills ≥ 5.5:1 on their tints. Dark mode swaps the variables (text #e6edf3 on #161b22 14:1,
 * muted #9da7b3 6.9:1, accent #79b8ff 8.2:1).
 * Nothing is wider than the screen from 320 px up: grids collapse to one column, long targets
 * and secrets wrap anywhere, and every tap target is at least 44 px tall.
 */
export const CSS = `
:root{--bg:#f6f7f9;--card:#fff;--text:#1f2328;--muted:#57606a;--line:#d8dee4;--accent:#0b57d0;--accent-text:#fff;--accent-soft:#e8f0fe;
--ok:#116329;--ok-bg:#dafbe1;--warn:#7d4e00;--warn-bg:#fff8c5;--bad:#a40e26;--bad-bg:#ffebe9;--off:#424a53;--off-bg:#eaeef2;--focus:#1f2328;
color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#161b22;--text:#e6edf3;--muted:#9da7b3;--line:#30363d;--accent:#79b8ff;--accent-text:#0d1117;--accent-soft:#1c2d41;
--ok:#7ee2a8;--ok-bg:#12261e;--warn:#f2cc60;--warn-bg:#2e2410;--bad:#ffa198;--bad-bg:#2d1215;--off:#c9d1d9;--off-bg:#262c34;--focus:#e6edf3}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--text);background:var(--bg);margin:0}
a{color:var(--accent);text-underline-offset:.15em}
h1{font-size:1.65rem;line-height:1.25;margin:.25rem 0 .5rem}
h2{font-size:1.25rem;line-height:1.3;margin:0 0 .5rem}
h3{font-size:1.05rem;margin:1.25rem 0 .5rem}
p{margin:.5rem 0}
.muted{color:var(--muted)}
.small{font-size:.9rem}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:var(--card);padding:.5rem;z-index:2}
.topbar{background:var(--card);border-bottom:1px solid var(--line)}
.topbar>div{max-width:64rem;margin:0 auto;padding:.6rem 1rem;display:flex;align-items:center;justify-content:space-between;gap:.5rem 1rem;flex-wrap:wrap}
.brand{font-weight:700;font-size:1.1rem;color:var(--text);text-decoration:none;letter-spacing:-.01em;display:inline-flex;align-items:center;gap:.5rem;min-height:44px}
.brand-mark{display:inline-grid;place-items:center;width:1.75rem;height:1.75rem;border-radius:6px;background:var(--accent);color:var(--accent-text);font-size:.95rem}
main{max-width:64rem;margin:0 auto;padding:1.25rem 1rem 4rem}
main.narrow,.topbar.narrow>div{max-width:36rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:1.1rem 1.1rem 1.25rem;margin:0 0 1rem;min-width:0}
.card>h2:first-child{margin-top:0}
section.card{scroll-margin-top:1rem}
.sub{border-top:1px solid var(--line);margin-top:1.25rem;padding-top:.25rem}
.chips{list-style:none;padding:0;margin:.75rem 0 1rem;display:flex;flex-wrap:wrap;gap:.5rem}
.chips a{display:inline-flex;align-items:center;min-height:44px;padding:0 .9rem;border:1px solid var(--line);border-radius:999px;background:var(--card);text-decoration:none;font-weight:600}
.layout{display:grid;gap:0 1.25rem}
@media (min-width:60rem){.layout{grid-template-columns:13rem minmax(0,1fr)}.layout>nav{position:sticky;top:1rem;align-self:start}.layout>nav .chips{flex-direction:column}.layout>nav .chips a{border-radius:8px;width:100%}}
fieldset{border:0;padding:0;margin:.5rem 0;min-width:0}
legend{font-weight:600;padding:0;margin-bottom:.25rem}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
label.inline{display:inline;font-weight:400;margin:0 0 0 .4rem}
.hint{color:var(--muted);font-size:.9rem;margin:.2rem 0 0}
input[type=text],input[type=email],input[type=url],input[type=search],input[type=number],input[type=time],select{font:inherit;width:100%;max-width:28rem;min-height:44px;padding:.45rem .6rem;border:1px solid var(--muted);border-radius:6px;background:var(--card);color:var(--text)}
input[type=number],input[type=time]{max-width:10rem}
input[type=checkbox]{width:1.25rem;height:1.25rem;vertical-align:middle;accent-color:var(--accent)}
.check{display:flex;align-items:center;min-height:44px;margin:.25rem 0}
[aria-invalid=true]{border-color:var(--bad)!important;border-width:2px!important}
.field-error{color:var(--bad);font-weight:600;margin:.3rem 0 0}
button,.button{font:inherit;font-weight:600;display:inline-flex;align-items:center;justify-content:center;min-height:44px;padding:.45rem 1rem;border-radius:6px;border:1px solid var(--accent);background:var(--accent);color:var(--accent-text);cursor:pointer;margin:.25rem .25rem .25rem 0;text-decoration:none;text-align:center}
button.secondary,.button.secondary{background:var(--card);color:var(--accent)}
button.danger{background:var(--bad);border-color:var(--bad);color:var(--card)}
button.link{background:none;border:0;color:var(--accent);padding:.45rem .25rem;text-decoration:underline}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,summary:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.row{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end}
.row>input{flex:1 1 12rem}
.actions{display:flex;flex-wrap:wrap;gap:.25rem .5rem;align-items:center}
.actions form{display:inline}
ul.plain{list-style:none;padding:0;margin:.5rem 0}
.features{padding-left:1.2rem;margin:.5rem 0}
.features li{margin:.15rem 0}
.notice{border-radius:8px;padding:.65rem .9rem;margin:.75rem 0;border:1px solid;border-left-width:5px;overflow-wrap:anywhere}
.notice p{margin:.25rem 0}
.notice.ok{border-color:var(--ok);background:var(--ok-bg)}
.notice.error{border-color:var(--bad);background:var(--bad-bg)}
.notice.info{border-color:var(--accent);background:var(--accent-soft)}
.notice:focus{outline:3px solid var(--focus)}
code,.secret{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere;word-break:break-all}
.secret{display:block;padding:.6rem .75rem;border:1px dashed var(--muted);border-radius:6px;background:var(--card);user-select:all;font-size:.95rem}
.pill{display:inline-block;font-size:.82rem;font-weight:700;line-height:1.2;padding:.2rem .55rem;border-radius:999px;white-space:nowrap;vertical-align:middle}
.pill.active{color:var(--ok);background:var(--ok-bg)}
.pill.pending_verification{color:var(--warn);background:var(--warn-bg)}
.pill.disabled{color:var(--bad);background:var(--bad-bg)}
.pill.paused,.pill.neutral{color:var(--off);background:var(--off-bg)}
.pill.sev-critical{color:var(--bad);background:var(--bad-bg)}
.pill.sev-high{color:var(--warn);background:var(--warn-bg)}
.pill.sev-medium,.pill.sev-low{color:var(--off);background:var(--off-bg)}
.badge{flex:none;display:inline-grid;place-items:center;width:2.5rem;height:2.5rem;border-radius:8px;color:#fff;font-weight:700;font-size:.95rem;letter-spacing:.02em}
.b0{background:#0b57d0}.b1{background:#6639ba}.b2{background:#116329}.b3{background:#953800}.b4{background:#1b4f72}.b5{background:#8c1d5b}
.group{border:1px solid var(--line);border-radius:10px;margin:.75rem 0;overflow:hidden}
.group-head{display:flex;align-items:center;gap:.75rem;padding:.7rem .9rem;background:var(--bg)}
.group-head>div{min-width:0;overflow-wrap:anywhere}
.group-head strong{display:block}
.group ul{list-style:none;margin:0;padding:0}
.group li{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.25rem 1rem;padding:.55rem .9rem;border-top:1px solid var(--line)}
.group li>div:first-child{min-width:0;flex:1 1 14rem;overflow-wrap:anywhere}
.grid{display:grid;gap:.75rem;grid-template-columns:repeat(auto-fill,minmax(min(100%,19rem),1fr));margin:.75rem 0}
.tile{border:1px solid var(--line);border-radius:10px;padding:.8rem .9rem;min-width:0;overflow-wrap:anywhere;display:flex;flex-direction:column;gap:.35rem}
.tile .target{font-weight:600}
.tile .actions{margin-top:auto}
.catalog li{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.25rem 1rem;padding:.5rem 0;border-top:1px solid var(--line)}
.catalog li:first-child{border-top:0}
.catalog li>div:first-child{display:flex;align-items:center;gap:.75rem;min-width:0;flex:1 1 14rem;overflow-wrap:anywhere}
details{margin:.25rem 0}
summary{cursor:pointer;color:var(--accent);min-height:44px;display:flex;align-items:center}
.summary-line{font-size:1.05rem;margin:.25rem 0 .75rem}
.copied{color:var(--ok);font-weight:600;margin-left:.25rem}
footer.foot{max-width:64rem;margin:0 auto;padding:0 1rem 2rem;color:var(--muted);font-size:.9rem}
`;
