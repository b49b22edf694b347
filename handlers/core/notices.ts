/**
 * The fixed notices the relay itself sends users (not the agent's answers): help, a new session, a
 * refusal, a failure. Short, plain, and free of internals.
 */
export const notices = {
  help: "Send me a message and I will pass it to the agent.\n\n/new starts a new conversation.",
  newSession: "Started a new conversation.",
  refused: "Sorry, you are not allowed to use this bot.",
  failed: "Sorry, I could not answer that. Please try again later.",
  empty: "The agent had no answer.",
} as const;
