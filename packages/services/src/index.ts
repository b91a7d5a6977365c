export { addWorkflows } from "./add-workflows.js";
export { runNested, type NestedRunOptions } from "./run-nested.js";
export { nestedRunsOf, type NestedRunRecord } from "./nested-runs.js";
export { bridge, type Bridge } from "./bridge.js";
export { ServiceManager, type ServiceFactory } from "./service-manager.js";
