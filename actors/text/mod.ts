/** The text-message pipeline: `text-messages` → the text writer → `text_messages`. */
export { textWriterRole } from "./role.ts";
export { createTextWriter, parseText } from "./writer.ts";
export type { TextWriterOptions } from "./writer.ts";
export * from "./store.ts";
