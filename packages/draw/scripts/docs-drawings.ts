import type { Workflow } from "@eventloom/core";
import {
  ApprovedTradeMonitor,
  ComplexTradeMonitor,
  SimpleWorkflow,
  TestWorkflow,
  TradeMonitorWorkflow,
  TradeMonitorWorkflowV2,
  TradeStation,
  complexTradeMonitorV2WithStation,
} from "../test/fixtures/seed-workflows.js";

/** The drawings checked in under docs/drawings/, by file name. */
export function docsDrawings(): Record<string, Workflow> {
  return {
    "simple-workflow": new SimpleWorkflow(),
    "trade-monitor-workflow": new TradeMonitorWorkflow(),
    "trade-monitor-workflow-v2": new TradeMonitorWorkflowV2(),
    "complex-trade-monitor": new ComplexTradeMonitor(),
    "trade-station": new TradeStation(),
    "complex-trade-monitor-v2": complexTradeMonitorV2WithStation(),
    "test-workflow-unbound": new TestWorkflow(),
    "approved-trade-monitor": new ApprovedTradeMonitor(),
  };
}
