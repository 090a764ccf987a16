/** The console's style sheet. */
export const STYLE_CSS = `
:root { color-scheme: light dark; --accent: #2a6fdb; --bad: #c0392b; --good: #2e8540; --line: #8884; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 0 1rem 2rem; }
header { display: flex; align-items: center; gap: 2rem; border-bottom: 1px solid var(--line); }
h1 { font-size: 1.3rem; margin: 0.8rem 0; }
nav { display: flex; gap: 0.3rem; flex-wrap: wrap; }
nav button[aria-current="page"] { background: var(--accent); color: white; }
button { font: inherit; padding: 0.3rem 0.8rem; border: 1px solid var(--line); border-radius: 4px; background: none; color: inherit; cursor: pointer; }
button.danger { border-color: var(--bad); color: var(--bad); }
form { display: flex; flex-wrap: wrap; gap: 0.8rem; align-items: end; margin: 1rem 0; }
label { display: flex; flex-direction: column; font-size: 0.85rem; gap: 0.2rem; }
input, select { font: inherit; padding: 0.3rem; min-width: 12rem; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
th, td { text-align: left; padding: 0.35rem 0.5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
td.mono, code { font-family: ui-monospace, monospace; font-size: 0.85rem; word-break: break-all; }
#status { padding: 0.5rem 0.8rem; border-radius: 4px; border: 1px solid var(--good); }
#status.error { border-color: var(--bad); color: var(--bad); }
.reveal { border: 2px solid var(--accent); border-radius: 6px; padding: 0.8rem; margin: 1rem 0; }
.reveal code { display: block; margin: 0.5rem 0; user-select: all; }
.badge { font-size: 0.75rem; padding: 0.1rem 0.5rem; border-radius: 1rem; border: 1px solid var(--line); vertical-align: middle; }
.badge.live { border-color: var(--good); color: var(--good); }
.hint { font-size: 0.85rem; opacity: 0.75; }
.state-failed, .status-revoked { color: var(--bad); }
.state-done, .status-active { color: var(--good); }
`;
