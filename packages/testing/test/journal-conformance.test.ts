// The conformance suite on core's reference journal.
import { memoryJournal } from "@eventloom/core";
import { journalConformance } from "@eventloom/testing/journal";

journalConformance("memoryJournal", () => memoryJournal());
