export type {
  RemoteHandler,
  RemoteEvent,
  RemoteEventInput,
  RemoteRunState,
} from "./remote-handler.js";
