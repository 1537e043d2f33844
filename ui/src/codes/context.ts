// What the Codes screen gives its dialogs: re-read the list, show an error or a notice.

export interface CodesContext {
  /** Re-reads the accounts from the backend and redraws the list. */
  refresh(): Promise<void>;
  /** Shows an error (role=alert) above the list. */
  showMessage(error: unknown): void;
  /** Shows a notice (or, with `error`, an alert) above the list. */
  notice(text: string, error: boolean): void;
  /** Clears the message area. */
  clearMessage(): void;
  /** The search text (exports take the accounts it matches). */
  query(): string;
}
