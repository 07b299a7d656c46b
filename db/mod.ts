/** Databases: the SQL interface (PostgreSQL and PGlite), migrations and the tables' stores. */
export * from "./db.ts";
export * from "./migrate.ts";
export * from "../actors/text/store.ts";
export * from "../actors/orders/store.ts";
export * from "../actors/social/cursor_store.ts";
export * from "../actors/social/post_store.ts";
export * from "../actors/trends/store.ts";
export * from "../actors/trends/lake.ts";
