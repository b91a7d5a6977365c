/**
 * The article's events. Every one of them carries its message in `payload`, as the article's
 * `BaseEvent` does; the start events and `ProgressEvent` are typed with their own fields.
 */
import { z } from "zod";
import { Event, StartEvent } from "@eventloom/core";

/** The article's `BaseEvent`: one `payload` field for every message. */
export const BaseEvent = Event.define({ payload: z.string() }, { name: "BaseEvent" });

/** Starts a trade monitor: `run({ payload: "NVDA" })`, as the article passes the stock code. */
export class MonitorStartEvent extends StartEvent.define({ payload: z.string().min(1) }) {}

export class LoopEvent extends BaseEvent {}
export class GetSentimentEvent extends BaseEvent {}
export class BuyEvent extends BaseEvent {}
export class SellEvent extends BaseEvent {}
export class WSBEvent extends BaseEvent {}
export class WSBSentimentEvent extends BaseEvent {}
export class WSJEvent extends BaseEvent {}
export class WSJSentimentEvent extends BaseEvent {}
export class TrendingPredictionEvent extends BaseEvent {}
export class PredictionResultEvent extends BaseEvent {}
export class TradeEvent extends BaseEvent {}

/** Starts the nested TradeStation: the article's `trade_station.run(sentiment=..., stock=...)`. */
export class TradeOrderEvent extends StartEvent.define({
  stock: z.string().min(1),
  sentiment: z.string(),
}) {}

/**
 * Progress written to a run's stream (the article's `ctx.write_event_to_stream`), for the
 * caller to show as it happens. `source` says which workflow and step wrote it.
 */
export class ProgressEvent extends Event.define({ source: z.string(), message: z.string() }) {}
