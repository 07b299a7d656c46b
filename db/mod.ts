/** Databases: the SQL interface (PostgreSQL and PGlite), migrations and the tables' stores. */
export * from "./db.ts";
export * from "./migrate.ts";
export * from "./text_messages.ts";
export * from "./orders.ts";
export * from "./cursors.ts";
export * from "./posts.ts";
export * from "./trends.ts";
export * from "./lake.ts";
