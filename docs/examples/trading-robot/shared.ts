import { z } from "zod";
import { Event } from "@eventloom/core";

// #region sleep
/** The article waits with asyncio.sleep; SPEED_UP=100 makes every wait 100 times shorter. */
const speedUp = Number(process.env["SPEED_UP"] ?? "1");
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms / speedUp));
// #endregion sleep

// #region events
/** Every event of the article carries its message in `payload`. */
const BaseEvent = Event.define({
  payload: z.union([z.string(), z.record(z.string(), z.unknown())]).nullable(),
});

export class SecondStepEvent extends BaseEvent {}
export class LoopEvent extends BaseEvent {}
export class GetSentimentEvent extends BaseEvent {}
export class BuyEvent extends BaseEvent {}
export class SellEvent extends BaseEvent {}
export class ProgressEvent extends BaseEvent {}
// #endregion events

// #region trader
/** Buying and selling take half a second each. */
export class StockTrader {
  async buy(stock: string): Promise<void> {
    await sleep(500);
    console.log(`Buying ${stock}`);
  }

  async sell(stock: string): Promise<void> {
    await sleep(500);
    console.log(`Selling ${stock}`);
  }
}
// #endregion trader
