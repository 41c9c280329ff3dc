package ai.cocos.core.launch;

/** The assembly cannot start. The message names the cause and what to change. */
public final class LaunchException extends Exception {
  private static final long serialVersionUID = 1L;

  LaunchException(String message) {
    super(message);
  }

  LaunchException(String message, Throwable cause) {
    super(message, cause);
  }
}
