export {
  journalConformance,
  type JournalConformanceOptions,
  type MakeJournal,
} from "./journal-conformance.js";
