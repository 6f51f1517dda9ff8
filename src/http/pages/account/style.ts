/**
 * The account page's own rules, after the shared PAGE_STYLE: its layout (one column of sections),
 * lists, secondary and danger buttons, and its own dark mode and focus ring, so that the page
 * reads well whatever the shared style gains (a dark mode there is only reinforced by this one).
 */
export const ACCOUNT_STYLE = `
main.account { max-width: 820px; margin: 2rem auto; }
main.account > header { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: .5rem 1rem; }
main.account > header button { margin-top: 0; }
nav.toc ul { display: flex; flex-wrap: wrap; gap: .25rem .9rem; padding: 0; list-style: none; margin: 0 0 1.5rem; }
main.account section { margin-bottom: 1.5rem; }
main.account section h3 { font-size: 1.05rem; margin: 1.5rem 0 .25rem; }
main.account form + form { margin-top: 1.5rem; border-top: 1px solid #d9dde5; padding-top: .5rem; }
textarea { width: 100%; box-sizing: border-box; padding: .5rem; font: inherit; border: 1px solid #b8bfcc; border-radius: 4px; }
input[type=checkbox] { width: auto; margin: 0 .4rem 0 0; }
p.check { display: flex; align-items: center; margin: .8rem 0 0; }
p.check label { display: inline; margin: 0; font-weight: normal; }
button.secondary, a.button.secondary { background: #e6e9ef; color: #1d2330; }
button.danger { background: #b3261e; }
/* A button the script hides (a provider already linked): hidden wins over the buttons' display. */
button[hidden] { display: none; }
button.small { margin: 0 0 0 .5rem; padding: .25rem .7rem; font-size: .9rem; }
a.button { display: inline-block; padding: .55rem 1.2rem; border-radius: 4px; background: #2754c5; color: #fff; text-decoration: none; }
a { color: #1f4bb4; }
ul.items, ol.items { list-style: none; padding: 0; margin: .5rem 0; }
ul.items > li, ol.items > li { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: .25rem .5rem; padding: .5rem 0; border-bottom: 1px solid #e3e6ec; }
ul.items > li > div, ol.items > li > div { min-width: 0; overflow-wrap: anywhere; }
ul.items ul.items { width: 100%; margin-left: 1rem; }
.meta { display: block; color: #596173; font-size: .85rem; }
.status { margin: .5rem 0 0; }
.status.error { color: #b3261e; }
.qr img { display: block; margin: .5rem 0; background: #fff; padding: 8px; border-radius: 4px; }
code.secret, .secret-box code, ul.codes code { font-size: 1rem; word-break: break-all; }
ul.codes { columns: 2; padding-left: 1.2rem; }
.secret-box { margin: .75rem 0; padding: .75rem 1rem; border-radius: 6px; background: #fdf1e0; color: #4d2c00; }
dialog { max-width: 420px; width: calc(100% - 2rem); border: 0; border-radius: 8px; box-shadow: 0 4px 24px rgba(0,0,0,.3); background: #fff; color: #1d2330; }
dialog::backdrop { background: rgba(0,0,0,.45); }
p.actions { display: flex; gap: .75rem; flex-wrap: wrap; }
:focus-visible { outline: 3px solid #f0a500; outline-offset: 2px; }
input:focus-visible, textarea:focus-visible { outline-offset: 0; }
@media (max-width: 480px) {
  main.account { margin: 1rem auto; padding: 0 .5rem; }
  main.account section { padding: 1rem; }
  ul.codes { columns: 1; }
}
@media (prefers-color-scheme: dark) {
  body { background: #14171d; color: #e6e9ef; }
  main.account section, dialog { background: #1f242d; color: #e6e9ef; box-shadow: none; border: 1px solid #323a47; }
  input, textarea { background: #14171d; color: #e6e9ef; border-color: #5b6577; }
  a { color: #9dbbff; }
  a.button, button { background: #3d6be0; color: #fff; }
  button.secondary, a.button.secondary { background: #323a47; color: #e6e9ef; }
  button.danger { background: #c9372c; }
  .hint, .meta { color: #a9b1c0; }
  .status.error, .error { color: #ff8a80; }
  .success { background: #173b22; color: #c6f0d0; }
  .notice, .secret-box { background: #3d2a0c; color: #ffe2b8; }
  ul.items > li, ol.items > li { border-color: #323a47; }
  main.account form + form { border-color: #323a47; }
}
`;
