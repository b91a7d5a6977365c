// The "Testing your workflows" page's journal sample, run by docs/test/testing.test.ts.
// #region journal
import { memoryJournal } from "@eventloom/core";
import { journalConformance } from "@eventloom/testing/journal";

// A store of your own: makeJournal gives a new, empty journal for each test.
journalConformance("memoryJournal", () => memoryJournal());
// #endregion journal
