import postgres from "postgres";

/**
 * On PostgreSQL every test file gets a database of its own, copied from a template that
 * global-setup migrates once: files run in parallel, and a dispatcher or planner in one file
 * must never claim another file's rows.
 */
export function templateName(baseUrl: string): string {
  return `${new URL(baseUrl).pathname.slice(1)}_tpl`;
}

export function withDatabase(baseUrl: string, name: string): string {
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Runs admin statements (CREATE/DROP DATABASE) on the server's `postgres` database. */
export async function admin<T>(baseUrl: string, fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(withDatabase(baseUrl, "postgres"), { max: 1, onnotice: () => {} });
  try {
    return await fn(sql);
  } finally {
    await sql.end();
  }
}

export async function createFromTemplate(baseUrl: string, name: string): Promise<void> {
  await admin(baseUrl, (sql) => sql.unsafe(`create database ${quoteIdent(name)} template ${quoteIdent(templateName(baseUrl))}`));
}

/** Drops the template and every per-file copy a run (this one or an aborted earlier one) left. */
export async function dropRunDatabases(baseUrl: string): Promise<void> {
  const prefix = `${templateName(baseUrl)}_`;
  await admin(baseUrl, async (sql) => {
    const dbs = await sql<{ datname: string }[]>`select datname from pg_database where starts_with(datname, ${prefix})`;
    for (const { datname } of dbs) await sql.unsafe(`drop database if exists ${quoteIdent(datname)} with (force)`);
    await sql.unsafe(`drop database if exists ${quoteIdent(templateName(baseUrl))} with (force)`);
  });
}
