/**
 * The HTTP API end to end, with real E4 clients on the broker: provision them (one with a key C2
 * generates), add a topic, link them, rotate its key, each step a job followed through the API;
 * the clients end with the key C2 holds. Meanwhile the live event stream, and a second one
 * resumed with Last-Event-ID, see every event once and in order. Then every key of the run
 * (client keys, the generated key, each topic key version, in hex and base64) is searched for in
 * every response, log line, event and job: only the one-time reveal carries one. Also: rate
 * limits per token, and a read token's reach.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddedClient, EventView, JobView, Page, TopicView } from '../../src/c2server/api.ts';
import { fromHex, toBase64, toHex } from '../../src/utils.ts';
import { SimFleet, until, type SimClient } from './fixtures.ts';
import { startHttp, type HttpFixture } from './http-helpers.ts';

const TOPIC = 'plant/1/temperature';
const topicPath = '/api/topics/' + encodeURIComponent(TOPIC);

/** Reads an SSE stream: its frames as events, as they arrive. */
async function openStream(origin: string, token: string, lastEventId?: number) {
  const controller = new AbortController();
  const headers: Record<string, string> = { authorization: 'Bearer ' + token };
  if (lastEventId !== undefined) headers['last-event-id'] = String(lastEventId);
  const response = await fetch(origin + '/api/events/stream', { headers, signal: controller.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events: EventView[] = [];
  const ids: number[] = [];
  let raw = '';
  const reading = (async () => {
    const decoder = new TextDecoder();
    const body = response.body!.getReader();
    try {
      for (;;) {
        const chunk = await body.read();
        if (chunk.done) break;
        raw += decoder.decode(chunk.value, { stream: true });
        let end: number;
        while ((end = raw.indexOf('\n\n')) >= 0) {
          const frame = raw.slice(0, end);
          raw = raw.slice(end + 2);
          const id = /^id: (\d+)$/m.exec(frame);
          const data = /^data: (.*)$/m.exec(frame);
          if (id !== null && data !== null) {
            ids.push(Number(id[1]));
            events.push(JSON.parse(data[1]) as EventView);
          }
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    events,
    ids,
    async close() {
      controller.abort();
      await reading;
    },
  };
}

describe('the HTTP API with a fleet on the broker', () => {
  let fixture: HttpFixture;
  let fleet: SimFleet;
  let origin: string;
  const responses: { url: string; body: string }[] = [];
  let sensor: SimClient;
  let reader: SimClient;
  let generated: AddedClient;
  let streams: Awaited<ReturnType<typeof openStream>>[] = [];

  /** An API call with the admin token; every answer is kept for the leak search. */
  async function call<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, expected?: number): Promise<T> {
    const response = await fixture.app.inject({ method, url, headers: { authorization: 'Bearer ' + fixture.admin }, payload: body as object });
    responses.push({ url: method + ' ' + url, body: response.body });
    if (expected !== undefined) expect(response.statusCode, method + ' ' + url + ': ' + response.body).toBe(expected);
    return (response.body === '' ? undefined : response.json()) as T;
  }

  async function finished(job: JobView): Promise<JobView> {
    const done = await call<JobView>('GET', '/api/jobs/' + job.id + '?wait=20000', undefined, 200);
    expect(done.state, JSON.stringify(done.error)).toBe('done');
    return done;
  }

  beforeAll(async () => {
    fixture = await startHttp();
    origin = await fixture.listen();
    fleet = await SimFleet.create(fixture.brokerUrl, 1);
    const { publicKey } = await call<{ publicKey: string }>('GET', '/api/c2', undefined, 200);
    sensor = await fleet.add('sensor-1', 'symmetric');
    reader = await fleet.add('reader-1', 'publicKey', fromHex(publicKey, 'c2 public key'));
  });

  afterAll(async () => {
    for (const s of streams) await s.close();
    await fleet?.close();
    await fixture?.close();
  });

  it('provisions, links and rotates through the API; the clients end with the key C2 holds', async () => {
    const live = await openStream(origin, fixture.reader);
    streams.push(live);
    await call('POST', '/api/clients', { name: sensor.name, mode: 'symmetric', key: sensor.key }, 201);
    await call('POST', '/api/clients', { name: reader.name, mode: 'publicKey', publicKey: reader.publicKey }, 201);
    generated = await call<AddedClient>('POST', '/api/clients', { name: 'spare', mode: 'symmetric' }, 201);
    expect(generated.generatedKey).toMatch(/^[0-9a-f]{64}$/);
    // The key is revealed once: reading the client again does not show it.
    expect(JSON.stringify(await call('GET', '/api/clients/' + generated.client.id, undefined, 200))).not.toContain(generated.generatedKey);

    const topic = await call<TopicView>('POST', '/api/topics', { name: TOPIC }, 201);
    expect(topic.keyVersion).toBe(1);
    await finished(await call<JobView>('POST', '/api/clients/' + reader.id + '/topics', { topic: TOPIC, role: 'receiver' }, 202));
    await finished(await call<JobView>('POST', '/api/clients/' + sensor.id + '/topics', { topic: TOPIC, role: 'sender' }, 202));
    const v1 = SimFleet.topicKey(sensor, TOPIC);
    expect(v1).not.toBeNull();
    expect(SimFleet.topicKey(reader, TOPIC)).toBe(v1);

    const rotation = await finished(await call<JobView>('POST', topicPath + '/rotate', undefined, 202));
    expect(rotation.keyVersion).toBe(2);
    const rotated = await call<TopicView>('GET', topicPath, undefined, 200);
    expect(rotated.keyVersion).toBe(2);
    expect(rotated.rotating).toBeNull();
    const held = await fixture.service.registry.topicKey(TOPIC, 2);
    const v2 = toHex(held!.key);
    expect(SimFleet.topicKey(sensor, TOPIC)).toBe(v2);
    expect(SimFleet.topicKey(reader, TOPIC)).toBe(v2);
    expect(v2).not.toBe(v1);

    const jobs = await call<Page<JobView>>('GET', '/api/jobs?topic=' + encodeURIComponent(TOPIC) + '&state=done', undefined, 200);
    expect(jobs.items.map((j) => j.id)).toContain(rotation.id);
    await call('GET', '/api/stats', undefined, 200);
    await call('GET', topicPath + '/stats', undefined, 200);

    await until(() => live.events.some((e) => e.type === 'topic.rotated'), 'the rotation on the live stream');
  });

  it('streams every event once, in order, and resumes after Last-Event-ID', async () => {
    const logged: EventView[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<EventView> = await call<Page<EventView>>('GET', '/api/events?limit=3' + (cursor === null ? '' : '&cursor=' + encodeURIComponent(cursor)), undefined, 200);
      logged.push(...page.items);
      cursor = page.next;
    } while (cursor !== null);
    const ids = logged.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);

    const live = streams[0];
    const last = logged[logged.length - 1].id;
    await until(() => live.ids.includes(last), 'the live stream to catch up');
    // The live stream saw everything logged since it opened, once each, in order.
    expect(live.ids).toEqual(logged.filter((e) => e.id >= live.ids[0]).map((e) => e.id));
    expect(live.events).toEqual(logged.filter((e) => e.id >= live.ids[0]));

    const middle = logged[Math.floor(logged.length / 2)].id;
    const resumed = await openStream(origin, fixture.reader, middle);
    streams.push(resumed);
    await until(() => resumed.ids.includes(last), 'the resumed stream to replay the log');
    await call('POST', '/api/topics', { name: 'plant/2/humidity' }, 201);
    await until(() => resumed.events.some((e) => e.type === 'topic.added' && e.subject === 'plant/2/humidity'), 'a live event after the replay');
    const expected = (await call<Page<EventView>>('GET', '/api/events?limit=1000&after=' + middle, undefined, 200)).items.map((e) => e.id);
    expect(resumed.ids).toEqual(expected);
  });

  it('refuses the stream without a token in its header, takes none in the URL, and logs none put there', async () => {
    expect((await fetch(origin + '/api/events/stream')).status).toBe(401);
    const inUrl = await fetch(origin + '/api/events/stream?token=' + fixture.admin);
    expect(inUrl.status).toBe(401);
    expect(await inUrl.json()).toMatchObject({ code: 'Unauthorized' });
  });

  it('lets no key out: responses, log lines and events carry none but the one-time reveal', async () => {
    const keys: string[] = [sensor.key!, generated.generatedKey!];
    for (const version of [1, 2]) keys.push(toHex((await fixture.service.registry.topicKey(TOPIC, version))!.key));
    const forms = keys.flatMap((hex) => [hex, hex.toUpperCase(), toBase64(fromHex(hex, 'key')), toBase64(fromHex(hex, 'key')).replace(/=+$/, '')]);
    const secrets = [fixture.admin, fixture.reader];

    const events = (await call<Page<EventView>>('GET', '/api/events?limit=1000', undefined, 200)).items;
    const jobs = (await call<Page<JobView>>('GET', '/api/jobs?limit=1000', undefined, 200)).items;
    const places: [string, string][] = [
      ...responses.filter((r) => !(r.url === 'POST /api/clients' && r.body.includes('"generatedKey"'))).map((r): [string, string] => ['response to ' + r.url, r.body]),
      ...fixture.logs.map((line): [string, string] => ['log line', line]),
      ...events.map((e): [string, string] => ['event ' + e.type, JSON.stringify(e)]),
      ...jobs.map((j): [string, string] => ['job ' + j.kind, JSON.stringify(j)]),
      ...streams.flatMap((s) => s.events.map((e): [string, string] => ['streamed event', JSON.stringify(e)])),
    ];
    expect(fixture.logs.length).toBeGreaterThan(10);
    expect(places.length).toBeGreaterThan(50);
    for (const [where, text] of places) {
      for (const form of forms) expect(text.includes(form), where + ' carries a key').toBe(false);
      for (const secret of secrets) expect(text.includes(secret), where + ' carries a token').toBe(false);
    }
    // The reveal itself carried exactly the generated key.
    const reveal = responses.filter((r) => r.body.includes('"generatedKey"'));
    expect(reveal).toHaveLength(1);
    expect(reveal[0].body).toContain(generated.generatedKey);
  });
});

describe('rate limits', () => {
  let fixture: HttpFixture;

  beforeAll(async () => {
    fixture = await startHttp({ rateLimit: { max: 3, timeWindowMs: 60_000 } });
  });

  afterAll(async () => {
    await fixture?.close();
  });

  const get = (token: string | null) =>
    fixture.app.inject({ url: '/api/clients', headers: token === null ? {} : { authorization: 'Bearer ' + token } });

  it('counts each token on its own, and requests without a valid token by address', async () => {
    for (let i = 0; i < 3; i++) expect((await get(fixture.admin)).statusCode).toBe(200);
    const limited = await get(fixture.admin);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toEqual({ code: 'RateLimited', message: expect.stringContaining('at most 3 requests') });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another token has its own budget.
    expect((await get(fixture.reader)).statusCode).toBe(200);
    // Guessing tokens is limited too.
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await get('e4c2_guess' + i)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429]);
  });
});
