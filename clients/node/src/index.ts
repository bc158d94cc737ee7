/**
 * BotSift Node SDK: stream visitor events over one multiplexed gRPC stream, get explainable verdicts.
 * @module
 */
export { BotSiftClient, type CallOptions, type ClientOptions } from "./client.js";
export { Session, KEY_CLASSES, CAPITAL_WITHOUT_SHIFT, type At, type DeviceInit, type KeyClassLike, type RetryOptions, type SessionOptions } from "./session.js";
export * from "./errors.js";
export { readTraces, traceFromObject, replayTrace, type Trace } from "./traces.js";
export { EventKind, KeyClass, type DeviceSignals, type Events, EventsSchema } from "./gen/botsift/v1/events_pb.js";
export { RiskLevel, type Verdict, type Reason } from "./gen/botsift/v1/verdict_pb.js";
export { KeyKind, KeyMode, type ApiKey } from "./gen/botsift/v1/keys_pb.js";
export { DetectionService } from "./gen/botsift/v1/detection_pb.js";
/** The SDK version; its major follows the proto package (`botsift.v1` -> 1.x). */
export const VERSION = "1.1.1";
