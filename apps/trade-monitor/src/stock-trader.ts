import { SpanStatusCode, trace } from "@opentelemetry/api";
import type { TradeDesk } from "./trade-desk.js";

const tracer = trace.getTracer("trade-monitor");

/** What the trader did with a stock. */
export type TradeSide = "buy" | "sell";

/**
 * The article's `StockTrader`: placing an order takes half a second. Each order is a span of its
 * own (`StockTrader.buy` / `StockTrader.sell`), which nests under the step that placed it: the
 * step body runs inside the step's span.
 */
export class StockTrader {
  constructor(private readonly desk: TradeDesk) {}

  buy(stock: string): Promise<void> {
    return this.order("buy", stock);
  }

  sell(stock: string): Promise<void> {
    return this.order("sell", stock);
  }

  private order(side: TradeSide, stock: string): Promise<void> {
    return tracer.startActiveSpan(
      `StockTrader.${side}`,
      { attributes: { "trade.side": side, "trade.stock": stock } },
      async (span) => {
        try {
          await this.desk.sleep(500);
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }
}
