package ai.cocos.api.runner;

/**
 * A runner cannot serve on this host, or no runner for a type is installed. The message names what
 * is missing.
 */
public class RunnerUnavailableException extends RunnerException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the error.
   *
   * @param message what is missing and how to provide it
   */
  public RunnerUnavailableException(String message) {
    super(message);
  }

  /**
   * The error for a type no installed runner serves.
   *
   * @param type the requested algorithm type
   * @param installed the types that are installed
   * @return an error reading {@code runner 'x' is not installed (installed: a, b)}
   */
  public static RunnerUnavailableException notInstalled(String type, Iterable<String> installed) {
    String list = String.join(", ", installed);
    return new RunnerUnavailableException(
        "runner '"
            + type
            + "' is not installed (installed: "
            + (list.isEmpty() ? "none" : list)
            + ")");
  }
}
