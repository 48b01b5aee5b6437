import { defineConfig } from "drizzle-kit";

// Migrations are generated here and committed; they are applied at start-up and by the tests
// through drizzle's migrator, never with `drizzle-kit push`.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/schema/index.ts",
  out: "./drizzle",
});
