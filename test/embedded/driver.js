// Runs the embedded build (the global E4) over the e4go vectors in VECTORS, which the test
// defines before this script, and prints one line of JSON with the counts. ES5 that Espruino
// runs as well as duk: every function is declared before its first call, and nothing relies on
// Map, Set, typed-array slice or UTF-16 strings (topics also go in as UTF-8 bytes).
var result = { nativeAes: E4.nativeAes, sections: {}, failures: [] };
// Whether strings hold UTF-16 code units (duk) or 8-bit characters (Espruino boards).
var wideStrings = String.fromCharCode(0x20ac).charCodeAt(0) === 0x20ac;

function count(section, ok, detail) {
  var s = result.sections[section] || (result.sections[section] = { pass: 0, fail: 0 });
  if (ok) s.pass++;
  else {
    s.fail++;
    if (result.failures.length < 20) result.failures.push(section + ': ' + detail);
  }
}

function hex(text) {
  return E4.fromHex(text, 'vector');
}

/** The E4 error code `f` throws, or 'ok'. */
function outcome(f) {
  try {
    f();
    return 'ok';
  } catch (e) {
    return E4.isE4Error(e) ? e.code : 'not an E4Error: ' + e;
  }
}

/** The topic forms this runtime can pass: the string (when its strings are wide enough) and the UTF-8 bytes. */
function topicForms(v) {
  var forms = [hex(v.topicUtf8)];
  if (wideStrings || v.topicIsLatin1) forms.push(v.topic);
  return forms;
}

function fixedClock(ms) {
  var clock = {
    now: ms,
    read: function () {
      return clock.now;
    },
  };
  return clock;
}

var CLIENT_ID = hex('00112233445566778899aabbccddeeff');
var CLIENT_KEY = hex('0909090909090909090909090909090909090909090909090909090909090909');

/** A symmetric client given a topic key the way C2 gives it: a SetTopicKey command. */
function clientWithTopic(topic, topicKey, clock, store) {
  var client = E4.createSymmetricClient({ id: CLIENT_ID, key: CLIENT_KEY, clock: clock.read, store: store });
  var command = E4.protectCommand(CLIENT_KEY, E4.cmdSetTopicKey(topicKey, topic), clock.now);
  var r = client.unprotect(command, client.controlTopic);
  if (r.kind !== 'command' || r.command !== 'SetTopicKey') throw new Error('SetTopicKey not applied');
  return client;
}

function runSymMessages() {
  for (var i = 0; i < VECTORS.symMessages.length; i++) {
    var v = VECTORS.symMessages[i];
    var forms = topicForms(v);
    for (var f = 0; f < forms.length; f++) {
      var clock = fixedClock(v.timestamp * 1000);
      var client = clientWithTopic(forms[f], hex(v.topicKey), clock);
      var r = client.unprotect(hex(v.protected), forms[f]);
      var ok = r.kind === 'message' && E4.toHex(r.payload) === v.plaintext;
      if (ok && v.plaintext.length > 0) ok = E4.toHex(client.protect(hex(v.plaintext), forms[f])) === v.protected;
      count('symMessages', ok, i + ' form ' + f);
    }
  }
}

function runAesSiv() {
  for (var i = 0; i < VECTORS.aesSiv.length; i++) {
    var v = VECTORS.aesSiv[i];
    var key = hex(v.key);
    // E4's AES-SIV key is its 32-byte key written twice.
    var sivKey = new Uint8Array(64);
    sivKey.set(key, 0);
    sivKey.set(key, 32);
    var sealed = E4.aesSivSeal(sivKey, [hex(v.ad)], hex(v.plaintext));
    var ok = E4.toHex(sealed) === v.ciphertext;
    if (ok) ok = E4.toHex(E4.aesSivOpen(sivKey, [hex(v.ad)], sealed)) === v.plaintext;
    if (ok) {
      sealed[sealed.length - 1] ^= 1;
      ok = outcome(function () {
        E4.aesSivOpen(sivKey, [hex(v.ad)], sealed);
      }) === 'NotAuthentic';
    }
    count('aesSiv', ok, i);
  }
}

function runTopicHashes() {
  for (var i = 0; i < VECTORS.topicHashes.length; i++) {
    var v = VECTORS.topicHashes[i];
    var forms = topicForms(v);
    for (var f = 0; f < forms.length; f++) count('topicHashes', E4.toHex(E4.hashTopic(forms[f])) === v.hash, i + ' form ' + f);
  }
}

function buildCommand(name, a) {
  if (name === 'RemoveTopic') return E4.cmdRemoveTopic(a.topic);
  if (name === 'ResetTopics') return E4.cmdResetTopics();
  if (name === 'SetIDKey') return E4.cmdSetIdKey(hex(a.key));
  if (name === 'SetTopicKey') return E4.cmdSetTopicKey(hex(a.key), a.topic);
  throw new Error('not a symmetric builder: ' + name);
}

