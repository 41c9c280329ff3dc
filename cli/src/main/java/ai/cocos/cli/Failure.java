package ai.cocos.cli;

/**
 * An operation failed for a reason the user can fix: a missing or unreadable file, a key of the
 * wrong kind, an invalid manifest. The message says what is wrong and, where it is not obvious,
 * what to do; it never contains key material. {@link LocalCommand} prints it and exits with 1.
 */
final class Failure extends Exception {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the failure.
   *
   * @param message what is wrong and what to do, one or more lines
   */
  Failure(String message) {
    super(message);
  }
}
