/**
 * MQTT topic names and filters as the adapter, the C2 side and the gateway need them: matching a
 * topic against a filter (MQTT 3.1.1 §4.7), the shared-subscription prefix, whether two filters
 * can match one topic, and the topic a client acknowledges C2's commands on.
 */
import { CONTROL_TOPIC_PREFIX } from '../protocol/sizes.ts';

/** The prefix of a shared subscription: `$share/<group>/<filter>` (MQTT 5 §4.8.2). */
export const SHARE_PREFIX = '$share/';

/** The filter a subscription matches topics with: `$share/<group>/` removed. */
export function filterOf(subscription: string): string {
  if (!subscription.startsWith(SHARE_PREFIX)) return subscription;
  const slash = subscription.indexOf('/', SHARE_PREFIX.length);
  return slash < 0 ? '' : subscription.slice(slash + 1);
}

/** `$share/<group>/<filter>`; the group may not contain `/`, `+` or `#`. */
export function sharedSubscription(group: string, filter: string): string {
  if (group === '' || /[/+#]/.test(group)) {
    throw new TypeError('a shared-subscription group is one topic level without wildcards, got "' + group + '"');
  }
  return SHARE_PREFIX + group + '/' + filter;
}

/**
 * Whether `topic` matches `filter` (`+` one level, `#` this level and every one below, the
 * parent included). Topics starting with `$` are not matched by a filter starting with a wildcard.
 */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filterOf(filter).split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** Whether some topic matches both filters. */
export function filtersOverlap(a: string, b: string): boolean {
  const x = filterOf(a).split('/');
  const y = filterOf(b).split('/');
  for (let i = 0; ; i++) {
    const p = x[i];
    const q = y[i];
    if (p === '#' || q === '#') return true;
    if (p === undefined || q === undefined) return p === q;
    if (p !== '+' && q !== '+' && p !== q) return false;
  }
}

/**
 * The topic a client publishes its acknowledgements of C2's commands on: its control topic
 * followed by `/ack` (`e4/<hex id>/ack`), protected with a topic key C2 gives it like any other.
 */
export function ackTopicOf(controlTopic: string): string {
  return controlTopic + '/ack';
}

/** The filter C2 subscribes to every client's acknowledgements with. */
export const ACK_FILTER = CONTROL_TOPIC_PREFIX + '+/ack';
