/**
 * The Node.js entry: everything of the main entry, plus what only Node can do (a file store
 * that never leaves a half-written state, MQTT over mqtt.js, an embedded broker).
 */
export * from './index.ts';
export { createFileStore, type FileStoreOptions } from './stores/file.ts';

// node:crypto (OpenSSL, AES-NI): the native backend and curve provider.
export { checkNativeThresholds, initNative, readNativeThresholds, type InitNativeOptions, type NativeThresholds } from './backends/native-init.ts';
export type { NativeBackend } from './backends/native.ts';
export { nativeCurves, type NativeCurves } from './backends/native-curves.ts';

// Ingestion on every core: worker threads holding the client's keys, batches in shared memory.
export { createIngestPool, type IngestPool } from './pool/pool.ts';
export type { IngestPoolOptions } from './pool/options.ts';
export type { PoolBackend } from './pool/messages.ts';
export type { IngestBatch } from './pool/batchWriter.ts';
export type { IngestResults } from './pool/results.ts';

// MQTT: the E4 client over mqtt.js, the C2 side with acknowledged commands and lossless key
// rotation, the gateway, and an embedded broker. mqtt.js and aedes load only when a connection or
// a broker starts.
export {
  connectE4Mqtt,
  E4MqttClient,
  type ConnectOptions,
  type E4CommandEvent,
  type E4MessageEvent,
  type E4MqttClientOptions,
  type E4MqttEvents,
  type E4RejectedEvent,
  type PublishOptions,
  type QoS,
} from './mqtt/adapter.ts';
export {
  E4MqttC2,
  isC2Error,
  type C2Error,
  type C2ErrorCode,
  type C2Stats,
  type CommandOutcome,
  type E4MqttC2Events,
  type E4MqttC2Options,
  type ManagedClient,
  type PublicKeyRegistration,
  type RotateOptions,
  type RotationResult,
  type SymmetricRegistration,
} from './mqtt/c2.ts';
export { commandDigest, decodeAck, type CommandAck } from './mqtt/ack.ts';
export { startEmbeddedBroker, type EmbeddedBroker } from './mqtt/broker.ts';
export { checkGatewayFilters, E4Gateway, type Direction, type GatewayEvents, type GatewayOptions, type GatewayStats } from './mqtt/gateway.ts';
export { openMqtt } from './mqtt/connect.ts';
export { ackTopicOf, filtersOverlap, sharedSubscription, topicMatches } from './mqtt/topics.ts';
