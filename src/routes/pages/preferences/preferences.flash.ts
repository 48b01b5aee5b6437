import type { Anchor } from "./model";

/** Fixed confirmations, chosen by key: nothing from the URL is echoed onto the page. */
export const FLASH = {
  watch_added: "Added to your watchlist.",
  watch_removed: "Removed from your watchlist.",
  email_added: "Check that inbox: we sent a confirmation link, and nothing else goes there until it is followed.",
  channel_added: "Channel added.",
  channel_on: "Channel turned on.",
  channel_off: "Channel turned off: nothing is sent there until you turn it on again.",
  channel_removed: "Channel removed.",
  test_queued: "A test message is on its way.",
  schedule_saved: "Digest schedule saved; it applies from the next digest.",
  alerts_saved: "Alert timing saved.",
  messages_saved: "Saved.",
  unsubscribed: "You are unsubscribed from everything. Turn messages back on below whenever you like.",
  slack_added: "Slack channel added; a welcome message is on its way there.",
} as const;
export type FlashKey = keyof typeof FLASH;

/** Where on the page each confirmation is shown: the redirect's fragment scrolls there. */
export const FLASH_AT: Record<FlashKey, Anchor> = {
  watch_added: "watchlist",
  watch_removed: "watchlist",
  email_added: "channels",
  channel_added: "channels",
  channel_on: "channels",
  channel_off: "channels",
  channel_removed: "channels",
  test_queued: "channels",
  schedule_saved: "schedule",
  alerts_saved: "alerts",
  messages_saved: "messages",
  unsubscribed: "messages",
  slack_added: "channels",
};

/** The confirmation a `?done=` key names; anything else shows none. */
export function flashFor(done: string | undefined): { flash: string; at: Anchor } | undefined {
  if (!done || !Object.hasOwn(FLASH, done)) return undefined;
  const key = done as FlashKey;
  return { flash: FLASH[key], at: FLASH_AT[key] };
}
