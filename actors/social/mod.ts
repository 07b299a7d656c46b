/**
 * The social stream: Jetstream (or a replay) → the firehose → `posts-raw` → the classifier →
 * `posts-classified` → the post writer → PostgreSQL and MongoDB.
 */
export { classifierRole, firehoseRole, writerRole } from "./role.ts";
export * from "./firehose.ts";
export * from "./firehose_sources.ts";
export * from "./jetstream.ts";
export * from "./classifier.ts";
export * from "./post_writer.ts";
export * from "./cursor_store.ts";
export * from "./post_store.ts";
