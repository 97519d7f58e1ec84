// What the board derives from the hub's summary (pure, tested in tests/web/).

export const STATES = ["available", "in_consultation", "wrap_up", "away", "offline"];

/** Advisors in the order of their states (free first), then by name. */
export function sortAdvisors(advisors) {
  const rank = (state) => {
    const index = STATES.indexOf(state);
    return index < 0 ? STATES.length : index;
  };
  return [...advisors].sort(
    (a, b) =>
      rank(a.state) - rank(b.state) ||
      String(a.display_name).localeCompare(String(b.display_name), "de"),
  );
}

/** How many advisors are in each state: {available: 2, ...} with every state present. */
export function stateCounts(advisors) {
  const counts = Object.fromEntries(STATES.map((state) => [state, 0]));
  for (const advisor of advisors) {
    if (advisor.state in counts) counts[advisor.state] += 1;
  }
  return counts;
}

/** The longest wait in the queue in seconds (null when nobody waits). */
export function longestWait(queue) {
  if (!queue.length) return null;
  return Math.max(...queue.map((entry) => entry.waiting_seconds));
}

/** The seconds to show for an advisor: the consultation's length while in one, else the
 * time in the state (null for offline: how long someone has been away from work is nobody's
 * business on a big screen). */
export function advisorSeconds(advisor) {
  if (advisor.state === "offline") return null;
  if (advisor.state === "in_consultation" && advisor.consultation_seconds != null) {
    return advisor.consultation_seconds;
  }
  return advisor.state_seconds ?? null;
}