function runCommands() {
  for (var i = 0; i < VECTORS.commands.length; i++) {
    var v = VECTORS.commands[i];
    if (!wideStrings && !v.argsAreLatin1) continue;
    count('commands', E4.toHex(buildCommand(v.name, v.args)) === v.command, v.name);
  }
  for (var j = 0; j < VECTORS.commandBuilderErrors.length; j++) {
    var e = VECTORS.commandBuilderErrors[j];
    var got = outcome(function () {
      buildCommand(e.name, e.args);
    });
    count('commandBuilderErrors', got === e.expectedCode, e.name + ' gave ' + got);
  }
}

function runProtectedCommands() {
  for (var i = 0; i < VECTORS.protectedCommands.length; i++) {
    var v = VECTORS.protectedCommands[i];
    var now = v.timestamp * 1000;
    var ok = E4.toHex(E4.protectCommand(hex(v.key), hex(v.command), now)) === v.protected;
    var clock = fixedClock(now);
    var client = E4.createSymmetricClient({ id: CLIENT_ID, key: hex(v.key), clock: clock.read });
    var before = client.exportState();
    var got = outcome(function () {
      client.unprotect(hex(v.protected), client.controlTopic);
    });
    if (got !== v.expectedCode) ok = false;
    if (got !== 'ok' && client.exportState() !== before) ok = false;
    count('protectedCommands', ok, v.name + ' gave ' + got + ', expected ' + v.expectedCode);
  }
}

/**
 * Key transition: SetTopicKey k1 then k2; a message under k1 still opens 59 minutes after the
 * change and no longer 61 minutes after it. The state goes to Storage and is loaded back.
 */
function runTransition() {
  var t = VECTORS.transition;
  var topic = t.topic;
  var k1 = hex(t.key1);
  var k2 = hex(t.key2);
  var clock = fixedClock(t.startMs);
  var store = E4.createEspruinoStore(t.fileName);
  var client = clientWithTopic(topic, k1, clock, store);
  var sender = clientWithTopic(topic, k1, clock);
  var newSender = clientWithTopic(topic, k2, clock);
  var rotate = E4.protectCommand(CLIENT_KEY, E4.cmdSetTopicKey(k2, topic), clock.now);
  count('transition', client.unprotect(rotate, client.controlTopic).command === 'SetTopicKey', 'SetTopicKey k2');
  var payload = hex('48656c6c6f');

  function opens(c, from) {
    var r = c.unprotect(from.protect(payload, topic), topic);
    return E4.toHex(r.payload) === '48656c6c6f';
  }

  clock.now = t.startMs + 59 * 60000;
  count('transition', opens(client, sender), 'old key within 60 minutes');
  count('transition', opens(client, newSender), 'new key');
  // The state as stored, loaded into a new client: the transition entry came with it.
  var stored = require('Storage').read(t.fileName);
  count('transition', stored === t.expectedStorage, 'stored text ' + stored);
  var reloaded = E4.loadSymmetricClient({ store: E4.createEspruinoStore(t.fileName), clock: clock.read });
  count('transition', reloaded.exportState() === client.exportState(), 'reloaded state');
  count('transition', opens(reloaded, sender), 'old key after reload');
  clock.now = t.startMs + 61 * 60000;
  var late = outcome(function () {
    opens(client, sender);
  });
  count('transition', late === 'NotAuthentic', 'old key after 60 minutes gave ' + late);
  count('transition', opens(client, newSender), 'new key after 60 minutes');
  count('transition', outcome(function () {
    opens(reloaded, sender);
  }) === 'NotAuthentic', 'reloaded old key after 60 minutes');
}

/** Messages per second of unprotect at `size` bytes of payload, over about `ms` milliseconds. */
function bench(size, ms) {
  var clock = fixedClock(1700000000000);
  var client = clientWithTopic('bench/topic', CLIENT_KEY, clock);
  var payload = new Uint8Array(size);
  for (var i = 0; i < size; i++) payload[i] = i;
  var message = client.protect(payload, 'bench/topic');
  var n = 0;
  var start = Date.now();
  var elapsed = 0;
  do {
    client.unprotect(message, 'bench/topic');
    n++;
    elapsed = Date.now() - start;
  } while (elapsed < ms);
  return Math.round((n * 1000 * 10) / elapsed) / 10;
}

if (typeof BENCH !== 'undefined') {
  result.bench = { size: BENCH.size, messagesPerSecond: bench(BENCH.size, BENCH.ms) };
} else {
  var runs = [runSymMessages, runAesSiv, runTopicHashes, runCommands, runProtectedCommands, runTransition];
  for (var r = 0; r < runs.length; r++) {
    try {
      runs[r]();
    } catch (e) {
      count('errors', false, 'run ' + r + ' threw ' + (e && e.code ? e.code + ' ' : '') + e);
    }
  }
}
print(JSON.stringify(result));
