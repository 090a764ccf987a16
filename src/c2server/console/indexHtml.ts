/** The console's page: one document, a section per page, shown one at a time by app.js. */
export const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>e4ts C2</title>
<link rel="stylesheet" href="/console/style.css">
<script src="/console/app.js" defer></script>
</head>
<body>
<header>
  <h1>e4ts C2</h1>
  <nav id="nav" hidden>
    <button type="button" data-page="clients">Clients</button>
    <button type="button" data-page="topics">Topics</button>
    <button type="button" data-page="jobs">Jobs</button>
    <button type="button" data-page="events">Events</button>
    <button type="button" data-page="stats">Stats</button>
    <button type="button" id="logout">Log out</button>
  </nav>
</header>
<p id="status" role="status" hidden></p>
<main>
  <section id="page-login">
    <h2>Log in</h2>
    <form id="login-form" autocomplete="off">
      <label>API token <input id="login-token" type="password" required></label>
      <button type="submit">Log in</button>
    </form>
    <p class="hint">The token is kept in this tab's session storage and sent in the Authorization header only.</p>
  </section>

  <section id="page-clients" hidden>
    <h2>Clients</h2>
    <form id="client-form" autocomplete="off">
      <label>Name <input id="client-name" required maxlength="255"></label>
      <label>Mode
        <select id="client-mode">
          <option value="symmetric">symmetric</option>
          <option value="publicKey">public key</option>
        </select>
      </label>
      <label id="client-public-key-label" hidden>Ed25519 public key (hex) <input id="client-public-key" maxlength="64" pattern="[0-9a-fA-F]{64}"></label>
      <button type="submit">Provision</button>
    </form>
    <div id="reveal" class="reveal" hidden>
      <p>The key of <strong id="reveal-name"></strong>, shown this once: C2 will never show it again.</p>
      <code id="reveal-key"></code>
      <button type="button" id="reveal-dismiss">I have saved it</button>
    </div>
    <table>
      <thead><tr><th>Name</th><th>Id</th><th>Mode</th><th>Status</th><th>Topics</th><th></th></tr></thead>
      <tbody id="clients-rows"></tbody>
    </table>
    <button type="button" id="clients-more" hidden>More</button>
  </section>

  <section id="page-topics" hidden>
    <h2>Topics</h2>
    <form id="topic-form" autocomplete="off">
      <label>Topic <input id="topic-name" required maxlength="512"></label>
      <button type="submit">Add</button>
    </form>
    <form id="link-form" autocomplete="off">
      <label>Client <select id="link-client" required></select></label>
      <label>Topic <select id="link-topic" required></select></label>
      <label>Role
        <select id="link-role">
          <option value="both">both</option>
          <option value="receiver">receiver</option>
          <option value="sender">sender</option>
        </select>
      </label>
      <button type="submit">Link</button>
    </form>
    <table>
      <thead><tr><th>Topic</th><th>Key version</th><th>Key age</th><th>Clients</th><th>Rotation</th><th></th></tr></thead>
      <tbody id="topics-rows"></tbody>
    </table>
    <button type="button" id="topics-more" hidden>More</button>
  </section>

  <section id="page-jobs" hidden>
    <h2>Jobs</h2>
    <label>State
      <select id="jobs-state">
        <option value="">any</option>
        <option>pending</option><option>receivers</option><option>senders</option>
        <option>running</option><option>done</option><option>failed</option>
      </select>
    </label>
    <table>
      <thead><tr><th>Id</th><th>Kind</th><th>Subject</th><th>State</th><th>Confirmed</th><th>Failed</th><th>Error</th><th>Updated</th></tr></thead>
      <tbody id="jobs-rows"></tbody>
    </table>
    <button type="button" id="jobs-more" hidden>More</button>
  </section>

  <section id="page-events" hidden>
    <h2>Events <span id="events-state" class="badge">offline</span></h2>
    <table>
      <thead><tr><th>#</th><th>At</th><th>Type</th><th>Subject</th><th>Data</th></tr></thead>
      <tbody id="events-rows"></tbody>
    </table>
  </section>

  <section id="page-stats" hidden>
    <h2>Traffic by topic</h2>
    <table>
      <thead><tr><th>Topic</th><th>Messages</th><th>Per second</th><th>Average size</th><th>Bytes</th><th>Since rotation</th><th>Errors</th></tr></thead>
      <tbody id="stats-rows"></tbody>
    </table>
    <button type="button" id="stats-more" hidden>More</button>
  </section>
</main>
</body>
</html>
`;
