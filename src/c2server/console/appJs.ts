/**
 * The console's script, served as /console/app.js: plain browser JavaScript, no framework, no
 * build step. Everything it shows goes into the page as text nodes (textContent), never as
 * markup. The token lives in sessionStorage and travels only in the Authorization header; the
 * live events are read with fetch() streaming for that reason (EventSource cannot send it).
 *
 * Kept as a string so that it ships inside the compiled package; it contains no backquote and
 * no dollar-brace, so the template below holds it verbatim.
 */
export const APP_JS = String.raw`'use strict';
(function () {
  var TOKEN_KEY = 'e4ts-c2-token';
  var PAGES = ['clients', 'topics', 'jobs', 'events', 'stats'];
  var MAX_EVENT_ROWS = 200;
  var current = null;
  var stream = null;
  var lastEventId = null;
  var refreshTimer = null;

  function $(id) { return document.getElementById(id); }

  /** An element with attributes and children (strings become text nodes). */
  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      if (name === 'text') node.textContent = attributes[name];
      else if (name === 'onclick') node.addEventListener('click', attributes[name]);
      else node.setAttribute(name, attributes[name]);
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }

  function cell(text, className) {
    return el('td', className ? { text: String(text), 'class': className } : { text: String(text) });
  }

  function token() { return sessionStorage.getItem(TOKEN_KEY); }

  function showStatus(text, isError) {
    var status = $('status');
    status.textContent = text;
    status.className = isError ? 'error' : '';
    status.hidden = false;
  }

  function clearStatus() { $('status').hidden = true; }

  function fail(error) {
    showStatus((error.code ? error.code + ': ' : '') + error.message, true);
  }

  /** A call of the JSON API; rejects with the typed error {code, message}. */
  function api(method, path, body) {
    var headers = { authorization: 'Bearer ' + token() };
    var init = { method: method, headers: headers };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (response) {
      if (response.status === 204) return null;
      return response.json().then(function (data) {
        if (response.ok) return data;
        var error = new Error(data.message);
        error.code = data.code;
        if (response.status === 401) logout('Your token was refused: ' + data.message);
        throw error;
      });
    });
  }

  function query(params) {
    var parts = [];
    Object.keys(params).forEach(function (name) {
      if (params[name] !== undefined && params[name] !== null && params[name] !== '') {
        parts.push(encodeURIComponent(name) + '=' + encodeURIComponent(params[name]));
      }
    });
    return parts.length ? '?' + parts.join('&') : '';
  }

  function age(ms) {
    var s = Math.floor(ms / 1000);
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min';
    if (s < 86400) return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
    return Math.floor(s / 86400) + ' d ' + Math.floor((s % 86400) / 3600) + ' h';
  }

  function time(ms) { return ms === null ? '' : new Date(ms).toLocaleString(); }

  /**
   * A paginated table: the first page replaces the rows, "More" appends the next one.
   * load(cursor) resolves to a page {items, next}; row(item) to a tr.
   */
  function pagedTable(name, load, row) {
    var next = null;
    function show(page, append) {
      var body = $(name + '-rows');
      if (!append) body.textContent = '';
      page.items.forEach(function (item) { body.appendChild(row(item)); });
      next = page.next;
      $(name + '-more').hidden = next === null;
      return page.items;
    }
    $(name + '-more').addEventListener('click', function () {
      load(next).then(function (page) { show(page, true); }).catch(fail);
    });
    return function () { return load(undefined).then(function (page) { return show(page, false); }); };
  }

  // Clients.

  var refreshClients = pagedTable('clients', function (cursor) {
    return api('GET', '/api/clients' + query({ limit: 50, cursor: cursor }));
  }, function (client) {
    var actions = el('td');
    if (client.status === 'active') {
      var revoke = el('button', { type: 'button', 'class': 'danger', text: 'Revoke', 'data-client': client.id });
      revoke.addEventListener('click', function () {
        if (revoke.dataset.armed !== 'yes') {
          revoke.dataset.armed = 'yes';
          revoke.textContent = 'Confirm revoke';
          return;
        }
        api('POST', '/api/clients/' + client.id + '/revoke').then(function (job) {
          showStatus('Revoking ' + client.name + ': job ' + job.id);
          refreshCurrent();
        }).catch(fail);
      });
      actions.appendChild(revoke);
    }
    return el('tr', { 'data-client': client.id }, [
      cell(client.name),
      cell(client.id, 'mono'),
      cell(client.mode),
      cell(client.status, 'status-' + client.status),
      cell(client.topics.map(function (t) { return t.topic + ' (' + t.role + ')'; }).join(', ')),
      actions,
    ]);
  });

  $('client-mode').addEventListener('change', function () {
    $('client-public-key-label').hidden = $('client-mode').value !== 'publicKey';
  });

  $('client-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var body = { name: $('client-name').value, mode: $('client-mode').value };
    if (body.mode === 'publicKey') body.publicKey = $('client-public-key').value.trim();
    api('POST', '/api/clients', body).then(function (added) {
      $('client-form').reset();
      $('client-public-key-label').hidden = true;
      showStatus('Provisioned ' + added.client.name + ' (' + added.client.id + ')');
      if (added.generatedKey) {
        $('reveal-name').textContent = added.client.name;
        $('reveal-key').textContent = added.generatedKey;
        $('reveal').hidden = false;
      }
      return refreshClients();
    }).catch(fail);
  });

  $('reveal-dismiss').addEventListener('click', function () {
    $('reveal-key').textContent = '';
    $('reveal').hidden = true;
  });

  // Topics.

  function topicPath(name) { return '/api/topics/' + encodeURIComponent(name); }

  var refreshTopics = pagedTable('topics', function (cursor) {
    return api('GET', '/api/topics' + query({ limit: 50, cursor: cursor }));
  }, function (topic) {
    var rotate = el('button', { type: 'button', text: 'Rotate key', 'data-topic': topic.name });
    rotate.disabled = topic.rotating !== null;
    rotate.addEventListener('click', function () {
      rotate.disabled = true;
      api('POST', topicPath(topic.name) + '/rotate').then(function (job) {
        showStatus('Rotating the key of ' + topic.name + ': job ' + job.id);
        refreshCurrent();
      }).catch(function (error) { rotate.disabled = false; fail(error); });
    });
    return el('tr', { 'data-topic': topic.name }, [
      cell(topic.name, 'mono'),
      cell(topic.keyVersion),
      cell(age(topic.keyAgeMs)),
      cell(topic.clients.map(function (c) { return c.name + ' (' + c.role + ')'; }).join(', ')),
      cell(topic.rotating === null ? '' : 'job ' + topic.rotating),
      el('td', {}, [rotate]),
    ]);
  });

  function options(select, items, value, label) {
    var previous = select.value;
    select.textContent = '';
    items.forEach(function (item) { select.appendChild(el('option', { value: value(item), text: label(item) })); });
    if (previous) select.value = previous;
  }

  function refreshTopicsPage() {
    return Promise.all([refreshTopics(), api('GET', '/api/clients' + query({ limit: 1000, status: 'active' }))]).then(function (results) {
      options($('link-topic'), results[0], function (t) { return t.name; }, function (t) { return t.name; });
      options($('link-client'), results[1].items, function (c) { return c.id; }, function (c) { return c.name; });
    });
  }

  $('topic-form').addEventListener('submit', function (event) {
    event.preventDefault();
    api('POST', '/api/topics', { name: $('topic-name').value }).then(function (topic) {
      $('topic-form').reset();
      showStatus('Added the topic ' + topic.name);
      return refreshTopicsPage();
    }).catch(fail);
  });

  $('link-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var id = $('link-client').value;
    var body = { topic: $('link-topic').value, role: $('link-role').value };
    api('POST', '/api/clients/' + id + '/topics', body).then(function (job) {
      showStatus('Linking: job ' + job.id);
      return refreshTopicsPage();
    }).catch(fail);
  });

  // Jobs.

  var refreshJobs = pagedTable('jobs', function (cursor) {
    return api('GET', '/api/jobs' + query({ limit: 50, cursor: cursor, state: $('jobs-state').value }));
  }, function (job) {
    return el('tr', { 'data-job': job.id }, [
      cell(job.id, 'mono'),
      cell(job.kind),
      cell(job.topic !== null ? job.topic : job.clientId !== null ? job.clientId : ''),
      cell(job.state, 'state-' + job.state),
      cell(job.progress.confirmed + ' / ' + job.progress.total),
      cell(job.progress.failed),
      cell(job.error === null ? '' : job.error.code + ': ' + job.error.message),
      cell(time(job.updatedAt)),
    ]);
  });

  $('jobs-state').addEventListener('change', function () { refreshJobs().catch(fail); });

  // Stats.

  var refreshStats = pagedTable('stats', function (cursor) {
    return api('GET', '/api/stats' + query({ limit: 100, cursor: cursor }));
  }, function (stats) {
    var errors = Object.keys(stats.errors).map(function (code) { return code + ': ' + stats.errors[code]; }).join(', ');
    return el('tr', { 'data-topic': stats.topic }, [
      cell(stats.topic, 'mono'),
      cell(stats.messages),
      cell(stats.ratePerSecond.toFixed(2)),
      cell(Math.round(stats.averageSize) + ' B'),
      cell(stats.bytes),
      cell(stats.messagesSinceRotation),
      cell(errors),
    ]);
  });

  // Live events: fetch() streaming of text/event-stream, resumed with Last-Event-ID.

  function showEvent(event) {
    var rows = $('events-rows');
    rows.insertBefore(el('tr', { 'data-event': String(event.id), 'data-type': event.type }, [
      cell(event.id),
      cell(time(event.at)),
      cell(event.type),
      cell(event.subject === null ? '' : event.subject, 'mono'),
      cell(JSON.stringify(event.data), 'mono'),
    ]), rows.firstChild);
    while (rows.childNodes.length > MAX_EVENT_ROWS) rows.removeChild(rows.lastChild);
    // What an event changes shows on the page being looked at, once a burst of events is over.
    if (current !== 'events') {
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(refreshCurrent, 300);
    }
  }

  function streamState(text, live) {
    $('events-state').textContent = text;
    $('events-state').className = live ? 'badge live' : 'badge';
  }

  function readFrames(text) {
    var frames = text.split('\n\n');
    var rest = frames.pop();
    frames.forEach(function (frame) {
      var data = null;
      frame.split('\n').forEach(function (line) {
        if (line.indexOf('id: ') === 0) lastEventId = line.slice(4);
        else if (line.indexOf('data: ') === 0) data = line.slice(6);
      });
      if (data !== null) showEvent(JSON.parse(data));
    });
    return rest;
  }

  /**
   * The newest events from the log, then the stream from the last of them: the stream sends every
   * event after Last-Event-ID, so none is shown twice and none missed in between.
   */
  function connect() {
    if (lastEventId !== null) return openStream();
    return api('GET', '/api/events?newest=true&limit=' + MAX_EVENT_ROWS).then(function (page) {
      if (token() === null) return;
      page.items.forEach(showEvent);
      lastEventId = page.items.length === 0 ? '0' : String(page.items[page.items.length - 1].id);
      openStream();
    });
  }

  function openStream() {
    var controller = new AbortController();
    stream = controller;
    var headers = { authorization: 'Bearer ' + token() };
    if (lastEventId !== null) headers['last-event-id'] = lastEventId;
    fetch('/api/events/stream', { headers: headers, signal: controller.signal }).then(function (response) {
      if (!response.ok) {
        return response.json().then(function (error) {
          if (response.status === 401) logout('Your token was refused: ' + error.message);
          throw new Error(error.message);
        });
      }
      streamState('live', true);
      var reader = response.body.getReader();
      var decoder = new TextDecoder();
      var buffer = '';
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) return;
          buffer = readFrames(buffer + decoder.decode(chunk.value, { stream: true }));
          return pump();
        });
      }
      return pump();
    }).catch(function () {}).then(function () {
      if (stream !== controller) return;
      streamState('reconnecting', false);
      setTimeout(function () { if (stream === controller) openStream(); }, 2000);
    });
  }

  // Pages, log in and out.

  var REFRESH = { clients: refreshClients, topics: refreshTopicsPage, jobs: refreshJobs, stats: refreshStats, events: function () { return Promise.resolve(); } };

  function refreshCurrent() {
    if (current !== null) REFRESH[current]().catch(fail);
  }

  function show(page) {
    current = page;
    $('page-login').hidden = page !== null;
    $('nav').hidden = page === null;
    PAGES.forEach(function (name) {
      $('page-' + name).hidden = name !== page;
      var button = document.querySelector('nav button[data-page="' + name + '"]');
      if (name === page) button.setAttribute('aria-current', 'page');
      else button.removeAttribute('aria-current');
    });
    refreshCurrent();
  }

  function logout(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    if (stream !== null) stream.abort();
    stream = null;
    lastEventId = null;
    $('events-rows').textContent = '';
    $('reveal-key').textContent = '';
    $('reveal').hidden = true;
    streamState('offline', false);
    show(null);
    if (message) showStatus(message, true);
    else clearStatus();
  }

  function login() {
    return api('GET', '/api/clients?limit=1').then(function () {
      clearStatus();
      connect().catch(fail);
      show('clients');
    });
  }

  $('login-form').addEventListener('submit', function (event) {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('login-token').value.trim());
    $('login-form').reset();
    login().catch(fail);
  });

  $('logout').addEventListener('click', function () { logout(); });

  document.querySelectorAll('nav button[data-page]').forEach(function (button) {
    button.addEventListener('click', function () { clearStatus(); show(button.dataset.page); });
  });

  if (token() !== null) login().catch(fail);
  else show(null);
})();
`;
