// Pauses between reconnects of the board's websocket (pure, tested in tests/web/): 1 s, 2 s,
// 4 s … at most 15 s, each ±20 % so that many boards after a hub restart do not knock at once.

export const FIRST_DELAY_MS = 1000;
export const MAX_DELAY_MS = 15000;

/** The pause before reconnect number ``attempt`` (0 for the first after a drop). */
export function reconnectDelay(attempt, random = Math.random) {
  const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, attempt));
  return Math.round(base * (0.8 + random() * 0.4));
}
