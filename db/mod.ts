/**
 * Databases shared by every pipeline: the SQL interface (PostgreSQL and PGlite, errors
 * classified), versioned migrations, and the isolation of records a database refuses. Each
 * pipeline's tables have their store in its folder (`actors/<pipeline>/store.ts`).
 */
export * from "./db.ts";
export * from "./migrate.ts";
export * from "./isolate.ts";
export * from "./log_db.ts";
export * from "./log_reader.ts";
