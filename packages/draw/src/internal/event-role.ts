import {
  type EventClass,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StopEvent,
} from "@eventloom/core";
import type { EventRole } from "./graph.js";

const isA = (cls: EventClass, base: EventClass) => cls === base || cls.prototype instanceof base;

/** How an event class is drawn: start, stop, the two human-in-the-loop markers, or plain. */
export function eventRole(cls: EventClass): EventRole {
  if (isA(cls, StartEvent)) return "start";
  if (isA(cls, StopEvent)) return "stop";
  if (isA(cls, InputRequiredEvent)) return "input-required";
  if (isA(cls, HumanResponseEvent)) return "human-response";
  return "plain";
}

/** The panel's kind label for an event role. */
export function roleLabel(role: EventRole): string {
  switch (role) {
    case "start":
      return "Start event";
    case "stop":
      return "Stop event";
    case "input-required":
      return "Input required (human in the loop)";
    case "human-response":
      return "Human response (human in the loop)";
    case "plain":
      return "Event";
  }
}
