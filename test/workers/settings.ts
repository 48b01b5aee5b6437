/** The Workers-runtime suite's database (created and migrated from Node by global-setup.ts). */
export const WORKER_TEST_DATABASE_URL =
  process.env.WORKER_TEST_DATABASE_URL ?? "postgres://postgres:postgres@127.0.0.1:5432/cw_worker_test";

/** The Worker's vars and secrets in the tests (what `wrangler secret put` gives a deployment). */
export const WORKER_TEST_VARS = {
  ADMIN_TOKEN: "adm_worker_test_token_0123456789",
  INGEST_SECRET: "whsec_dGVzdC1pbmdlc3Qtc2VjcmV0LWZvci13b3JrZXJzLXRlc3Rz",
  SECRET_KEY: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
  PUBLIC_URL: "http://clausewatch.test",
  // the webhook receiver of these tests listens on 127.0.0.1
  ALLOW_PRIVATE_WEBHOOK_TARGETS: "true",
  PUBLIC_RATE_LIMIT_PER_MINUTE: "3",
  RATE_LIMIT_PER_MINUTE: "1000",
  LOG_LEVEL: "warn",
  SLACK_CLIENT_ID: "111.222",
  SLACK_CLIENT_SECRET: "slack-client-secret",
};

export const SLACK_CLIENT = { clientId: WORKER_TEST_VARS.SLACK_CLIENT_ID, clientSecret: WORKER_TEST_VARS.SLACK_CLIENT_SECRET };

/** What the fake Slack grants for the code `code-1`. */
export const SLACK_GRANT = {
  access_token: "xoxb-1111-2222-workertestabcdef",
  team: { id: "T0TEAM", name: "Acme" },
  scope: "chat:write,incoming-webhook",
  incoming_webhook: {
    channel: "#legal",
    channel_id: "C0LEGAL1",
    configuration_url: "https://acme.slack.com/services/B1",
    url: "https://hooks.slack.com/services/T0TEAM/B1/secret",
  },
};
